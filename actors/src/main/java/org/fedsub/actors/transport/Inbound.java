package org.fedsub.actors.transport;

import java.util.HashMap;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.fedsub.actors.protocol.FederatedProtocol.Quiesce;
import org.fedsub.actors.protocol.FederatedProtocol.ToServer;
import org.fedsub.actors.protocol.FederatedProtocol.TrainRound;
import scala.util.Try;

/**
 * A node's receiving end of the chunked transport ({@value ChunkedTransport#INBOUND_PATH}):
 * reassembles each sender's chunks into the message, deserializes it and hands it to its
 * target on this node. Chunks of one sender arrive in order (one Artery stream), so a chunk
 * that is not the next one expected means one was lost: the partial message is dropped and
 * the sender told. A message is refused, with a warning naming the sender, when it is bigger
 * than {@code max-message-size}, when all partial messages would together exceed
 * {@code max-buffered}, when a chunk's header differs from the first chunk's or its data is
 * not the size its place calls for, when its target is not on this node, or when it does not
 * deserialize. A sender that stops in the middle of a transfer (its node left the cluster)
 * frees its buffer.
 *
 * <p>A {@link TrainRound} or {@link Quiesce} whose reply-to is on another node gets, in its
 * place, an {@link Outbound} for that actor (one per reply-to, stopped with it), so that the
 * reply, however big, comes back through the chunked transport as well.
 */
final class Inbound extends AbstractBehavior<Object> {

    /** A message being reassembled: its first chunk (the header), the buffer, the next chunk expected. */
    private static final class Partial {
        final Chunk first;
        final byte[] buf;
        int next;

        Partial(Chunk first) {
            this.first = first;
            this.buf = new byte[first.size()];
        }
    }

    private final TransportSettings settings;
    private final Serialization serialization;
    private final Map<ActorRef<Ack>, Partial> partials = new HashMap<>();
    private long buffered;
    private final Map<ActorRef<?>, ActorRef<Object>> replyProxies = new HashMap<>();

    static Behavior<Object> create(TransportSettings settings) {
        return Behaviors.setup(ctx -> new Inbound(ctx, settings));
    }

    private Inbound(ActorContext<Object> ctx, TransportSettings settings) {
        super(ctx);
        this.settings = settings;
        this.serialization = SerializationExtension.get(Adapter.toClassic(ctx.getSystem()));
    }

    @Override
    public Receive<Object> createReceive() {
        return newReceiveBuilder()
                .onMessage(Chunk.class, this::onChunk)
                .onSignal(Terminated.class, this::onTerminated)
                .build();
    }

    private Behavior<Object> onChunk(Chunk c) {
        Partial p = partials.get(c.from());
        if (c.index() == 0) {
            if (p != null) {
                refuse(p.first, "its chunk " + (p.next + 1) + " of " + p.first.count()
                        + " never came (the sender started transfer " + c.transfer() + ")", false);
            }
            String wrong = checkHeader(c);
            if (wrong != null) {
                refuse(c, wrong, true);
                return this;
            }
            p = new Partial(c);
            partials.put(c.from(), p);
            buffered += c.size();
            if (c.count() > 1) {
                getContext().watch(c.from()); // a sender that dies mid-transfer must not hold its buffer
            }
        } else if (p == null || p.first.transfer() != c.transfer() || p.next != c.index()) {
            String expected = p == null ? "no transfer in progress" : p.first.transfer() != c.transfer()
                    ? "transfer " + p.first.transfer() + " in progress" : "chunk " + (p.next + 1) + " expected";
            if (p != null && p.first.transfer() != c.transfer()) {
                refuse(p.first, "its chunk " + (p.next + 1) + " of " + p.first.count()
                        + " never came (the sender moved on to transfer " + c.transfer() + ")", false);
            }
            refuse(c, "chunk " + (c.index() + 1) + " of " + c.count() + " arrived out of order (" + expected
                    + "); a chunk was lost", true);
            return this;
        } else if (c.count() != p.first.count() || c.size() != p.first.size() || c.serializerId() != p.first.serializerId()
                || !c.manifest().equals(p.first.manifest()) || !c.target().equals(p.first.target())) {
            refuse(p.first, "chunk " + (c.index() + 1) + "'s header (" + c + ") differs from the first chunk's", true);
            return this;
        }
        int expectedLength = c.index() < c.count() - 1 ? settings.chunkSize()
                : c.size() - (c.count() - 1) * settings.chunkSize();
        if (c.data().length != expectedLength) {
            refuse(p.first, "chunk " + (c.index() + 1) + " of " + c.count() + " holds " + c.data().length
                    + " bytes, expected " + expectedLength + " (is " + TransportSettings.PATH
                    + ".chunk-size the same on every node?)", true);
            return this;
        }
        System.arraycopy(c.data(), 0, p.buf, c.index() * settings.chunkSize(), c.data().length);
        p.next++;
        c.from().tell(new Ack(c.transfer(), c.index()));
        if (p.next == c.count()) {
            release(p);
            deliver(p);
        }
        return this;
    }

    /** What is wrong with the first chunk of a transfer, or null. */
    private String checkHeader(Chunk c) {
        if (c.size() > settings.maxMessageSize()) {
            return "its message of " + c.size() + " bytes exceeds " + TransportSettings.PATH + ".max-message-size ("
                    + settings.maxMessageSize() + " bytes) of this node";
        }
        int expected = Outbound.chunks(c.size(), settings.chunkSize());
        if (c.count() != expected) {
            return "it claims " + c.count() + " chunks for " + c.size() + " bytes, expected " + expected + " of "
                    + settings.chunkSize() + " bytes (is " + TransportSettings.PATH + ".chunk-size the same on every node?)";
        }
        if (buffered + c.size() > settings.maxBuffered()) {
            return "its " + c.size() + " bytes and the " + buffered + " bytes of messages already being reassembled"
                    + " exceed " + TransportSettings.PATH + ".max-buffered (" + settings.maxBuffered() + " bytes)";
        }
        if (!c.target().path().address().hasLocalScope()) {
            return "its target " + c.target().path() + " is not on this node";
        }
        return null;
    }

    private void refuse(Chunk first, String why, boolean tellSender) {
        Partial p = partials.get(first.from());
        if (p != null && p.first.transfer() == first.transfer()) {
            release(p);
        }
        getContext().getLog().warn("fedsub transport: transfer {} from {} to {} refused: {}", first.transfer(),
                first.from().path(), first.target().path(), why);
        if (tellSender) {
            first.from().tell(Ack.refused(first.transfer()));
        }
    }

    private void release(Partial p) {
        partials.remove(p.first.from());
        buffered -= p.first.size();
        if (p.first.count() > 1) {
            getContext().unwatch(p.first.from());
        }
    }

    private void deliver(Partial p) {
        Chunk h = p.first;
        Try<Object> message = serialization.deserialize(p.buf, h.serializerId(), h.manifest());
        if (message.isFailure()) {
            refuse(h, "its message (serializer " + h.serializerId() + ", manifest '" + h.manifest()
                    + "') does not deserialize: " + message.failed().get().getMessage(), true);
            return;
        }
        h.target().tell(localReplies(message.get()));
    }

    /** {@code m}, with a reply-to on another node replaced by an {@link Outbound} to it. */
    private Object localReplies(Object m) {
        if (m instanceof TrainRound t && t.replyTo().path().address().hasGlobalScope()) {
            return new TrainRound(t.round(), t.clientId(), t.task(), t.changes(), proxy(t.replyTo()));
        }
        if (m instanceof Quiesce q && q.replyTo().path().address().hasGlobalScope()) {
            return new Quiesce(proxy(q.replyTo()));
        }
        return m;
    }

    private ActorRef<ToServer> proxy(ActorRef<ToServer> replyTo) {
        ActorRef<Object> proxy = replyProxies.computeIfAbsent(replyTo, r -> {
            ActorRef<Object> o = getContext().spawnAnonymous(Outbound.create(r, settings));
            getContext().watch(o);
            return o;
        });
        return proxy.narrow();
    }

    /** A reply proxy stopped (its target did), or a sender died in the middle of a transfer. */
    private Behavior<Object> onTerminated(Terminated t) {
        replyProxies.values().remove(t.getRef());
        Partial p = partials.get(t.getRef());
        if (p != null) {
            refuse(p.first, "its sender stopped after chunk " + p.next + " of " + p.first.count(), false);
        }
        return this;
    }
}
