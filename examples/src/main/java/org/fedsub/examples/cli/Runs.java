package org.fedsub.examples.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.fedsub.examples.results.Charts;
import org.fedsub.examples.results.MetricsFiles;
import org.fedsub.examples.results.RunRecord;
import org.fedsub.examples.results.Units;
import org.fedsub.runtime.engine.Experiment;
import org.fedsub.runtime.engine.ReferenceEngine;
import org.fedsub.runtime.engine.RunResult;

/** What {@code run} and {@code compare} share: results folders, the training pool, one run with its files. */
final class Runs {

    static final String CONFIG_CONF = "config.conf";
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss", Locale.ROOT);

    private Runs() {}

    /** A fresh {@code results/<name>-<timestamp>} folder (with -2, -3, ... if that exists already). */
    static Path newResultsDir(Path parent, String name) throws IOException {
        String base = safeName(name) + "-" + LocalDateTime.now().format(STAMP);
        Files.createDirectories(parent);
        Path dir = parent.resolve(base);
        for (int i = 2; ; i++) {
            try {
                return Files.createDirectory(dir);
            } catch (java.nio.file.FileAlreadyExistsException e) {
                dir = parent.resolve(base + "-" + i);
            }
        }
    }

    /** {@code name} with anything but letters, digits, dot, dash and underscore replaced by '_'. */
    static String safeName(String name) {
        String s = name.trim().replaceAll("[^A-Za-z0-9._-]+", "_");
        return s.isEmpty() || s.startsWith(".") ? "run" + s : s;
    }

    /**
     * A pool for client training of {@code threads} daemon threads, or null for one thread (run
     * inline). The engine consumes results in client order, so the numbers do not depend on it.
     */
    static ExecutorService pool(int threads) {
        if (threads <= 1) {
            return null;
        }
        return Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "fedsub-client");
            t.setDaemon(true);
            return t;
        });
    }

    /** One-line description of what is about to run. */
    static String describe(Experiment exp) {
        long params = exp.model().params().stream().mapToLong(p -> p.size()).sum();
        int perRound = exp.participation().count(exp.data().numClients());
        return String.format(Locale.ROOT, "%s on %s (%d clients, %d a round), %s (%,d parameters), %d rounds of %d "
                + "local steps", exp.strategy().name(), exp.data().name(), exp.data().numClients(), perRound,
                exp.model().name(), params, exp.rounds(), exp.train().localSteps());
    }

    /**
     * The engine of {@code exp}: creating it initialises the model and the strategy, which checks
     * what only the model can (a FedSub rank larger than a layer), so do it before starting anything.
     */
    static ReferenceEngine engine(Experiment exp, ExecutorService pool) {
        return pool == null ? new ReferenceEngine(exp) : new ReferenceEngine(exp, pool);
    }

    /** Trains {@code exp}, showing progress on {@code terminal} (null: log lines), and returns the record. */
    static RunRecord train(Experiment exp, ReferenceEngine engine, PrintStream terminal, String label) {
        Progress progress = new Progress(label, exp.rounds(), terminal);
        long t0 = System.nanoTime();
        RunResult result;
        try {
            result = engine.run(progress);
        } finally {
            progress.finish();
        }
        double wall = (System.nanoTime() - t0) / 1e9;
        return RunRecord.of(exp, result, progress.elapsedSeconds(), wall);
    }

    /** Writes metrics and plots of one run into {@code dir}. */
    static void writeResults(Path dir, RunRecord run) throws IOException {
        MetricsFiles.write(dir, run);
        Charts.writeAll(dir, List.of(run));
    }

    /** The line printed after a run. */
    static String finished(RunRecord r) {
        String quality = r.hasAccuracy()
                ? "final test accuracy " + Units.percent(r.finalAccuracy()) + " (best " + Units.percent(r.bestAccuracy())
                        + ")"
                : "final train loss " + Units.loss(r.finalTrainLoss()) + ", test loss " + Units.loss(r.finalTestLoss());
        return String.format(Locale.ROOT, "%s: %s, uplink %s, downlink %s, %.1f s", r.name(), quality,
                Units.bytes(r.result().totalUplinkBytes()), Units.bytes(r.result().totalDownlinkBytes()),
                r.wallSeconds());
    }
}
