package org.fedsub.actors.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.fedsub.actors.Fixtures;
import org.fedsub.actors.protocol.EncodedPayload;
import org.fedsub.actors.protocol.FederatedProtocol.UpdateReady;
import org.fedsub.actors.sim.ActorSimulation;
import org.fedsub.runtime.codec.Payload;
import org.fedsub.runtime.engine.Experiment;
import org.fedsub.runtime.engine.Participation;
import org.fedsub.runtime.model.ParamSpec;
import org.fedsub.runtime.model.Params;
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
                fedAvgUpdate(exp, 0, 5, 10, 1.0), fedAvgUpdate(exp, 1, 2, 30, 2.0), fedAvgUpdate(exp, 2, 1, 50, 4.0)), 3);

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
}
