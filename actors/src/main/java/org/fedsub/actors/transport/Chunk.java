package org.fedsub.actors.transport;

import java.util.Arrays;
import java.util.Objects;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * One piece of a message on its way to another node (bound to {@link ChunkSerializer}). Every
 * chunk of a transfer repeats the header (the message's size, chunk count, serializer and
 * target) so that the receiver can check each one against the first.
 *
 * @param from         the sending {@code Outbound}, to which the receiver acknowledges each chunk
 * @param transfer     the transfer's number, increasing per sender
 * @param index        this chunk's place, 0 to {@code count - 1}; chunks arrive in order
 * @param count        chunks in the transfer
 * @param size         bytes of the whole serialized message
 * @param serializerId the Pekko serializer of the message
 * @param manifest     that serializer's manifest of the message
 * @param target       the actor on the receiving node that gets the message
 * @param data         this chunk's bytes of the message
 */
public record Chunk(ActorRef<Ack> from, long transfer, int index, int count, int size, int serializerId,
        String manifest, ActorRef<Object> target, byte[] data) {

    public Chunk {
        Objects.requireNonNull(from, "from");
        Objects.requireNonNull(manifest, "manifest");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(data, "data");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Chunk c && from.equals(c.from) && transfer == c.transfer && index == c.index
                && count == c.count && size == c.size && serializerId == c.serializerId && manifest.equals(c.manifest)
                && target.equals(c.target) && Arrays.equals(data, c.data);
    }

    @Override
    public int hashCode() {
        return Objects.hash(from, transfer, index, count, size, serializerId, manifest, target) * 31
                + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "Chunk[transfer " + transfer + ", " + (index + 1) + " of " + count + ", " + data.length + " of " + size
                + " bytes, to " + target.path() + "]";
    }
}
