package org.fedsub.actors.server;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import org.fedsub.runtime.engine.RoundMetrics;
import org.fedsub.runtime.engine.ServerStep;
import org.fedsub.runtime.strategy.ClientFailure;

/**
 * What happened in one round (or, asynchronously, between two aggregations): clients asked,
 * late and failed, bytes each way, and the wall-clock time, turned into the round's
 * {@link RoundReport}. Plain, so that the bookkeeping is tested without actors.
 */
final class RoundTally {

    private int asked;
    private int late;
    private long up;
    private long down;
    private long maxUp;
    private final List<ClientFailure> failures = new ArrayList<>();
    private final java.util.SortedMap<String, Integer> rejectedBy = new java.util.TreeMap<>();
    private long start = System.nanoTime();

    /** {@code n} more clients were asked to train. */
    void asked(int n) {
        asked += n;
    }

    /** The server sent {@code bytes} (a task, an acknowledgement). */
    void sent(long bytes) {
        down += bytes;
    }

    /** An update of {@code bytes} arrived. */
    void received(long bytes) {
        up += bytes;
        maxUp = Math.max(maxUp, bytes);
    }

    /** A client answered too late, or not at all. */
    void late(ClientFailure f) {
        late++;
        failures.add(f);
    }

    /** {@code n} clients came too late, whose failures are counted separately. */
    void lateCount(int n) {
        late += n;
    }

    void failed(ClientFailure f) {
        failures.add(f);
    }

    void failed(Collection<ClientFailure> fs) {
        failures.addAll(fs);
    }

    /** The updates an aggregation refused: failures, counted by reason. */
    void refused(ServerStep.Outcome o) {
        failures.addAll(o.rejected());
        o.rejectedBy().forEach((k, v) -> rejectedBy.merge(k, v, Integer::sum));
    }

    /** {@code n} updates refused for {@code reason} by the coordinator, before the server step. */
    void refusedBefore(String reason, int n) {
        rejectedBy.merge(reason, n, Integer::sum);
    }

    int asked() {
        return asked;
    }

    int late() {
        return late;
    }

    /** Failures so far, in the order they were counted. */
    List<ClientFailure> failures() {
        return List.copyOf(failures);
    }

    /**
     * The report of {@code round}: {@code used} updates aggregated, {@code failed} clients that
     * did not count, the failures sorted by client id (stable), wall time without evaluation.
     */
    RoundReport report(int round, ServerStep.Outcome outcome, int failed, ServerStep.Scores scores,
            double virtualSeconds, boolean dropped) {
        double wall = (System.nanoTime() - start) / 1e6 - scores.evalMillis();
        RoundMetrics m = new RoundMetrics(round, asked, outcome.used().size(), failed, outcome.clientLoss(),
                scores.trainLoss(), scores.testLoss(), scores.testAccuracy(), up, down, maxUp, wall, virtualSeconds,
                rejectedBy);
        List<ClientFailure> sorted = new ArrayList<>(failures);
        sorted.sort(Comparator.comparingInt(ClientFailure::clientId));
        return new RoundReport(m, late, dropped, sorted);
    }

    /** Starts the next period afresh. */
    void reset() {
        asked = 0;
        late = 0;
        up = 0;
        down = 0;
        maxUp = 0;
        failures.clear();
        rejectedBy.clear();
        start = System.nanoTime();
    }
}
