package org.fedsub.actors.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.fedsub.actors.protocol.FederatedProtocol.ToClient;
import org.fedsub.actors.protocol.FederatedProtocol.TrainRound;
import org.fedsub.actors.protocol.FederatedProtocol.UpdateReady;
import org.fedsub.runtime.codec.EncodedPayload;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The coordinator's collector runs round after round in one actor, each client's reply address
 * made once: an answer for an earlier round that comes through it is dropped as the stopped
 * round's dead letter was, unrefused and unused; one for a later round is refused as before; and
 * each round reports what it alone collected.
 */
@ExtendWith(LogCapturingExtension.class)
class SyncRoundCollectorTest {

    private static final ActorTestKit kit = ActorTestKit.create();
    private static final EncodedPayload TASK = new EncodedPayload("raw", new byte[] {1, 2, 3});
    private static final EncodedPayload UPDATE = new EncodedPayload("raw", new byte[] {4});

    @AfterAll
    static void stop() {
        kit.shutdownTestKit();
    }

    private static SyncRound.Next next(int round, Map<Integer, ActorRef<ToClient>> clients) {
        return new SyncRound.Next(new SyncRound.Plan(round, 2, new TreeMap<>(Map.of(3, TASK, 5, TASK))), clients,
                Set.of());
    }

    @Test
    void roundsInOneCollector_dropLateAnswers_refuseLaterRounds_keepTheReplyAddress() {
        TestProbe<ToClient> three = kit.createTestProbe();
        TestProbe<ToClient> five = kit.createTestProbe();
        TestProbe<SyncServer.Command> server = kit.createTestProbe();
        Map<Integer, ActorRef<ToClient>> clients = Map.of(3, three.ref(), 5, five.ref());
        ActorRef<SyncRound.Command> collector = kit.spawn(SyncRound.collector(server.ref(), null, 0,
                Duration.ofSeconds(60)));

        collector.tell(next(0, clients));
        TrainRound three0 = (TrainRound) three.receiveMessage();
        TrainRound five0 = (TrainRound) five.receiveMessage();
        three0.replyTo().tell(new UpdateReady(0, 3, 10, 0.5, UPDATE));
        five0.replyTo().tell(new UpdateReady(0, 5, 12, 0.5, UPDATE));
        SyncServer.RoundCollected first = server.expectMessageClass(SyncServer.RoundCollected.class);
        assertEquals(0, first.round());
        assertEquals(List.of(3, 5), first.updates().stream().map(UpdateReady::clientId).toList());

        collector.tell(next(1, clients));
        TrainRound three1 = (TrainRound) three.receiveMessage();
        TrainRound five1 = (TrainRound) five.receiveMessage();
        assertEquals(1, three1.round());
        assertEquals(three0.replyTo(), three1.replyTo(), "client 3's reply address is made once");
        three1.replyTo().tell(new UpdateReady(0, 3, 99, 0.5, UPDATE)); // round 0's, late: dropped
        five1.replyTo().tell(new UpdateReady(2, 5, 99, 0.5, UPDATE)); // a later round's: refused
        three1.replyTo().tell(new UpdateReady(1, 3, 11, 0.25, UPDATE));
        five1.replyTo().tell(new UpdateReady(1, 5, 13, 0.25, UPDATE));

        SyncServer.RoundCollected second = server.expectMessageClass(SyncServer.RoundCollected.class);
        assertEquals(1, second.round());
        assertEquals(List.of(11L, 13L), second.updates().stream().map(UpdateReady::numExamples).toList(),
                "round 1's own updates, not the late one");
        assertEquals(Map.of("wrong-round", 1), second.refused(), "the late answer is not refused, the later one is");
    }
}
