package org.fedsub.runtime.strategy;

import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Weighted means of equally shaped tensors: the fast path (one accumulator, BLAS axpy, no
 * temporaries) and a slow obvious reference kept for equivalence tests.
 */
public final class Aggregation {

    private Aggregation() {}

    /** {@code sum_i w_i x_i / sum_i w_i} in one accumulator. */
    public static INDArray weightedMean(List<INDArray> xs, double[] weights) {
        check(xs, weights);
        double total = 0;
        for (double w : weights) {
            total += w;
        }
        INDArray acc = Nd4j.zeros(xs.get(0).dataType(), xs.get(0).shape());
        for (int i = 0; i < xs.size(); i++) {
            INDArray x = xs.get(i);
            Nd4j.getBlasWrapper().level1().axpy(acc.length(), weights[i] / total, x.isView() ? x.dup() : x, acc);
        }
        return acc;
    }

    /** The same mean, written the obvious way (allocates per term): the test oracle. */
    public static INDArray weightedMeanReference(List<INDArray> xs, double[] weights) {
        check(xs, weights);
        double total = 0;
        for (double w : weights) {
            total += w;
        }
        INDArray acc = Nd4j.zeros(xs.get(0).dataType(), xs.get(0).shape());
        for (int i = 0; i < xs.size(); i++) {
            acc = acc.add(xs.get(i).mul(weights[i] / total));
        }
        return acc;
    }

    private static void check(List<INDArray> xs, double[] weights) {
        if (xs.isEmpty() || xs.size() != weights.length) {
            throw new IllegalArgumentException("need one weight per tensor and at least one tensor, got "
                    + xs.size() + " tensors and " + weights.length + " weights");
        }
    }
}
