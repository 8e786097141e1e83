package org.fedsub.runtime.engine;

/**
 * Why the server refused an update that arrived. Each is counted in the round's
 * {@link RoundMetrics#rejected()} under its {@link #label()}.
 */
public enum Rejection {
    /** The bytes do not decode (wrong codec, truncated, inconsistent sizes). */
    MALFORMED("malformed"),
    /** From a client that was not asked to train (this round, or at all). */
    UNSAMPLED("unsampled"),
    /** Trained for another round or model version than the one the client was asked for. */
    WRONG_ROUND("wrong-round"),
    /** A second update for the same task. */
    DUPLICATE("duplicate"),
    /** An example count that is not positive or exceeds what the server knows of the client. */
    EXAMPLE_COUNT("example-count"),
    /** NaN or infinite values. */
    NON_FINITE("non-finite"),
    /** An L2 norm over the absolute cap, or far above the median of the updates aggregated with it. */
    NORM("norm"),
    /** Asynchronous: trained on a model version older than max-staleness allows. */
    STALE("stale"),
    /** Refused by the strategy: missing tensors, wrong shapes, wrong basis. */
    INVALID("invalid"),
    /** Valid, but the round had too few valid updates (min-completion) and kept its model. */
    ROUND_DROPPED("round-dropped"),
    /** Aggregation threw; the round's updates were discarded and the model restored. */
    AGGREGATION_FAILED("aggregation-failed"),
    /**
     * Cluster: an answer that names another client than the one its task was sent to (a node
     * answering for a client it does not host).
     */
    WRONG_SENDER("wrong-sender"),
    /**
     * Cluster: a node's registration of clients that the server refused (unknown node, wrong
     * credential, client ids it may not host, a malformed claim). Not an update: counted in the
     * round during which it came.
     */
    REGISTRATION("registration");

    private final String label;

    Rejection(String label) {
        this.label = label;
    }

    /** The name used in metrics files and summaries. */
    public String label() {
        return label;
    }
}
