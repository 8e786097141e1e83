package org.fedsub.examples.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import com.typesafe.config.ConfigValueType;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import org.fedsub.examples.results.Charts;
import org.fedsub.examples.results.MetricsEndpoint;
import org.fedsub.examples.results.MetricsFiles;
import org.fedsub.examples.results.RunRecord;
import org.fedsub.examples.results.Summary;
import org.fedsub.runtime.config.ConfigError;
import org.fedsub.runtime.config.Settings;
import org.fedsub.runtime.engine.Experiment;
import org.fedsub.runtime.engine.Experiments;

/**
 * {@code fedsub compare <conf-file>}: the members of {@code fedsub.compare.runs}, each the file's
 * settings with its own {@code set} on top (and the command line's {@code --set} over both), run
 * one after another. Every member is checked (data and model built) before the first starts.
 * Each member gets a subfolder with its own results; the comparison folder gets the overlay
 * plots and the summary table.
 */
public final class CompareCommand {

    static final String RUNS = "fedsub.compare.runs";
    static final String TARGET = "fedsub.compare.target-accuracy";

    private CompareCommand() {}

    /** A member, checked: its name, its folder name and its resolved root config. */
    record Member(String name, String folder, Config root, String description) {}

    /** The checked comparison. */
    record Plan(String name, Config root, double target, List<Member> members) {}

    /** Reads and checks the comparison file and every member, building nothing that lasts. */
    static Plan plan(Args a) {
        Config base = ConfigFiles.parseFile(a.file());
        Config cli = ConfigFiles.overrides(a.sets());
        Config user = cli.withFallback(base);
        ConfigFiles.checkKnownKeys(user);
        Config root = Experiments.load(user);
        double target = Settings.unitInterval(TARGET, Settings.doubleAt(root, "", TARGET), true);
        ConfigList runs;
        try {
            runs = root.getList(RUNS);
        } catch (com.typesafe.config.ConfigException e) {
            throw new ConfigError(RUNS, "expected a list of { name = ..., set { ... } }", e);
        }
        if (runs.isEmpty()) {
            throw new ConfigError(RUNS, List.of(), "expected at least one run, e.g. runs = [ { name = fedavg, set { "
                    + "\"fedsub.strategy.name\" = fedavg } }, { name = fedsub, set { \"fedsub.strategy.name\" = fedsub } } ]");
        }
        Config reference = ConfigFactory.defaultReference();
        List<Member> members = new ArrayList<>();
        Set<String> folders = new HashSet<>();
        for (int i = 0; i < runs.size(); i++) {
            String at = RUNS + "[" + i + "]";
            if (runs.get(i).valueType() != ConfigValueType.OBJECT) {
                throw new ConfigError(at, runs.get(i).unwrapped(), "expected an object { name = ..., set { ... } }");
            }
            ConfigObject run = (ConfigObject) runs.get(i);
            for (String key : run.keySet()) {
                if (!key.equals("name") && !key.equals("set")) {
                    throw ConfigFiles.error(at + "." + key, "unknown key; a run has only name and set");
                }
            }
            ConfigValue nameValue = run.get("name");
            if (nameValue == null || nameValue.valueType() != ConfigValueType.STRING
                    || ((String) nameValue.unwrapped()).isBlank()) {
                throw new ConfigError(at + ".name", nameValue == null ? null : nameValue.unwrapped(),
                        "expected a non-empty name (it labels the run's folder, plot line and table row)");
            }
            String name = ((String) nameValue.unwrapped()).trim();
            String folder = Runs.safeName(name);
            if (!folders.add(folder)) {
                throw new ConfigError(at + ".name", name, "expected a name unique in the comparison (as a folder: "
                        + folder + ")");
            }
            Config sets = ConfigFactory.empty();
            ConfigValue setValue = run.get("set");
            if (setValue != null) {
                if (setValue.valueType() != ConfigValueType.OBJECT) {
                    throw new ConfigError(at + ".set", setValue.unwrapped(),
                            "expected an object of overrides, e.g. set { \"fedsub.strategy.name\" = fedavg }");
                }
                sets = flatten((ConfigObject) setValue, List.of(), sets, at + ".set", reference);
            }
            Config memberUser = cli.withFallback(sets).withFallback(base)
                    .withValue("fedsub.name", ConfigValueFactory.fromAnyRef(name));
            try {
                Config memberRoot = Experiments.load(memberUser).withoutPath("fedsub.compare");
                Experiment exp = Experiments.fromConfig(memberRoot);
                // Checks what needs the model (a FedSub rank above a layer's size) and the runtime's settings.
                Runs.trainer(memberRoot, exp, null, a.threads());
                members.add(new Member(name, folder, memberRoot, Runs.describe(exp) + Runs.describeRuntime(memberRoot)));
            } catch (ConfigError e) {
                throw new ConfigError(at, "run '" + name + "': " + e.getMessage(), (Throwable) e);
            }
        }
        return new Plan(root.getString("fedsub.name"), root, target, members);
    }

    /**
     * Runs the plan; returns the comparison folder. Ctrl-C ({@code stop}) ends the member that is
     * running after its current round and starts no other; the members run so far get their
     * results, the comparison its plots and summary, and {@link RunInterrupted} says how to continue.
     */
    public static Path execute(Args a, PrintStream out, PrintStream terminal, StopSignal stop) throws IOException {
        if (a.out() != null) {
            OutputFolder.check(a.out(), a.overwrite());
        }
        Plan plan = plan(a);
        MetricsEndpoint endpoint = Runs.metricsEndpoint(plan.root(), out);
        Path dir;
        try {
            dir = a.out() != null ? OutputFolder.prepare(a.out(), a.overwrite())
                    : Runs.newResultsDir(Path.of("results"), plan.name());
        } catch (IOException | RuntimeException e) {
            if (endpoint != null) {
                endpoint.close();
            }
            throw e;
        }
        Files.writeString(dir.resolve(Runs.CONFIG_CONF), ConfigFiles.render(plan.root(), RunCommand.header(a)
                .replace("fedsub run", "fedsub compare")), StandardCharsets.UTF_8);
        out.println(plan.name() + ": comparing " + plan.members().size() + " runs -> " + dir);
        List<RunRecord> records = new ArrayList<>();
        boolean anyReference = plan.members().stream().anyMatch(m -> !Runs.runtime(m.root()).equals("actors"));
        ExecutorService pool = anyReference ? Runs.pool(a.threadsOrDefault()) : null;
        String interrupted = null;
        String resume = "";
        stop.arm();
        try {
            int i = 0;
            for (Member m : plan.members()) {
                i++;
                if (stop.requested() && !records.isEmpty()) {
                    interrupted = "interrupted after run '" + records.get(records.size() - 1).name() + "' ("
                            + (i - 1) + " of " + plan.members().size() + ")";
                    break;
                }
                // Built again here, not kept from planning: only one member's data is in memory at a time.
                Experiment exp = Experiments.fromConfig(m.root());
                Path memberDir = Files.createDirectories(dir.resolve(m.folder()));
                Files.writeString(memberDir.resolve(Runs.CONFIG_CONF), ConfigFiles.render(m.root(),
                        "# Member '" + m.name() + "' of " + a.file() + "; rerun it alone with ./fedsub run <this file>\n"),
                        StandardCharsets.UTF_8);
                out.println("[" + i + "/" + plan.members().size() + "] " + m.name() + ": " + m.description());
                RunRecord r;
                try (MetricsFiles.Appender metrics = MetricsFiles.appender(memberDir,
                        Runs.runtime(m.root()).equals("actors"))) {
                    r = Runs.train(exp, Runs.trainer(m.root(), exp, pool, a.threads()), terminal,
                            "[" + i + "/" + plan.members().size() + "] " + m.name(), metrics, stop, endpoint);
                }
                Runs.writeResults(memberDir, r, plan.target());
                out.println(Runs.finished(r));
                records.add(r);
                if (r.interrupted()) {
                    interrupted = "interrupted at " + Runs.stoppedAt(r) + " of run '" + m.name() + "' (" + i + " of "
                            + plan.members().size() + ")";
                    resume = "; continue that run with: " + Runs.continueCommand(memberDir, r);
                    break;
                }
            }
        } finally {
            if (pool != null) {
                pool.shutdownNow();
            }
            if (endpoint != null) {
                endpoint.close();
            }
        }
        Charts.writeAll(dir, records);
        Summary.write(dir, records, plan.target());
        out.println();
        out.print(Summary.markdown(records, plan.target()));
        out.println();
        out.println("results in " + dir + " (" + Summary.SUMMARY_MD + ", " + Summary.SUMMARY_CSV + ", plots, one folder per run)");
        if (interrupted != null) {
            List<String> notStarted = plan.members().subList(records.size(), plan.members().size()).stream()
                    .map(Member::name).toList();
            throw new RunInterrupted(interrupted + "; results in " + dir
                    + (notStarted.isEmpty() ? "" : "; not started: " + String.join(", ", notStarted)
                            + " (./fedsub compare " + Runs.shellWord(a.file().toString()) + " runs them all again)")
                    + resume);
        }
        return dir;
    }

    /**
     * Adds the leaves of a {@code set} object as overrides. Keys may be quoted full paths
     * ({@code "fedsub.train.lr" = 0.1}) or nested ({@code fedsub.train { lr = 0.1 }}); each must
     * exist in reference.conf.
     */
    private static Config flatten(ConfigObject obj, List<String> prefix, Config acc, String at, Config reference) {
        for (Map.Entry<String, ConfigValue> e : obj.entrySet()) {
            List<String> path = new ArrayList<>(prefix);
            path.addAll(List.of(e.getKey().split("\\.", -1)));
            if (e.getValue().valueType() == ConfigValueType.OBJECT) {
                acc = flatten((ConfigObject) e.getValue(), path, acc, at, reference);
                continue;
            }
            String key = ConfigUtil.joinPath(path);
            if (!path.get(0).equals("fedsub")) {
                throw new ConfigError(at, String.join(".", path),
                        "expected a full path under fedsub, e.g. \"fedsub.strategy.name\"");
            }
            try {
                ConfigFiles.checkKnown(reference, path, e.getValue());
            } catch (ConfigError err) {
                throw new ConfigError(at, err.getMessage(), (Throwable) err);
            }
            acc = acc.withValue(key, e.getValue());
        }
        return acc;
    }
}
