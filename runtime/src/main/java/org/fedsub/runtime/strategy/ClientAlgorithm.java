package org.fedsub.runtime.strategy;

import org.fedsub.runtime.codec.Payload;
import org.fedsub.runtime.data.ClientData;

/**
 * The client half of a strategy, with that client's private state (SCAFFOLD's control variate,
 * FedSub's duals). One instance per client; it is never shared between clients.
 */
public interface ClientAlgorithm {

    /** Runs the round's local steps on the client's data, starting from the server's task. */
    ClientUpdate train(int round, Payload task, ClientData data);

    /**
     * Called when the server used this client's update of {@code round}, with the strategy's
     * acknowledgement ({@code null} for strategies that send none). A client whose update was
     * lost or rejected is never called, and its local work of that round is discarded.
     */
    default void onAggregated(int round, Payload ack) {}

    /** Bytes of persistent state held between rounds (duals, control variates). */
    default long stateBytes() {
        return 0;
    }
}
