package org.fedsub.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Sampling among the clients a cluster has registered: a simulation's draw, skipping the absent. */
class ParticipationPoolTest {

    @Test
    void everyClientAvailable_isTheSimulationsSample() {
        for (int k : new int[] {1, 4, 10}) {
            Participation p = new Participation(k, 1.0, 1);
            for (int round = 0; round < 20; round++) {
                assertArrayEquals(p.sample(round, 10, 42), p.sample(round, 10, 42, id -> true), "k " + k + ", round " + round);
            }
        }
    }

    @Test
    void absentClients_areNeverSampled_andTheCountIsKeptWhileEnoughAreThere() {
        Set<Integer> absent = Set.of(1, 3, 4, 8);
        Participation p = new Participation(5, 1.0, 1);
        for (int round = 0; round < 20; round++) {
            int[] ids = p.sample(round, 10, 42, id -> !absent.contains(id));
            assertEquals(5, ids.length);
            assertTrue(Arrays.stream(ids).noneMatch(absent::contains), Arrays.toString(ids));
            assertArrayEquals(ids, p.sample(round, 10, 42, id -> !absent.contains(id)), "seeded");
        }
        assertArrayEquals(new int[] {0, 2}, new Participation(5, 1.0, 1).sample(0, 4, 42, id -> id % 2 == 0));
        assertArrayEquals(new int[] {0, 2, 5}, Participation.full().sample(3, 6, 42, id -> id == 0 || id == 2 || id == 5));
    }
}
