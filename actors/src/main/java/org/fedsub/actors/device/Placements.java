package org.fedsub.actors.device;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Which device each live client is on, and how many live clients each device holds: the
 * bookkeeping around a {@link PlacementPolicy}. Thread-safe.
 */
final class Placements {

    private final Devices devices;
    private final int[] live;
    private final Map<Integer, Integer> placed = new HashMap<>();

    /** @param devices resolved devices (every {@code threads >= 1}) */
    Placements(Devices devices) {
        this.devices = devices;
        this.live = new int[devices.list().size()];
    }

    /** The device of {@code clientId}: placed on the first call, the same until {@link #release}. */
    synchronized Device place(int clientId) {
        Integer d = placed.get(clientId);
        if (d == null) {
            d = devices.policy().place(clientId, devices.list(), live, devices.pinned());
            placed.put(clientId, d);
            live[d]++;
        }
        return devices.list().get(d);
    }

    synchronized void release(int clientId) {
        Integer d = placed.remove(clientId);
        if (d != null) {
            live[d]--;
        }
    }

    /** Live clients per device, in the order of the list. */
    synchronized List<Integer> live() {
        return java.util.Arrays.stream(live).boxed().toList();
    }
}
