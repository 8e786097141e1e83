package org.fedsub.runtime.strategy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.fedsub.runtime.config.ConfigError;
import org.fedsub.runtime.config.ServicesOnClassPath;
import org.fedsub.runtime.config.Settings;
import org.fedsub.runtime.engine.Experiments;
import org.fedsub.runtime.model.LogisticRegression;
import org.fedsub.runtime.model.Model;
import org.fedsub.runtime.strategy.StrategySettings.FedSubSettings;
import org.fedsub.runtime.strategy.StrategySettings.ServerOptimizerSettings;
import org.fedsub.runtime.subspace.Generator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;

/** Strategies are found by name through ServiceLoader, fedsub's own exactly as a plug-in's. */
class StrategiesTest {

    private static final List<String> BUILT_INS = List.of("fedavg", "fedprox", "fedavgm", "fedadam", "scaffold", "fedsub");

    @TempDir
    Path jar;

    /** A plug-in as a user's jar would bring it: FedAvg under another name, with one setting of its own. */
    public static final class EchoProvider implements StrategyProvider {
        @Override
        public String name() {
            return "echo";
        }

        @Override
        public void check(Config section, String path) {
            Settings.atLeast(Settings.path(path, "level"), Settings.intAt(section, path, "level"), 0);
        }

        @Override
        public Strategy create(StrategySettings s, StrategyContext ctx) {
            return Strategies.provider("fedavg").create(s, ctx);
        }

        @Override
        public ClientFactory clients(StrategySettings s, StrategyContext ctx) {
            return Strategies.provider("fedavg").clients(s, ctx);
        }
    }

    /** A second provider that takes a built-in's name. */
    public static final class ImpostorProvider implements StrategyProvider {
        @Override
        public String name() {
            return "fedavg";
        }

        @Override
        public Strategy create(StrategySettings s, StrategyContext ctx) {
            throw new UnsupportedOperationException();
        }

        @Override
        public ClientFactory clients(StrategySettings s, StrategyContext ctx) {
            throw new UnsupportedOperationException();
        }
    }

    /** A provider named like another key of fedsub.strategy. */
    public static final class ReservedNameProvider implements StrategyProvider {
        @Override
        public String name() {
            return "weighting";
        }

        @Override
        public Strategy create(StrategySettings s, StrategyContext ctx) {
            throw new UnsupportedOperationException();
        }

        @Override
        public ClientFactory clients(StrategySettings s, StrategyContext ctx) {
            throw new UnsupportedOperationException();
        }
    }

    private <T> T withPlugins(List<Class<?>> providers, java.util.function.Supplier<T> body) {
        return ServicesOnClassPath.with(jar, Map.of(StrategyProvider.class,
                providers.stream().map(Class::getName).toList()), body);
    }

    @Test
    void names_builtIns_areFoundThroughServiceLoaderInTheirUsualOrder() {
        assertEquals(BUILT_INS, Strategies.names());
    }

    @Test
    void unknownName_isAConfigErrorListingEveryName() {
        ConfigError e = assertThrows(ConfigError.class, () -> StrategySettings.of("fedavgg"));

        assertEquals("fedsub.strategy.name", e.path());
        assertTrue(e.getMessage().startsWith("fedsub.strategy.name = \"fedavgg\": unknown strategy; expected one of "
                + BUILT_INS), e.getMessage());
    }

    @Test
    void plugin_onTheClassPath_isFoundByName_listedWithTheBuiltIns_andReadsItsOwnSection() {
        withPlugins(List.of(EchoProvider.class), () -> {
            assertEquals("echo", Strategies.names().get(BUILT_INS.size()));
            StrategySettings s = StrategySettings.fromConfig(Experiments.load(ConfigFactory.parseString(
                    "fedsub.strategy { name = echo, echo.level = 3 }")));
            assertEquals(3, s.own().getInt("level"));
            assertEquals("fedsub.strategy.echo", s.ownPath());
            Model m = new LogisticRegression(4, 3, DataType.DOUBLE);
            StrategyContext ctx = new StrategyContext(m, TrainSettings.defaults(2), 1, 5, m.init(1));
            assertInstanceOf(FedAvg.class, Strategies.create(s, ctx));
            assertTrue(Strategies.clients(s, ctx).newClient(0) instanceof FedAvgClient);

            ConfigError bad = assertThrows(ConfigError.class, () -> StrategySettings.of("echo").with("echo.level", -1));
            assertEquals("fedsub.strategy.echo.level", bad.path());
            ConfigError unknown = assertThrows(ConfigError.class, () -> StrategySettings.of("nope"));
            assertTrue(unknown.getMessage().contains("fedsub, echo]"), unknown.getMessage());
            return null;
        });
        assertEquals(BUILT_INS, Strategies.names(), "gone with its jar");
    }

    @Test
    void plugin_withABuiltInsName_orAReservedOne_isRefusedNamingTheClasses() {
        IllegalStateException twice = withPlugins(List.of(ImpostorProvider.class),
                () -> assertThrows(IllegalStateException.class, Strategies::names));
        IllegalStateException reserved = withPlugins(List.of(ReservedNameProvider.class),
                () -> assertThrows(IllegalStateException.class, Strategies::names));

        assertTrue(twice.getMessage().contains("two strategy plug-ins are named 'fedavg'")
                && twice.getMessage().contains(ImpostorProvider.class.getName()), twice.getMessage());
        assertTrue(reserved.getMessage().contains("'weighting'"), reserved.getMessage());
    }

    @Test
    void defaults_areReferenceConf_andWithersAgreeWithTheCanonicalConstructor() {
        StrategySettings fromConfig = StrategySettings.fromConfig(Experiments.load(ConfigFactory.empty()));
        FedSubSettings fs = new FedSubSettings(0, 0.25, Generator.RD, 40, "fc.*", false, true);
        StrategySettings longHand = new StrategySettings("fedprox", false, 0.1, 1.0, ServerOptimizerSettings.plain(), fs);

        StrategySettings sentence = StrategySettings.of("fedprox").withWeighting("uniform").withProxMu(0.1)
                .withFedSub(FedSubSettings.defaults().withRankRate(0.25).withGenerator(Generator.RD)
                        .withUpdateCpFreq(40).withLayers("fc.*").withDuals(false));

        assertEquals(fromConfig, StrategySettings.defaults());
        assertEquals(longHand, sentence);
        assertEquals(sentence, StrategySettings.of("fedprox").with("weighting", "uniform").with("fedprox.mu", 0.1)
                .with("fedsub.rank-rate", 0.25).with("fedsub.generator", "rd").with("fedsub.update-cp-freq", 40)
                .with("fedsub.layers", "fc.*").with("fedsub.duals", false));
        assertEquals(0.1, sentence.config().getDouble("fedprox.mu"), "the section agrees with the typed settings");
        assertEquals("uniform", sentence.config().getString("weighting"));
    }

    @Test
    void with_unknownKeyOrBadValue_isAConfigErrorNamingTheFullPath() {
        ConfigError unknown = assertThrows(ConfigError.class, () -> StrategySettings.of("fedprox").with("fedprox.muu", 1));
        ConfigError bad = assertThrows(ConfigError.class, () -> StrategySettings.of("fedsub").with("fedsub.rank", -1));

        assertEquals("fedsub.strategy.fedprox.muu", unknown.path());
        assertTrue(unknown.getMessage().contains("unknown key"), unknown.getMessage());
        assertEquals("fedsub.strategy.fedsub.rank", bad.path());
    }

    @Test
    void serverOptimizerAndTrainWithers_readLikeTheirConfigKeys() {
        ServerOptimizerSettings adam = ServerOptimizerSettings.defaults().withType("adam").withLr(0.05)
                .withBetas(0.8, 0.95).withEpsilon(1e-4);
        TrainSettings t = TrainSettings.defaults(30).withLocalSteps(20).withBatchSize(10).withLr(0.05);

        assertEquals(new ServerOptimizerSettings("adam", 0.05, 0.9, 0.8, 0.95, 1e-4), adam);
        assertEquals(TrainSettings.sgd(20, 10, 0.05, 30), t);
        assertTrue(t.withMomentum(0.9).withNesterov(true).nesterov());
        assertThrows(ConfigError.class, () -> t.withNesterov(true), "nesterov needs momentum");
    }
}
