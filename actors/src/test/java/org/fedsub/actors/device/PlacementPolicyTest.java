package org.fedsub.actors.device;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PlacementPolicyTest {

    private static List<String> placeAll(Placements p, int clients) {
        List<String> labels = new ArrayList<>();
        for (int id = 0; id < clients; id++) {
            labels.add(p.place(id).label());
        }
        return labels;
    }

    @Test
    void roundRobin_placesClientIOnDeviceIModN() {
        Placements p = new Placements(Devices.cpus(3, PlacementPolicy.ROUND_ROBIN).resolve(2));

        assertEquals(List.of("cpu0", "cpu1", "cpu2", "cpu0", "cpu1", "cpu2", "cpu0"), placeAll(p, 7));
        assertEquals("cpu1", p.place(100).label(), "by client id, not by arrival");
        assertEquals(List.of(3, 3, 2), p.live());
    }

    @Test
    void roundRobin_isTheSameWhateverTheOrderClientsArriveIn() {
        Placements p = new Placements(Devices.cpus(3, PlacementPolicy.ROUND_ROBIN).resolve(2));

        assertEquals("cpu2", p.place(5).label());
        assertEquals("cpu0", p.place(0).label());
        assertEquals("cpu1", p.place(4).label());
    }

    @Test
    void leastLoaded_fillsTheDeviceWithFewestLiveClientsPerThread_tiesToTheFirst() {
        Devices d = new Devices(List.of(Device.cpu(0).withThreads(1), Device.cpu(1).withThreads(2)),
                PlacementPolicy.LEAST_LOADED, Map.of());
        Placements p = new Placements(d);

        // cpu1 has twice the threads: it takes two clients for each one cpu0 takes.
        assertEquals(List.of("cpu0", "cpu1", "cpu1", "cpu0", "cpu1", "cpu1"), placeAll(p, 6));
        assertEquals(List.of(2, 4), p.live());
    }

    @Test
    void leastLoaded_aStoppedClientFreesItsRoom_forTheNextOne() {
        Placements p = new Placements(Devices.cpus(3, PlacementPolicy.LEAST_LOADED).resolve(1));
        placeAll(p, 6); // two on each
        p.release(4); // was on cpu1
        p.release(1); // was on cpu1

        assertEquals("cpu1", p.place(10).label());
        assertEquals("cpu1", p.place(11).label());
        assertEquals("cpu0", p.place(12).label(), "all even again: the first");
        assertEquals(List.of(3, 2, 2), p.live());
    }

    @Test
    void pinned_followsTheMap_andPlacesTheOthersRoundRobin() {
        Devices d = new Devices(Devices.cpus(3, PlacementPolicy.PINNED).list(), PlacementPolicy.PINNED,
                Map.of(0, 2, 4, 2, 5, 0));
        Placements p = new Placements(d.resolve(1));

        assertEquals(List.of("cpu2", "cpu1", "cpu2", "cpu0", "cpu2", "cpu0"), placeAll(p, 6));
    }

    @Test
    void place_isStableUntilReleased_soARestartedClientKeepsItsDevice() {
        Placements p = new Placements(Devices.cpus(2, PlacementPolicy.LEAST_LOADED).resolve(1));
        Device first = p.place(7);

        assertEquals(first, p.place(7));
        assertEquals(first, p.place(7));
        assertEquals(List.of(1, 0), p.live(), "counted once");
        p.release(7);
        p.release(7); // a second release of the same client changes nothing
        assertEquals(List.of(0, 0), p.live());
    }
}
