package org.fedsub.runtime.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;
import org.fedsub.runtime.strategy.ClientFailure;

/** The updates one aggregation refused: each as a failure naming its reason, and the counts by reason. */
final class Refusals {

    private final int round;
    private final List<ClientFailure> failures = new ArrayList<>();
    private final SortedMap<String, Integer> counts = new TreeMap<>();

    Refusals(int round) {
        this.round = round;
    }

    void add(EncodedUpdate u, Rejection why, String detail) {
        add(u.clientId(), why, detail);
    }

    void add(int clientId, Rejection why, String detail) {
        failures.add(new ClientFailure(clientId, round, "update refused (" + why.label() + "): " + detail));
        counts.merge(why.label(), 1, Integer::sum);
    }

    List<ClientFailure> failures() {
        return List.copyOf(failures);
    }

    SortedMap<String, Integer> counts() {
        return new TreeMap<>(counts);
    }
}
