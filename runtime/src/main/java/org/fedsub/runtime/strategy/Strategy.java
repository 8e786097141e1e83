package org.fedsub.runtime.strategy;

import java.util.List;
import org.fedsub.runtime.codec.Payload;
import org.fedsub.runtime.model.Params;

/**
 * A federated algorithm, in Flower's shape: the server configures each sampled client's round,
 * aggregates what comes back (with the failures), and holds the global model. The client half
 * is a {@link ClientAlgorithm} created per client.
 *
 * <p>A strategy instance is the server state of one run and is used from one thread (or one
 * actor) at a time. Everything it exchanges with clients is a {@link Payload}, so any transport
 * that can carry bytes can carry a run.
 */
public interface Strategy {

    /** The registry name, e.g. {@code "fedsub"}. */
    String name();

    /** The current global model (the server's own copy: do not modify). */
    Params globalModel();

    /** The task sent to {@code clientId}, sampled for {@code round}. */
    Payload configure(int round, int clientId);

    /**
     * Aggregates the updates that arrived for {@code round}. Updates that are malformed (wrong
     * tensors or shapes, non-finite values) are rejected and reported, never thrown.
     * With no usable update the model is left unchanged.
     */
    Aggregate aggregate(int round, List<ClientUpdate> updates, List<ClientFailure> failures);

    /**
     * Why {@link #aggregate} would refuse {@code update} of {@code round} on its own (missing
     * tensors, wrong shapes, a basis other than the round's), or empty if it would take it. The
     * server step asks before aggregating, so that a bad update is refused before it can weigh
     * in; the checks that need the round as a whole (who was sampled, duplicates, norms) are the
     * server step's.
     */
    default java.util.Optional<String> problem(int round, ClientUpdate update) {
        return java.util.Optional.empty();
    }

    /**
     * Whether {@link #aggregate} or {@link #problem} may keep a reference to a tensor of the
     * updates it is given once it has returned. The default, true, is always safe; a strategy
     * that only reads them (FedAvg's weighted mean) says false, and the server step then hands
     * their memory to {@link org.fedsub.runtime.compute.HostArrays#recycle} after the round, so
     * that the next round's updates decode into it instead of fresh pages.
     */
    default boolean keepsUpdateTensors() {
        return true;
    }

    /**
     * Why this strategy cannot run asynchronously (FedBuff, FedAsync: updates trained on older
     * model versions, weighted by staleness and summed, see {@link AsyncAggregation}), or empty
     * if it can. Strategies with server state that assumes synchronous rounds (control
     * variates, server optimiser moments) cannot.
     */
    default java.util.Optional<String> whyNotAsynchronous() {
        return java.util.Optional.of(name() + " keeps server state that assumes synchronous rounds");
    }

    /**
     * Why this strategy cannot run with a delta downlink ({@code fedsub.downlink.mode = delta}),
     * or empty if it can. One that can routes every change its aggregation makes to the global
     * model through the {@link ModelChanges} given to {@link #logChanges}, and replays a logged
     * change with {@link #applyChange}, so that a client holding an older model version rebuilds
     * the current one from the logged changes, bit for bit.
     */
    default java.util.Optional<String> whyNoDeltaDownlink() {
        return java.util.Optional.of(name() + " does not log its model changes (Strategy.logChanges)");
    }

    /**
     * From now on, passes each change aggregation makes to the global model through {@code changes}
     * and applies the change {@link ModelChanges#publish} returns instead of its own.
     *
     * @throws UnsupportedOperationException if {@link #whyNoDeltaDownlink} is not empty
     */
    default void logChanges(ModelChanges changes) {
        throw new UnsupportedOperationException(whyNoDeltaDownlink().orElse(name() + " does not log its changes"));
    }

    /**
     * Applies {@code change} (as {@link ModelChanges#publish} returned it, or decoded from what was
     * logged) to {@code model}, exactly as aggregation applied it to the global model: a model
     * equal to the global model before the change becomes equal to it after, bit for bit.
     *
     * @throws UnsupportedOperationException if {@link #whyNoDeltaDownlink} is not empty
     */
    default void applyChange(Params model, Payload change) {
        throw new UnsupportedOperationException(whyNoDeltaDownlink().orElse(name() + " does not log its changes"));
    }

    /** A fresh client half for {@code clientId}. */
    ClientAlgorithm newClient(int clientId);

    /**
     * The server state of the run as bytes (global model, server optimiser moments, control
     * variate, computed bases: everything {@link #aggregate} and {@link #configure} read besides
     * the settings), for a checkpoint; empty if this strategy cannot export it, in which case its
     * runs are not checkpointed and cannot be resumed. The strategy is left as it was.
     */
    default java.util.Optional<byte[]> exportServerState() {
        return java.util.Optional.empty();
    }

    /**
     * Replaces the server state with one {@link #exportServerState} produced for the same
     * strategy and experiment; the run then continues, bit for bit, as the exporting one would have.
     *
     * @throws IllegalArgumentException if {@code state} is not such a state
     * @throws UnsupportedOperationException if this strategy does not export its server state
     */
    default void restoreServerState(byte[] state) {
        throw new UnsupportedOperationException("strategy " + name() + " does not export its server state "
                + "(Strategy.exportServerState), so its runs cannot be resumed");
    }
}
