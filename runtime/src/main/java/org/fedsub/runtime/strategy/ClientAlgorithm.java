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
     * lost or rejected is never called, and its local work of that round is discarded. A class
     * that does not override this method is not called for an acknowledgement that carries
     * nothing: the actor runtime's server does not send it one
     * ({@link org.fedsub.runtime.engine.ClientStep#foldsEmptyAcknowledgements}).
     */
    default void onAggregated(int round, Payload ack) {}

    /**
     * Called after {@link #train} when the uplink codec is lossy, with the update {@code train}
     * returned and as the server will decode it: a client whose state depends on what it sent (FedSub's duals,
     * SCAFFOLD's control variate) keeps the dequantized values, so that it agrees with what the
     * server aggregates. With {@code errorFeedback} (a biased codec: topk) a client that supports it
     * keeps what its update lost in encoding and adds it to its next update.
     */
    default void sent(int round, Payload update, Payload asDecoded, boolean errorFeedback) {}

    /**
     * Applies a logged model change of a delta downlink to {@code model}, exactly as the server's
     * {@link Strategy#applyChange} does (the same code): a client that holds model version
     * {@code v} rebuilds version {@code t} from the changes of rounds {@code v .. t-1}. Reads no
     * client state.
     *
     * @throws UnsupportedOperationException for strategies that log no changes
     */
    default void applyChange(org.fedsub.runtime.model.Params model, Payload change) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " does not apply logged model changes "
                + "(fedsub.downlink.mode = delta)");
    }

    /** Bytes of persistent state held between rounds (duals, control variates). */
    default long stateBytes() {
        return 0;
    }

    /** The exported state of a client that holds none (never modified: it has no element). */
    byte[] NO_STATE = new byte[0];

    /**
     * This client's private state (duals and the basis they live in, momentum, control variate,
     * an update awaiting its acknowledgement) as compact bytes, so that a dormant client need not
     * hold a tensor; {@link #NO_STATE} for a client that holds none. The client is left as it was.
     */
    default byte[] exportState() {
        return NO_STATE;
    }

    /**
     * Replaces this client's private state with one {@link #exportState} produced for the same
     * client of the same strategy and experiment; {@link #NO_STATE} resets it to a fresh client
     * that holds no tensor. A restored client trains, bit for bit, as the exporting one would have.
     *
     * @throws IllegalArgumentException if {@code state} is not such a state
     */
    default void restoreState(byte[] state) {
        if (state.length != 0) {
            throw new IllegalArgumentException(getClass().getName() + " keeps no state between rounds, got "
                    + state.length + " bytes of it");
        }
    }

    /** Exports the state and drops it: the client then holds no tensor until it is restored. */
    default byte[] suspend() {
        byte[] state = exportState();
        restoreState(NO_STATE);
        return state;
    }
}
