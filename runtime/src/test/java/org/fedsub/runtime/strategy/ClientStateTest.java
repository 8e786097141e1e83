package org.fedsub.runtime.strategy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.fedsub.runtime.data.FederatedData;
import org.fedsub.runtime.data.SyntheticData;
import org.fedsub.runtime.engine.Participation;
import org.fedsub.runtime.model.LogisticRegression;
import org.fedsub.runtime.model.Model;
import org.fedsub.runtime.model.Params;
import org.fedsub.runtime.subspace.Generator;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Exported client state: a client rebuilt from its bytes every call trains exactly as a live one. */
class ClientStateTest {

    private static final long SEED = 11;
    private static final int ROUNDS = 7;

    private record Run(List<double[]> updates, Params model, long maxStateBytes) {}

    /**
     * Runs {@code rounds} of a strategy, 3 of 6 clients a round. With {@code roundTrip}, every
     * train and acknowledgement is done by a brand-new client object restored from the bytes the
     * previous one exported: nothing live survives between calls.
     */
    private static Run run(StrategySettings settings, DataType dtype, boolean roundTrip) {
        FederatedData data = SyntheticData.generate(
                SyntheticData.Spec.fedProx(1, 1).withUsers(6).withMaxSamplesPerUser(40), dtype, SEED);
        Model model = new LogisticRegression(data.train().featureDim(), data.train().numClasses(), dtype);
        // Momentum and weight decay, so that momentum buffers are part of the state.
        TrainSettings train = new TrainSettings(5, 8, 0.05, "constant", 0, 1.0, 0.9, 0, false, 1e-3, ROUNDS);
        int n = data.numClients();
        Strategy s = Strategies.create(settings, new StrategyContext(model, train, SEED, n, model.init(SEED)));
        ClientAlgorithm[] live = new ClientAlgorithm[n];
        byte[][] dormant = new byte[n][];
        Arrays.fill(dormant, ClientAlgorithm.NO_STATE);
        List<double[]> sent = new ArrayList<>();
        long maxState = 0;
        Participation participation = new Participation(3, 1.0, 1);
        for (int r = 0; r < ROUNDS; r++) {
            List<ClientUpdate> updates = new ArrayList<>();
            for (int id : participation.sample(r, n, SEED)) {
                ClientAlgorithm c = client(s, live, dormant, id, roundTrip);
                ClientUpdate u = c.train(r, s.configure(r, id), data.client(id));
                updates.add(u);
                for (Map.Entry<String, INDArray> t : u.payload().tensors().entrySet()) {
                    sent.add(t.getValue().dup().data().asDouble());
                }
                if (roundTrip) {
                    dormant[id] = c.exportState();
                    maxState = Math.max(maxState, dormant[id].length);
                }
            }
            Aggregate agg = s.aggregate(r, updates, List.of());
            for (int id : agg.used()) {
                ClientAlgorithm c = client(s, live, dormant, id, roundTrip);
                c.onAggregated(r, agg.ack());
                if (roundTrip) {
                    dormant[id] = c.exportState();
                }
            }
        }
        return new Run(sent, s.globalModel(), maxState);
    }

    private static ClientAlgorithm client(Strategy s, ClientAlgorithm[] live, byte[][] dormant, int id,
            boolean roundTrip) {
        if (!roundTrip) {
            if (live[id] == null) {
                live[id] = s.newClient(id);
            }
            return live[id];
        }
        ClientAlgorithm c = s.newClient(id);
        c.restoreState(dormant[id]);
        return c;
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @CsvSource({
        "fedsub, cd, DOUBLE",
        "fedsub, cd, FLOAT",
        "fedsub, rd, DOUBLE",
        "fedsub, ss, FLOAT",
        "fedsub, svd, DOUBLE",
        "scaffold, cd, DOUBLE",
        "scaffold, cd, FLOAT",
        "fedavg, cd, FLOAT",
    })
    void roundTrippedClients_trainBitForBitAsLiveOnes(String strategy, String generator, DataType dtype) {
        // The basis changes every 2 rounds, and clients sit out rounds, so restored duals get transported.
        StrategySettings settings = Runs.strategy(strategy, Runs.fedsub(0.5, Generator.of(generator), 10, true, true));

        Run liveRun = run(settings, dtype, false);
        Run restored = run(settings, dtype, true);

        assertEquals(liveRun.updates().size(), restored.updates().size());
        for (int i = 0; i < liveRun.updates().size(); i++) {
            assertArrayEquals(liveRun.updates().get(i), restored.updates().get(i), 0.0, "update tensor " + i);
        }
        for (String p : liveRun.model().names()) {
            assertArrayEquals(liveRun.model().get(p).dup().data().asDouble(),
                    restored.model().get(p).dup().data().asDouble(), 0.0, p);
        }
        assertEquals(strategy.equals("fedavg"), restored.maxStateBytes() == 0, "stateful strategies export state");
    }

    private static Strategy fedsub(DataType dtype) {
        FederatedData data = SyntheticData.generate(
                SyntheticData.Spec.fedProx(1, 1).withUsers(3).withMaxSamplesPerUser(20), dtype, SEED);
        Model model = new LogisticRegression(data.train().featureDim(), data.train().numClasses(), dtype);
        return Strategies.create(Runs.strategy("fedsub", Runs.fedsub(0.5, Generator.CD, 10, true, true)),
                new StrategyContext(model, TrainSettings.sgd(2, 5, 0.05, 2), SEED, 3, model.init(SEED)));
    }

    /** FedSub client 1 after one round trained and acknowledged: it holds duals. */
    private static FedSubClient acknowledgedFedSubClient() {
        FederatedData data = SyntheticData.generate(
                SyntheticData.Spec.fedProx(1, 1).withUsers(3).withMaxSamplesPerUser(20), DataType.FLOAT, SEED);
        Strategy s = fedsub(DataType.FLOAT);
        FedSubClient c = (FedSubClient) s.newClient(1);
        ClientUpdate u = c.train(0, s.configure(0, 1), data.client(1));
        c.onAggregated(0, s.aggregate(0, List.of(u), List.of()).ack());
        return c;
    }

    @Test
    void suspendedFedSubClient_holdsNoTensor_andResumesWithItsDuals() {
        FedSubClient c = acknowledgedFedSubClient();
        double[] duals = c.duals()[0].dup().data().asDouble();
        long bytes = c.stateBytes();

        byte[] state = c.suspend();

        assertNull(c.duals());
        assertEquals(0, c.stateBytes());
        assertTrue(state.length >= bytes && state.length < bytes + 200, state.length + " bytes for " + bytes);
        c.restoreState(state);
        assertArrayEquals(duals, c.duals()[0].dup().data().asDouble(), 0.0);
    }

    @Test
    void suspendedFedSubClient_restoredOnTheSameThread_decodesIntoRecycledMemory() {
        FedSubClient c = acknowledgedFedSubClient();
        double[] duals = c.duals()[0].dup().data().asDouble();

        // A client dormant in a store is suspended and restored at every call. Each restore
        // decodes into the memory that a suspend handed back (HostArrays.recycle), so the
        // cycles go round a few buffers instead of taking a new one each (the spares hold the
        // acknowledged B_i as well, of the same shape).
        java.util.Set<Long> addresses = new java.util.HashSet<>();
        for (int i = 0; i < 6; i++) {
            c.restoreState(c.suspend());
            addresses.add(c.duals()[0].data().address());
            assertArrayEquals(duals, c.duals()[0].dup().data().asDouble(), 0.0);
        }
        assertTrue(addresses.size() <= 2, addresses.size() + " buffers over 6 suspend/restore cycles");
    }

    @Test
    void restore_stateOfAnotherClient_isRefusedNamingBoth() {
        FederatedData data = SyntheticData.generate(
                SyntheticData.Spec.fedProx(1, 1).withUsers(3).withMaxSamplesPerUser(20), DataType.FLOAT, SEED);
        Strategy s = fedsub(DataType.FLOAT);
        ClientAlgorithm c1 = s.newClient(1);
        c1.train(0, s.configure(0, 1), data.client(1));

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> s.newClient(2).restoreState(c1.exportState()));
        assertTrue(e.getMessage().contains("client 1") && e.getMessage().contains("client 2"), e.getMessage());
        IllegalArgumentException garbage = assertThrows(IllegalArgumentException.class,
                () -> s.newClient(2).restoreState(new byte[] {1, 2, 3}));
        assertTrue(garbage.getMessage().contains("not a fedsub client state"), garbage.getMessage());
    }
}
