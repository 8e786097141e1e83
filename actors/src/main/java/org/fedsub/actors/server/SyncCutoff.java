package org.fedsub.actors.server;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import org.fedsub.actors.protocol.FederatedProtocol.UpdateReady;
import org.fedsub.runtime.strategy.ClientFailure;

/**
 * Where a synchronous round is cut: which of the updates that came back made it, and why every
 * other sampled client is late. Plain data in, plain data out, so that the rules are tested
 * without actors; {@link SyncRound} gathers the inputs.
 *
 * <p>On the real clock the round closes when it has its target or at its deadline: what has
 * arrived is used, whoever is still pending is late. On the virtual clock every answer has come
 * back in wall-clock time and carries a modelled arrival; the round closes when it has its
 * target in time, when everyone has answered in time, or at the deadline in simulated seconds.
 *
 * @param used     the updates used, sorted by client id
 * @param failures every failure of the round (those known before the cut and the late), sorted by client id
 * @param late     clients that were sampled and answered too late or not at all
 * @param seconds  virtual clock: when the round closed, in simulated seconds (0 on the real clock)
 */
record SyncCutoff(List<UpdateReady> used, List<ClientFailure> failures, int late, double seconds) {

    SyncCutoff {
        used = List.copyOf(used);
        failures = List.copyOf(failures);
    }

    /**
     * The real-clock cut of {@code round}.
     *
     * @param updates the updates that arrived, by client id
     * @param pending the clients that had not answered
     * @param failed  the failures known before the cut
     */
    static SyncCutoff realClock(int round, int target, SortedMap<Integer, UpdateReady> updates,
            Collection<Integer> pending, List<ClientFailure> failed) {
        List<ClientFailure> out = new ArrayList<>(failed);
        String why = updates.size() >= target && !pending.isEmpty()
                ? "late: the round already had its " + target + " updates"
                : "late: no answer before the round deadline";
        for (int id : pending) {
            out.add(new ClientFailure(id, round, why));
        }
        out.sort(Comparator.comparingInt(ClientFailure::clientId));
        return new SyncCutoff(List.copyOf(updates.values()), out, pending.size(), 0);
    }

    /**
     * The virtual-clock cut of {@code round} at {@code deadlineSeconds}.
     *
     * @param updates         the updates that came back, by client id
     * @param arrival         each update's modelled arrival, in simulated seconds
     * @param absent          clients that dropped out (they would never have answered)
     * @param pending         clients that gave no answer at all before the wall-clock safety timeout
     * @param failed          the failures known before the cut ...
     * @param failedKnownAt   ... and when each became known, in simulated seconds
     */
    static SyncCutoff virtualClock(int round, int target, double deadlineSeconds, SortedMap<Integer, UpdateReady> updates,
            Map<Integer, Double> arrival, Collection<Integer> absent, Collection<Integer> pending,
            List<ClientFailure> failed, List<Double> failedKnownAt) {
        List<ClientFailure> out = new ArrayList<>(failed);
        List<UpdateReady> byArrival = new ArrayList<>(updates.values());
        byArrival.sort(Comparator.comparingDouble((UpdateReady u) -> arrival.get(u.clientId()))
                .thenComparingInt(UpdateReady::clientId));
        List<UpdateReady> inTime = new ArrayList<>();
        int late = 0;
        for (UpdateReady u : byArrival) {
            if (arrival.get(u.clientId()) <= deadlineSeconds && inTime.size() < target) {
                inTime.add(u);
            } else {
                late++;
                out.add(new ClientFailure(u.clientId(), round, inTime.size() >= target
                        ? "late: the round already had its " + target + " updates"
                        : "late: its update would arrive after the round deadline"));
            }
        }
        for (int id : absent) {
            late++;
            out.add(new ClientFailure(id, round, "late: dropped out, no update before the round deadline"));
        }
        for (int id : pending) {
            late++;
            out.add(new ClientFailure(id, round, "late: no answer before the wall-clock safety timeout"));
        }
        double seconds = 0;
        if (inTime.size() >= target && !inTime.isEmpty()) {
            seconds = arrival.get(inTime.get(inTime.size() - 1).clientId());
        } else if (late > 0) {
            seconds = deadlineSeconds;
        } else {
            for (UpdateReady u : inTime) {
                seconds = Math.max(seconds, arrival.get(u.clientId()));
            }
            for (double t : failedKnownAt) {
                seconds = Math.max(seconds, t);
            }
        }
        inTime.sort(Comparator.comparingInt(UpdateReady::clientId));
        out.sort(Comparator.comparingInt(ClientFailure::clientId));
        return new SyncCutoff(inTime, out, late, seconds);
    }
}
