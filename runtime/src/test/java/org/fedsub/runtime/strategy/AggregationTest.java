package org.fedsub.runtime.strategy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class AggregationTest {

    @Test
    void weightedMean_fastPath_equalsReference_overRandomShapes() {
        Random rnd = new Random(11);
        for (int trial = 0; trial < 20; trial++) {
            int rows = 1 + rnd.nextInt(20);
            int cols = 1 + rnd.nextInt(20);
            int k = 1 + rnd.nextInt(8);
            List<INDArray> xs = new ArrayList<>();
            double[] w = new double[k];
            for (int i = 0; i < k; i++) {
                xs.add(Nd4j.rand(DataType.DOUBLE, rows, cols).subi(0.5));
                w[i] = 1 + rnd.nextInt(100);
            }
            INDArray fast = Aggregation.weightedMean(xs, w);
            INDArray ref = Aggregation.weightedMeanReference(xs, w);
            assertEquals(0.0, fast.sub(ref).amaxNumber().doubleValue(), 1e-14, "trial " + trial);
        }
    }

    @Test
    void weightedMean_ofIdenticalTensors_isThatTensor() {
        INDArray a = Nd4j.rand(DataType.FLOAT, 4, 3);
        INDArray m = Aggregation.weightedMean(List.of(a, a, a), new double[] {1, 5, 2});
        assertEquals(0.0, m.sub(a).amaxNumber().doubleValue(), 1e-6);
    }
}
