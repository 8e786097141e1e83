package org.fedsub.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import org.fedsub.runtime.codec.EncodedPayload;
import org.fedsub.runtime.codec.Payload;
import org.fedsub.runtime.compute.HostArrays;
import org.fedsub.runtime.data.ClientData;
import org.fedsub.runtime.strategy.ClientAlgorithm;
import org.fedsub.runtime.strategy.ClientUpdate;
import org.fedsub.runtime.strategy.Strategy;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A client's update tensors go back to the thread's spare memory once the update is sent, when
 * (and only when) the algorithm marked them {@link Payload#spentOnceSent}: FedAvg's are, and the
 * next round's arrays take their memory; an unmarked update is left as the algorithm made it.
 */
class ClientStepMemoryTest {

    /** {@code real}, recording the update payloads it returns, or (with {@code unmarked}) an unmarked copy of each. */
    private static ClientAlgorithm recording(ClientAlgorithm real, boolean unmarked, List<Payload> returned) {
        return new ClientAlgorithm() {
            @Override
            public ClientUpdate train(int round, Payload task, ClientData data) {
                ClientUpdate u = real.train(round, task, data);
                if (unmarked) {
                    Payload copy = new Payload();
                    u.payload().fields().forEach(copy::field);
                    u.payload().tensors().forEach((n, t) -> copy.tensor(n, t.dup()));
                    u = new ClientUpdate(u.clientId(), u.round(), u.numExamples(), u.trainLoss(), copy);
                }
                returned.add(u.payload());
                return u;
            }
        };
    }

    /** Up to 256 new arrays shaped as {@code like}: whatever spare memory this thread holds for it. */
    private static Set<INDArray> sparesLike(INDArray like) {
        Set<INDArray> got = Collections.newSetFromMap(new IdentityHashMap<>());
        for (int i = 0; i < 256; i++) {
            got.add(HostArrays.uninitialised(like.dataType(), like.shape()));
        }
        return got;
    }

    /** Client 0 of a run of {@code strategy}, recording its updates as {@link #recording} says, and its task of round 0. */
    private record Client(Experiment exp, EncodedPayload task, List<Payload> returned, ClientStep step) {
        static Client fedAvg(boolean unmarked) {
            return of("fedavg", unmarked);
        }

        static Client of(String strategy, boolean unmarked) {
            Experiment exp = Tiny.experiment(strategy);
            Strategy s = Tiny.strategy(exp);
            List<Payload> returned = new ArrayList<>();
            return new Client(exp, new ServerStep(exp, s).tasks(0, new int[] {0}).get(0), returned,
                    ClientStep.of(exp, recording(s.newClient(0), unmarked, returned), 0, null));
        }
    }

    @Test
    void aFedAvgUpdate_givesItsMemoryBackOnceSent_andTheBytesSentAreThoseOfFreshMemory() {
        Client c = Client.fedAvg(false);

        EncodedUpdate first = c.step().train(0, c.task());
        assertTrue(c.returned().get(0).isSpentOnceSent(), "FedAvg's update is its own copy of the model");
        INDArray sent = c.returned().get(0).tensors().values().iterator().next();
        assertTrue(sparesLike(sent).contains(sent), "the sent update's memory is spare again");

        // Trained again (from recycled memory throughout) and by a client that never recycled: the same bytes.
        EncodedUpdate again = c.step().train(0, c.task());
        EncodedUpdate fresh = ClientStep.of(c.exp(), Tiny.strategy(c.exp()).newClient(0), 0, null).train(0, c.task());
        assertArrayEquals(fresh.update().bytes(), first.update().bytes());
        assertArrayEquals(fresh.update().bytes(), again.update().bytes());
    }

    @Test
    void anUpdateNotMarkedSpent_isLeftAsTheAlgorithmMadeIt() {
        Client c = Client.fedAvg(true);

        c.step().train(0, c.task());
        Payload kept = c.returned().get(0);
        assertFalse(kept.isSpentOnceSent());
        List<INDArray> before = kept.tensors().values().stream().map(INDArray::dup).toList();
        Set<INDArray> spares = sparesLike(before.get(0));
        spares.forEach(a -> a.assign(-7)); // what a later array in recycled memory would do
        c.step().train(0, c.task());

        List<INDArray> after = new ArrayList<>(kept.tensors().values());
        assertFalse(after.stream().anyMatch(spares::contains), "not recycled");
        assertEquals(before, after, "its values are as the algorithm made them");
    }

    @Test
    void aFedSubUpdate_givesBackItsPlainDeltas_butKeepsItsSubspaceUpdate_untilAcknowledged() {
        Client c = Client.of("fedsub", false);

        EncodedUpdate first = c.step().train(0, c.task());
        Payload up = c.returned().get(0);
        Set<INDArray> spent = Collections.newSetFromMap(new IdentityHashMap<>());
        spent.addAll(up.spentTensors());
        List<INDArray> pending = up.tensors().values().stream().filter(t -> !spent.contains(t)).toList();
        assertFalse(spent.isEmpty(), "the plain parameters' deltas are spent once sent");
        assertFalse(pending.isEmpty(), "B stays pending until the acknowledgement");
        for (INDArray t : spent) {
            assertTrue(sparesLike(t).contains(t), "a sent delta's memory is spare again");
        }
        List<INDArray> before = pending.stream().map(INDArray::dup).toList();
        pending.forEach(t -> sparesLike(t).forEach(a -> a.assign(-7))); // what later arrays in recycled memory would do
        assertEquals(before, pending, "B keeps its values: it was not recycled");

        // The bytes sent are those of a client that never recycled.
        EncodedUpdate fresh = ClientStep.of(c.exp(), Tiny.strategy(c.exp()).newClient(0), 0, null).train(0, c.task());
        assertArrayEquals(fresh.update().bytes(), first.update().bytes());
    }
}
