package org.fedsub.actors.server;

import java.util.List;
import org.fedsub.actors.protocol.CborSerializable;
import org.fedsub.runtime.engine.RoundListener;
import org.fedsub.runtime.engine.RoundMetrics;
import org.fedsub.runtime.strategy.ClientFailure;

/**
 * A finished round as the actor runtime saw it: the reference engine's metrics plus what only a
 * runtime with faults has.
 *
 * @param metrics  the round's metrics ({@code failed} = sampled - used)
 * @param late     sampled clients with no answer when the round closed (deadline, or target reached)
 * @param dropped  the round aggregated nothing and kept the model (below min-completion, or its
 *                 round actor crashed)
 * @param failures every sampled client whose update did not count, with the reason
 */
public record RoundReport(RoundMetrics metrics, int late, boolean dropped, List<ClientFailure> failures)
        implements CborSerializable {

    public RoundReport {
        failures = List.copyOf(failures);
    }

    public int round() {
        return metrics.round();
    }

    /**
     * A {@link RoundListener} that takes the whole report (late clients, dropped rounds) from the
     * actor runtime's coordinators, which call {@link #onReport} instead of {@link #onRound};
     * the reference engine, which has no reports, still calls {@link #onRound}.
     */
    public interface Listener extends RoundListener {

        void onReport(RoundReport report);
    }

    /** Tells {@code listener} about {@code report}: all of it to a {@link Listener}, its metrics to any other. */
    public static void tell(RoundListener listener, RoundReport report) {
        if (listener instanceof Listener l) {
            l.onReport(report);
        } else {
            listener.onRound(report.metrics());
        }
    }
}
