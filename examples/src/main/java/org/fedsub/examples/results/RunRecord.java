package org.fedsub.examples.results;

import java.util.List;
import org.fedsub.actors.server.RoundReport;
import org.fedsub.runtime.engine.Experiment;
import org.fedsub.runtime.engine.Optimum;
import org.fedsub.runtime.engine.RoundMetrics;
import org.fedsub.runtime.engine.RunResult;
import org.fedsub.runtime.model.Model;
import org.fedsub.runtime.model.ParamSpec;
import org.fedsub.runtime.strategy.ClientFailure;

/**
 * One finished run as the results files see it: the engine's result, what was run, and the
 * wall-clock times the engine does not keep.
 *
 * @param name           the experiment's name (a comparison member's name)
 * @param model          the model's name, e.g. {@code logreg[60-10]}
 * @param data           the data set's name
 * @param clients        number of clients
 * @param parameters     trainable scalars of the model
 * @param elapsedSeconds seconds from the start of the run to the end of each round, evaluation included
 * @param wallSeconds    seconds the whole run took
 * @param reports        the actor runtime's view of each round (late clients, dropped rounds), one per
 *                       round; empty for a run of the reference engine, which has neither
 * @param architecture   the model that was trained, to save its final parameters with
 *                       ({@link org.fedsub.runtime.model.ModelFiles})
 * @param seed           the experiment's seed
 * @param plannedRounds  the rounds the experiment asked for ({@code fedsub.rounds}); more than the
 *                       rounds run when the run was interrupted (Ctrl-C)
 * @param asynchronous   true for FedBuff and FedAsync: each "round" is a model version, not a round
 *                       of sampled clients
 * @param optimalTrainLoss the lowest train loss the experiment can reach where it has a closed
 *                       form (least squares, {@link Optimum}), else NaN
 */
public record RunRecord(String name, String model, String data, int clients, long parameters, RunResult result,
        double[] elapsedSeconds, double wallSeconds, List<RoundReport> reports, Model architecture, long seed,
        int plannedRounds, boolean asynchronous, double optimalTrainLoss) {

    public RunRecord {
        if (elapsedSeconds.length != result.rounds().size()) {
            throw new IllegalArgumentException("one elapsed time per round expected: " + elapsedSeconds.length
                    + " for " + result.rounds().size() + " rounds");
        }
        elapsedSeconds = elapsedSeconds.clone();
        reports = List.copyOf(reports);
        if (!reports.isEmpty() && reports.size() != result.rounds().size()) {
            throw new IllegalArgumentException("one report per round expected: " + reports.size() + " for "
                    + result.rounds().size() + " rounds");
        }
    }

    /** A run of the reference engine. */
    public static RunRecord of(Experiment exp, RunResult result, double[] elapsedSeconds, double wallSeconds) {
        return of(exp, result, elapsedSeconds, wallSeconds, List.of());
    }

    /** A run of synchronous rounds with the actor runtime's round reports (empty: the reference engine). */
    public static RunRecord of(Experiment exp, RunResult result, double[] elapsedSeconds, double wallSeconds,
            List<RoundReport> reports) {
        return of(exp, result, elapsedSeconds, wallSeconds, reports, false);
    }

    /** A run with the actor runtime's round reports, whose rounds are model versions if {@code asynchronous}. */
    public static RunRecord of(Experiment exp, RunResult result, double[] elapsedSeconds, double wallSeconds,
            List<RoundReport> reports, boolean asynchronous) {
        long params = exp.model().params().stream().mapToLong(ParamSpec::size).sum();
        return new RunRecord(exp.name(), exp.model().name(), exp.data().name(), exp.data().numClients(), params,
                result, elapsedSeconds, wallSeconds, reports, exp.model(), exp.seed(), exp.rounds(), asynchronous,
                Optimum.trainLoss(exp).orElse(Double.NaN));
    }

    /** Client updates aggregated up to and including each round (or version). */
    public double[] cumulativeUpdatesUsed() {
        double[] c = new double[rounds().size()];
        double sum = 0;
        for (int i = 0; i < c.length; i++) {
            sum += rounds().get(i).used();
            c[i] = sum;
        }
        return c;
    }

    /** True when the run stopped before its planned rounds (Ctrl-C), its results holding the rounds it finished. */
    public boolean interrupted() {
        return rounds().size() < plannedRounds;
    }

    /** True when the run went through the actor runtime (its results then count late clients and dropped rounds). */
    public boolean onActors() {
        return !reports.isEmpty();
    }

    /** Sampled clients with no answer when their round (or version) closed, summed over the run. */
    public int totalLate() {
        return reports.stream().mapToInt(RoundReport::late).sum();
    }

    /** Updates the server refused over the run, by reason (see {@code org.fedsub.runtime.engine.Rejection}). */
    public java.util.SortedMap<String, Integer> refused() {
        java.util.SortedMap<String, Integer> total = new java.util.TreeMap<>();
        for (RoundMetrics m : rounds()) {
            m.rejected().forEach((k, v) -> total.merge(k, v, Integer::sum));
        }
        return total;
    }

    /** Updates the server refused over the run, whatever the reason. */
    public int totalRefused() {
        return refused().values().stream().mapToInt(Integer::intValue).sum();
    }

    /**
     * Clients lost to the run: they stopped for good (a training, or their saved state, failed
     * more often than the restart budget allows; the log says why), in id order.
     */
    public java.util.SortedSet<Integer> lostClients() {
        java.util.SortedSet<Integer> lost = new java.util.TreeSet<>();
        for (RoundReport r : reports) {
            r.failures().stream().filter(ClientFailure::clientStopped).forEach(f -> lost.add(f.clientId()));
        }
        return lost;
    }

    /** Rounds that aggregated nothing and kept the model. */
    public int droppedRounds() {
        return (int) reports.stream().filter(RoundReport::dropped).count();
    }

    /**
     * Virtual seconds until the test accuracy first reached {@code target}, or NaN if it never
     * did or the run modelled no clock.
     */
    public double virtualSecondsToAccuracy(double target) {
        if (!usesVirtualTime()) {
            return Double.NaN;
        }
        for (RoundMetrics m : rounds()) {
            if (m.evaluated() && m.testAccuracy() >= target) {
                return m.virtualSeconds();
            }
        }
        return Double.NaN;
    }

    /** Virtual seconds at the end of the run (0 when no clock was modelled). */
    public double finalVirtualSeconds() {
        return rounds().isEmpty() ? 0 : rounds().get(rounds().size() - 1).virtualSeconds();
    }

    public String strategy() {
        return result.strategy();
    }

    public List<RoundMetrics> rounds() {
        return result.rounds();
    }

    @Override
    public double[] elapsedSeconds() {
        return elapsedSeconds.clone();
    }

    /** True when some round reported a test accuracy (false for regression models). */
    public boolean hasAccuracy() {
        return rounds().stream().anyMatch(m -> !Double.isNaN(m.testAccuracy()));
    }

    /** Test accuracy of the last evaluated round, NaN for a regression or when no round was evaluated. */
    public double finalAccuracy() {
        return lastEvaluated().testAccuracy();
    }

    public double finalTestLoss() {
        return lastEvaluated().testLoss();
    }

    public double finalTrainLoss() {
        return lastEvaluated().trainLoss();
    }

    /** The last evaluated round; a run interrupted before its first evaluation has none, and all NaN stands in. */
    private RoundMetrics lastEvaluated() {
        for (int i = rounds().size() - 1; i >= 0; i--) {
            if (rounds().get(i).evaluated()) {
                return rounds().get(i);
            }
        }
        return new RoundMetrics(-1, 0, 0, 0, Double.NaN, Double.NaN, Double.NaN, Double.NaN, 0, 0, 0, 0, 0);
    }

    /** Highest test accuracy of any evaluated round, NaN for a regression. */
    public double bestAccuracy() {
        return rounds().stream().mapToDouble(RoundMetrics::testAccuracy).filter(a -> !Double.isNaN(a)).max()
                .orElse(Double.NaN);
    }

    /** Seconds of client training and aggregation, evaluation excluded, summed over rounds. */
    public double trainingSeconds() {
        return rounds().stream().mapToDouble(RoundMetrics::wallMillis).sum() / 1000.0;
    }

    /** The x values of a time axis: virtual seconds when the run modelled a clock, else cumulative wall seconds. */
    public double[] timeAxis() {
        boolean virtual = usesVirtualTime();
        double[] t = new double[rounds().size()];
        double sum = 0;
        for (int i = 0; i < t.length; i++) {
            RoundMetrics m = rounds().get(i);
            sum += m.wallMillis() / 1000.0;
            t[i] = virtual ? m.virtualSeconds() : sum;
        }
        return t;
    }

    public boolean usesVirtualTime() {
        return rounds().stream().anyMatch(m -> m.virtualSeconds() != 0.0);
    }

    /** Uplink bytes sent up to and including each round. */
    public long[] cumulativeUplink() {
        long[] c = new long[rounds().size()];
        long sum = 0;
        for (int i = 0; i < c.length; i++) {
            sum += rounds().get(i).uplinkBytes();
            c[i] = sum;
        }
        return c;
    }

    /**
     * Downlink bytes sent until the test accuracy first reached {@code target} (that round
     * included), or -1 if it never did: the downlink counterpart of
     * {@link RunResult#uplinkBytesToAccuracy}.
     */
    public long downlinkBytesToAccuracy(double target) {
        long sum = 0;
        for (RoundMetrics m : rounds()) {
            sum += m.downlinkBytes();
            if (m.evaluated() && m.testAccuracy() >= target) {
                return sum;
            }
        }
        return -1;
    }

    /** Uplink plus downlink bytes until the test accuracy first reached {@code target}, or -1 if it never did. */
    public long totalBytesToAccuracy(double target) {
        long up = result.uplinkBytesToAccuracy(target);
        return up < 0 ? -1 : up + downlinkBytesToAccuracy(target);
    }

    /** Uplink plus downlink bytes over the whole run. */
    public long totalBytes() {
        return result.totalUplinkBytes() + result.totalDownlinkBytes();
    }

    /** Uplink plus downlink bytes sent up to and including each round. */
    public long[] cumulativeTotal() {
        long[] up = cumulativeUplink();
        long[] down = cumulativeDownlink();
        for (int i = 0; i < up.length; i++) {
            up[i] += down[i];
        }
        return up;
    }

    /** Downlink bytes sent up to and including each round. */
    public long[] cumulativeDownlink() {
        long[] c = new long[rounds().size()];
        long sum = 0;
        for (int i = 0; i < c.length; i++) {
            sum += rounds().get(i).downlinkBytes();
            c[i] = sum;
        }
        return c;
    }
}
