package org.fedsub.actors.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.DeadLetter;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.dispatch.Envelope;
import org.apache.pekko.dispatch.MessageQueue;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import scala.Option;

/**
 * The client mailbox: first in, first out, at most its capacity (the rest to dead letters, with
 * the client named as their recipient), and what is left when the client stops goes to the
 * dead-letter queue Pekko gives it, in order.
 */
class ClientMailboxTest {

    private static final ActorTestKit testKit = ActorTestKit.create();
    private static final org.apache.pekko.actor.ActorSystem classic = Adapter.toClassic(testKit.system());

    @AfterAll
    static void stop() {
        testKit.shutdownTestKit();
    }

    private static MessageQueue queue(int capacity) {
        return new ClientMailbox(capacity).create(Option.empty(), Option.apply(classic));
    }

    private static Envelope envelope(String msg) {
        return Envelope.apply(msg, ActorRef.noSender(), classic);
    }

    private static List<Object> drain(MessageQueue q) {
        List<Object> out = new ArrayList<>();
        for (Envelope e = q.dequeue(); e != null; e = q.dequeue()) {
            out.add(e.message());
        }
        return out;
    }

    @Test
    void keepsOrder_countsWhatItHolds_andSendsWhatIsPastItsCapacityToDeadLetters() {
        // The queue's dead-letter actor is a probe here: what it sends there arrives in order,
        // with no event-stream subscription to race.
        TestProbe<DeadLetter> dead = testKit.createTestProbe();
        ActorRef client = Adapter.toClassic(testKit.createTestProbe().ref());
        MessageQueue q = new ClientMailbox.Queue(3, Adapter.toClassic(dead.ref()));

        for (String m : List.of("a", "b", "c")) {
            q.enqueue(client, envelope(m));
        }
        assertEquals(3, q.numberOfMessages());
        assertEquals("a", q.dequeue().message());
        q.enqueue(client, envelope("d"));
        q.enqueue(client, envelope("e")); // a fourth while three wait

        DeadLetter past = dead.receiveMessage();
        assertEquals("e", past.message());
        assertEquals(client, past.recipient());
        assertEquals(3, q.numberOfMessages());
        assertEquals(List.of("b", "c", "d"), drain(q));
        assertFalse(q.hasMessages());
        assertEquals(0, q.numberOfMessages());
        assertNull(q.dequeue());
    }

    @Test
    void cleanUp_movesWhatIsLeftToTheDeadLetterQueue_inOrder() {
        ActorRef client = Adapter.toClassic(testKit.createTestProbe().ref());
        MessageQueue q = queue(10);
        MessageQueue deadLetters = queue(10);
        for (String m : List.of("x", "y", "z")) {
            q.enqueue(client, envelope(m));
        }

        q.cleanUp(client, deadLetters);

        assertFalse(q.hasMessages());
        assertTrue(deadLetters.hasMessages());
        assertEquals(List.of("x", "y", "z"), drain(deadLetters));
    }

    @Test
    void aCapacityBelowOne_isRefusedWithTheKeyItCameFrom() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new ClientMailbox(0));
        assertTrue(e.getMessage().contains("fedsub.client-mailbox.mailbox-capacity"), e.getMessage());
    }
}
