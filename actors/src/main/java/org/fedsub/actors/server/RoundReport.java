package org.fedsub.actors.server;

import java.util.List;
import org.fedsub.actors.protocol.CborSerializable;
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
}
