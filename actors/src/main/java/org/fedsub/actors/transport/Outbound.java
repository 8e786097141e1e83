package org.fedsub.actors.transport;

import java.util.ArrayDeque;
import java.util.Arrays;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializer;
import org.apache.pekko.serialization.Serializers;

/**
 * Stands in, on this node, for one actor on another node: every message sent to it is
 * serialized, cut into chunks of {@code chunk-size} bytes and sent to the target node's
 * {@link Inbound}, which reassembles it and hands it to the target. Messages go one at a time
 * in the order received, each with at most {@code window} unacknowledged chunks in flight (so
 * Artery's send queue never overflows); the next starts when the last chunk of the previous
 * one is acknowledged, refused, or unacknowledged for {@code ack-timeout} (then it is dropped
 * with a warning, as a lost message would be). It watches the target and stops when the target
 * does, so whoever watches it sees the target's termination.
 */
final class Outbound extends AbstractBehavior<Object> {

    private record AckTimeout(long transfer) implements NoSerializationVerificationNeeded {}

    private static final String TIMER = "ack";

    private final ActorRef<Object> target;
    private final ActorRef<Chunk> inbound;
    private final TransportSettings settings;
    private final TimerScheduler<Object> timers;
    private final Serialization serialization;
    private final ArrayDeque<Object> queue = new ArrayDeque<>();

    // The transfer in progress; bytes == null when none is.
    private long transfer;
    private byte[] bytes;
    private String what;
    private int serializerId;
    private String manifest;
    private int count;
    private int sent;
    private int acked;

    static Behavior<Object> create(ActorRef<?> target, TransportSettings settings) {
        return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> new Outbound(ctx, timers, target, settings)));
    }

    @SuppressWarnings("unchecked")
    private Outbound(ActorContext<Object> ctx, TimerScheduler<Object> timers, ActorRef<?> target,
            TransportSettings settings) {
        super(ctx);
        this.target = (ActorRef<Object>) target;
        this.settings = settings;
        this.timers = timers;
        this.serialization = SerializationExtension.get(Adapter.toClassic(ctx.getSystem()));
        this.inbound = ActorRefResolver.get(ctx.getSystem())
                .resolveActorRef(target.path().address() + ChunkedTransport.INBOUND_PATH);
        ctx.watch(target);
    }

    @Override
    public Receive<Object> createReceive() {
        return newReceiveBuilder()
                .onMessage(Ack.class, this::onAck)
                .onMessage(AckTimeout.class, this::onAckTimeout)
                .onSignal(Terminated.class, t -> Behaviors.stopped())
                .onAnyMessage(this::onMessage)
                .build();
    }

    private Behavior<Object> onMessage(Object m) {
        queue.add(m);
        if (bytes == null) {
            startNext();
        }
        return this;
    }

    private Behavior<Object> onAck(Ack a) {
        if (bytes == null || a.transfer() != transfer) {
            return this; // an acknowledgement of a transfer already dropped
        }
        if (a.isRefusal()) {
            getContext().getLog().warn("{} ({} bytes) to {} refused by the receiving node (its log says why): dropped",
                    what, bytes.length, target.path());
            finish();
        } else {
            acked = Math.max(acked, a.index() + 1);
            if (acked >= count) {
                finish();
            } else {
                sendMore();
            }
        }
        return this;
    }

    private Behavior<Object> onAckTimeout(AckTimeout t) {
        if (bytes != null && t.transfer() == transfer) {
            getContext().getLog().warn("{} ({} bytes) to {}: chunk {} of {} not acknowledged within {}: dropped",
                    what, bytes.length, target.path(), acked + 1, count, settings.ackTimeout());
            finish();
        }
        return this;
    }

    private void startNext() {
        while (bytes == null && !queue.isEmpty()) {
            Object m = queue.poll();
            String name = m.getClass().getSimpleName();
            try {
                Serializer s = serialization.findSerializerFor(m);
                byte[] b = s.toBinary(m);
                if (b.length > settings.maxMessageSize()) {
                    getContext().getLog().error("{} of {} bytes to {} exceeds {}.max-message-size ({} bytes): dropped",
                            name, b.length, target.path(), TransportSettings.PATH, settings.maxMessageSize());
                    continue;
                }
                serializerId = s.identifier();
                manifest = Serializers.manifestFor(s, m);
                bytes = b;
            } catch (RuntimeException e) {
                getContext().getLog().error("{} to {} does not serialize: dropped", name, target.path(), e);
                continue;
            }
            transfer++;
            what = name + " (transfer " + transfer + ")";
            count = chunks(bytes.length, settings.chunkSize());
            sent = 0;
            acked = 0;
            sendMore();
        }
    }

    private void sendMore() {
        while (sent < count && sent - acked < settings.window()) {
            int from = (int) Math.min((long) sent * settings.chunkSize(), bytes.length);
            int to = (int) Math.min((long) from + settings.chunkSize(), bytes.length);
            inbound.tell(new Chunk(getContext().getSelf().narrow(), transfer, sent, count, bytes.length, serializerId,
                    manifest, target, Arrays.copyOfRange(bytes, from, to)));
            sent++;
        }
        timers.startSingleTimer(TIMER, new AckTimeout(transfer), settings.ackTimeout());
    }

    private void finish() {
        bytes = null;
        timers.cancel(TIMER);
        startNext();
    }

    /** Chunks of a message of {@code size} bytes: one at least (an empty message is one empty chunk). */
    static int chunks(int size, int chunkSize) {
        return Math.max(1, (int) (((long) size + chunkSize - 1) / chunkSize));
    }
}
