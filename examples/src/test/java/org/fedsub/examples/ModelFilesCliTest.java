package org.fedsub.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.fedsub.actors.sim.ActorSimulation;
import org.fedsub.examples.cli.ConfigFiles;
import org.fedsub.runtime.engine.Experiment;
import org.fedsub.runtime.engine.Experiments;
import org.fedsub.runtime.io.NpyArray;
import org.fedsub.runtime.io.Npz;
import org.fedsub.runtime.model.ModelFiles;
import org.fedsub.runtime.model.Params;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run saves its final model as {@code model.npz}; {@code fedsub evaluate} scores it to the run's
 * last test accuracy, digit for digit; {@code fedsub.model.init-from} starts a run from it; and
 * every way a model file can be wrong is one line and exit code 2.
 */
class ModelFilesCliTest {

    @TempDir
    Path tmp;

    /** The cells of the last row of a run's metrics.csv, by column name. */
    private static Map<String, String> lastRow(Path runDir) throws IOException {
        List<String> csv = Files.readAllLines(runDir.resolve("metrics.csv"));
        String[] header = csv.get(0).split(",");
        String[] cells = csv.get(csv.size() - 1).split(",", -1);
        Map<String, String> row = new LinkedHashMap<>();
        for (int i = 0; i < header.length; i++) {
            row.put(header[i], cells[i]);
        }
        return row;
    }

    private Path tinyRun(String name, String... sets) throws IOException {
        Path conf = Cli.write(tmp, "tiny.conf", Cli.TINY);
        Path out = tmp.resolve(name);
        String[] args = new String[5 + 2 * sets.length];
        args[0] = "run";
        args[1] = conf.toString();
        args[2] = "--out";
        args[3] = out.toString();
        args[4] = "--threads=1";
        for (int i = 0; i < sets.length; i++) {
            args[5 + 2 * i] = "--set";
            args[6 + 2 * i] = sets[i];
        }
        Cli.Result r = Cli.run(args);
        assertEquals(0, r.code(), r.out() + r.err());
        return out;
    }

    private static void assertEvaluatesToItsLastRow(Path runDir, String... args) throws IOException {
        Map<String, String> last = lastRow(runDir);

        Cli.Result r = Cli.run(args);

        assertEquals(0, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("exact: test_accuracy=" + last.get("test_accuracy") + " test_loss="
                + last.get("test_loss") + " train_accuracy="), r.out() + " vs " + last);
        assertTrue(r.out().contains(" train_loss=" + last.get("train_loss") + "\n"), r.out() + " vs " + last);
        assertTrue(r.out().contains("test accuracy " + String.format(java.util.Locale.ROOT, "%.2f%%",
                100 * Double.parseDouble(last.get("test_accuracy")))), r.out());
        assertTrue(r.out().contains("saved by run 'tiny' (fedsub) after 3 rounds"), r.out());
    }

    @Test
    void run_savesModelNpz_andEvaluateGivesItsFinalTestAccuracyExactly() throws IOException {
        Path run = tinyRun("run");

        assertTrue(Files.isRegularFile(run.resolve("model.npz")));
        Npz npz = Npz.read(run.resolve("model.npz"));
        assertEquals(List.of("fc.weight", "fc.bias"), List.copyOf(npz.arrays().keySet()));
        assertTrue(npz.files().containsKey("fedsub.json"));
        assertEvaluatesToItsLastRow(run, "evaluate", run.toString());
        assertEvaluatesToItsLastRow(run, "evaluate", run.resolve("model.npz").toString());
        assertEvaluatesToItsLastRow(run, "evaluate", run.resolve("model.npz").toString(),
                run.resolve("config.conf").toString());
    }

    @Test
    void actorRun_savesItsModelToo_andInitFromStartsTheActorRuntimeThere() throws IOException {
        Path run = tinyRun("actors", "fedsub.runtime=actors", "fedsub.actors.compute-pool-size=1");
        assertEvaluatesToItsLastRow(run, "evaluate", run.toString());

        Path model = run.resolve("model.npz");
        Experiment exp = Experiments.fromConfig(ConfigFiles.load(Cli.write(tmp, "again.conf", Cli.TINY),
                List.of(ConfigFiles.parseSet("fedsub.model.init-from=" + model))));
        Params start = ActorSimulation.newStrategy(exp).globalModel();
        Params saved = ModelFiles.read(model).params(exp.model());
        for (String name : saved.names()) {
            assertEquals(saved.get(name), start.get(name), name);
        }
    }

    @Test
    void initFrom_aRunStartsFromTheSavedModel_andSaysSo() throws IOException {
        Path first = tinyRun("first");
        Path model = first.resolve("model.npz");

        Path second = tinyRun("second", "fedsub.model.init-from=" + model, "fedsub.rounds=1");

        assertEquals(model.toString(), ConfigFactory.parseFile(second.resolve("config.conf").toFile())
                .getString("fedsub.model.init-from"), "a rerun of config.conf starts from the same file");
        Cli.Result again = Cli.run("check", second.resolve("config.conf").toString());
        assertTrue(again.out().contains("starting from " + model), again.out());
    }

    @Test
    void compare_savesEachMembersModel() throws IOException {
        Path conf = Cli.write(tmp, "cmp.conf", Cli.TINY + """
                fedsub.compare.runs = [
                  { name = a, set { "fedsub.strategy.name" = fedavg } }
                  { name = b, set { "fedsub.strategy.name" = scaffold } }
                ]
                """);
        Path out = tmp.resolve("cmp");

        Cli.Result r = Cli.run("compare", conf.toString(), "--out", out.toString(), "--set", "fedsub.rounds=1");

        assertEquals(0, r.code(), r.err());
        for (String member : List.of("a", "b")) {
            Map<String, String> last = lastRow(out.resolve(member));
            Cli.Result e = Cli.run("evaluate", out.resolve(member).toString());
            assertEquals(0, e.code(), e.err());
            assertTrue(e.out().contains("test_accuracy=" + last.get("test_accuracy") + " "), e.out());
        }
    }

    /** Exit code 2 and exactly one line on stderr, containing {@code expected}. */
    private static void assertRefused(Cli.Result r, String expected) {
        assertEquals(2, r.code(), r.out() + r.err());
        assertEquals(1, r.err().lines().count(), "one line: " + r.err());
        assertTrue(r.err().contains(expected), r.err());
    }

    @Test
    void evaluate_badInputs_oneLineAndExit2() throws IOException {
        Path run = tinyRun("run");
        Path model = run.resolve("model.npz");

        assertRefused(Cli.run("evaluate", tmp.resolve("none").toString()), "no such model file: " + tmp.resolve("none"));
        assertRefused(Cli.run("evaluate", tmp.toString()), "no such model file: " + tmp.resolve("model.npz"));

        Path notNpz = Files.writeString(tmp.resolve("notes.npz"), "hello");
        assertRefused(Cli.run("evaluate", notNpz.toString(), run.resolve("config.conf").toString()),
                notNpz + ": not a .npz (zip) file");

        assertRefused(Cli.run("evaluate", run.toString(), "--set", "fedsub.data.synthetic.dim=10"),
                model + " holds logreg[12-3] for 12 features and 3 outputs per example, but the data of "
                        + run.resolve("config.conf"));

        Npz npz = Npz.read(model);
        Map<String, NpyArray> arrays = new LinkedHashMap<>(npz.arrays());
        arrays.remove("fc.bias");
        Npz.of(arrays, npz.files()).write(tmp.resolve("nobias.npz"), false);
        assertRefused(Cli.run("evaluate", tmp.resolve("nobias.npz").toString(), run.resolve("config.conf").toString()),
                "no parameter 'fc.bias' (expected shape (1, 3) for logreg[12-3]); the file holds fc.weight (12, 3)");

        arrays.put("fc.bias", NpyArray.ofFloats(new float[4], 1, 4));
        Npz.of(arrays, npz.files()).write(tmp.resolve("wide.npz"), false);
        assertRefused(Cli.run("evaluate", tmp.resolve("wide.npz").toString(), run.resolve("config.conf").toString()),
                "parameter 'fc.bias' has shape (1, 4), but logreg[12-3] expects (1, 3)");

        Cli.Result noConf = Cli.run("evaluate", tmp.resolve("wide.npz").toString());
        assertRefused(noConf, "no config.conf next to " + tmp.resolve("wide.npz"));
    }

    @Test
    void initFrom_aModelOfOtherShapes_isRefusedBeforeAnythingIsCreated() throws IOException {
        Path model = tinyRun("first").resolve("model.npz");
        Path conf = Cli.write(tmp, "tiny.conf", Cli.TINY);
        Path out = tmp.resolve("never");

        Cli.Result r = Cli.run("run", conf.toString(), "--out", out.toString(), "--set", "fedsub.data.synthetic.dim=10",
                "--set", "fedsub.model.init-from=" + model);

        assertRefused(r, "fedsub.model.init-from = \"" + model + "\": parameter 'fc.weight' has shape (12, 3), but "
                + "logreg[10-3] expects (10, 3)");
        assertFalse(Files.exists(out), "nothing is created");
    }
}
