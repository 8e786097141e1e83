package org.fedsub.runtime.strategy;

import org.fedsub.runtime.codec.Payload;

/**
 * Where a strategy sends each change its aggregation makes to the global model, for a delta
 * downlink ({@code fedsub.downlink.mode = delta}, see {@link Strategy#logChanges}): the server
 * logs the change as it will send it to clients, and the strategy applies to its model what
 * {@link #publish} returns, the change as clients will decode it. With a lossy downlink codec
 * that is the dequantized change, so the server's model is exactly the sum of what it sent.
 */
@FunctionalInterface
public interface ModelChanges {

    /**
     * Logs {@code change}, the change aggregating {@code round} makes to the global model, and
     * returns the change to apply: {@code change} itself where the downlink is exact, else its
     * decoded (dequantized) form.
     */
    Payload publish(int round, Payload change);
}
