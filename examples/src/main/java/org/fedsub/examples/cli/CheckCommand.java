package org.fedsub.examples.cli;

import com.typesafe.config.Config;
import java.io.PrintStream;
import org.fedsub.runtime.engine.Experiment;
import org.fedsub.runtime.engine.Experiments;

/** {@code fedsub check <conf-file>}: validates everything a run would (data and model included), prints the settings. */
public final class CheckCommand {

    private CheckCommand() {}

    public static void execute(Args a, PrintStream out) {
        Config root = ConfigFiles.load(a.file(), a.sets());
        Runs.prometheusPort(root);
        Runs.checkpointing(root, null);
        if (root.getList("fedsub.compare.runs").isEmpty()) {
            Experiment exp = Experiments.fromConfig(root);
            Runs.trainer(root, exp, null, a.threads()); // the model, the strategy and the runtime's settings
            out.print(ConfigFiles.render(root, ""));
            out.println("ok: " + exp.name() + ": " + Runs.describe(exp) + Runs.describeRuntime(root));
        } else {
            CompareCommand.Plan plan = CompareCommand.plan(a);
            out.print(ConfigFiles.render(root, ""));
            for (CompareCommand.Member m : plan.members()) {
                out.println("ok: " + m.name() + ": " + m.description());
            }
        }
    }
}
