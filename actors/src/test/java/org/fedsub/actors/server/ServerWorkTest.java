package org.fedsub.actors.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.fedsub.actors.ActorSettings.Async;
import org.fedsub.actors.ActorSettings.FedAsync;
import org.fedsub.actors.ActorSettings.Staleness;
import org.fedsub.actors.Fixtures;
import org.fedsub.actors.protocol.EncodedPayload;
import org.fedsub.actors.protocol.FederatedProtocol.UpdateReady;
import org.fedsub.actors.sim.ActorSimulation;
import org.fedsub.runtime.codec.Payload;
import org.fedsub.runtime.engine.Experiment;
import org.fedsub.runtime.engine.Participation;
import org.fedsub.runtime.model.ParamSpec;
import org.fedsub.runtime.model.Params;
import org.fedsub.runtime.strategy.ClientAlgorithm;
import org.fedsub.runtime.strategy.ClientUpdate;
import org.fedsub.runtime.strategy.Strategy;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class ServerWorkTest {

    private static UpdateReady fedAvgUpdate(Experiment exp, int client, int round, long examples, double value) {
        Payload p = new Payload().field("round", round);
        for (ParamSpec s : exp.model().params()) {
            p.tensor("d:" + s.name(), Nd4j.valueArrayOf(s.shape(), value, exp.model().dtype()));
        }
        return new UpdateReady(round, client, examples, 0.5, new EncodedPayload(exp.codec().name(), exp.codec().encode(p)));
    }

    @Test
    void aggregateBuffered_weightsEachUpdateByExamplesAndStaleness_andDropsTheTooStale() {
        Experiment exp = Fixtures.experiment("fedavg", 10, Participation.full());
        Strategy strategy = ActorSimulation.newStrategy(exp);
        Params before = strategy.globalModel().dup();
        ServerWork work = new ServerWork(exp, strategy);

        // At version 5: a fresh update (s = 0), one 3 versions old, one 4 versions old (too stale for 3).
        ServerWork.BufferOutcome o = work.aggregateBuffered(5, List.of(
                fedAvgUpdate(exp, 0, 5, 10, 1.0), fedAvgUpdate(exp, 1, 2, 30, 2.0), fedAvgUpdate(exp, 2, 1, 50, 4.0)),
                Async.fedBuff(10, 0, 3), 1);

        assertEquals(List.of(0, 1), o.used());
        assertEquals(1, o.rejected().size());
        assertTrue(o.rejected().get(0).reason().contains("versions old"));
        double expected = (10 * 1.0 * 1.0 + 30 * 2.0 / Math.sqrt(4)) / 40;
        for (String n : before.names()) {
            INDArray moved = strategy.globalModel().get(n).sub(before.get(n));
            assertEquals(expected, moved.minNumber().doubleValue(), 1e-12, n);
            assertEquals(expected, moved.maxNumber().doubleValue(), 1e-12, n);
        }
    }

    @Test
    void aggregateBuffered_fedAsync_movesTheModelByAlphaTimesTheStalenessWeight() {
        Experiment exp = Fixtures.experiment("fedavg", 10, Participation.full());
        Strategy strategy = ActorSimulation.newStrategy(exp);
        Params before = strategy.globalModel().dup();
        ServerWork work = new ServerWork(exp, strategy);
        Async fedAsync = Async.fedAsync(new FedAsync(0.5, Staleness.hinge(10, 2)), 4, 20);

        // 3 versions old, one past the hinge's grace of 2: s = 1 / (10 * 1 + 1).
        ServerWork.BufferOutcome o = work.aggregateBuffered(5, List.of(fedAvgUpdate(exp, 1, 2, 30, 2.0)), fedAsync, 4);

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
        Experiment exp = Fixtures.experiment("fedsub", 10, Participation.full());
        Strategy strategy = ActorSimulation.newStrategy(exp);
        ServerWork work = new ServerWork(exp, strategy);
        Async fedAsync = Async.fedAsync(new FedAsync(1.0, Staleness.constant()), 2, 20);
        // Both train on version 0 (basis 0); they are applied at versions 0 and 1.
        UpdateReady first = trained(exp, strategy, 0, 0);
        UpdateReady second = trained(exp, strategy, 1, 0);

        Payload ack0 = ack(exp, work.aggregateBuffered(0, List.of(first), fedAsync, 2), 0);
        Payload ack1 = ack(exp, work.aggregateBuffered(1, List.of(second), fedAsync, 2), 1);

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

    private static UpdateReady trained(Experiment exp, Strategy strategy, int client, int round) {
        ClientAlgorithm c = strategy.newClient(client);
        ClientUpdate u = c.train(round, strategy.configure(round, client), exp.data().client(client));
        return new UpdateReady(round, client, u.numExamples(), u.trainLoss(),
                new EncodedPayload(exp.codec().name(), exp.codec().encode(u.payload())));
    }

    private static Payload ack(Experiment exp, ServerWork.BufferOutcome o, int client) {
        assertEquals(List.of(client), o.used());
        return decode(exp, o.acks().get(client));
    }

    private static Payload decode(Experiment exp, EncodedPayload p) {
        return p.read(b -> exp.codec().decode(b, exp.model().dtype()));
    }
}
