package org.fedsub.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.util.List;
import org.fedsub.runtime.config.ConfigError;
import org.fedsub.runtime.data.FederatedData;
import org.fedsub.runtime.data.SyntheticData;
import org.fedsub.runtime.model.Mlp;
import org.fedsub.runtime.model.Model;
import org.fedsub.runtime.strategy.StrategySettings;
import org.fedsub.runtime.strategy.StrategySettings.FedSubSettings;
import org.fedsub.runtime.strategy.TrainSettings;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

/** Experiments built in code read like sentences and take every unset value from reference.conf. */
class ExperimentBuilderTest {

    private static final String HOCON = """
            fedsub {
              name = parsed
              seed = 3
              rounds = 2
              data.synthetic { users = 4, max-samples-per-user = 40 }
              model { type = mlp, hidden = [8] }
              participation.clients-per-round = 4
              train { local-steps = 3, batch-size = 5, lr = 0.05 }
              strategy { name = fedavg, weighting = uniform }
            }
            """;

    @Test
    void parse_isTheConfigFileRoute_inOneCall() {
        Experiment parsed = Experiments.parse(HOCON);
        Experiment loaded = Experiments.fromConfig(Experiments.load(ConfigFactory.parseString(HOCON)));

        assertEquals(loaded.strategy(), parsed.strategy());
        assertEquals(loaded.train(), parsed.train());
        assertEquals(loaded.model().name(), parsed.model().name());
        assertEquals(List.of(loaded.name(), loaded.seed(), loaded.rounds()),
                List.of(parsed.name(), parsed.seed(), parsed.rounds()));
        assertSameRun(loaded, parsed);
    }

    /** Both run to the same losses and the same final model, bit for bit. */
    private static void assertSameRun(Experiment expected, Experiment actual) {
        RunResult a = new ReferenceEngine(expected).run(RoundListener.NONE);
        RunResult b = new ReferenceEngine(actual).run(RoundListener.NONE);
        for (int i = 0; i < a.rounds().size(); i++) {
            RoundMetrics x = a.rounds().get(i);
            RoundMetrics y = b.rounds().get(i);
            assertEquals(List.of(x.clientLoss(), x.testLoss(), x.testAccuracy(), x.uplinkBytes()),
                    List.of(y.clientLoss(), y.testLoss(), y.testAccuracy(), y.uplinkBytes()), "round " + (i + 1));
        }
        for (String n : a.finalModel().names()) {
            assertEquals(a.finalModel().get(n), b.finalModel().get(n), n);
        }
    }

    @Test
    void parse_syntaxError_isAConfigError() {
        ConfigError e = assertThrows(ConfigError.class, () -> Experiments.parse("fedsub { rounds = "));

        assertTrue(e.getMessage().contains("String"), e.getMessage());
    }

    @Test
    void of_withers_matchTheSameExperimentFromConfig() {
        Experiment fromConfig = Experiments.parse(HOCON);
        FederatedData data = fromConfig.data();
        Model model = new Mlp(List.of(data.train().featureDim(), 8, data.train().numClasses()), DataType.FLOAT);

        Experiment inCode = Experiment.of("parsed", model, data)
                .withSeed(3)
                .withRounds(2)
                .withParticipation(Participation.perRound(4))
                .withTrain(TrainSettings.defaults(2).withLocalSteps(3).withBatchSize(5).withLr(0.05))
                .withStrategy(StrategySettings.of("fedavg").withWeighting("uniform"));

        assertEquals(fromConfig.strategy(), inCode.strategy());
        assertEquals(fromConfig.train(), inCode.train());
        assertEquals(fromConfig.participation(), inCode.participation());
        assertEquals(fromConfig.server(), inCode.server());
        assertEquals(List.of(fromConfig.evalEvery(), fromConfig.evalTrainLimit(), fromConfig.codec().name()),
                List.of(inCode.evalEvery(), inCode.evalTrainLimit(), inCode.codec().name()));
        assertSameRun(fromConfig, inCode);
    }

    @Test
    void of_defaults_areReferenceConf() {
        FederatedData data = SyntheticData.generate(SyntheticData.Spec.fedProx(1, 1).withUsers(3)
                .withMaxSamplesPerUser(20), DataType.FLOAT, 1);
        Experiment e = Experiment.of("defaults", new Mlp(List.of(60, 10), DataType.FLOAT), data);

        assertEquals(100, e.rounds());
        assertEquals(Participation.defaults(), e.participation());
        assertEquals(StrategySettings.defaults(), e.strategy());
        assertEquals(FedSubSettings.defaults(), e.strategy().fedsub());
        assertEquals(TrainSettings.defaults(100), e.train());
    }
}
