package org.fedsub.actors.client;

import java.time.Duration;

/**
 * How a simulated client behaves beyond its training: whether it takes part in a round, and
 * how long its (modelled) compute and links hold its answer back. Implementations are pure
 * functions of the client and round (a simulation draws them from the experiment seed), so a
 * restarted client behaves as before.
 */
public interface ClientBehaviour {

    /** What a client does with a round it is asked to train. */
    enum Fate {
        TRAIN,
        /** Not available: declines at once. */
        DECLINE,
        /** Drops out mid-round: never reports. */
        DROP_OUT
    }

    Fate fate(int round);

    /** Wall-clock time to hold a finished update back (slow compute and links); zero on the virtual clock. */
    Duration replyDelay(int round, long taskBytes, long updateBytes);

    /**
     * Whether a dropout says so with {@code Declined(DROPPED_OUT)}: on the virtual clock, so
     * that the round need not wait for its deadline in wall-clock time.
     */
    boolean announcesDropouts();

    /** Always there, never delayed: a client as the reference engine has it. */
    ClientBehaviour RELIABLE = new ClientBehaviour() {
        @Override
        public Fate fate(int round) {
            return Fate.TRAIN;
        }

        @Override
        public Duration replyDelay(int round, long taskBytes, long updateBytes) {
            return Duration.ZERO;
        }

        @Override
        public boolean announcesDropouts() {
            return false;
        }
    };
}
