package org.fedsub.examples.cli;

import com.typesafe.config.Config;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import org.fedsub.examples.results.MetricsEndpoint;
import org.fedsub.examples.results.MetricsFiles;
import org.fedsub.examples.results.RunRecord;
import org.fedsub.runtime.engine.Experiment;
import org.fedsub.runtime.engine.Experiments;

/** {@code fedsub run <conf-file>}: one experiment, its results folder, a line of results. */
public final class RunCommand {

    private RunCommand() {}

    /**
     * Loads and checks everything (the --out folder, config, data, model) before creating any
     * folder, then runs. metrics.csv grows a line per finished round; Ctrl-C ({@code stop}) ends
     * the run after its current round, writes the results as at a normal end and throws
     * {@link RunInterrupted} saying how to continue.
     *
     * @param terminal where to draw the progress bar, or null to log progress lines instead
     * @return the results folder
     */
    public static Path execute(Args a, PrintStream out, PrintStream terminal, StopSignal stop) throws IOException {
        if (a.resume()) {
            return ResumeCommand.execute(new ResumeCommand.Request(a.out(), a.threads(), false), out, terminal, stop,
                    ConfigFiles.load(a.file(), a.sets()), a.file().toString());
        }
        if (a.out() != null) {
            OutputFolder.check(a.out(), a.overwrite());
        }
        Config root = ConfigFiles.load(a.file(), a.sets());
        Experiment exp = Experiments.fromConfig(root);
        Runs.checkpointing(root, null); // checks fedsub.checkpoint before any folder is made
        boolean actors = Runs.runtime(root).equals("actors");
        ExecutorService pool = actors ? null : Runs.pool(a.threadsOrDefault());
        Runs.Trainer trainer;
        try {
            trainer = Runs.trainer(root, exp, pool, a.threads());
        } catch (RuntimeException e) {
            if (pool != null) {
                pool.shutdownNow();
            }
            throw e;
        }
        RunRecord run;
        Path dir;
        org.fedsub.runtime.engine.ReferenceEngine.Checkpointing checkpointing;
        MetricsEndpoint endpoint = null;
        try {
            endpoint = Runs.metricsEndpoint(root, out);
            dir = a.out() != null ? OutputFolder.prepare(a.out(), a.overwrite())
                    : Runs.newResultsDir(Path.of("results"), exp.name());
            Files.writeString(dir.resolve(Runs.CONFIG_CONF), ConfigFiles.render(root.withoutPath("fedsub.compare"),
                    header(a)), StandardCharsets.UTF_8);
            out.println(exp.name() + ": " + Runs.describe(exp) + Runs.describeRuntime(root));
            out.println("results -> " + dir);
            checkpointing = Runs.checkpointing(root, dir);
            stop.arm();
            try (MetricsFiles.Appender metrics = MetricsFiles.appender(dir, actors)) {
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
            boolean resumable = checkpointing != null && Files.isRegularFile(checkpointing.file());
            throw new RunInterrupted("interrupted at " + Runs.stoppedAt(run) + "; results in " + dir
                    + "; continue with: " + (resumable ? Runs.resumeCommand(dir) : Runs.continueCommand(dir, run)));
        }
        return dir;
    }

    static String header(Args a) {
        StringBuilder b = new StringBuilder("# The resolved settings of this run: ./fedsub run ").append(a.file());
        for (ConfigFiles.Override o : a.sets()) {
            b.append(" --set ").append(o.text());
        }
        return b.append("\n# Rerun it with: ./fedsub run <this file>\n").toString();
    }
}
