package org.fedsub.runtime.strategy;

import static org.fedsub.runtime.strategy.Runs.fedsub;
import static org.fedsub.runtime.strategy.Runs.leastSquares;
import static org.fedsub.runtime.strategy.Runs.strategy;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.fedsub.runtime.codec.Payload;
import org.fedsub.runtime.engine.ReferenceEngine;
import org.fedsub.runtime.subspace.Generator;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** A bad update is refused with a reason and never reaches the global model. */
class UpdateValidationTest {

    private record Setup(Strategy strategy, List<ClientUpdate> good) {}

    private static Setup trainedRound(String name) {
        ReferenceEngine e = new ReferenceEngine(leastSquares(strategy(name, fedsub(0.5, Generator.CD, 5, true, true)),
                5, 0.02, 1, true));
        Strategy s = e.strategy();
        List<ClientUpdate> good = new ArrayList<>();
        for (int c = 0; c < 3; c++) {
            good.add(e.client(c).train(0, s.configure(0, c), Runs.LSQ.data().client(c)));
        }
        return new Setup(s, good);
    }

    private static ClientUpdate withTensor(ClientUpdate u, String name, INDArray value) {
        Payload p = new Payload();
        u.payload().fields().forEach(p::field);
        u.payload().tensors().forEach((k, v) -> p.tensor(k, k.equals(name) ? value : v));
        return new ClientUpdate(u.clientId(), u.round(), u.numExamples(), u.trainLoss(), p);
    }

    private static String firstTensor(ClientUpdate u) {
        return u.payload().tensors().keySet().iterator().next();
    }

    @ParameterizedTest
    @ValueSource(strings = {"fedavg", "scaffold", "fedsub"})
    void nanUpdate_isRejected_namingClientAndTensor_andTheOthersStillCount(String name) {
        Setup s = trainedRound(name);
        ClientUpdate bad = s.good().get(1);
        String t = firstTensor(bad);
        INDArray poisoned = bad.payload().tensor(t).dup();
        poisoned.putScalar(0, Double.NaN);
        List<ClientUpdate> updates = List.of(s.good().get(0), withTensor(bad, t, poisoned), s.good().get(2));
        Aggregate a = s.strategy().aggregate(0, updates, List.of());
        assertEquals(List.of(0, 2), a.used());
        assertEquals(1, a.rejected().size());
        String why = a.rejected().get(0).reason();
        assertTrue(why.contains("client 1") && why.contains(t) && why.contains("NaN"), why);
        assertTrue(!s.strategy().globalModel().hasNonFinite(), "the model must stay finite");
    }

    @ParameterizedTest
    @ValueSource(strings = {"fedavg", "fedsub"})
    void wrongShape_andUnknownClient_areRejectedWithReasons(String name) {
        Setup s = trainedRound(name);
        ClientUpdate u = s.good().get(0);
        String t = firstTensor(u);
        ClientUpdate wrongShape = withTensor(u, t, Nd4j.zeros(u.payload().tensor(t).dataType(), 2, 2));
        ClientUpdate stranger = new ClientUpdate(99, 0, 10, 0.0, s.good().get(1).payload());
        Aggregate a = s.strategy().aggregate(0, List.of(wrongShape, stranger), List.of());
        assertTrue(a.used().isEmpty());
        assertTrue(a.rejected().get(0).reason().contains("shape [2, 2], expected"), a.rejected().get(0).reason());
        assertTrue(a.rejected().get(1).reason().contains("unknown client"), a.rejected().get(1).reason());
    }

    @ParameterizedTest
    @ValueSource(strings = {"fedavg", "scaffold", "fedsub"})
    void roundWithNoUsableUpdate_leavesTheModelUnchanged(String name) {
        Setup s = trainedRound(name);
        var before = s.strategy().globalModel().dup();
        Aggregate a = s.strategy().aggregate(0, List.of(), List.of(new ClientFailure(0, 0, "dropped")));
        assertTrue(a.used().isEmpty());
        for (String n : before.names()) {
            assertEquals(before.get(n), s.strategy().globalModel().get(n));
        }
    }
}
