package org.fedsub.runtime.data;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Pathological non-iid split in the manner of McMahan et al. (2017): the rows are cut into
 * {@code clients * shardsPerClient} shards and each client gets {@code shardsPerClient} of them
 * at random. Unlike cutting one label-sorted list, every shard here holds a single class (each
 * class is cut into its own shards, their number proportional to the class's size), so a client
 * sees at most {@code shardsPerClient} classes.
 *
 * <p>When there are fewer shards than classes present, only the largest classes (one shard each)
 * are used and the other classes' rows are left out.
 */
public final class ShardPartitioner implements Partitioner {

    private final int shardsPerClient;

    ShardPartitioner(int shardsPerClient) {
        if (shardsPerClient < 1) {
            throw new IllegalArgumentException("shards partition: shards per client must be >= 1, got "
                    + shardsPerClient);
        }
        this.shardsPerClient = shardsPerClient;
    }

    public int shardsPerClient() {
        return shardsPerClient;
    }

    @Override
    public List<int[]> split(int[] labels, int numClasses, int clients, long seed) {
        Partitions.checkArguments("shards", labels, numClasses, clients);
        long total = (long) clients * shardsPerClient;
        if (total > labels.length) {
            throw new IllegalArgumentException("shards partition: " + clients + " clients x " + shardsPerClient
                    + " shards need at least " + total + " rows, have " + labels.length
                    + "; use fewer clients or shards per client");
        }
        int shards = (int) total;
        SplittableRandom rng = new SplittableRandom(seed);
        int[][] byClass = Partitions.rowsByClass(labels, numClasses);
        int[] alloc = allocate(byClass, shards);

        List<int[]> shardRows = new ArrayList<>(shards);
        for (int c = 0; c < numClasses; c++) {
            if (alloc[c] == 0) {
                continue;
            }
            int[] rows = byClass[c].clone();
            Sampling.shuffle(rows, rng);
            for (int s = 0; s < alloc[c]; s++) {
                int from = (int) ((long) s * rows.length / alloc[c]);
                int to = (int) ((long) (s + 1) * rows.length / alloc[c]);
                int[] shard = new int[to - from];
                System.arraycopy(rows, from, shard, 0, shard.length);
                shardRows.add(shard);
            }
        }
        int[] order = Sampling.range(shards);
        Sampling.shuffle(order, rng);
        List<Partitions.IntList> parts = Partitions.lists(clients);
        for (int i = 0; i < shards; i++) {
            int[] shard = shardRows.get(order[i]);
            parts.get(i / shardsPerClient).addAll(shard, 0, shard.length);
        }
        return Partitions.finish("shards", parts);
    }

    /**
     * Shards per class: one for each class present (the largest first, if there are fewer shards
     * than classes), the rest by the D'Hondt rule on class size, never more shards than rows.
     */
    private static int[] allocate(int[][] byClass, int shards) {
        int k = byClass.length;
        int[] alloc = new int[k];
        int left = shards;
        while (left > 0) {
            int best = -1;
            for (int c = 0; c < k; c++) {
                if (alloc[c] < byClass[c].length && (best < 0 || outranks(byClass, alloc, c, best))) {
                    best = c;
                }
            }
            alloc[best]++; // shards <= rows, so some class always has room
            left--;
        }
        return alloc;
    }

    /** Whether class {@code a} gets the next shard before class {@code b}: classes without one first, then D'Hondt. */
    private static boolean outranks(int[][] byClass, int[] alloc, int a, int b) {
        if ((alloc[a] == 0) != (alloc[b] == 0)) {
            return alloc[a] == 0;
        }
        return (double) byClass[a].length / (alloc[a] + 1) > (double) byClass[b].length / (alloc[b] + 1);
    }

    @Override
    public String toString() {
        return "shards(" + shardsPerClient + ")";
    }
}
