package org.fedsub.examples.cli;

import com.typesafe.config.Config;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import org.fedsub.examples.results.RunRecord;
import org.fedsub.runtime.engine.Experiment;
import org.fedsub.runtime.engine.Experiments;

/** {@code fedsub run <conf-file>}: one experiment, its results folder, a line of results. */
public final class RunCommand {

    private RunCommand() {}

    /**
     * Loads and checks everything (config, data, model) before creating any folder, then runs.
     *
     * @param terminal where to draw the progress bar, or null to log progress lines instead
     * @return the results folder
     */
    public static Path execute(Args a, PrintStream out, PrintStream terminal) throws IOException {
        Config root = ConfigFiles.load(a.file(), a.sets());
        Experiment exp = Experiments.fromConfig(root);
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
        Path dir = a.out() != null ? Files.createDirectories(a.out()) : Runs.newResultsDir(Path.of("results"), exp.name());
        Files.writeString(dir.resolve(Runs.CONFIG_CONF), ConfigFiles.render(root.withoutPath("fedsub.compare"), header(a)), StandardCharsets.UTF_8);
        out.println(exp.name() + ": " + Runs.describe(exp) + Runs.describeRuntime(root));
        out.println("results -> " + dir);
        RunRecord run;
        try {
            run = Runs.train(exp, trainer, terminal, exp.name());
        } finally {
            if (pool != null) {
                pool.shutdownNow();
            }
        }
        Runs.writeResults(dir, run);
        out.println(Runs.finished(run));
        out.println("results in " + dir);
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
