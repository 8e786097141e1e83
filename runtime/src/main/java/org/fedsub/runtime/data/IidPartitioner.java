package org.fedsub.runtime.data;

import java.util.List;
import java.util.SplittableRandom;

/** Shuffles the rows and cuts them into near-equal parts: client sizes differ by at most one. */
public final class IidPartitioner implements Partitioner {

    IidPartitioner() {}

    @Override
    public List<int[]> split(int[] labels, int numClasses, int clients, long seed) {
        Partitions.checkArguments("iid", labels, numClasses, clients);
        int[] order = Sampling.range(labels.length);
        Sampling.shuffle(order, new SplittableRandom(seed));
        List<Partitions.IntList> parts = Partitions.lists(clients);
        for (int c = 0; c < clients; c++) {
            int from = (int) ((long) c * order.length / clients);
            int to = (int) ((long) (c + 1) * order.length / clients);
            parts.get(c).addAll(order, from, to);
        }
        return Partitions.finish("iid", parts);
    }

    @Override
    public String toString() {
        return "iid";
    }
}
