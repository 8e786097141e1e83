package org.fedsub.runtime.data;

import java.util.List;

/**
 * Splits the rows of a labelled table over clients. Implementations are deterministic in the
 * seed, give every client at least one row (or fail with a message saying why they cannot), and
 * use every row at most once. Each client's rows come back in ascending order.
 */
public interface Partitioner {

    /**
     * @param labels the label of each row, in {@code [0, numClasses)}
     * @param numClasses number of classes
     * @param clients number of clients, at least 1
     * @param seed the split's seed
     * @return one array of row indices per client
     * @throws IllegalArgumentException if the rows cannot be split this way (too few rows or classes)
     */
    List<int[]> split(int[] labels, int numClasses, int clients, long seed);

    /** Shuffled rows cut into near-equal parts (sizes differ by at most one). */
    static Partitioner iid() {
        return new IidPartitioner();
    }

    /** Label skew: per class, proportions over clients drawn from Dirichlet(alpha). */
    static Partitioner dirichlet(double alpha) {
        return new DirichletPartitioner(alpha);
    }

    /** Label-pure shards, {@code shardsPerClient} a client: at most that many classes per client. */
    static Partitioner shards(int shardsPerClient) {
        return new ShardPartitioner(shardsPerClient);
    }

    /** Contiguous class ranges, the reference's {@code split_dataset_by_class}. */
    static Partitioner byClass() {
        return new ByClassPartitioner();
    }
}
