package org.fedsub.actors.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.fedsub.actors.protocol.FederatedProtocol.ToClient;
import org.fedsub.actors.protocol.FederatedProtocol.TrainRound;
import org.fedsub.actors.protocol.FederatedProtocol.UpdateReady;
import org.fedsub.runtime.codec.EncodedPayload;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A round uses an answer only from the address of the task it belongs to: a node that hosts
 * client 3 cannot answer for client 5 through client 3's task (refused as wrong-sender and
 * counted), and client 5's own answer still counts.
 */
@ExtendWith(LogCapturingExtension.class)
class SyncRoundSenderTest {

    private static final ActorTestKit kit = ActorTestKit.create();

    @AfterAll
    static void stop() {
        kit.shutdownTestKit();
    }

    @Test
    void answerForAnotherClient_throughThisClientsTask_isRefusedAndCounted() {
        TestProbe<ToClient> three = kit.createTestProbe();
        TestProbe<ToClient> five = kit.createTestProbe();
        TestProbe<SyncServer.Command> server = kit.createTestProbe();
        EncodedPayload task = new EncodedPayload("raw", new byte[] {1, 2, 3});
        TreeMap<Integer, EncodedPayload> tasks = new TreeMap<>(Map.of(3, task, 5, task));
        kit.spawn(SyncRound.create(new SyncRound.Plan(0, 2, tasks), Map.of(3, three.ref(), 5, five.ref()),
                Duration.ofSeconds(30), server.ref()));

        TrainRound toThree = (TrainRound) three.receiveMessage();
        TrainRound toFive = (TrainRound) five.receiveMessage();
        EncodedPayload update = new EncodedPayload("raw", new byte[] {4});
        toThree.replyTo().tell(new UpdateReady(0, 5, 10, 0.5, update)); // client 3's node claims to be client 5
        toThree.replyTo().tell(new UpdateReady(0, 3, 10, 0.5, update));
        toFive.replyTo().tell(new UpdateReady(0, 5, 12, 0.25, update));

        SyncServer.RoundCollected c = server.expectMessageClass(SyncServer.RoundCollected.class);
        assertEquals(java.util.List.of(3, 5), c.updates().stream().map(UpdateReady::clientId).toList());
        assertEquals(12, c.updates().get(1).numExamples(), "client 5's own update, not the impostor's");
        assertEquals(1, c.refused().get("wrong-sender"));
    }
}
