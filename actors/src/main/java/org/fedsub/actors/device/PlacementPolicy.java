package org.fedsub.actors.device;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * How clients are placed on devices ({@code fedsub.actors.placement.policy}). A policy is a
 * pure function of the client, the devices and how many live clients each one holds; the
 * caller ({@link DeviceDispatchers}) keeps the counts.
 */
public enum PlacementPolicy {
    /** Client {@code i} on device {@code i mod devices}: a fixed, even spread. */
    ROUND_ROBIN,
    /**
     * The device with the fewest live clients per thread (ties: the first in the list), so a
     * device with twice the threads takes twice the clients, and clients that stop free room.
     */
    LEAST_LOADED,
    /**
     * The device that {@code fedsub.actors.placement.pinned} names for the client; clients it
     * does not name are placed round-robin.
     */
    PINNED;

    /** The name used in configuration. */
    public String configName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** The names used in configuration, in order. */
    public static List<String> configNames() {
        return java.util.Arrays.stream(values()).map(PlacementPolicy::configName).toList();
    }

    /**
     * The position in {@code devices} of the device that takes client {@code clientId}.
     *
     * @param devices     the devices, each with its resolved thread count (>= 1)
     * @param liveClients live clients per device, in the order of {@code devices}
     * @param pinned      client id to device position, for {@link #PINNED}
     */
    public int place(int clientId, List<Device> devices, int[] liveClients, Map<Integer, Integer> pinned) {
        int n = devices.size();
        return switch (this) {
            case ROUND_ROBIN -> Math.floorMod(clientId, n);
            case PINNED -> pinned.getOrDefault(clientId, Math.floorMod(clientId, n));
            case LEAST_LOADED -> {
                int best = 0;
                for (int d = 1; d < n; d++) {
                    // live[d] / threads[d] < live[best] / threads[best], without division
                    if ((long) liveClients[d] * devices.get(best).threads()
                            < (long) liveClients[best] * devices.get(d).threads()) {
                        best = d;
                    }
                }
                yield best;
            }
        };
    }
}
