package org.fedsub.examples.plugins;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.fedsub.runtime.codec.Payload;
import org.fedsub.runtime.model.LogisticRegression;
import org.fedsub.runtime.model.Model;
import org.fedsub.runtime.model.ParamSpec;
import org.fedsub.runtime.model.Params;
import org.fedsub.runtime.strategy.ClientUpdate;
import org.fedsub.runtime.strategy.PayloadKeys;
import org.fedsub.runtime.strategy.Strategies;
import org.fedsub.runtime.strategy.Strategy;
import org.fedsub.runtime.strategy.StrategyContext;
import org.fedsub.runtime.strategy.StrategySettings;
import org.fedsub.runtime.strategy.TrainSettings;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The plug-in strategies, built by name, keep one hostile client from moving the global model. */
class TrimmedMeanStrategyTest {

    private static final Model MODEL = new LogisticRegression(6, 3, DataType.DOUBLE);
    private static final int CLIENTS = 5;

    private static Strategy strategy(String name) {
        return Strategies.create(StrategySettings.of(name),
                new StrategyContext(MODEL, TrainSettings.defaults(1), 1, CLIENTS, MODEL.init(1)));
    }

    /** Four honest clients' small changes and client 4's change of {@code attack} in every coordinate. */
    private static List<ClientUpdate> round0(double attack) {
        SplittableRandom rnd = new SplittableRandom(9);
        List<ClientUpdate> ups = new ArrayList<>();
        for (int id = 0; id < CLIENTS; id++) {
            Payload p = new Payload().field(PayloadKeys.ROUND, 0);
            for (ParamSpec s : MODEL.params()) {
                INDArray d = Nd4j.zeros(DataType.DOUBLE, s.shape());
                for (long k = 0; k < d.length(); k++) {
                    d.putScalar(k, id == CLIENTS - 1 ? attack : 0.01 * rnd.nextGaussian());
                }
                p.tensor(PayloadKeys.delta(s.name()), d);
            }
            ups.add(new ClientUpdate(id, 0, 20, 1.0, p));
        }
        return ups;
    }

    private static Params after(String name, double attack) {
        Strategy s = strategy(name);
        s.aggregate(0, round0(attack), List.of());
        return s.globalModel();
    }

    @Test
    void robustStrategies_oneHostileClient_doesNotMoveTheModel_whileFedAvgFollowsIt() {
        for (String name : List.of("trimmed-mean", "median")) {
            Params mild = after(name, 0.05);
            Params hostile = after(name, 1e6);
            for (String n : mild.names()) {
                assertEquals(mild.get(n), hostile.get(n), name + " " + n);
            }
            assertTrue(hostile.dup().subi(MODEL.init(1)).norm2() < 1, name + " moved by honest-sized steps");
        }
        assertTrue(after("fedavg", 1e6).dup().subi(MODEL.init(1)).norm2() > 1e4, "FedAvg's mean follows the attacker");
    }

    @Test
    void robustStrategies_sendTheModel_andRunOnlyInSynchronousRounds() {
        Strategy s = strategy("trimmed-mean");

        Payload task = s.configure(0, 2);

        assertTrue(task.has(PayloadKeys.model(MODEL.params().get(0).name())));
        assertEquals("trimmed-mean", s.name());
        assertTrue(s.whyNotAsynchronous().orElseThrow().contains("trimmed mean"));
    }
}
