package org.fedsub.examples.cli;

import com.typesafe.config.Config;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutorService;
import org.fedsub.examples.results.MetricsEndpoint;
import org.fedsub.examples.results.MetricsFiles;
import org.fedsub.examples.results.RunRecord;
import org.fedsub.runtime.engine.Checkpoint;
import org.fedsub.runtime.engine.Experiment;
import org.fedsub.runtime.engine.Experiments;
import org.fedsub.runtime.engine.ReferenceEngine;

/**
 * {@code fedsub resume <run-folder> [--threads N]}: continues a run of the reference engine from
 * its checkpoint, with the folder's own config.conf, and ends with the files an uninterrupted run
 * would have written (metrics.csv the same bytes; timing.csv only times the resumed rounds).
 * Everything is checked before anything is written: a folder with no checkpoint, a checkpoint
 * that does not read, or one of other settings than config.conf is refused in one line.
 */
public final class ResumeCommand {

    private ResumeCommand() {}

    /** The parsed command line: the run folder and an explicit --threads (0: none). */
    public record Request(Path dir, int threads, boolean help) {}

    public static Request parse(List<String> argv) {
        Path dir = null;
        int threads = 0;
        boolean help = false;
        for (int i = 0; i < argv.size(); i++) {
            String a = argv.get(i);
            if (a.equals("-h") || a.equals("--help")) {
                help = true;
            } else if (a.equals("--threads") || a.startsWith("--threads=")) {
                String v = a.contains("=") ? a.substring(a.indexOf('=') + 1) : i + 1 < argv.size() ? argv.get(++i) : "";
                try {
                    threads = Integer.parseInt(v);
                } catch (NumberFormatException e) {
                    threads = -1;
                }
                if (threads < 1) {
                    throw new UsageError("--threads expects an integer >= 1, got '" + v + "'");
                }
            } else if (a.startsWith("-")) {
                throw new UsageError("unknown option '" + a + "' for resume (a resumed run keeps the settings of "
                        + "its folder's config.conf: no --set, no --out)");
            } else if (dir != null) {
                throw new UsageError("resume takes one run folder, got '" + dir + "' and '" + a + "'");
            } else {
                dir = Path.of(a);
            }
        }
        if (dir == null && !help) {
            throw new UsageError("resume needs the results folder of a run, e.g. fedsub resume results/quickstart");
        }
        return new Request(dir, threads, help);
    }

    /**
     * Resumes the run in {@code r.dir()}; Ctrl-C stops it again as in {@code run}.
     *
     * @throws Refused if the folder holds no usable checkpoint of its own config.conf
     */
    public static Path execute(Request r, PrintStream out, PrintStream terminal, StopSignal stop) throws IOException {
        return execute(r, out, terminal, stop, null, null);
    }

    /**
     * As above with the settings {@code given} ({@code run <file> --out DIR --resume}: the file with
     * its --set options, named {@code source}) instead of DIR's config.conf; refused unless the
     * checkpoint was written with the same settings. {@code given} null: DIR's config.conf.
     */
    static Path execute(Request r, PrintStream out, PrintStream terminal, StopSignal stop, Config given, String source)
            throws IOException {
        Path dir = r.dir();
        Path conf = dir.resolve(Runs.CONFIG_CONF);
        Path file = dir.resolve(Checkpoint.FILE_NAME);
        if (!Files.isDirectory(dir)) {
            throw new Refused("resume: " + dir + " is not a folder; give the results folder of a run");
        }
        if (!Files.isRegularFile(conf)) {
            throw new Refused("resume: " + dir + " holds no " + Runs.CONFIG_CONF + ", so it is not a fedsub results "
                    + "folder");
        }
        Config root = given != null ? given : ConfigFiles.load(conf, List.of());
        if (Runs.runtime(root).equals("actors")) {
            throw new Refused("resume: " + dir + " ran on fedsub.runtime = actors; resume is for the reference engine "
                    + "for now");
        }
        if (!Files.isRegularFile(file)) {
            throw new Refused("resume: no checkpoint in " + dir + " (no " + Checkpoint.FILE_NAME + "): the run was made "
                    + "with fedsub.checkpoint.enabled = false or with a plug-in strategy that cannot export its "
                    + "state; continue from its model.npz with fedsub.model.init-from instead");
        }
        Checkpoint checkpoint;
        try {
            checkpoint = Checkpoint.read(file);
        } catch (Checkpoint.CorruptCheckpointException e) {
            throw new Refused("resume: " + e.getMessage());
        }
        if (given != null && !checkpoint.fingerprint().equals(Runs.fingerprint(root))) {
            throw new Refused("--resume: the checkpoint " + file + " was written with other settings than " + source
                    + " and its --set options give; continue the run with its own settings: "
                    + Runs.resumeCommand(dir));
        }
        if (!checkpoint.fingerprint().equals(Runs.fingerprint(root))) {
            throw new Refused("resume: the checkpoint " + file + " was written with other settings than " + conf
                    + " holds now (was it edited?); resume continues a run with the settings it started with");
        }
        Experiment exp = Experiments.fromConfig(root);
        if (checkpoint.nextRound() >= exp.rounds()) {
            throw new Refused("resume: the run in " + dir + " finished all its " + exp.rounds() + " rounds; nothing "
                    + "to resume");
        }
        ReferenceEngine.Checkpointing checkpointing = Runs.checkpointing(root, dir);
        ExecutorService pool = Runs.pool(r.threads() > 0 ? r.threads() : Runtime.getRuntime().availableProcessors());
        MetricsEndpoint endpoint = null;
        RunRecord run;
        try {
            ReferenceEngine engine;
            try {
                engine = ReferenceEngine.resume(exp, pool == null ? Runnable::run : pool, checkpoint);
            } catch (IllegalArgumentException | UnsupportedOperationException e) {
                throw new Refused("resume: cannot continue from " + file + ": " + e.getMessage());
            }
            Runs.Trainer trainer = (listener, c) -> new Runs.Trained(engine.run(listener, c), List.of(), false);
            endpoint = Runs.metricsEndpoint(root, out);
            out.println(exp.name() + ": resuming at round " + (checkpoint.nextRound() + 1) + " of " + exp.rounds() + ": "
                    + Runs.describe(exp));
            out.println("results -> " + dir);
            stop.arm();
            try (MetricsFiles.Appender metrics = MetricsFiles.resumed(dir, checkpoint.rounds())) {
                run = Runs.train(exp, trainer, terminal, exp.name(), metrics, stop, endpoint, checkpointing);
            }
        } finally {
            if (pool != null) {
                pool.shutdownNow();
            }
            if (endpoint != null) {
                endpoint.close();
            }
        }
        Runs.writeResults(dir, run, Runs.target(root));
        out.println(Runs.finished(run));
        out.println("results in " + dir);
        if (run.interrupted()) {
            throw new RunInterrupted("interrupted at " + Runs.stoppedAt(run) + "; results in " + dir
                    + "; continue with: " + Runs.resumeCommand(dir));
        }
        return dir;
    }
}
