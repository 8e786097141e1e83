package org.fedsub.actors.server;

import java.util.HashMap;
import java.util.Map;
import java.util.function.IntToDoubleFunction;

/**
 * The virtual clock of an asynchronous run, a conservative discrete-event simulation: each
 * client's answer is held at its modelled time and released in time order (ties by client id),
 * but only once no client still at work could answer earlier. The order in which answers come
 * back in wall-clock time then never changes the run. Plain, so that it is tested without actors.
 *
 * @param <T> what an answer carries
 */
final class ArrivalQueue<T> {

    /** An answer of {@code clientId} at {@code time} simulated seconds. */
    record Arrival<T>(double time, int clientId, T answer) {}

    private final Map<Integer, Arrival<T>> held = new HashMap<>();

    /** Holds the answer of {@code clientId}, which must not already have one held. */
    void add(double time, int clientId, T answer) {
        if (held.putIfAbsent(clientId, new Arrival<>(time, clientId, answer)) != null) {
            throw new IllegalStateException("client " + clientId + " already has an answer held");
        }
    }

    /** True if an answer of {@code clientId} is held. */
    boolean holds(int clientId) {
        return held.containsKey(clientId);
    }

    /**
     * Removes and returns the earliest held answer, or null when there is none or when one of
     * {@code working} (clients at work, some of which may have answers held) could still answer
     * at or before it: {@code earliest} gives the soonest each could answer.
     */
    Arrival<T> poll(Iterable<Integer> working, IntToDoubleFunction earliest) {
        Arrival<T> first = null;
        for (Arrival<T> a : held.values()) {
            if (first == null || a.time() < first.time() || (a.time() == first.time() && a.clientId() < first.clientId())) {
                first = a;
            }
        }
        if (first == null) {
            return null;
        }
        for (int id : working) {
            if (held.containsKey(id)) {
                continue;
            }
            double bound = earliest.applyAsDouble(id);
            if (bound < first.time() || (bound == first.time() && id < first.clientId())) {
                return null; // it might still answer first
            }
        }
        held.remove(first.clientId());
        return first;
    }
}
