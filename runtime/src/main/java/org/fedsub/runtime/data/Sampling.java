package org.fedsub.runtime.data;

import java.util.SplittableRandom;

/**
 * The few random draws the generators and partitioners need, written out so that a seed gives
 * the same data on every JVM and ND4J backend (ND4J's own RNG differs between backends).
 */
final class Sampling {

    private Sampling() {}

    static double gaussian(SplittableRandom rng, double mean, double std) {
        return mean + std * gaussian(rng);
    }

    /** Standard normal by the polar Box-Muller method (not the JDK's, whose algorithm may change). */
    static double gaussian(SplittableRandom rng) {
        double u;
        double v;
        double s;
        do {
            u = 2 * rng.nextDouble() - 1;
            v = 2 * rng.nextDouble() - 1;
            s = u * u + v * v;
        } while (s >= 1 || s == 0);
        // The second variate is thrown away: keeps the draw stateless, and speed does not matter.
        return u * Math.sqrt(-2 * Math.log(s) / s);
    }

    /**
     * log of a Gamma(shape, 1) variate. Marsaglia-Tsang for shape >= 1; for shape < 1 the boost
     * {@code G(a) = G(a + 1) U^(1/a)}, kept in log space because {@code U^(1/a)} underflows to 0
     * for small a (a = 0.01 is a common Dirichlet concentration).
     */
    static double logGamma(SplittableRandom rng, double shape) {
        if (!(shape > 0) || !Double.isFinite(shape)) {
            throw new IllegalArgumentException("gamma shape must be finite and > 0, got " + shape);
        }
        if (shape < 1) {
            double u = 1 - rng.nextDouble(); // (0, 1]
            return logGamma(rng, shape + 1) + Math.log(u) / shape;
        }
        double d = shape - 1.0 / 3.0;
        double c = 1 / Math.sqrt(9 * d);
        while (true) {
            double x;
            double v;
            do {
                x = gaussian(rng);
                v = 1 + c * x;
            } while (v <= 0);
            v = v * v * v;
            double u = rng.nextDouble();
            if (u < 1 - 0.0331 * x * x * x * x || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) {
                return Math.log(d * v);
            }
        }
    }

    /** A draw from the symmetric Dirichlet(alpha, ..., alpha) over {@code k} outcomes. */
    static double[] dirichlet(SplittableRandom rng, double alpha, int k) {
        double[] logs = new double[k];
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < k; i++) {
            logs[i] = logGamma(rng, alpha);
            max = Math.max(max, logs[i]);
        }
        double sum = 0;
        double[] p = new double[k];
        for (int i = 0; i < k; i++) {
            p[i] = Math.exp(logs[i] - max);
            sum += p[i];
        }
        for (int i = 0; i < k; i++) {
            p[i] /= sum;
        }
        return p;
    }

    /** Fisher-Yates, in place. */
    static void shuffle(int[] a, SplittableRandom rng) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }

    static int[] range(int n) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) {
            a[i] = i;
        }
        return a;
    }
}
