package org.fedsub.runtime.engine;

/** Receives each round's metrics as the run goes (progress bars, logs, result writers). */
@FunctionalInterface
public interface RoundListener {

    void onRound(RoundMetrics metrics);

    RoundListener NONE = m -> {};
}
