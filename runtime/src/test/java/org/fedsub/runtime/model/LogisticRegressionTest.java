package org.fedsub.runtime.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.fedsub.runtime.data.Batch;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class LogisticRegressionTest {

    @Test
    void logreg_gradient_matchesFiniteDifferences() {
        Random r = new Random(11);
        for (int trial = 0; trial < 3; trial++) {
            int d = 2 + r.nextInt(6);
            int c = 2 + r.nextInt(4);
            Model m = new LogisticRegression(d, c, DataType.DOUBLE);
            Batch b = ModelFixtures.classificationBatch(r, DataType.DOUBLE, 1 + r.nextInt(7), d, c);
            ModelFixtures.assertGradientMatchesFiniteDifferences(m, ModelFixtures.randomParams(m, r), b);
        }
    }

    @Test
    void logreg_params_areWeightMatrixAndBiasVector() {
        Model m = new LogisticRegression(5, 3, DataType.DOUBLE);

        assertEquals(List.of(ParamSpec.matrix("fc.weight", 5, 3), ParamSpec.vector("fc.bias", 3)), m.params());
        assertTrue(m.isClassifier());
        assertEquals("logreg[5-3]", m.name());
    }

    @Test
    void logreg_sgdOnTwoBlobs_reachesHighTrainingAccuracy() {
        Batch blobs = twoBlobs(new Random(3), 200);
        Model m = new LogisticRegression(2, 2, DataType.DOUBLE);
        Params p = m.init(1);

        double[] losses = ModelFixtures.sgd(m, p, blobs, 0.5, 30);

        assertTrue(losses[30] < losses[0] / 2, "loss " + losses[0] + " -> " + losses[30]);
        assertTrue(ModelFixtures.accuracy(m, p, blobs) > 0.95);
    }

    @Test
    void logreg_init_isDeterministicInTheSeed() {
        Model m = new LogisticRegression(6, 4, DataType.DOUBLE);

        Params a = m.init(42);
        Params b = m.init(42);
        Params c = m.init(43);

        assertEquals(a.get("fc.weight"), b.get("fc.weight"));
        assertNotEquals(a.get("fc.weight"), c.get("fc.weight"));
        assertEquals(0.0, a.get("fc.bias").norm2Number().doubleValue());
        assertFalse(a.hasNonFinite());
    }

    /** Two Gaussian blobs at (-2, -2) and (2, 2), unit variance, as a one-hot batch. */
    static Batch twoBlobs(Random r, int n) {
        double[] x = new double[2 * n];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = i % 2;
            double centre = labels[i] == 0 ? -2 : 2;
            x[2 * i] = centre + r.nextGaussian();
            x[2 * i + 1] = centre + r.nextGaussian();
        }
        INDArray features = Nd4j.create(x, new long[] {n, 2}, DataType.DOUBLE);
        return new Batch(features, ModelFixtures.oneHot(labels, 2, DataType.DOUBLE));
    }
}
