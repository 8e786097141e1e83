package org.fedsub.actors.transport;

import org.fedsub.actors.protocol.CborSerializable;

/**
 * The receiver has taken chunk {@code index} of {@code transfer}; an {@code index} below 0 means
 * it refused the transfer (out of order, too big, malformed) and the sender drops it.
 */
public record Ack(long transfer, int index) implements CborSerializable {

    /** The refusal of {@code transfer}. */
    static Ack refused(long transfer) {
        return new Ack(transfer, -1);
    }

    boolean isRefusal() {
        return index < 0;
    }
}
