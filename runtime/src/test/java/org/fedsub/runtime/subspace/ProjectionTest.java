package org.fedsub.runtime.subspace;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class ProjectionTest {

    private static INDArray randn(Random rnd, int rows, int cols) {
        double[] v = new double[rows * cols];
        for (int i = 0; i < v.length; i++) {
            v[i] = rnd.nextGaussian();
        }
        return Nd4j.createFromArray(v).reshape(rows, cols);
    }

    private static double maxAbsDiff(INDArray a, INDArray b) {
        return a.sub(b).amaxNumber().doubleValue();
    }

    @Test
    void cd_fastPath_equalsDenseProduct_overRandomShapes() {
        Random rnd = new Random(7);
        for (int trial = 0; trial < 25; trial++) {
            int n = 1 + rnd.nextInt(60);
            int r = 1 + rnd.nextInt(n);
            int m = 1 + rnd.nextInt(12);
            CoordinateProjection p = CoordinateProjection.random(n, r, rnd.nextLong(), DataType.DOUBLE);
            INDArray dense = p.dense();
            INDArray g = randn(rnd, n, m);
            INDArray b = randn(rnd, r, m);
            assertEquals(0.0, maxAbsDiff(p.project(g), dense.mmul(g)), 0.0, "P g, trial " + trial);
            assertEquals(0.0, maxAbsDiff(p.lift(b), dense.transpose().mmul(b)), 0.0, "P^T b, trial " + trial);
            INDArray x = randn(rnd, n, m);
            INDArray expected = x.add(dense.transpose().mmul(b));
            p.liftAddi(x, b);
            assertEquals(0.0, maxAbsDiff(x, expected), 1e-15, "x += P^T b, trial " + trial);
        }
    }

    @Test
    void cd_projectAndLiftAdd_equalNd4jsGatherAndScatter_bitForBit_inBothTypes() {
        Random rnd = new Random(11);
        for (DataType t : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
            for (int trial = 0; trial < 20; trial++) {
                int n = 2 + rnd.nextInt(60);
                int r = 1 + rnd.nextInt(n - 1);
                int m = 1 + rnd.nextInt(12);
                CoordinateProjection p = CoordinateProjection.random(n, r, rnd.nextLong(), t);
                INDArray sign = Nd4j.createFromArray(p.signs()).castTo(t).reshape(r, 1);
                INDArray g = randn(rnd, n, m).castTo(t).muli(1 + rnd.nextInt(1000));
                INDArray projected = Nd4j.pullRows(g, 1, p.rows()).muliColumnVector(sign);
                assertSameBits(projected, p.project(g), t + " project");
                assertSameBits(projected, p.projectSelected(Nd4j.pullRows(g, 1, p.rows())), t + " project the selected rows");

                INDArray x = randn(rnd, n, m).castTo(t).muli(1 + rnd.nextInt(1000));
                INDArray b = randn(rnd, r, m).castTo(t);
                INDArray expected = x.dup();
                org.nd4j.linalg.api.ops.impl.scatter.ScatterAdd op = new org.nd4j.linalg.api.ops.impl.scatter.ScatterAdd(
                        expected, Nd4j.createFromArray(p.rows()), b.mulColumnVector(sign));
                op.addOutputArgument(expected);
                Nd4j.exec(op);
                p.liftAddi(x, b);
                assertSameBits(expected, x, t + " lift-add");
            }
        }
    }

    private static void assertSameBits(INDArray expected, INDArray actual, String what) {
        assertArrayEquals(expected.shape(), actual.shape(), what);
        for (long i = 0; i < expected.length(); i++) {
            assertEquals(Double.doubleToRawLongBits(expected.getDouble(i)), Double.doubleToRawLongBits(actual.getDouble(i)),
                    what + " at " + i);
        }
    }

    @Test
    void cd_rows_areDistinct_withUnitSigns_andDeterministicInSeed() {
        CoordinateProjection a = CoordinateProjection.random(100, 40, 42, DataType.DOUBLE);
        CoordinateProjection b = CoordinateProjection.random(100, 40, 42, DataType.DOUBLE);
        CoordinateProjection c = CoordinateProjection.random(100, 40, 43, DataType.DOUBLE);
        Set<Integer> rows = new HashSet<>();
        for (int i : a.rows()) {
            rows.add(i);
        }
        assertEquals(40, rows.size());
        for (double s : a.signs()) {
            assertTrue(s == 1.0 || s == -1.0);
        }
        assertArrayEquals(a.rows(), b.rows());
        assertArrayEquals(a.signs(), b.signs());
        assertNotEquals(java.util.Arrays.toString(a.rows()), java.util.Arrays.toString(c.rows()));
    }

    @Test
    void ss_rows_areOrthogonal_withScaleSqrtNOverR() {
        DenseProjection p = DenseProjection.orthogonal(30, 10, 5, DataType.DOUBLE);
        INDArray ppt = p.dense().mmul(p.dense().transpose());
        INDArray expected = Nd4j.eye(10).castTo(DataType.DOUBLE).muli(30.0 / 10.0);
        assertEquals(0.0, maxAbsDiff(ppt, expected), 1e-12);
        assertEquals(Math.sqrt(3.0), p.scale(), 1e-15);
    }

    @Test
    void rd_entries_haveVarianceOneOverN() {
        DenseProjection p = DenseProjection.gaussian(400, 200, 3, DataType.DOUBLE);
        double var = p.dense().mul(p.dense()).meanNumber().doubleValue();
        assertEquals(1.0 / 400, var, 0.05 / 400);
    }

    @Test
    void transport_ss_projectsDualsAndNeverAmplifies() {
        Random rnd = new Random(1);
        Projection from = Generator.SS.generate(1, 0, 0, 64, 16, DataType.DOUBLE);
        Projection to = Generator.SS.generate(1, 1, 0, 64, 16, DataType.DOUBLE);
        INDArray lambda = randn(rnd, 16, 5);
        INDArray moved = Projection.transport(from, to, lambda);
        assertTrue(moved.norm2Number().doubleValue() <= lambda.norm2Number().doubleValue() + 1e-12,
                "an orthogonal change of basis must not grow the duals");
        // Same basis: identity.
        assertEquals(0.0, maxAbsDiff(Projection.transport(from, from, lambda), lambda), 0.0);
        INDArray back = Projection.transport(from, Generator.SS.generate(1, 0, 0, 64, 16, DataType.DOUBLE), lambda);
        assertEquals(0.0, maxAbsDiff(back, lambda), 1e-12, "regenerated identical basis transports to itself");
    }

    @Test
    void transport_cd_keepsSharedCoordinates_andDropsOthers() {
        CoordinateProjection from = CoordinateProjection.random(10, 6, 11, DataType.DOUBLE);
        CoordinateProjection to = CoordinateProjection.random(10, 6, 12, DataType.DOUBLE);
        INDArray lambda = randn(new Random(2), 6, 3);
        INDArray expected = to.dense().mmul(from.dense().transpose()).mmul(lambda);
        assertEquals(0.0, maxAbsDiff(Projection.transport(from, to, lambda), expected), 1e-15);
    }

    @Test
    void svd_firstRow_isTheUpdatesTopDirection() {
        INDArray u = Nd4j.createFromArray(new double[] {3, 0, 0, 4}).reshape(4, 1); // rank one, [n=4, m=1]
        DenseProjection p = DenseProjection.topSingular(u, 2);
        INDArray row = p.dense().getRow(0);
        assertEquals(1.0, Math.abs(row.getDouble(0) * 0.6 + row.getDouble(3) * 0.8), 1e-12);
        INDArray ppt = p.dense().mmul(p.dense().transpose());
        assertEquals(0.0, maxAbsDiff(ppt, Nd4j.eye(2).castTo(DataType.DOUBLE)), 1e-12);
    }

    @Test
    void idx_requiresFullRank() {
        assertThrows(IllegalArgumentException.class, () -> Generator.IDX.generate(0, 0, 0, 10, 5, DataType.DOUBLE));
        Projection id = Generator.IDX.generate(0, 0, 0, 5, 5, DataType.DOUBLE);
        INDArray g = randn(new Random(3), 5, 2);
        assertEquals(0.0, maxAbsDiff(id.project(g), g), 0.0);
    }

    @Test
    void transport_betweenCoordinateBases_isTheLiftThenProject_bitForBit() {
        for (DataType t : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
            CoordinateProjection from = CoordinateProjection.random(50, 20, 3, t);
            CoordinateProjection to = CoordinateProjection.random(50, 20, 4, t);
            INDArray lambda = Nd4j.rand(t, 20, 7).subi(0.5);
            lambda.putScalar(0, 0, -0.0); // the lift's 0 + (-0) is +0
            INDArray direct = Projection.transport(from, to, lambda);
            INDArray viaLift = to.project(from.lift(lambda));
            assertArrayEquals(viaLift.data().asDouble(), direct.data().asDouble(), 0.0);
            for (int i = 0; i < direct.length(); i++) {
                assertEquals(Double.doubleToRawLongBits(viaLift.getDouble(i)), Double.doubleToRawLongBits(direct.getDouble(i)),
                        "element " + i + " in " + t);
            }
        }
    }
}
