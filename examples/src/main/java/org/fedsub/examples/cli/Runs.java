package org.fedsub.examples.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.fedsub.actors.ActorSettings;
import org.fedsub.actors.server.RoundReport;
import org.fedsub.actors.sim.ActorSimulation;
import org.fedsub.examples.results.Charts;
import org.fedsub.examples.results.MetricsEndpoint;
import org.fedsub.examples.results.MetricsFiles;
import org.fedsub.examples.results.RunRecord;
import org.fedsub.examples.results.Units;
import org.fedsub.runtime.config.ConfigError;
import org.fedsub.runtime.config.Settings;
import org.fedsub.runtime.engine.Checkpoint;
import org.fedsub.runtime.engine.Experiment;
import org.fedsub.runtime.engine.ReferenceEngine;
import org.fedsub.runtime.engine.RoundListener;
import org.fedsub.runtime.engine.RoundMetrics;
import org.fedsub.runtime.engine.RunResult;
import org.fedsub.runtime.model.ConfiguredModel;
import org.fedsub.runtime.model.ModelFiles;

/**
 * What {@code run} and {@code compare} share: results folders, the training pool, the runtime
 * ({@value #RUNTIME}: the reference engine or the actor runtime), one run with its files.
 */
final class Runs {

    static final String CONFIG_CONF = "config.conf";

    /** The final model a run's results hold, which {@code fedsub.model.init-from} continues from. */
    static final String MODEL_NPZ = "model.npz";

    /** The key that picks the runtime (examples' reference.conf). */
    static final String RUNTIME = "fedsub.runtime";
    static final List<String> RUNTIMES = List.of("reference", "actors");
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
        String start = exp.model() instanceof ConfiguredModel c && c.startSource().isPresent()
                ? " starting from " + c.startSource().get() : "";
        return String.format(Locale.ROOT, "%s on %s (%d clients, %d a round), %s (%,d parameters%s), %d rounds of %d "
                + "local steps", exp.strategy().name(), exp.data().name(), exp.data().numClients(), perRound,
                exp.model().name(), params, start, exp.rounds(), exp.train().localSteps());
    }

    /** Which runtime trains the experiment of {@code root} ({@value #RUNTIME}). */
    static String runtime(Config root) {
        return Settings.oneOf(root.getConfig("fedsub"), "fedsub", "runtime", RUNTIMES);
    }

    /** ", on actors (fedbuff, virtual clock)" for a run on the actor runtime, "" for the reference engine. */
    static String describeRuntime(Config root) {
        if (!runtime(root).equals("actors")) {
            return "";
        }
        ActorSettings s = ActorSettings.fromConfig(root);
        String rounds = switch (s.async().mode()) {
            case SYNC -> "synchronous rounds";
            case FEDBUFF -> "fedbuff, buffer " + s.async().bufferSize();
            case FEDASYNC -> "fedasync, alpha " + s.async().fedAsync().alpha() + ", "
                    + s.async().fedAsync().staleness().function().name().toLowerCase(Locale.ROOT) + " staleness";
        };
        return ", on actors (" + rounds + ", " + s.clock().name().toLowerCase(Locale.ROOT) + " clock)";
    }

    /** A run, prepared and checked: it trains when asked. */
    interface Trainer {

        /**
         * Trains, telling {@code listener} about each round; the actor runtime adds its round
         * reports. The reference engine writes checkpoints as {@code checkpointing} says (null: none).
         */
        Trained train(RoundListener listener, ReferenceEngine.Checkpointing checkpointing);
    }

    /** What a {@link Trainer} gives: the result and, on the actor runtime, a report per round. */
    record Trained(RunResult result, List<RoundReport> reports, boolean asynchronous) {}

    /**
     * The trainer of {@code exp} on the runtime {@code root} names. Creating it initialises the
     * model and the strategy, which checks what only the model can (a FedSub rank larger than a
     * layer), and on actors reads every {@code fedsub.actors} setting and checks that the strategy
     * can run in the configured round structure, so do it before starting anything.
     *
     * @param pool    client training threads of the reference engine (null: inline)
     * @param threads an explicit --threads (0: none); on actors it sizes the compute pool
     */
    static Trainer trainer(Config root, Experiment exp, ExecutorService pool, int threads) {
        if (!runtime(root).equals("actors")) {
            ReferenceEngine engine = pool == null ? new ReferenceEngine(exp) : new ReferenceEngine(exp, pool);
            return (listener, checkpointing) -> new Trained(engine.run(listener, checkpointing), List.of(), false);
        }
        ActorSettings read = ActorSettings.fromConfig(root);
        ActorSettings settings = threads > 0 ? read.withComputePoolSize(threads) : read;
        // Fails now, naming the key, if the strategy cannot run in the configured mode.
        settings.async().serverStrategy(ActorSimulation.newStrategy(exp), exp);
        // The launcher's actor systems log through SLF4J (logback, quiet by default), not to stdout.
        Config system = ConfigFactory.parseString("""
                pekko {
                  loggers = ["org.apache.pekko.event.slf4j.Slf4jLogger"]
                  logging-filter = "org.apache.pekko.event.slf4j.Slf4jLoggingFilter"
                  stdout-loglevel = "OFF"
                  log-dead-letters-during-shutdown = off
                }
                """).withFallback(root);
        return (listener, checkpointing) -> {
            ActorSimulation.Outcome o = ActorSimulation.run(exp, settings, system, listener);
            return new Trained(o.result(), o.rounds(), settings.async().asynchronous());
        };
    }

    /**
     * Trains {@code exp}, showing progress on {@code terminal} (null: log lines), appending each
     * round to {@code metrics} as it finishes, and returns the record. When {@code stop} is
     * requested the run ends after the round it is in, and the record holds the rounds run.
     */
    static RunRecord train(Experiment exp, Trainer trainer, PrintStream terminal, String label,
            MetricsFiles.Appender metrics, StopSignal stop, MetricsEndpoint endpoint) {
        return train(exp, trainer, terminal, label, metrics, stop, endpoint, null);
    }

    /** As above, writing checkpoints as {@code checkpointing} says (null: none). */
    static RunRecord train(Experiment exp, Trainer trainer, PrintStream terminal, String label,
            MetricsFiles.Appender metrics, StopSignal stop, MetricsEndpoint endpoint,
            ReferenceEngine.Checkpointing checkpointing) {
        Progress progress = new Progress(label, exp.rounds(), terminal);
        RoundListener live = endpoint == null ? RoundListener.NONE : endpoint.run(exp.name(), exp.rounds());
        long t0 = System.nanoTime();
        Trained trained;
        try {
            trained = trainer.train(new Listener(progress, metrics, stop, live), checkpointing);
        } finally {
            progress.finish();
        }
        double wall = (System.nanoTime() - t0) / 1e9;
        int done = trained.result().rounds().size();
        return RunRecord.of(exp, trained.result(), Arrays.copyOf(progress.elapsedSeconds(), done), wall,
                trained.reports(), trained.asynchronous());
    }

    /**
     * What a run tells as it goes: the progress display, metrics.csv and the metrics endpoint
     * ({@code live}); and whether Ctrl-C asks it to stop.
     */
    private record Listener(Progress progress, MetricsFiles.Appender metrics, StopSignal stop, RoundListener live)
            implements RoundReport.Listener {

        @Override
        public void onRound(RoundMetrics m) {
            metrics.append(m, null);
            progress.onRound(m);
            live.onRound(m);
        }

        @Override
        public void onReport(RoundReport report) {
            metrics.append(report.metrics(), report);
            progress.onRound(report.metrics());
            live.onRound(report.metrics());
        }

        @Override
        public boolean stopRequested() {
            return stop.requested();
        }
    }

    /** The key of the Prometheus endpoint's settings (examples' reference.conf). */
    static final String PROMETHEUS = "fedsub.prometheus";

    /**
     * The Prometheus endpoint {@value #PROMETHEUS} asks for, serving from now on, or null when
     * its port is 0 (off); says where it serves on {@code out}.
     *
     * @throws Refused if the port cannot be bound
     */
    static MetricsEndpoint metricsEndpoint(Config root, PrintStream out) {
        int port = prometheusPort(root);
        if (port == 0) {
            return null;
        }
        String host = Settings.stringAt(root.getConfig(PROMETHEUS), PROMETHEUS, "host");
        try {
            MetricsEndpoint endpoint = MetricsEndpoint.start(host, port);
            out.println("metrics -> http://" + host + ":" + endpoint.port() + MetricsEndpoint.PATH);
            return endpoint;
        } catch (java.io.IOException | RuntimeException e) {
            throw new Refused("cannot serve metrics on " + host + ":" + port + " (" + Settings.path(PROMETHEUS, "port")
                    + "): " + e.getMessage());
        }
    }

    /** The Prometheus endpoint's port, 0 for none. @throws ConfigError if it is not a TCP port */
    static int prometheusPort(Config root) {
        int port = Settings.intAt(root.getConfig(PROMETHEUS), PROMETHEUS, "port");
        if (port < 0 || port > 65535) {
            throw new ConfigError(Settings.path(PROMETHEUS, "port"), port, "expected a TCP port in [1, 65535], or 0 for off");
        }
        return port;
    }

    /** The key of the checkpoint settings (examples' reference.conf). */
    static final String CHECKPOINT = "fedsub.checkpoint";

    /**
     * Where and how often a run of {@code root} into {@code dir} checkpoints, or null for none:
     * {@value #CHECKPOINT}.enabled is off, or the run is on the actor runtime (no checkpoints yet).
     *
     * @throws ConfigError if {@value #CHECKPOINT}.every is not an integer >= 1
     */
    static ReferenceEngine.Checkpointing checkpointing(Config root, Path dir) {
        Config c = root.getConfig(CHECKPOINT);
        int every = Settings.intAt(c, CHECKPOINT, "every");
        if (every < 1) {
            throw new ConfigError(Settings.path(CHECKPOINT, "every"), every, "expected an integer >= 1 (rounds between "
                    + "checkpoints)");
        }
        boolean enabled = Settings.boolAt(c, CHECKPOINT, "enabled");
        if (!enabled || runtime(root).equals("actors") || dir == null) {
            return null;
        }
        java.time.Duration minInterval = Settings.durationAt(c, CHECKPOINT, "min-interval");
        if (minInterval.isNegative()) {
            throw new ConfigError(Settings.path(CHECKPOINT, "min-interval"), minInterval,
                    "expected a duration >= 0, e.g. 30s (0: no minimum)");
        }
        return new ReferenceEngine.Checkpointing(dir.resolve(Checkpoint.FILE_NAME), every, minInterval,
                fingerprint(root));
    }

    /**
     * A hash of the settings that decide a run's numbers: the resolved {@code fedsub} tree
     * without the comparison, the metrics endpoint and the checkpoint settings. HOCON renders an
     * object's keys sorted, so equal settings give equal text whatever file they came from.
     */
    static String fingerprint(Config root) {
        Config f = root.withOnlyPath("fedsub").withoutPath("fedsub.compare").withoutPath(PROMETHEUS)
                .withoutPath(CHECKPOINT);
        String text = f.root().render(com.typesafe.config.ConfigRenderOptions.concise());
        try {
            byte[] h = java.security.MessageDigest.getInstance("SHA-256").digest(
                    text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return "sha256:" + java.util.HexFormat.of().formatHex(h);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    /** The command that continues a checkpointed run in {@code dir}. */
    static String resumeCommand(Path dir) {
        return "./fedsub resume " + shellWord(dir.toString());
    }

    /** The target accuracy of {@code root} ({@code fedsub.compare.target-accuracy}): its bytes to target go in metrics.json. */
    static double target(com.typesafe.config.Config root) {
        return org.fedsub.runtime.config.Settings.unitInterval(CompareCommand.TARGET,
                org.fedsub.runtime.config.Settings.doubleAt(root, "", CompareCommand.TARGET), true);
    }

    /** "round 48 of 150" of an interrupted run. */
    static String stoppedAt(RunRecord r) {
        return "round " + r.rounds().size() + " of " + r.plannedRounds();
    }

    /** The command that continues an interrupted run from its results folder {@code dir}: its model, the rounds left. */
    static String continueCommand(Path dir, RunRecord r) {
        return "./fedsub run " + shellWord(dir.resolve(CONFIG_CONF).toString()) + " --set "
                + shellWord("fedsub.model.init-from=" + dir.resolve(MODEL_NPZ)) + " --set fedsub.rounds="
                + (r.plannedRounds() - r.rounds().size());
    }

    /** {@code s} as one word for a POSIX shell: as is when it is safe, else in single quotes. */
    static String shellWord(String s) {
        return s.matches("[A-Za-z0-9_./=:@%+,-]+") ? s : "'" + s.replace("'", "'\\''") + "'";
    }

    /**
     * Writes metrics (metrics.json reporting the bytes until the test accuracy first reached
     * {@code target}), the final global model ({@value ModelFiles#FILE_NAME}, see docs/models.md)
     * and plots of one run into {@code dir}.
     */
    static void writeResults(Path dir, RunRecord run, double target) throws IOException {
        MetricsFiles.write(dir, run, target);
        if (run.result().finalModel() != null) {
            ModelFiles.save(dir.resolve(ModelFiles.FILE_NAME), run.architecture(), run.result().finalModel(),
                    provenance(run));
        }
        Charts.writeAll(dir, List.of(run));
    }

    /** Where the run's model comes from: the run, its rounds and its last evaluated scores (NaN: none). */
    private static ModelFiles.Provenance provenance(RunRecord run) {
        RoundMetrics last = null;
        for (RoundMetrics m : run.rounds()) {
            if (m.evaluated()) {
                last = m;
            }
        }
        return new ModelFiles.Provenance(run.name(), run.strategy(), run.seed(), run.rounds().size(),
                last == null ? Double.NaN : last.testAccuracy(), last == null ? Double.NaN : last.testLoss(),
                last == null ? Double.NaN : last.trainLoss());
    }

    /** The line printed after a run. */
    static String finished(RunRecord r) {
        String quality = r.hasAccuracy()
                ? "final test accuracy " + Units.percent(r.finalAccuracy()) + " (best " + Units.percent(r.bestAccuracy())
                        + ")"
                : "final train loss " + Units.loss(r.finalTrainLoss()) + ", test loss " + Units.loss(r.finalTestLoss())
                        + (Double.isNaN(r.optimalTrainLoss()) ? "" : String.format(Locale.ROOT,
                                " (optimum %s, gap %.3g)", Units.loss(r.optimalTrainLoss()),
                                r.finalTrainLoss() - r.optimalTrainLoss()));
        return String.format(Locale.ROOT, "%s: %s, uplink %s, downlink %s, %.1f s", r.name(), quality,
                Units.bytes(r.result().totalUplinkBytes()), Units.bytes(r.result().totalDownlinkBytes()),
                r.wallSeconds());
    }
}
