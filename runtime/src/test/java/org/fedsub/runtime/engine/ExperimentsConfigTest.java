package org.fedsub.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import org.fedsub.runtime.config.ConfigError;
import org.junit.jupiter.api.Test;

/** Bad configuration fails at start-up naming the HOCON path, the value and what would be right. */
class ExperimentsConfigTest {

    private static final String TINY = "fedsub { rounds = 2, data.synthetic { users = 4, max-samples-per-user = 40 },"
            + " model.type = logreg, participation.clients-per-round = 4 }\n";

    private static ConfigError error(String overrides) {
        return assertThrows(ConfigError.class, () -> {
            Experiment e = Experiments.fromConfig(Experiments.load(ConfigFactory.parseString(TINY + overrides)));
            new ReferenceEngine(e);
        });
    }

    private static void assertMentions(ConfigError e, String... parts) {
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), "'" + e.getMessage() + "' should mention '" + p + "'");
        }
    }

    @Test
    void defaults_buildARunnableExperiment() {
        Experiment e = Experiments.fromConfig(Experiments.load(ConfigFactory.parseString(TINY)));
        assertEquals("fedsub", e.strategy().name());
        assertEquals(4, e.data().numClients());
        RunResult r = new ReferenceEngine(e).run(RoundListener.NONE);
        assertEquals(2, r.rounds().size());
    }

    @Test
    void unknownStrategy() {
        assertMentions(error("fedsub.strategy.name = fedsgd"), "fedsub.strategy.name", "fedsgd", "fedavg", "scaffold");
    }

    @Test
    void unknownGenerator() {
        assertMentions(error("fedsub.strategy.fedsub.generator = qr"), "fedsub.strategy.fedsub.generator", "qr",
                "cd", "svd");
    }

    @Test
    void rankLargerThanTheLayer() {
        assertMentions(error("fedsub.strategy.fedsub.rank = 61"), "fedsub.strategy.fedsub.rank", "61", "n = 60",
                "fc.weight");
    }

    @Test
    void negativeRates() {
        assertMentions(error("fedsub.strategy.fedsub { rank = 0, rank-rate = -0.5 }"),
                "fedsub.strategy.fedsub.rank-rate", "-0.5", "(0, 1]");
        assertMentions(error("fedsub.train.lr = -0.1"), "fedsub.train.lr", "-0.1", "> 0");
        assertMentions(error("fedsub.participation { clients-per-round = 0, fraction = -1 }"),
                "fedsub.participation.fraction", "-1");
    }

    @Test
    void wrongType() {
        assertMentions(error("fedsub.rounds = many"), "fedsub.rounds", "many", "integer");
    }

    @Test
    void missingDataFiles() {
        assertMentions(error("fedsub.data { type = mnist, partition.type = iid, mnist.dir = /nonexistent/mnist }"),
                "fedsub.data", "/nonexistent/mnist", "get-data");
    }

    @Test
    void layersPatternMatchingNothing() {
        assertMentions(error("fedsub.strategy.fedsub.layers = \"conv.*\""), "fedsub.strategy.fedsub.layers", "conv.*",
                "fc.weight");
    }
}
