package org.fedsub.runtime.model;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.fedsub.runtime.data.Batch;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Seeded random batches and parameters, and the finite-difference gradient check. */
final class ModelFixtures {

    private ModelFixtures() {}

    static INDArray gaussian(Random r, DataType dtype, long rows, long cols, double std) {
        double[] v = new double[Math.toIntExact(rows * cols)];
        for (int i = 0; i < v.length; i++) {
            v[i] = std * r.nextGaussian();
        }
        return Nd4j.create(v, new long[] {rows, cols}, DataType.DOUBLE).castTo(dtype);
    }

    static INDArray oneHot(int[] labels, int classes, DataType dtype) {
        INDArray y = Nd4j.zeros(dtype, labels.length, classes);
        for (int i = 0; i < labels.length; i++) {
            y.putScalar(i, labels[i], 1.0);
        }
        return y;
    }

    static Batch classificationBatch(Random r, DataType dtype, int b, int d, int classes) {
        int[] labels = new int[b];
        for (int i = 0; i < b; i++) {
            labels[i] = r.nextInt(classes);
        }
        return new Batch(gaussian(r, dtype, b, d, 1.0), oneHot(labels, classes, dtype));
    }

    /** Random parameters (biases too, so that no ReLU sits exactly at its kink). */
    static Params randomParams(Model m, Random r) {
        Params p = Params.empty();
        for (ParamSpec s : m.params()) {
            p.put(s.name(), gaussian(r, m.dtype(), s.in(), s.out(), 0.5));
        }
        return p;
    }

    /**
     * Asserts that every entry of the analytic gradient matches a central difference: relative
     * error below {@code 1e-5}, with an absolute floor for entries that are (nearly) zero.
     */
    static void assertGradientMatchesFiniteDifferences(Model m, Params params, Batch batch) {
        Params grad = params.zerosLike();
        double loss = m.lossAndGradient(params, batch, grad);
        assertTrue(Double.isFinite(loss), "loss " + loss);
        double eps = 1e-6;
        for (ParamSpec s : m.params()) {
            INDArray p = params.get(s.name());
            INDArray g = grad.get(s.name());
            for (long i = 0; i < p.length(); i++) {
                double orig = p.getDouble(i);
                p.putScalar(i, orig + eps);
                double up = m.loss(params, batch);
                p.putScalar(i, orig - eps);
                double down = m.loss(params, batch);
                p.putScalar(i, orig);
                double numeric = (up - down) / (2 * eps);
                double analytic = g.getDouble(i);
                double rel = Math.abs(analytic - numeric) / Math.max(Math.abs(analytic) + Math.abs(numeric), 1e-4);
                long at = i;
                assertTrue(rel < 1e-5, () -> m.name() + " " + s + " entry " + at + ": analytic " + analytic
                        + ", numeric " + numeric + ", relative error " + rel);
            }
        }
    }

    static double accuracy(Model m, Params p, Batch b) {
        INDArray pred = m.predict(p, b.features()).argMax(1);
        INDArray truth = b.targets().argMax(1);
        return pred.eq(truth).castTo(DataType.DOUBLE).meanNumber().doubleValue();
    }

    /** Plain gradient descent; returns the losses before each step and after the last. */
    static double[] sgd(Model m, Params p, Batch b, double lr, int steps) {
        double[] losses = new double[steps + 1];
        Params g = p.zerosLike();
        for (int t = 0; t < steps; t++) {
            losses[t] = m.lossAndGradient(p, b, g);
            p.axpyi(-lr, g);
        }
        losses[steps] = m.loss(p, b);
        return losses;
    }
}
