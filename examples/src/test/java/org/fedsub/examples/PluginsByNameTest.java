package org.fedsub.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.fedsub.runtime.data.Dataset;
import org.fedsub.runtime.engine.Experiment;
import org.fedsub.runtime.engine.Experiments;
import org.fedsub.runtime.engine.ReferenceEngine;
import org.fedsub.runtime.engine.RoundListener;
import org.fedsub.runtime.engine.RoundMetrics;
import org.fedsub.runtime.engine.RunResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The examples' plug-ins (org.fedsub.examples.plugins) are found by name as a user's jar's would
 * be: the strategy through {@code fedsub.strategy.name}, the model through {@code fedsub.model.type},
 * their settings in their own sections with the defaults of this module's reference.conf.
 */
class PluginsByNameTest {

    /** Cli.TINY with both plug-ins, every client each round (so that trim 0.2 drops one of five), more rounds. */
    static final String TINY_PLUGINS = Cli.TINY
            .replace("rounds = 3", "rounds = 12")
            .replace("model.type = logreg", "model { type = wide-deep, wide-deep.hidden = 8 }")
            .replace("participation.clients-per-round = 3", "participation.clients-per-round = 5")
            .replace("strategy { name = fedsub, fedsub.rank-rate = 0.5 }", "strategy { name = trimmed-mean }");

    @TempDir
    Path tmp;

    @Test
    void pluginStrategyAndModel_areFoundByName_andTheRunLearns() {
        Experiment exp = Experiments.parse(TINY_PLUGINS);
        Dataset test = exp.data().test();
        double initialLoss = exp.model().loss(exp.model().init(exp.seed()), test.all());

        RunResult r = new ReferenceEngine(exp).run(RoundListener.NONE);

        assertEquals("trimmed-mean", r.strategy());
        assertTrue(exp.model().name().startsWith("wide-deep[12-8-3,tanh]"), exp.model().name());
        assertEquals(0.2, exp.strategy().own().getDouble("trim"), "the default of the examples' reference.conf");
        RoundMetrics last = r.lastEvaluated();
        assertTrue(last.testLoss() < initialLoss, "test loss " + last.testLoss() + " below the initial " + initialLoss);
        assertTrue(last.testAccuracy() > 1.0 / 3, "test accuracy " + last.testAccuracy() + " above chance (3 classes)");
    }

    @Test
    void run_pluginsFromAConfigFile_onBothRuntimes_writeTheSameLossesAndAccuracies() throws IOException {
        Path conf = Cli.write(tmp, "plugins.conf", TINY_PLUGINS.replace("rounds = 12", "rounds = 2"));
        Path reference = tmp.resolve("reference");
        Path actors = tmp.resolve("actors");

        Cli.Result ref = Cli.run("run", conf.toString(), "--set", "fedsub.strategy.name=median",
                "--out", reference.toString(), "--threads", "1");
        Cli.Result act = Cli.run("run", conf.toString(), "--set", "fedsub.strategy.name=median",
                "--set", "fedsub.runtime=actors", "--set", "fedsub.actors.compute-pool-size=2", "--out", actors.toString());

        assertEquals(0, ref.code(), ref.err());
        assertEquals(0, act.code(), act.err());
        assertTrue(Files.readString(reference.resolve("config.conf")).contains("median"));
        List<String> expected = columns(reference.resolve("metrics.csv"), "client_loss", "test_loss", "test_accuracy");
        assertEquals(3, expected.size(), "a header and two rounds");
        assertEquals(expected, columns(actors.resolve("metrics.csv"), "client_loss", "test_loss", "test_accuracy"));
    }

    /** The named columns of a CSV file, each row joined by commas. */
    private static List<String> columns(Path csv, String... names) throws IOException {
        List<String> lines = Files.readAllLines(csv);
        List<String> header = List.of(lines.get(0).split(","));
        List<String> out = new ArrayList<>();
        for (String line : lines) {
            String[] cells = line.split(",", -1);
            List<String> picked = new ArrayList<>();
            for (String n : names) {
                assertTrue(header.contains(n), n + " in " + header);
                picked.add(cells[header.indexOf(n)]);
            }
            out.add(String.join(",", picked));
        }
        return out;
    }

    @Test
    void unknownStrategyOrModel_isRefusedListingThePluginsWithTheBuiltIns() throws IOException {
        Path conf = Cli.write(tmp, "tiny.conf", Cli.TINY);

        Cli.Result strategy = refused(conf, "fedsub.strategy.name=trimmed-meen");
        Cli.Result model = refused(conf, "fedsub.model.type=wide-dep");

        assertTrue(strategy.err().contains("fedsub.strategy.name = \"trimmed-meen\": unknown strategy; expected one of "
                + "[fedavg, fedprox, fedavgm, fedadam, scaffold, fedsub, trimmed-mean, median]"), strategy.err());
        assertTrue(model.err().contains("fedsub.model.type = \"wide-dep\": expected one of "
                + "[logreg, linear, mlp, cnn, wide-deep]"), model.err());
    }

    @Test
    void pluginSettings_areKnownKeysOfTheStrictCheck_andTheirTyposAndBadValuesAreRefused() throws IOException {
        Path conf = Cli.write(tmp, "plugins.conf", TINY_PLUGINS);

        Cli.Result ok = Cli.run("check", conf.toString(), "--set", "fedsub.strategy.trimmed-mean.trim=0.3",
                "--set", "fedsub.model.wide-deep.activation=sigmoid");
        Cli.Result typo = refused(conf, "fedsub.strategy.trimmed-mean.trimm=0.3");
        Cli.Result modelTypo = refused(conf, "fedsub.model.wide-deep.hiden=4");
        Cli.Result bad = refused(conf, "fedsub.strategy.trimmed-mean.trim=0.5");
        Cli.Result async = refused(conf, "fedsub.runtime=actors", "fedsub.actors.async.mode=fedbuff");
        Cli.Result absent = refused(conf, "fedsub.strategy.name=fedavg", "fedsub.strategy.krum.f=1");

        assertEquals(0, ok.code(), ok.err());
        assertTrue(ok.out().contains("trim = 0.3") || ok.out().contains("trim=0.3"), ok.out());
        assertTrue(typo.err().contains("fedsub.strategy.trimmed-mean.trimm: unknown key; did you mean "
                + "fedsub.strategy.trimmed-mean.trim?"), typo.err());
        assertTrue(modelTypo.err().contains("fedsub.model.wide-deep.hiden: unknown key; did you mean "
                + "fedsub.model.wide-deep.hidden?"), modelTypo.err());
        assertTrue(bad.err().contains("fedsub.strategy.trimmed-mean.trim = 0.5: expected a fraction in [0, 0.5)"),
                bad.err());
        assertTrue(async.err().contains("cannot run trimmed-mean"), async.err());
        assertTrue(absent.err().contains("fedsub.strategy.krum: unknown key")
                && absent.err().contains("a plug-in's section is known once its jar is on the class path"), absent.err());
    }

    private Cli.Result refused(Path conf, String... sets) {
        String[] args = new String[2 + 2 * sets.length];
        args[0] = "check";
        args[1] = conf.toString();
        for (int i = 0; i < sets.length; i++) {
            args[2 + 2 * i] = "--set";
            args[3 + 2 * i] = sets[i];
        }
        Cli.Result r = Cli.run(args);
        assertEquals(2, r.code(), r.out() + r.err());
        assertEquals(1, r.err().strip().lines().count(), "one line: " + r.err());
        assertFalse(r.err().contains("Exception"), r.err());
        return r;
    }
}
