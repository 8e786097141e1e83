package org.fedsub.actors.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.fedsub.actors.Fixtures;
import org.fedsub.actors.protocol.FederatedProtocol.Aggregated;
import org.fedsub.actors.protocol.FederatedProtocol.Quiesce;
import org.fedsub.actors.protocol.FederatedProtocol.Quiesced;
import org.fedsub.actors.protocol.FederatedProtocol.ToClient;
import org.fedsub.actors.protocol.FederatedProtocol.TrainRound;
import org.fedsub.actors.protocol.FederatedProtocol.UpdateReady;
import org.fedsub.actors.sim.ActorSimulation;
import org.fedsub.runtime.engine.Participation;
import org.fedsub.runtime.engine.ClientStep;
import org.fedsub.runtime.engine.EncodedUpdate;
import org.fedsub.runtime.engine.Experiment;
import org.fedsub.runtime.engine.RoundListener;
import org.fedsub.runtime.engine.ServerStep;
import org.fedsub.runtime.strategy.Strategy;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * FedAvg acknowledges with nothing: the coordinator sends that empty acknowledgement only to the
 * clients whose update asked for it ({@link UpdateReady#foldsEmptyAck}), and a FedSub
 * acknowledgement, which carries the mean subspace update, to every used client whatever it said.
 */
@ExtendWith(LogCapturingExtension.class)
class EmptyAcknowledgementTest {

    private static final ActorTestKit kit = ActorTestKit.create();

    @AfterAll
    static void stop() {
        kit.shutdownTestKit();
    }

    /**
     * Runs one round of {@code strategyName} over the fixture's six clients, played by probes:
     * each trains its real client step and answers with {@code foldsEmptyAck} true for the odd
     * ids only. Returns what each probe was sent after its task, up to the end-of-run
     * {@link Quiesce} (which comes after any acknowledgement: both are told to it in that order
     * within this JVM).
     */
    private static Map<Integer, Aggregated> acknowledgements(String strategyName) {
        Experiment exp = Fixtures.experiment(strategyName, 1, Participation.full());
        Strategy strategy = ActorSimulation.newStrategy(exp);
        Map<Integer, TestProbe<ToClient>> probes = new HashMap<>();
        Map<Integer, ActorRef<ToClient>> refs = new HashMap<>();
        for (int id = 0; id < exp.data().numClients(); id++) {
            TestProbe<ToClient> p = kit.createTestProbe();
            probes.put(id, p);
            refs.put(id, p.ref());
        }
        ActorRef<SyncServer.Command> server = kit.spawn(SyncServer.create(new ServerStep(exp, strategy), refs,
                Fixtures.settings(Duration.ofSeconds(60)), RoundListener.NONE));
        TestProbe<Finished> finished = kit.createTestProbe();
        server.tell(new SyncServer.Run(finished.ref()));

        for (var e : probes.entrySet()) {
            int id = e.getKey();
            TrainRound task = (TrainRound) e.getValue().receiveMessage(Duration.ofSeconds(60));
            EncodedUpdate u = ClientStep.of(exp, strategy.newClient(id), id, null).train(task.round(), task.task());
            task.replyTo().tell(UpdateReady.of(u, id % 2 == 1));
        }
        Map<Integer, Aggregated> acks = new HashMap<>();
        for (var e : probes.entrySet()) {
            ToClient next = e.getValue().receiveMessage(Duration.ofSeconds(60));
            if (next instanceof Aggregated a) {
                acks.put(e.getKey(), a);
                next = e.getValue().receiveMessage(Duration.ofSeconds(60));
            }
            Quiesce q = assertInstanceOf(Quiesce.class, next, "client " + e.getKey() + ": after the acknowledgement");
            q.replyTo().tell(new Quiesced(e.getKey()));
        }
        Finished f = finished.receiveMessage(Duration.ofSeconds(60));
        assertNull(f.error());
        assertEquals(6, f.rounds().get(0).metrics().used(), "every update used");
        return acks;
    }

    @Test
    void fedAvg_sendsItsEmptyAcknowledgementOnlyToTheClientsThatFoldOne() {
        Map<Integer, Aggregated> acks = acknowledgements("fedavg");

        assertEquals(java.util.Set.of(1, 3, 5), acks.keySet());
        acks.forEach((id, a) -> {
            assertEquals(0, a.round());
            assertEquals(id, a.clientId());
            assertNull(a.ack());
        });
    }

    @Test
    void fedSub_sendsItsAcknowledgementToEveryUsedClient() {
        Map<Integer, Aggregated> acks = acknowledgements("fedsub");

        assertEquals(java.util.Set.of(0, 1, 2, 3, 4, 5), acks.keySet());
        acks.values().forEach(a -> assertEquals(true, a.ack() != null, "client " + a.clientId()));
    }
}
