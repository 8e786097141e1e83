package org.fedsub.runtime.strategy;

/** A sampled client whose update did not count this round, and why. */
public record ClientFailure(int clientId, int round, String reason) {

    /** The reason of a client that stopped for good (its restarts used up) before it answered. */
    public static final String STOPPED = "client stopped before it answered";

    /** True if the client stopped for good: it is lost to the rest of the run. */
    public boolean clientStopped() {
        return STOPPED.equals(reason);
    }
}
