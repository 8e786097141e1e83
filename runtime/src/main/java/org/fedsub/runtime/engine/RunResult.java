package org.fedsub.runtime.engine;

import java.util.List;
import org.fedsub.runtime.model.Params;

/** A finished run: its per-round metrics and the final global model. */
public record RunResult(String experiment, String strategy, List<RoundMetrics> rounds, Params finalModel) {

    public RunResult {
        rounds = List.copyOf(rounds);
    }

    /** The last evaluated round. */
    public RoundMetrics lastEvaluated() {
        for (int i = rounds.size() - 1; i >= 0; i--) {
            if (rounds.get(i).evaluated()) {
                return rounds.get(i);
            }
        }
        throw new IllegalStateException("no round was evaluated");
    }

    public long totalUplinkBytes() {
        return rounds.stream().mapToLong(RoundMetrics::uplinkBytes).sum();
    }

    public long totalDownlinkBytes() {
        return rounds.stream().mapToLong(RoundMetrics::downlinkBytes).sum();
    }

    /** First round (1-based count of rounds run) whose test accuracy reached {@code target}, or -1. */
    public int roundsToAccuracy(double target) {
        for (RoundMetrics m : rounds) {
            if (m.evaluated() && m.testAccuracy() >= target) {
                return m.round() + 1;
            }
        }
        return -1;
    }

    /** Uplink bytes spent until test accuracy first reached {@code target}, or -1. */
    public long uplinkBytesToAccuracy(double target) {
        long sum = 0;
        for (RoundMetrics m : rounds) {
            sum += m.uplinkBytes();
            if (m.evaluated() && m.testAccuracy() >= target) {
                return sum;
            }
        }
        return -1;
    }
}
