package org.fedsub.runtime.strategy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.fedsub.runtime.config.ConfigError;
import org.fedsub.runtime.data.FederatedData;
import org.fedsub.runtime.data.SyntheticData;
import org.fedsub.runtime.engine.Participation;
import org.fedsub.runtime.model.Mlp;
import org.fedsub.runtime.model.Model;
import org.fedsub.runtime.strategy.StrategySettings.ServerOptimizerSettings;
import org.fedsub.runtime.subspace.Generator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A client node builds client halves with {@link Strategies#clients} and no server (here: no
 * initial model and no client count to build one from); they train exactly as the server's own.
 */
class StandaloneClientsTest {

    private static final long SEED = 5;
    private static final int ROUNDS = 6;

    private static final FederatedData DATA = SyntheticData.generate(
            SyntheticData.Spec.fedProx(1, 1).withUsers(5).withMaxSamplesPerUser(40), DataType.DOUBLE, SEED);
    private static final Model MODEL = new Mlp(List.of(DATA.train().featureDim(), 6, DATA.train().numClasses()),
            DataType.DOUBLE);

    private static StrategySettings settings(String name, Generator g) {
        return new StrategySettings(name, true, 0.05, 1.0, ServerOptimizerSettings.plain(),
                Runs.fedsub(0.5, g, 10, true, true));
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"fedavg, cd", "fedprox, cd", "fedavgm, cd", "fedadam, cd", "scaffold, cd", "fedsub, cd",
        "fedsub, rd", "fedsub, svd"})
    void standaloneClients_trainBitForBitAsTheServersOwn(String name, String generator) {
        StrategySettings s = settings(name, Generator.of(generator));
        TrainSettings train = new TrainSettings(5, 8, 0.05, "constant", 0, 1.0, 0.5, 0, false, 1e-3, ROUNDS);
        int n = DATA.numClients();
        Strategy server = Strategies.create(s, new StrategyContext(MODEL, train, SEED, n, MODEL.init(SEED)));
        ClientFactory standalone = Strategies.clients(s, new StrategyContext(MODEL, train, SEED, 0, null));
        ClientAlgorithm[] own = new ClientAlgorithm[n];
        ClientAlgorithm[] alone = new ClientAlgorithm[n];
        for (int id = 0; id < n; id++) {
            own[id] = server.newClient(id);
            alone[id] = standalone.newClient(id);
        }
        Participation participation = new Participation(3, 1.0, 1);
        for (int r = 0; r < ROUNDS; r++) {
            List<ClientUpdate> updates = new ArrayList<>();
            for (int id : participation.sample(r, n, SEED)) {
                var task = server.configure(r, id);
                ClientUpdate expected = own[id].train(r, task, DATA.client(id));
                ClientUpdate actual = alone[id].train(r, task, DATA.client(id));
                assertEquals(expected.trainLoss(), actual.trainLoss(), 0.0, "round " + r);
                assertEquals(expected.payload().fields(), actual.payload().fields(), "round " + r);
                assertEquals(expected.payload().tensors().keySet(), actual.payload().tensors().keySet());
                for (Map.Entry<String, INDArray> t : expected.payload().tensors().entrySet()) {
                    assertArrayEquals(t.getValue().dup().data().asDouble(),
                            actual.payload().tensor(t.getKey()).dup().data().asDouble(), 0.0, t.getKey() + " round " + r);
                }
                updates.add(expected);
            }
            Aggregate agg = server.aggregate(r, updates, List.of());
            for (int id : agg.used()) {
                own[id].onAggregated(r, agg.ack());
                alone[id].onAggregated(r, agg.ack());
                assertArrayEquals(own[id].exportState(), alone[id].exportState(), "client " + id + " round " + r);
            }
        }
    }

    @Test
    void standaloneFedSubClients_checkTheirLayerTable() {
        StrategySettings s = new StrategySettings("fedsub", true, 0.0, 1.0, ServerOptimizerSettings.plain(),
                new StrategySettings.FedSubSettings(0, 0.5, Generator.CD, 10, "nothing", true, true));
        ConfigError e = assertThrows(ConfigError.class, () -> Strategies.clients(s,
                new StrategyContext(MODEL, TrainSettings.sgd(1, 0, 0.1, 1), SEED, 0, null)));
        assertTrue(e.getMessage().contains("fedsub.strategy.fedsub.layers"), e.getMessage());
    }
}
