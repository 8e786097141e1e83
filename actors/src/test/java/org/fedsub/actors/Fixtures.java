package org.fedsub.actors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import org.fedsub.runtime.codec.RawCodec;
import org.fedsub.runtime.data.FederatedData;
import org.fedsub.runtime.data.SyntheticData;
import org.fedsub.runtime.engine.Experiment;
import org.fedsub.runtime.engine.Experiments;
import org.fedsub.runtime.engine.Participation;
import org.fedsub.runtime.model.LogisticRegression;
import org.fedsub.runtime.model.Model;
import org.fedsub.runtime.model.Params;
import org.fedsub.runtime.strategy.StrategySettings;
import org.fedsub.runtime.strategy.TrainSettings;
import org.nd4j.linalg.api.buffer.DataType;

/** Tiny experiments shared by the actor tests. */
public final class Fixtures {

    public static final long SEED = 7;

    private Fixtures() {}

    /**
     * Synthetic(1,1) over 6 users of at most 60 examples, logistic regression in float64 with a
     * lossless float64 codec; FedSub changes basis every 2 rounds.
     */
    public static Experiment experiment(String strategy, int rounds, Participation participation) {
        FederatedData data = SyntheticData.generate(
                SyntheticData.Spec.fedProx(1, 1).withUsers(6).withMaxSamplesPerUser(60), DataType.DOUBLE, SEED);
        Model model = new LogisticRegression(data.train().featureDim(), data.train().numClasses(), DataType.DOUBLE);
        StrategySettings s = StrategySettings.fromConfig(Experiments.load(ConfigFactory.parseString(
                "fedsub.strategy { name = " + strategy + ", fedsub.update-cp-freq = 10 }")));
        TrainSettings train = TrainSettings.sgd(5, 10, 0.05, rounds);
        return new Experiment("test-" + strategy, SEED, rounds, participation, 1, 0, new RawCodec(DataType.DOUBLE), model,
                data, train, s);
    }

    /** Default settings from reference.conf, with a deadline and quick restarts for tests. */
    public static ActorSettings settings(Duration deadline) {
        return ActorSettings.fromConfig(Experiments.load(ConfigFactory.empty()))
                .withRoundDeadline(deadline)
                .withClientRestarts(2, new ActorSettings.Backoff(Duration.ofMillis(20), Duration.ofMillis(50), 0.2,
                        Duration.ofMinutes(10)));
    }

    /** Asserts two models are equal bit for bit. */
    public static void assertSameModel(Params expected, Params actual) {
        assertEquals(expected.names(), actual.names());
        for (String n : expected.names()) {
            assertArrayEquals(expected.get(n).shape(), actual.get(n).shape(), n);
            assertArrayEquals(expected.get(n).dup().data().asDouble(), actual.get(n).dup().data().asDouble(), 0.0, n);
        }
    }
}
