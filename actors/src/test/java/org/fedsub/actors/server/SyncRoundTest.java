package org.fedsub.actors.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.apache.pekko.actor.testkit.typed.javadsl.LoggingTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ManualTime;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.fedsub.actors.protocol.FederatedProtocol.ToClient;
import org.fedsub.actors.protocol.FederatedProtocol.TrainRound;
import org.fedsub.actors.protocol.FederatedProtocol.TrainingFailed;
import org.fedsub.actors.protocol.FederatedProtocol.UpdateReady;
import org.fedsub.runtime.codec.EncodedPayload;
import org.fedsub.runtime.strategy.ClientFailure;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The round actor alone, with probes standing in for clients and coordinator, on manual time. */
@ExtendWith(LogCapturingExtension.class)
class SyncRoundTest {

    private static final ActorTestKit testKit =
            ActorTestKit.create(ManualTime.config().withFallback(ConfigFactory.load("application-test")));
    private static final ManualTime manualTime = ManualTime.get(testKit.system());
    private static final Duration DEADLINE = Duration.ofSeconds(30);

    @AfterAll
    static void cleanup() {
        testKit.shutdownTestKit();
    }

    private static EncodedPayload bytes(int n) {
        return new EncodedPayload("float64", new byte[n]);
    }

    private record Setup(ActorRef<SyncRound.Command> round, List<TestProbe<ToClient>> clients,
            TestProbe<SyncServer.Command> server) {}

    private static Setup start(int round, int numClients, int target) {
        List<TestProbe<ToClient>> probes = new java.util.ArrayList<>();
        Map<Integer, ActorRef<ToClient>> refs = new TreeMap<>();
        SortedMap<Integer, EncodedPayload> tasks = new TreeMap<>();
        for (int id = 0; id < numClients; id++) {
            TestProbe<ToClient> p = testKit.createTestProbe();
            probes.add(p);
            refs.put(id, p.ref());
            tasks.put(id, bytes(10 + id));
        }
        TestProbe<SyncServer.Command> server = testKit.createTestProbe();
        ActorRef<SyncRound.Command> ref = testKit.spawn(
                SyncRound.create(new SyncRound.Plan(round, target, tasks), refs, DEADLINE, server.ref()));
        return new Setup(ref, probes, server);
    }

    private static UpdateReady update(int round, int id) {
        return new UpdateReady(round, id, 10, 0.1, bytes(100 + id));
    }

    @Test
    void allClientsAnswer_updatesSortedByClientId_withoutWaitingForTheDeadline() {
        Setup s = start(5, 3, 3);
        List<TrainRound> asked = s.clients().stream().map(p -> p.expectMessageClass(TrainRound.class)).toList();
        for (int i = 2; i >= 0; i--) {
            asked.get(i).replyTo().tell(update(5, i));
        }

        SyncServer.RoundCollected c = s.server().expectMessageClass(SyncServer.RoundCollected.class);
        assertEquals(List.of(0, 1, 2), c.updates().stream().map(UpdateReady::clientId).toList());
        assertEquals(List.of(), c.failures());
        assertEquals(0, c.late());
        assertEquals(10 + 11 + 12, c.downlinkBytes());
        s.server().expectTerminated(s.round());
    }

    @Test
    void silentClient_isCutAtTheDeadline_andItsLateUpdateIsDiscarded() {
        Setup s = start(0, 3, 3);
        List<TrainRound> asked = s.clients().stream().map(p -> p.expectMessageClass(TrainRound.class)).toList();
        asked.get(0).replyTo().tell(update(0, 0));
        asked.get(2).replyTo().tell(update(0, 2));
        manualTime.expectNoMessageFor(DEADLINE.minusSeconds(1), s.server());

        LoggingTestKit.info("deadline passed").expect(testKit.system(), () -> {
            manualTime.timePasses(Duration.ofSeconds(1));
            return null;
        });

        SyncServer.RoundCollected c = s.server().expectMessageClass(SyncServer.RoundCollected.class);
        assertEquals(List.of(0, 2), c.updates().stream().map(UpdateReady::clientId).toList());
        assertEquals(1, c.late());
        ClientFailure f = c.failures().get(0);
        assertEquals(1, f.clientId());
        assertTrue(f.reason().startsWith("late"), f.reason());
        s.server().expectTerminated(s.round());
        asked.get(1).replyTo().tell(update(0, 1)); // nobody listens any more
        s.server().expectNoMessage(Duration.ofMillis(100));
    }

    @Test
    void clientThatStops_isAFailure_reportedWithoutWaitingForTheDeadline() {
        Setup s = start(1, 3, 3);
        List<TrainRound> asked = s.clients().stream().map(p -> p.expectMessageClass(TrainRound.class)).toList();
        asked.get(0).replyTo().tell(update(1, 0));
        asked.get(1).replyTo().tell(new TrainingFailed(1, 1, "boom"));

        LoggingTestKit.warn("client 2 stopped").expect(testKit.system(), () -> {
            s.clients().get(2).stop();
            return null;
        });

        SyncServer.RoundCollected c = s.server().expectMessageClass(SyncServer.RoundCollected.class);
        assertEquals(List.of(0), c.updates().stream().map(UpdateReady::clientId).toList());
        assertEquals(0, c.late());
        assertEquals(List.of(1, 2), c.failures().stream().map(ClientFailure::clientId).toList());
        assertTrue(c.failures().get(0).reason().contains("boom"));
        assertTrue(c.failures().get(1).reason().contains("stopped"));
    }

    @Test
    void answersForAnotherRound_orFromUnsampledClients_areIgnored() {
        Setup s = start(3, 2, 2);
        List<TrainRound> asked = s.clients().stream().map(p -> p.expectMessageClass(TrainRound.class)).toList();
        asked.get(0).replyTo().tell(update(2, 0)); // a straggler of the previous round
        asked.get(0).replyTo().tell(update(3, 7)); // never sampled
        asked.get(0).replyTo().tell(update(3, 0));
        asked.get(0).replyTo().tell(update(3, 0)); // a duplicate
        s.server().expectNoMessage(Duration.ofMillis(100));
        asked.get(1).replyTo().tell(update(3, 1));

        SyncServer.RoundCollected c = s.server().expectMessageClass(SyncServer.RoundCollected.class);
        assertEquals(List.of(update(3, 0), update(3, 1)), c.updates());
    }

    @Test
    void overSelection_closesTheRoundWhenTheTargetHasArrived() {
        Setup s = start(0, 4, 2);
        List<TrainRound> asked = s.clients().stream().map(p -> p.expectMessageClass(TrainRound.class)).toList();
        asked.get(3).replyTo().tell(update(0, 3));
        asked.get(1).replyTo().tell(update(0, 1));

        SyncServer.RoundCollected c = s.server().expectMessageClass(SyncServer.RoundCollected.class);
        assertEquals(List.of(1, 3), c.updates().stream().map(UpdateReady::clientId).toList());
        assertEquals(2, c.late());
        assertTrue(c.failures().get(0).reason().contains("already had its 2 updates"));
    }
}
