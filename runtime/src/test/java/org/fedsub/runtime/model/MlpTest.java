package org.fedsub.runtime.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.fedsub.runtime.data.Batch;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

class MlpTest {

    @Test
    void mlp_gradient_matchesFiniteDifferences() {
        Random r = new Random(7);
        Model m = new Mlp(List.of(7, 5, 4, 3), DataType.DOUBLE);
        Batch b = ModelFixtures.classificationBatch(r, DataType.DOUBLE, 6, 7, 3);

        ModelFixtures.assertGradientMatchesFiniteDifferences(m, ModelFixtures.randomParams(m, r), b);
    }

    @Test
    void mlp_gradientOnRandomShapes_matchesFiniteDifferences() {
        Random r = new Random(17);
        for (int trial = 0; trial < 3; trial++) {
            List<Integer> widths = new ArrayList<>();
            int layers = 2 + r.nextInt(3);
            for (int i = 0; i < layers; i++) {
                widths.add(1 + r.nextInt(5));
            }
            widths.add(2 + r.nextInt(3));
            Model m = new Mlp(widths, DataType.DOUBLE);
            Batch b = ModelFixtures.classificationBatch(r, DataType.DOUBLE, 1 + r.nextInt(5), widths.get(0),
                    widths.get(widths.size() - 1));
            ModelFixtures.assertGradientMatchesFiniteDifferences(m, ModelFixtures.randomParams(m, r), b);
        }
    }

    @Test
    void mlp_params_areNamedByLayerInOrder() {
        Model m = new Mlp(List.of(784, 200, 200, 10), DataType.FLOAT);

        assertEquals(List.of(ParamSpec.matrix("fc1.weight", 784, 200), ParamSpec.vector("fc1.bias", 200),
                ParamSpec.matrix("fc2.weight", 200, 200), ParamSpec.vector("fc2.bias", 200),
                ParamSpec.matrix("fc3.weight", 200, 10), ParamSpec.vector("fc3.bias", 10)), m.params());
        assertEquals("mlp[784-200-200-10]", m.name());
    }

    @Test
    void mlp_sgd_decreasesLossAndFitsTheBlobs() {
        Batch blobs = LogisticRegressionTest.twoBlobs(new Random(4), 100);
        Model m = new Mlp(List.of(2, 16, 2), DataType.DOUBLE);
        Params p = m.init(5);

        double[] losses = ModelFixtures.sgd(m, p, blobs, 0.2, 20);

        assertTrue(losses[20] < losses[0], "loss " + losses[0] + " -> " + losses[20]);
        assertTrue(ModelFixtures.accuracy(m, p, blobs) > 0.95);
    }

    @Test
    void mlp_init_isDeterministicInTheSeedAndBiasesAreZero() {
        Model m = new Mlp(List.of(7, 5, 3), DataType.DOUBLE);

        Params a = m.init(1);

        for (String name : a.names()) {
            assertEquals(a.get(name), m.init(1).get(name), name);
        }
        assertNotEquals(a.get("fc1.weight"), m.init(2).get("fc1.weight"));
        assertNotEquals(a.get("fc2.weight"), m.init(2).get("fc2.weight"));
        assertEquals(0.0, a.get("fc1.bias").norm2Number().doubleValue());
        assertEquals(0.0, a.get("fc2.bias").norm2Number().doubleValue());
    }

    @Test
    void mlp_featuresOfTheWrongWidth_areRejectedWithTheExpectedShape() {
        Model m = new Mlp(List.of(7, 5, 3), DataType.DOUBLE);
        Batch b = ModelFixtures.classificationBatch(new Random(1), DataType.DOUBLE, 4, 6, 3);

        var e = assertThrows(IllegalArgumentException.class, () -> m.loss(m.init(0), b));
        assertTrue(e.getMessage().contains("[batch, 7]"), e.getMessage());
    }
}
