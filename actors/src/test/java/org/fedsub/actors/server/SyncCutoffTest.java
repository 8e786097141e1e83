package org.fedsub.actors.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import org.fedsub.actors.protocol.FederatedProtocol.UpdateReady;
import org.fedsub.runtime.codec.EncodedPayload;
import org.fedsub.runtime.strategy.ClientFailure;
import org.junit.jupiter.api.Test;

class SyncCutoffTest {

    private static SortedMap<Integer, UpdateReady> updates(int... ids) {
        SortedMap<Integer, UpdateReady> m = new TreeMap<>();
        for (int id : ids) {
            m.put(id, new UpdateReady(3, id, 10, 0.5, new EncodedPayload("float64", new byte[8])));
        }
        return m;
    }

    private static List<Integer> ids(List<UpdateReady> us) {
        return us.stream().map(UpdateReady::clientId).toList();
    }

    private static List<String> reasons(SyncCutoff c) {
        return c.failures().stream().map(f -> f.clientId() + " " + f.reason()).toList();
    }

    @Test
    void realClock_usesWhatArrived_andNamesThePendingLate() {
        SyncCutoff c = SyncCutoff.realClock(3, 4, updates(5, 1), Set.of(7),
                List.of(new ClientFailure(2, 3, "declined: unavailable")));

        assertEquals(List.of(1, 5), ids(c.used()));
        assertEquals(1, c.late());
        assertEquals(List.of("2 declined: unavailable", "7 late: no answer before the round deadline"), reasons(c));
    }

    @Test
    void realClock_overSelected_slowestAreLateBecauseTheTargetWasReached() {
        SyncCutoff c = SyncCutoff.realClock(3, 2, updates(1, 5), Set.of(0), List.of());

        assertEquals(List.of("0 late: the round already had its 2 updates"), reasons(c));
    }

    @Test
    void virtualClock_closesAtTheTargetsLastArrival_andTheSlowerAreLate() {
        Map<Integer, Double> arrival = Map.of(0, 9.0, 1, 2.0, 2, 4.0);

        SyncCutoff c = SyncCutoff.virtualClock(3, 2, 10.0, updates(0, 1, 2), arrival, Set.of(), Set.of(), List.of(),
                List.of());

        assertEquals(List.of(1, 2), ids(c.used()));
        assertEquals(4.0, c.seconds(), 0.0);
        assertEquals(List.of("0 late: the round already had its 2 updates"), reasons(c));
    }

    @Test
    void virtualClock_cutsAtTheDeadline_whateverOrderTheAnswersCameIn() {
        Map<Integer, Double> arrival = Map.of(0, 12.0, 1, 2.0);

        SyncCutoff c = SyncCutoff.virtualClock(3, 3, 10.0, updates(1, 0), arrival, Set.of(4), Set.of(), List.of(),
                List.of());

        assertEquals(List.of(1), ids(c.used()));
        assertEquals(2, c.late());
        assertEquals(10.0, c.seconds(), 0.0, "a round with late clients lasts until its deadline");
        assertEquals(List.of("0 late: its update would arrive after the round deadline",
                "4 late: dropped out, no update before the round deadline"), reasons(c));
    }

    @Test
    void virtualClock_everyoneInTimeButShort_lastsUntilItsLastAnswerOrKnownFailure() {
        SyncCutoff c = SyncCutoff.virtualClock(3, 3, 10.0, updates(1), Map.of(1, 2.0), Set.of(), Set.of(),
                List.of(new ClientFailure(0, 3, "declined: unavailable")), List.of(3.5));

        assertEquals(List.of(1), ids(c.used()));
        assertEquals(0, c.late());
        assertEquals(3.5, c.seconds(), 0.0);
    }
}
