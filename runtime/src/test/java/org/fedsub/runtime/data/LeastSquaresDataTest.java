package org.fedsub.runtime.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

class LeastSquaresDataTest {

    @Test
    void optimum_hasZeroTotalGradient() {
        for (DataType dtype : new DataType[] {DataType.DOUBLE, DataType.FLOAT}) {
            LeastSquaresData ls = LeastSquaresData.generate(LeastSquaresData.Spec.defaults(), dtype, 11);

            double[][] atOptimum = LeastSquaresData.totalGradient(ls.data(), ls.optimum());
            double[][] atZero = LeastSquaresData.totalGradient(ls.data(), new double[20][3]);

            assertTrue(norm(atOptimum) < 1e-10 * norm(atZero), dtype + ": |grad at W*| = " + norm(atOptimum)
                    + ", |grad at 0| = " + norm(atZero));
        }
    }

    @Test
    void defaults_giveEqualRowsPerClientAndRegressionTargets() {
        LeastSquaresData ls = LeastSquaresData.generate(LeastSquaresData.Spec.defaults(), DataType.DOUBLE, 1);
        FederatedData data = ls.data();

        assertEquals(8, data.numClients());
        for (ClientData c : data.clients()) {
            assertEquals(50, c.numExamples());
        }
        assertEquals(0, data.train().numClasses());
        assertNull(data.train().labels());
        assertArrayEquals(new long[] {400, 20}, data.train().features().shape());
        assertArrayEquals(new long[] {400, 3}, data.train().targets().shape());
        assertArrayEquals(new long[] {20, 3}, ls.optimum(DataType.FLOAT).shape());
    }

    @Test
    void heterogeneity_givesClientsOptimaAwayFromTheGlobalOne() {
        LeastSquaresData het = LeastSquaresData.generate(LeastSquaresData.Spec.defaults(), DataType.DOUBLE, 2);
        LeastSquaresData same = LeastSquaresData.generate(new LeastSquaresData.Spec(8, 50, 20, 3, 0), DataType.DOUBLE, 2);

        assertTrue(clientSpread(het) > 0.1, "heterogeneous client optima spread " + clientSpread(het));
        assertTrue(clientSpread(same) < 1e-9, "identical clients' optima spread " + clientSpread(same));
    }

    @Test
    void fullBatchGradientDescent_lr002OnMeanLoss_convergesToOptimum() {
        LeastSquaresData ls = LeastSquaresData.generate(LeastSquaresData.Spec.defaults(), DataType.DOUBLE, 3);
        double[][] opt = ls.optimum();
        int rows = ls.data().train().size();

        assertTrue(0.02 * ls.maxCurvature() < 1, "lr 0.02 x curvature " + ls.maxCurvature());
        double[][] x = ls.data().train().features().toDoubleMatrix();
        double[][] y = ls.data().train().targets().toDoubleMatrix();
        double[][] w = new double[20][3];
        double start = distance(w, opt);
        for (int step = 0; step < 3000; step++) {
            double[][] g = new double[20][3];
            for (int r = 0; r < rows; r++) {
                for (int o = 0; o < 3; o++) {
                    double res = -y[r][o];
                    for (int i = 0; i < 20; i++) {
                        res += x[r][i] * w[i][o];
                    }
                    for (int i = 0; i < 20; i++) {
                        g[i][o] += x[r][i] * res;
                    }
                }
            }
            for (int i = 0; i < 20; i++) {
                for (int o = 0; o < 3; o++) {
                    w[i][o] -= 0.02 * g[i][o] / rows;
                }
            }
        }

        assertTrue(distance(w, opt) < 1e-3 * start, "distance " + distance(w, opt) + " from " + start);
    }

    @Test
    void generate_sameSeed_givesSameProblem() {
        LeastSquaresData a = LeastSquaresData.generate(LeastSquaresData.Spec.defaults(), DataType.FLOAT, 5);
        LeastSquaresData b = LeastSquaresData.generate(LeastSquaresData.Spec.defaults(), DataType.FLOAT, 5);

        assertEquals(a.data().train().features(), b.data().train().features());
        assertEquals(a.data().train().targets(), b.data().train().targets());
        assertArrayEquals(a.optimum(), b.optimum());
    }

    @Test
    void spec_tooFewRowsForDim_isRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new LeastSquaresData.Spec(2, 5, 20, 3, 1));
        assertTrue(e.getMessage().contains("no unique optimum"), e.getMessage());
    }

    /** Mean distance of each client's own optimum from the global one. */
    private static double clientSpread(LeastSquaresData ls) {
        double[][] global = ls.optimum();
        double sum = 0;
        for (ClientData c : ls.data().clients()) {
            FederatedData alone = new FederatedData("one", ls.data().train(), ls.data().test(), List.of(c));
            sum += distance(LeastSquaresData.optimumOf(alone), global);
        }
        return sum / ls.data().numClients();
    }

    private static double distance(double[][] a, double[][] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < a[i].length; j++) {
                s += (a[i][j] - b[i][j]) * (a[i][j] - b[i][j]);
            }
        }
        return Math.sqrt(s);
    }

    private static double norm(double[][] a) {
        return distance(a, new double[a.length][a[0].length]);
    }

}
