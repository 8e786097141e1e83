package org.fedsub.examples.plugins;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class RobustMeanTest {

    /** Four honest clients over three coordinates, and one more row for the outlier. */
    private static double[][] withOutlier(double value) {
        return new double[][] {{1.0, -2.0, 0.5}, {1.2, -1.8, 0.4}, {0.9, -2.1, 0.6}, {1.1, -1.9, 0.5},
            {value, -value, value}};
    }

    @Test
    void trimmedMean_outlierClient_doesNotMoveTheResult() {
        double[] small = RobustMean.trimmedMean(withOutlier(5), 1);
        double[] huge = RobustMean.trimmedMean(withOutlier(1e12), 1);
        double[] plainSmall = RobustMean.trimmedMean(withOutlier(5), 0);
        double[] plainHuge = RobustMean.trimmedMean(withOutlier(1e12), 0);

        assertArrayEquals(small, huge, 0.0, "an outlier beyond the honest values moves nothing, however far");
        // Dropping the largest and smallest of each coordinate leaves three honest values.
        assertArrayEquals(new double[] {(1.0 + 1.2 + 1.1) / 3, (-2.1 - 2.0 - 1.9) / 3, (0.5 + 0.6 + 0.5) / 3}, small,
                1e-15);
        assertTrue(plainHuge[0] - plainSmall[0] > 1e11, "while the plain mean follows it");
    }

    @Test
    void trimmedMean_withTheMedianTrim_isTheCoordinateWiseMedian() {
        double[][] odd = {{3, 10}, {1, 30}, {2, 20}};
        double[][] even = {{4, -1}, {1, -4}, {3, -2}, {2, -3}};

        assertArrayEquals(new double[] {2, 20}, RobustMean.trimmedMean(odd, RobustMean.medianTrim(3)), 0.0);
        assertArrayEquals(new double[] {2.5, -2.5}, RobustMean.trimmedMean(even, RobustMean.medianTrim(4)), 0.0);
    }

    @Test
    void trimmedMean_withTrimZero_isThePlainMean_inAnyClientOrder() {
        SplittableRandom rnd = new SplittableRandom(4);
        double[][] v = new double[7][5];
        for (double[] row : v) {
            for (int j = 0; j < row.length; j++) {
                row[j] = rnd.nextGaussian();
            }
        }
        double[][] reversed = new double[7][];
        for (int i = 0; i < 7; i++) {
            reversed[i] = v[6 - i];
        }

        double[] mean = RobustMean.trimmedMean(v, 0);

        for (int j = 0; j < 5; j++) {
            double s = 0;
            for (double[] row : v) {
                s += row[j];
            }
            assertEquals(s / 7, mean[j], 1e-15);
        }
        assertArrayEquals(mean, RobustMean.trimmedMean(reversed, 0), 0.0, "sorted first: the order of arrival is irrelevant");
    }

    @Test
    void trimFor_roundsDown_andTooMuchTrimIsRefused() {
        assertEquals(2, RobustMean.trimFor(0.2, 10));
        assertEquals(0, RobustMean.trimFor(0.2, 3));
        assertThrows(IllegalArgumentException.class, () -> RobustMean.trimmedMean(new double[][] {{1}, {2}}, 1));
    }

    @Test
    void trimmedMean_ofTensors_keepsTheirShapeAndType() {
        List<INDArray> xs = List.of(Nd4j.create(new float[] {1, 2, 3, 4, 5, 6}, 2, 3),
                Nd4j.create(new float[] {2, 3, 4, 5, 6, 7}, 2, 3), Nd4j.create(new float[] {9, 9, 9, 9, 9, 900}, 2, 3));

        INDArray m = RobustMean.trimmedMean(xs, 1);

        assertEquals(DataType.FLOAT, m.dataType());
        assertArrayEquals(new long[] {2, 3}, m.shape());
        assertEquals(Nd4j.create(new float[] {2, 3, 4, 5, 6, 7}, 2, 3), m);
    }
}
