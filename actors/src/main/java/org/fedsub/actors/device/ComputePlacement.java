package org.fedsub.actors.device;

import java.util.concurrent.Executor;

/**
 * Where tensor work runs: the one interface through which actors get the executor of their
 * work. A client is placed on a device when it starts and stays there until it stops (its
 * state, on a GPU, lives there); the server's work runs on the first device. Implementations
 * are shared by the actors of a run and are safe to call from any of them.
 */
public interface ComputePlacement {

    /**
     * The device of client {@code clientId}: placed by the policy on the first call, the same
     * on every later call until {@link #release}, so a restarted client stays where it was.
     */
    Device place(int clientId);

    /** Client {@code clientId} has stopped: its device no longer counts it as live. */
    void release(int clientId);

    /** The device of the server's work (aggregation, evaluation): the first one. */
    Device server();

    /** The executor of {@code device}'s work: its dispatcher, whose threads are bound to it. */
    Executor executor(Device device);
}
