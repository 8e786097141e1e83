package org.fedsub.runtime.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

class PartitionerTest {

    static Stream<Arguments> partitioners() {
        return Stream.of(
                Arguments.of(Partitioner.iid()),
                Arguments.of(Partitioner.dirichlet(0.1)),
                Arguments.of(Partitioner.dirichlet(1)),
                Arguments.of(Partitioner.shards(2)),
                Arguments.of(Partitioner.byClass()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("partitioners")
    void split_randomShapes_coverEveryRowOnceAndLeaveNoClientEmpty(Partitioner p) {
        Random random = new Random(2024);
        for (int trial = 0; trial < 20; trial++) {
            int classes = 2 + random.nextInt(10);
            int clients = 1 + random.nextInt(classes); // by-class's reference range needs clients <= classes
            int[] labels = labels(random, clients * 2 * (5 + random.nextInt(40)), classes);

            List<int[]> parts = p.split(labels, classes, clients, trial);

            assertEquals(clients, parts.size());
            boolean[] used = new boolean[labels.length];
            for (int[] part : parts) {
                assertTrue(part.length > 0, p + ": empty client");
                for (int r : part) {
                    assertTrue(!used[r], p + ": row " + r + " used twice");
                    used[r] = true;
                }
            }
            boolean mayLeaveClassesOut = p instanceof ShardPartitioner && 2 * clients < classes;
            for (int r = 0; r < used.length && !mayLeaveClassesOut; r++) {
                assertTrue(used[r], p + ": row " + r + " unused");
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("partitioners")
    void split_sameSeed_givesSameSplit(Partitioner p) {
        int[] labels = labels(new Random(1), 1000, 10);

        List<int[]> a = p.split(labels, 10, 10, 77);
        List<int[]> b = p.split(labels, 10, 10, 77);

        for (int c = 0; c < 10; c++) {
            assertArrayEquals(a.get(c), b.get(c));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("partitioners")
    void split_moreClientsThanRows_failsSayingSo(Partitioner p) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> p.split(new int[] {0, 1, 2}, 3, 5, 1));
        assertTrue(e.getMessage().contains("3 rows") || e.getMessage().contains("have 3"), e.getMessage());
    }

    @Test
    void iid_sizesDifferByAtMostOne() {
        List<int[]> parts = Partitioner.iid().split(new int[1003], 1, 10, 3);

        for (int[] part : parts) {
            assertTrue(part.length == 100 || part.length == 101, "size " + part.length);
        }
    }

    @Test
    void dirichlet_smallAlpha_skewsLabelsMoreThanLargeAlpha() {
        int[] labels = labels(new Random(5), 5000, 10);

        double skewed = meanLabelSpread(Partitioner.dirichlet(0.1).split(labels, 10, 20, 1), labels, 10);
        double flat = meanLabelSpread(Partitioner.dirichlet(100).split(labels, 10, 20, 1), labels, 10);

        assertTrue(skewed > 0.5, "alpha 0.1 spread " + skewed);
        assertTrue(flat < 0.15, "alpha 100 spread " + flat);
    }

    @Test
    void dirichlet_tinyAlphaManyClients_stillFillsEveryClient() {
        int[] labels = labels(new Random(6), 300, 10);

        List<int[]> parts = Partitioner.dirichlet(0.01).split(labels, 10, 100, 4);

        assertEquals(100, parts.size());
        int total = 0;
        for (int[] part : parts) {
            assertTrue(part.length > 0);
            total += part.length;
        }
        assertEquals(300, total);
    }

    @Test
    void dirichlet_nonPositiveAlpha_isRejected() {
        assertThrows(IllegalArgumentException.class, () -> Partitioner.dirichlet(-0.5));
        assertThrows(IllegalArgumentException.class, () -> Partitioner.dirichlet(0));
    }

    @Test
    void shards_giveAtMostShardsPerClientClasses() {
        int[] labels = labels(new Random(7), 6000, 10);
        for (int k = 1; k <= 3; k++) {
            List<int[]> parts = Partitioner.shards(k).split(labels, 10, 50, k);

            for (int[] part : parts) {
                int classes = classesIn(part, labels, 10);
                assertTrue(classes <= k, "client with " + classes + " classes for " + k + " shards each");
            }
        }
    }

    @Test
    void shards_fewerShardsThanClasses_usesLargestClassesOnly() {
        int[] labels = {0, 0, 0, 1, 2, 2, 3, 3, 3, 3};

        List<int[]> parts = Partitioner.shards(1).split(labels, 4, 2, 1);

        assertEquals(7, parts.get(0).length + parts.get(1).length); // classes 3 and 0
    }

    @Test
    void byClass_clientsAtMostClasses_followsTheReferenceRanges() {
        int[] labels = labels(new Random(8), 2000, 10);

        List<int[]> parts = Partitioner.byClass().split(labels, 10, 3, 1);

        int[][] expected = {{0, 1, 2}, {3, 4, 5}, {6, 7, 8, 9}};
        for (int c = 0; c < 3; c++) {
            boolean[] seen = new boolean[10];
            for (int r : parts.get(c)) {
                seen[labels[r]] = true;
            }
            for (int k = 0; k < 10; k++) {
                boolean inRange = false;
                for (int e : expected[c]) {
                    inRange |= e == k;
                }
                assertEquals(inRange, seen[k], "client " + c + " class " + k);
            }
        }
    }

    @Test
    void byClass_moreClientsThanClasses_sharesEachClassAmongItsClients() {
        int[] labels = labels(new Random(9), 1000, 4);

        List<int[]> parts = Partitioner.byClass().split(labels, 4, 10, 1);

        int[] clientsOfClass = new int[4];
        for (int c = 0; c < 10; c++) {
            assertEquals(1, classesIn(parts.get(c), labels, 4), "client " + c);
            clientsOfClass[labels[parts.get(c)[0]]]++;
            assertEquals(ByClassPartitioner.classRange(c, 10, 4)[0], labels[parts.get(c)[0]]);
        }
        for (int n : clientsOfClass) {
            assertTrue(n == 2 || n == 3, "a class shared by " + n + " clients");
        }
    }

    @Test
    void byClass_clientWhoseClassesAreAbsent_failsNamingThem() {
        int[] labels = {0, 0, 1, 1};

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Partitioner.byClass().split(labels, 4, 2, 1));
        assertTrue(e.getMessage().contains("client 1") && e.getMessage().contains("[2, 4)"), e.getMessage());
    }

    private static int[] labels(Random random, int n, int classes) {
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = i < classes ? i : random.nextInt(classes);
        }
        return labels;
    }

    private static int classesIn(int[] rows, int[] labels, int classes) {
        boolean[] seen = new boolean[classes];
        int n = 0;
        for (int r : rows) {
            if (!seen[labels[r]]) {
                seen[labels[r]] = true;
                n++;
            }
        }
        return n;
    }

    /** Mean total-variation distance between each client's label histogram and the whole table's. */
    private static double meanLabelSpread(List<int[]> parts, int[] labels, int classes) {
        double[] pooled = new double[classes];
        for (int l : labels) {
            pooled[l] += 1.0 / labels.length;
        }
        double sum = 0;
        for (int[] part : parts) {
            double[] h = new double[classes];
            for (int r : part) {
                h[labels[r]] += 1.0 / part.length;
            }
            double tv = 0;
            for (int k = 0; k < classes; k++) {
                tv += Math.abs(h[k] - pooled[k]);
            }
            sum += tv / 2;
        }
        return sum / parts.size();
    }
}
