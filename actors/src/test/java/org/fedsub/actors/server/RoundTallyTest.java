package org.fedsub.actors.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.fedsub.runtime.engine.RoundMetrics;
import org.fedsub.runtime.engine.ServerStep;
import org.fedsub.runtime.strategy.ClientFailure;
import org.junit.jupiter.api.Test;

class RoundTallyTest {

    private static final ServerStep.Scores NOT_EVALUATED = new ServerStep.Scores(Double.NaN, Double.NaN, Double.NaN, 0);

    @Test
    void report_countsBytesBothWays_lateAndFailed_andSortsFailuresByClient() {
        RoundTally t = new RoundTally();
        t.asked(4);
        t.sent(100);
        t.sent(100);
        t.received(30);
        t.received(50);
        t.late(new ClientFailure(9, 2, "late: no answer before the deadline"));
        t.failed(new ClientFailure(3, 2, "declined: unavailable"));
        ServerStep.Outcome o = new ServerStep.Outcome(Map.of(), List.of(1, 4), List.of(), 0.25);

        RoundReport r = t.report(2, o, 2, NOT_EVALUATED, 7.5, false);

        RoundMetrics m = r.metrics();
        assertEquals(List.of(2, 4, 2, 2), List.of(m.round(), m.sampled(), m.used(), m.failed()));
        assertEquals(List.of(80L, 200L, 50L), List.of(m.uplinkBytes(), m.downlinkBytes(), m.maxClientUplink()));
        assertEquals(0.25, m.clientLoss(), 0.0);
        assertEquals(7.5, m.virtualSeconds(), 0.0);
        assertEquals(1, r.late());
        assertEquals(List.of(3, 9), r.failures().stream().map(ClientFailure::clientId).toList());
    }

    @Test
    void reset_startsTheNextPeriodFromNothing() {
        RoundTally t = new RoundTally();
        t.asked(3);
        t.received(10);
        t.late(new ClientFailure(1, 0, "late"));
        t.reset();

        RoundReport r = t.report(1, ServerStep.Outcome.none(), 0, NOT_EVALUATED, 0, false);

        assertEquals(0, r.metrics().sampled());
        assertEquals(0, r.metrics().uplinkBytes());
        assertEquals(0, r.late());
        assertEquals(List.of(), r.failures());
    }
}
