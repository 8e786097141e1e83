package org.fedsub.actors.device;

import com.typesafe.config.Config;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.DeadLetter;
import org.apache.pekko.dispatch.Envelope;
import org.apache.pekko.dispatch.MailboxType;
import org.apache.pekko.dispatch.MessageQueue;
import scala.Option;

/**
 * The mailbox of a client actor that works in its handler ({@code fedsub.client-mailbox}):
 * bounded and never blocking, a message past {@code mailbox-capacity} goes to dead letters.
 *
 * <p>Pekko has two such mailboxes and neither fits a simulation of many mostly idle clients.
 * {@code NonBlockingBoundedMailbox}'s queue hands out each message from the node that held the
 * queue's head, which keeps it: for a client idle since its last round that node is in the old
 * generation, so every task and acknowledgement stayed reachable, was copied and promoted, until
 * the next full collection. {@code BoundedMailbox} (a {@code LinkedBlockingQueue}) unlinks what
 * it hands out but touches two locks, their conditions and a counter at every message, each a
 * cache miss on a client not touched for rounds. This one is a {@link ConcurrentLinkedQueue}
 * (Pekko's default mailbox, which unlinks what it hands out) with a count beside it
 * (benchmarks/SCALE.md).
 */
public final class ClientMailbox implements MailboxType {

    private final int capacity;

    /** As Pekko creates a configured mailbox type: {@code config} is the mailbox's section. */
    public ClientMailbox(ActorSystem.Settings settings, Config config) {
        this(config.getInt("mailbox-capacity"));
    }

    ClientMailbox(int capacity) {
        if (capacity <= 0) {
            throw new IllegalArgumentException("fedsub.client-mailbox.mailbox-capacity must be positive, not " + capacity);
        }
        this.capacity = capacity;
    }

    @Override
    public MessageQueue create(Option<ActorRef> owner, Option<ActorSystem> system) {
        if (system.isEmpty()) {
            throw new IllegalStateException("a client mailbox needs its actor system (for its dead letters)");
        }
        return new Queue(capacity, system.get().deadLetters());
    }

    /** The queue of one client: at most {@code capacity} messages, the rest to dead letters. */
    static final class Queue extends ConcurrentLinkedQueue<Envelope> implements MessageQueue {

        private static final AtomicIntegerFieldUpdater<Queue> COUNT =
                AtomicIntegerFieldUpdater.newUpdater(Queue.class, "count");

        private final int capacity;
        private final ActorRef deadLetters;
        /** Messages accepted and not yet handed out. */
        private volatile int count;

        Queue(int capacity, ActorRef deadLetters) {
            this.capacity = capacity;
            this.deadLetters = deadLetters;
        }

        @Override
        public void enqueue(ActorRef receiver, Envelope handle) {
            if (COUNT.incrementAndGet(this) > capacity) {
                COUNT.decrementAndGet(this);
                // As Pekko's bounded mailboxes do past their capacity.
                ActorRef sender = handle.sender();
                deadLetters.tell(new DeadLetter(handle.message(), sender, receiver), sender);
                return;
            }
            offer(handle);
        }

        @Override
        public Envelope dequeue() {
            Envelope e = poll();
            if (e != null) {
                COUNT.decrementAndGet(this);
            }
            return e;
        }

        @Override
        public int numberOfMessages() {
            return count;
        }

        @Override
        public boolean hasMessages() {
            return !isEmpty();
        }

        @Override
        public void cleanUp(ActorRef owner, MessageQueue deadLetters) {
            for (Envelope e = dequeue(); e != null; e = dequeue()) {
                deadLetters.enqueue(owner, e);
            }
        }
    }
}
