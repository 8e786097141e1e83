package org.fedsub.runtime.engine;

import java.util.List;

/**
 * A run stopped because it used no update for {@code fedsub.max-idle-rounds} rounds in a row;
 * the message names the likely cause.
 */
public final class RunStalledException extends RunFailedException {

    public RunStalledException(String message, List<RoundMetrics> rounds) {
        super(message, rounds);
    }
}
