package org.fedsub.runtime.data;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The reference's {@code split_dataset_by_class}: client c of N gets every row of the classes
 * {@code [floor(c C / N), floor((c + 1) C / N))}, C the number of classes.
 *
 * <p>Generalised to more clients than classes: such a range can be empty, and then client c
 * takes class {@code floor(c C / N)} instead. The rows of a class claimed by several clients are
 * shuffled and split evenly among them, so every client still sees exactly one class. With
 * N &lt;= C the split is the reference's and uses no randomness.
 */
public final class ByClassPartitioner implements Partitioner {

    ByClassPartitioner() {}

    /** Classes {@code [from, to)} of client {@code c} of {@code clients}. */
    static int[] classRange(int c, int clients, int numClasses) {
        int from = (int) ((long) c * numClasses / clients);
        int to = (int) ((long) (c + 1) * numClasses / clients);
        return new int[] {from, Math.max(to, from + 1)};
    }

    @Override
    public List<int[]> split(int[] labels, int numClasses, int clients, long seed) {
        Partitions.checkArguments("by-class", labels, numClasses, clients);
        List<List<Integer>> claimants = new ArrayList<>(numClasses);
        for (int k = 0; k < numClasses; k++) {
            claimants.add(new ArrayList<>());
        }
        for (int c = 0; c < clients; c++) {
            int[] range = classRange(c, clients, numClasses);
            for (int k = range[0]; k < range[1]; k++) {
                claimants.get(k).add(c);
            }
        }
        int[][] byClass = Partitions.rowsByClass(labels, numClasses);
        SplittableRandom rng = new SplittableRandom(seed);
        List<Partitions.IntList> parts = Partitions.lists(clients);
        for (int k = 0; k < numClasses; k++) {
            List<Integer> owners = claimants.get(k);
            int[] rows = byClass[k];
            if (owners.size() > 1) {
                if (rows.length < owners.size()) {
                    throw new IllegalArgumentException("by-class partition: class " + k + " has " + rows.length
                            + " rows to share among clients " + owners + "; use fewer clients");
                }
                rows = rows.clone();
                Sampling.shuffle(rows, rng);
            }
            for (int i = 0; i < owners.size(); i++) {
                int from = (int) ((long) i * rows.length / owners.size());
                int to = (int) ((long) (i + 1) * rows.length / owners.size());
                parts.get(owners.get(i)).addAll(rows, from, to);
            }
        }
        for (int c = 0; c < clients; c++) {
            if (parts.get(c).size() == 0) {
                int[] range = classRange(c, clients, numClasses);
                throw new IllegalArgumentException("by-class partition: client " + c + " gets classes ["
                        + range[0] + ", " + range[1] + "), which have no rows");
            }
        }
        return Partitions.finish("by-class", parts);
    }

    @Override
    public String toString() {
        return "by-class";
    }
}
