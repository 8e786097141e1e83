package org.fedsub.runtime.engine;

import java.util.List;

/**
 * A run that stopped before its last round, with a message that says why. The rounds that did
 * run are kept, so that what was done is not lost.
 */
public class RunFailedException extends IllegalStateException {

    private final transient List<RoundMetrics> rounds;

    public RunFailedException(String message, List<RoundMetrics> rounds) {
        super(message);
        this.rounds = List.copyOf(rounds);
    }

    /** The metrics of every round that ran. */
    public List<RoundMetrics> rounds() {
        return rounds;
    }
}
