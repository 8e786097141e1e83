package org.fedsub.runtime.data;

import java.util.List;
import java.util.SplittableRandom;

/**
 * Label skew (Hsu et al., 2019): for each class, the shares of its rows over the clients are
 * drawn from a symmetric Dirichlet(alpha) and the class's shuffled rows are cut accordingly.
 * Small alpha (0.1) gives most clients a few classes; large alpha (100) approaches iid.
 *
 * <p>A draw that leaves some client empty is redrawn (up to {@value #ATTEMPTS} times); if
 * clients are still empty, each empty client then takes one row from the largest client, so
 * every client ends with at least one row whenever there are at least as many rows as clients.
 */
public final class DirichletPartitioner implements Partitioner {

    static final int ATTEMPTS = 100;

    private final double alpha;

    DirichletPartitioner(double alpha) {
        if (!(alpha > 0) || !Double.isFinite(alpha)) {
            throw new IllegalArgumentException("dirichlet partition: alpha must be finite and > 0, got " + alpha);
        }
        this.alpha = alpha;
    }

    public double alpha() {
        return alpha;
    }

    @Override
    public List<int[]> split(int[] labels, int numClasses, int clients, long seed) {
        Partitions.checkArguments("dirichlet", labels, numClasses, clients);
        SplittableRandom rng = new SplittableRandom(seed);
        int[][] byClass = Partitions.rowsByClass(labels, numClasses);
        List<Partitions.IntList> parts = null;
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            parts = draw(byClass, clients, rng);
            if (emptyClient(parts) < 0) {
                return Partitions.finish("dirichlet", parts);
            }
        }
        for (int empty = emptyClient(parts); empty >= 0; empty = emptyClient(parts)) {
            Partitions.IntList largest = parts.get(0);
            for (Partitions.IntList p : parts) {
                if (p.size() > largest.size()) {
                    largest = p;
                }
            }
            parts.get(empty).add(largest.removeLast());
        }
        return Partitions.finish("dirichlet", parts);
    }

    private List<Partitions.IntList> draw(int[][] byClass, int clients, SplittableRandom rng) {
        List<Partitions.IntList> parts = Partitions.lists(clients);
        for (int[] classRows : byClass) {
            if (classRows.length == 0) {
                continue;
            }
            int[] rows = classRows.clone();
            Sampling.shuffle(rows, rng);
            double[] p = Sampling.dirichlet(rng, alpha, clients);
            double cum = 0;
            int from = 0;
            for (int c = 0; c < clients; c++) {
                cum += p[c];
                int to = c == clients - 1 ? rows.length : (int) Math.min(rows.length, Math.round(cum * rows.length));
                to = Math.max(to, from);
                parts.get(c).addAll(rows, from, to);
                from = to;
            }
        }
        return parts;
    }

    private static int emptyClient(List<Partitions.IntList> parts) {
        for (int c = 0; c < parts.size(); c++) {
            if (parts.get(c).size() == 0) {
                return c;
            }
        }
        return -1;
    }

    @Override
    public String toString() {
        return "dirichlet(" + alpha + ")";
    }
}
