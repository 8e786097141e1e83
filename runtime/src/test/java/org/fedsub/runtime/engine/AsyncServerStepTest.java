package org.fedsub.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.function.IntToDoubleFunction;
import org.fedsub.runtime.codec.EncodedPayload;
import org.fedsub.runtime.codec.Payload;
import org.fedsub.runtime.model.ParamSpec;
import org.fedsub.runtime.model.Params;
import org.fedsub.runtime.strategy.AsyncAggregation;
import org.fedsub.runtime.strategy.ClientAlgorithm;
import org.fedsub.runtime.strategy.ClientUpdate;
import org.fedsub.runtime.strategy.Strategy;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** FedBuff's and FedAsync's arithmetic: the {@link AsyncAggregation} wrapper under a {@link ServerStep}. */
class AsyncServerStepTest {

    private static final IntToDoubleFunction FEDBUFF = s -> 1.0 / Math.sqrt(1.0 + s);

    private static EncodedUpdate fedAvgUpdate(Experiment exp, int client, int round, long examples, double value) {
        Payload p = new Payload().field("round", round);
        for (ParamSpec s : exp.model().params()) {
            p.tensor("d:" + s.name(), Nd4j.valueArrayOf(s.shape(), value, exp.model().dtype()));
        }
        return new EncodedUpdate(round, client, examples, 0.5, new EncodedPayload(exp.codec().name(), exp.codec().encode(p)));
    }

    @Test
    void aggregateBuffered_weightsEachUpdateByExamplesAndStaleness_andDropsTheTooStale() {
        Experiment exp = Tiny.experiment("fedavg");
        Strategy strategy = Tiny.strategy(exp);
        Params before = strategy.globalModel().dup();
        ServerStep work = new ServerStep(exp, new AsyncAggregation(strategy, true, 3, FEDBUFF, 1));

        long n0 = exp.data().client(0).numExamples();
        long n1 = exp.data().client(1).numExamples();
        work.tasks(1, new int[] {2});
        work.tasks(2, new int[] {1});
        work.tasks(5, new int[] {0});

        // At version 5: a fresh update (s = 0), one 3 versions old, one 4 versions old (too stale for 3).
        ServerStep.Outcome o = work.aggregate(5, List.of(fedAvgUpdate(exp, 0, 5, n0, 1.0),
                fedAvgUpdate(exp, 1, 2, n1, 2.0), fedAvgUpdate(exp, 2, 1, 1, 4.0)), List.of());

        assertEquals(List.of(0, 1), o.used());
        assertEquals(1, o.rejected().size());
        assertTrue(o.rejected().get(0).reason().contains("versions old"));
        assertEquals(java.util.Map.of("stale", 1), o.rejectedBy());
        double expected = (n0 * 1.0 * 1.0 + n1 * 2.0 / Math.sqrt(4)) / (n0 + n1);
        for (String n : before.names()) {
            INDArray moved = strategy.globalModel().get(n).sub(before.get(n));
            assertEquals(expected, moved.minNumber().doubleValue(), 1e-12, n);
            assertEquals(expected, moved.maxNumber().doubleValue(), 1e-12, n);
        }
    }

    @Test
    void aggregateBuffered_fedAsync_movesTheModelByAlphaTimesTheStalenessWeight() {
        Experiment exp = Tiny.experiment("fedavg");
        Strategy strategy = Tiny.strategy(exp);
        Params before = strategy.globalModel().dup();
        // FedAsync: alpha 0.5 times a hinge with a grace of 2 and slope 10.
        IntToDoubleFunction hinge = s -> 0.5 * (s <= 2 ? 1.0 : 1.0 / (10 * (s - 2) + 1.0));
        ServerStep work = new ServerStep(exp, new AsyncAggregation(strategy, true, 20, hinge, 4));

        work.tasks(2, new int[] {1});

        // 3 versions old, one past the hinge's grace of 2: s = 1 / (10 * 1 + 1).
        ServerStep.Outcome o = work.aggregate(5, List.of(fedAvgUpdate(exp, 1, 2, exp.data().client(1).numExamples(), 2.0)), List.of());

        assertEquals(List.of(1), o.used());
        double expected = 0.5 / 11 * 2.0;
        for (String n : before.names()) {
            INDArray moved = strategy.globalModel().get(n).sub(before.get(n));
            assertEquals(expected, moved.minNumber().doubleValue(), 1e-12, n);
            assertEquals(expected, moved.maxNumber().doubleValue(), 1e-12, n);
        }
    }

    @Test
    void aggregateBuffered_fedAsyncFedSub_acknowledgesTheMeanOfTheWindowInTheSameBasis() {
        Experiment exp = Tiny.experiment("fedsub");
        Strategy strategy = Tiny.strategy(exp);
        ServerStep work = new ServerStep(exp, new AsyncAggregation(strategy, true, 20, s -> 1.0, 2));
        // Both train on version 0 (basis 0); they are applied at versions 0 and 1.
        EncodedUpdate first = trained(exp, strategy, 0, 0);
        EncodedUpdate second = trained(exp, strategy, 1, 0);

        work.tasks(0, new int[] {0, 1});
        Payload ack0 = ack(exp, work.aggregate(0, List.of(first), List.of()), 0);
        Payload ack1 = ack(exp, work.aggregate(1, List.of(second), List.of()), 1);

        Payload b0 = decode(exp, first.update());
        Payload b1 = decode(exp, second.update());
        double n0 = first.numExamples();
        double n1 = second.numExamples();
        for (String name : ack1.tensors().keySet()) {
            assertTrue(name.startsWith("b:"), name);
            assertEquals(b0.tensor(name), ack0.tensor(name), "the first of a window is acknowledged with itself");
            INDArray mean = b0.tensor(name).mul(n0).add(b1.tensor(name).mul(n1)).div(n0 + n1);
            assertTrue(mean.equalsWithEps(ack1.tensor(name), 1e-12), name + ": " + ack1.tensor(name) + " vs " + mean);
        }
    }

    @Test
    void freshUpdatesInOneGroup_areExactlyASynchronousRound() {
        Experiment exp = Tiny.experiment("fedsub");
        Strategy syncStrategy = Tiny.strategy(exp);
        Strategy asyncInner = Tiny.strategy(exp);
        ServerStep sync = new ServerStep(exp, syncStrategy);
        ServerStep async = new ServerStep(exp, new AsyncAggregation(asyncInner, true, 3, FEDBUFF, 1));
        List<EncodedUpdate> updates = List.of(trained(exp, syncStrategy, 0, 0), trained(exp, syncStrategy, 2, 0),
                trained(exp, syncStrategy, 5, 0));

        sync.tasks(0, new int[] {0, 2, 5});
        async.tasks(0, new int[] {0, 2, 5});
        ServerStep.Outcome s = sync.aggregate(0, updates, List.of());
        ServerStep.Outcome a = async.aggregate(0, updates, List.of());

        assertEquals(s.used(), a.used());
        assertEquals(s.clientLoss(), a.clientLoss(), 0.0);
        for (int id : s.used()) {
            assertEquals(s.ackFor(id), a.ackFor(id), "acknowledgement of client " + id + ", byte for byte");
        }
        for (String n : syncStrategy.globalModel().names()) {
            assertEquals(syncStrategy.globalModel().get(n), asyncInner.globalModel().get(n), n);
        }
    }

    @Test
    void fedBuffFedSub_staleUpdates_areAcknowledgedSoTheirDualsMoveByThePartTheModelTook() {
        Experiment exp = Tiny.experiment("fedsub");
        Strategy strategy = Tiny.strategy(exp);
        ServerStep work = new ServerStep(exp, new AsyncAggregation(strategy, true, 20, FEDBUFF, 1));
        // Clients 0 and 1 trained on version 0 (basis 0), client 2 on version 2 (basis 1): applied at version 2.
        EncodedUpdate a = trained(exp, strategy, 0, 0);
        EncodedUpdate b = trained(exp, strategy, 1, 0);
        EncodedUpdate c = trained(exp, strategy, 2, 2);
        work.tasks(0, new int[] {0, 1});
        work.tasks(2, new int[] {2});

        ServerStep.Outcome o = work.aggregate(2, List.of(c, a, b), List.of());

        assertEquals(List.of(0, 1, 2), o.used());
        Payload pa = decode(exp, a.update());
        Payload pb = decode(exp, b.update());
        Payload pc = decode(exp, c.update());
        Payload ackA = decode(exp, o.ackFor(0));
        Payload ackC = decode(exp, o.ackFor(2));
        double na = a.numExamples();
        double nb = b.numExamples();
        double sw = FEDBUFF.applyAsDouble(2);
        for (String name : ackA.tensors().keySet()) {
            INDArray mean = pa.tensor(name).mul(na).add(pb.tensor(name).mul(nb)).div(na + nb);
            // b_a - ack_a = sw (b_a - mean): the dual moves by the staleness-weighted part.
            INDArray expected = pa.tensor(name).mul(1 - sw).add(mean.mul(sw));
            assertTrue(expected.equalsWithEps(ackA.tensor(name), 1e-12), name + ": " + ackA.tensor(name));
            assertTrue(pc.tensor(name).equalsWithEps(ackC.tensor(name), 1e-12), name + ": fresh and alone: itself");
        }
    }

    @Test
    void fedBuffFedSub_dualStep_movesEachDualByThatFractionOfItsStalenessWeightedDrift() {
        Experiment exp = Tiny.experiment("fedsub");
        Strategy strategy = Tiny.strategy(exp);
        double eta = 0.25;
        ServerStep work = new ServerStep(exp, new AsyncAggregation(strategy, true, 20, FEDBUFF, 1, eta));
        // Clients 0 and 1 trained on version 0 (basis 0), client 2 on version 2 (basis 1): applied at version 2.
        EncodedUpdate a = trained(exp, strategy, 0, 0);
        EncodedUpdate b = trained(exp, strategy, 1, 0);
        EncodedUpdate c = trained(exp, strategy, 2, 2);
        work.tasks(0, new int[] {0, 1});
        work.tasks(2, new int[] {2});

        ServerStep.Outcome o = work.aggregate(2, List.of(c, a, b), List.of());

        Payload pa = decode(exp, a.update());
        Payload pb = decode(exp, b.update());
        Payload pc = decode(exp, c.update());
        Payload ackA = decode(exp, o.ackFor(0));
        Payload ackC = decode(exp, o.ackFor(2));
        double na = a.numExamples();
        double nb = b.numExamples();
        double step = eta * FEDBUFF.applyAsDouble(2);
        for (String name : ackA.tensors().keySet()) {
            INDArray mean = pa.tensor(name).mul(na).add(pb.tensor(name).mul(nb)).div(na + nb);
            // b_a - ack_a = eta sw (b_a - mean).
            INDArray expected = pa.tensor(name).mul(1 - step).add(mean.mul(step));
            assertTrue(expected.equalsWithEps(ackA.tensor(name), 1e-12), name + ": " + ackA.tensor(name));
            assertTrue(pc.tensor(name).equalsWithEps(ackC.tensor(name), 1e-12),
                    name + ": alone in its basis, its dual does not move whatever the step");
        }
        assertThrows(IllegalArgumentException.class, () -> new AsyncAggregation(strategy, true, 20, FEDBUFF, 1, 0.0));
    }

    @Test
    void fedBuffFedSub_versionGroupsOfOneBasis_shareOneMean_weightedByStaleness() {
        Experiment exp = Tiny.experiment("fedsub");
        Strategy strategy = Tiny.strategy(exp);
        ServerStep work = new ServerStep(exp, new AsyncAggregation(strategy, true, 20, FEDBUFF, 1));
        // Versions 0 and 1 are both in basis 0 (tau 5, a new basis every 10 local steps).
        work.tasks(0, new int[] {0});
        work.tasks(1, new int[] {1});
        EncodedUpdate a = trained(exp, strategy, 0, 0);
        EncodedUpdate b = trained(exp, strategy, 1, 1);

        ServerStep.Outcome o = work.aggregate(1, List.of(a, b), List.of());

        Payload ackB = decode(exp, o.ackFor(1));
        Payload pa = decode(exp, a.update());
        Payload pb = decode(exp, b.update());
        double wa = a.numExamples() * FEDBUFF.applyAsDouble(1);
        double wb = b.numExamples();
        for (String name : ackB.tensors().keySet()) {
            INDArray mean = pa.tensor(name).mul(wa).add(pb.tensor(name).mul(wb)).div(wa + wb);
            assertTrue(mean.equalsWithEps(ackB.tensor(name), 1e-12),
                    name + ": the fresh client gets the mean of its basis, client 0's update included");
        }
    }

    @Test
    void strategiesThatCannotRunAsynchronously_areRefusedNamingWhy() {
        IllegalArgumentException scaffold = assertThrows(IllegalArgumentException.class,
                () -> new AsyncAggregation(Tiny.strategy(Tiny.experiment("scaffold")), true, 3, FEDBUFF, 1));
        assertTrue(scaffold.getMessage().contains("synchronous rounds"), scaffold.getMessage());

        Experiment svd = Tiny.experiment("fedsub", "fedsub.generator = svd");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new AsyncAggregation(Tiny.strategy(svd), true, 3, FEDBUFF, 1));
        assertTrue(e.getMessage().contains("seeded projection generator"), e.getMessage());
    }

    private static EncodedUpdate trained(Experiment exp, Strategy strategy, int client, int round) {
        ClientAlgorithm c = strategy.newClient(client);
        ClientUpdate u = c.train(round, strategy.configure(round, client), exp.data().client(client));
        return new EncodedUpdate(round, client, u.numExamples(), u.trainLoss(),
                new EncodedPayload(exp.codec().name(), exp.codec().encode(u.payload())));
    }

    private static Payload ack(Experiment exp, ServerStep.Outcome o, int client) {
        assertEquals(List.of(client), o.used());
        return decode(exp, o.ackFor(client));
    }

    private static Payload decode(Experiment exp, EncodedPayload p) {
        return p.read(b -> exp.codec().decode(b, exp.model().dtype()));
    }
}
