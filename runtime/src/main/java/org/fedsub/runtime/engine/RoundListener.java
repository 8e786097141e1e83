package org.fedsub.runtime.engine;

/**
 * Receives each round's metrics as the run goes (progress bars, logs, result writers), and may
 * ask the run to stop early (Ctrl-C in the launcher).
 */
@FunctionalInterface
public interface RoundListener {

    void onRound(RoundMetrics metrics);

    /**
     * Asked after each finished round (after {@link #onRound}): true ends the run there, as if
     * that round had been the last, and the run returns the rounds it has and the model as it is.
     * The reference engine and the actor runtime's coordinators ask; a round is never cut short.
     */
    default boolean stopRequested() {
        return false;
    }

    RoundListener NONE = m -> {};
}
