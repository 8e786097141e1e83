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

class LinearRegressionTest {

    @Test
    void linear_gradient_matchesFiniteDifferences() {
        Random r = new Random(5);
        for (boolean bias : new boolean[] {true, false}) {
            Model m = new LinearRegression(5, 3, bias, DataType.DOUBLE);
            Batch b = new Batch(ModelFixtures.gaussian(r, DataType.DOUBLE, 7, 5, 1),
                    ModelFixtures.gaussian(r, DataType.DOUBLE, 7, 3, 1));
            ModelFixtures.assertGradientMatchesFiniteDifferences(m, ModelFixtures.randomParams(m, r), b);
        }
    }

    @Test
    void linear_loss_isMeanOverRowsOfHalfSquaredNorm() {
        Model m = new LinearRegression(2, 2, false, DataType.DOUBLE);
        Params p = Params.empty().put("fc.weight", Nd4j.eye(2).castTo(DataType.DOUBLE));
        INDArray x = Nd4j.create(new double[][] {{1, 2}, {3, 4}});
        INDArray y = Nd4j.create(new double[][] {{0, 2}, {3, 1}});

        // residuals (1, 0) and (0, 3): 0.5 * (1 + 9) / 2 rows
        assertEquals(2.5, m.loss(p, new Batch(x, y)), 1e-12);
    }

    @Test
    void linear_withoutBias_hasOnlyTheWeightAndIsNoClassifier() {
        Model m = new LinearRegression(4, 2, false, DataType.DOUBLE);

        assertEquals(List.of(ParamSpec.matrix("fc.weight", 4, 2)), m.params());
        assertEquals(List.of("fc.weight"), m.init(0).names());
        assertFalse(m.isClassifier());
    }

    @Test
    void linear_atTheGeneratingWeights_hasZeroLossAndGradient() {
        Random r = new Random(9);
        Model m = new LinearRegression(6, 2, false, DataType.DOUBLE);
        INDArray truth = ModelFixtures.gaussian(r, DataType.DOUBLE, 6, 2, 1);
        INDArray x = ModelFixtures.gaussian(r, DataType.DOUBLE, 20, 6, 1);
        Params p = Params.empty().put("fc.weight", truth);
        Params g = p.zerosLike();

        double loss = m.lossAndGradient(p, new Batch(x, x.mmul(truth)), g);

        assertEquals(0.0, loss, 1e-20);
        assertEquals(0.0, g.norm2(), 1e-12);
    }

    @Test
    void linear_gradientDescent_approachesTheLeastSquaresFit() {
        Random r = new Random(13);
        Model m = new LinearRegression(3, 1, true, DataType.DOUBLE);
        INDArray x = ModelFixtures.gaussian(r, DataType.DOUBLE, 50, 3, 1);
        INDArray y = x.mmul(ModelFixtures.gaussian(r, DataType.DOUBLE, 3, 1, 1)).addi(0.7);
        Params p = m.init(2);

        double[] losses = ModelFixtures.sgd(m, p, new Batch(x, y), 0.3, 200);

        assertTrue(losses[200] < 1e-8 * Math.max(1, losses[0]), "loss " + losses[0] + " -> " + losses[200]);
        assertEquals(0.7, p.get("fc.bias").getDouble(0), 1e-4);
    }

    @Test
    void linear_init_isDeterministicInTheSeed() {
        Model m = new LinearRegression(6, 3, true, DataType.DOUBLE);

        assertEquals(m.init(7).get("fc.weight"), m.init(7).get("fc.weight"));
        assertNotEquals(m.init(7).get("fc.weight"), m.init(8).get("fc.weight"));
        assertEquals(0.0, m.init(7).get("fc.bias").norm2Number().doubleValue());
    }
}
