package org.fedsub.runtime.compute;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** The direct BLAS calls against ND4J's own ops, over random shapes, both types, views included. */
class BlasTest {

    private static INDArray random(Random r, DataType t, int rows, int cols) {
        double[] v = new double[rows * cols];
        for (int i = 0; i < v.length; i++) {
            v[i] = r.nextGaussian();
        }
        return Nd4j.create(v, new long[] {rows, cols}, 'c').castTo(t);
    }

    /** Rows [1, rows + 1) of a bigger matrix: a view with an offset into a shared buffer. */
    private static INDArray rowView(Random r, DataType t, int rows, int cols) {
        return random(r, t, rows + 2, cols).get(NDArrayIndex.interval(1, rows + 1), NDArrayIndex.all());
    }

    @Test
    void gemm_everyTransposeAndType_matchesNd4jMmul() {
        Random r = new Random(11);
        for (DataType t : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
            double tol = t == DataType.FLOAT ? 1e-4 : 1e-12;
            for (int trial = 0; trial < 20; trial++) {
                int m = 1 + r.nextInt(40);
                int n = 1 + r.nextInt(40);
                int k = 1 + r.nextInt(40);
                boolean ta = r.nextBoolean();
                boolean tb = r.nextBoolean();
                INDArray a = trial % 2 == 0 ? random(r, t, ta ? k : m, ta ? m : k) : rowView(r, t, ta ? k : m, ta ? m : k);
                INDArray b = trial % 3 == 0 ? rowView(r, t, tb ? n : k, tb ? k : n) : random(r, t, tb ? n : k, tb ? k : n);
                INDArray c = rowView(r, t, m, n);
                INDArray before = c.dup();
                INDArray expected = (ta ? a.transpose() : a).mmul(tb ? b.transpose() : b);

                Blas.gemm(a, ta, b, tb, c, 0);
                assertTrue(expected.equalsWithEps(c, tol), "trial " + trial + " " + t);

                Blas.gemm(a, ta, b, tb, c, 1); // beta = 1 adds
                assertTrue(expected.mul(2).equalsWithEps(c, 2 * tol), "accumulate, trial " + trial);
                assertFalse(before.equalsWithEps(c, tol));
            }
        }
    }

    @Test
    void mmul_equalsNd4jsMmul_bitForBit_whereARowMajorGemmDoesNot() {
        Random r = new Random(12);
        int rowMajorDiffers = 0;
        for (DataType t : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
            for (int trial = 0; trial < 40; trial++) {
                int m = 2 + r.nextInt(trial < 20 ? 40 : 300);
                int k = 1 + r.nextInt(trial < 20 ? 40 : 300);
                int n = 2 + r.nextInt(40);
                INDArray a = random(r, t, m, k);
                INDArray b = random(r, t, k, n);
                INDArray expected = a.mmul(b);
                INDArray ours = Blas.mmul(a, b);
                assertEquals(t, ours.dataType());
                assertArrayEquals(expected.shape(), ours.shape());
                assertArrayEquals(expected.dup('c').data().asDouble(), ours.dup('c').data().asDouble(), 0.0,
                        t + " " + m + "x" + k + " by " + k + "x" + n);
                INDArray rowMajor = Nd4j.create(t, m, n);
                Blas.gemm(a, false, b, false, rowMajor, 0);
                if (!java.util.Arrays.equals(expected.dup('c').data().asDouble(), rowMajor.data().asDouble())) {
                    rowMajorDiffers++;
                }
            }
        }
        // Why Blas.mmul exists: the plain row-major call is not ND4J's rounding.
        assertTrue(rowMajorDiffers > 0, "a row-major gemm matched ND4J on every shape");
        // Vectors and views go to ND4J itself.
        INDArray a = random(r, DataType.FLOAT, 5, 7);
        INDArray col = random(r, DataType.FLOAT, 7, 1);
        assertArrayEquals(a.mmul(col).data().asDouble(), Blas.mmul(a, col).data().asDouble(), 0.0);
        INDArray view = rowView(r, DataType.FLOAT, 7, 3);
        assertArrayEquals(a.mmul(view).dup('c').data().asDouble(), Blas.mmul(a, view).dup('c').data().asDouble(), 0.0);
    }

    @Test
    void gemm_leavesTheRestOfASharedBufferAlone() {
        Random r = new Random(12);
        INDArray whole = random(r, DataType.FLOAT, 6, 4);
        INDArray copy = whole.dup();
        INDArray middle = whole.get(NDArrayIndex.interval(2, 4), NDArrayIndex.all());
        Blas.gemm(random(r, DataType.FLOAT, 2, 3), false, random(r, DataType.FLOAT, 3, 4), false, middle, 0);
        for (int row : new int[] {0, 1, 4, 5}) {
            assertEquals(copy.getRow(row), whole.getRow(row), "row " + row);
        }
    }

    @Test
    void gemm_shapesThatDoNotChain_areRefusedNamingThem() {
        INDArray a = Nd4j.zeros(DataType.FLOAT, 3, 4);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Blas.gemm(a, false, Nd4j.zeros(DataType.FLOAT, 5, 2), false, Nd4j.zeros(DataType.FLOAT, 3, 2), 0));
        assertTrue(e.getMessage().contains("[3, 4] x [5, 2]"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> Blas.gemm(a, false, Nd4j.zeros(DataType.DOUBLE, 4, 2), false, Nd4j.zeros(DataType.FLOAT, 3, 2), 0));
        INDArray strided = Nd4j.zeros(DataType.FLOAT, 4, 3).transpose(); // 'f'-ordered view
        assertFalse(Blas.dense(strided));
        assertThrows(IllegalArgumentException.class,
                () -> Blas.gemm(strided, false, Nd4j.zeros(DataType.FLOAT, 4, 2), false, Nd4j.zeros(DataType.FLOAT, 3, 2), 0));
    }

    @Test
    void axpy_matchesNd4j_onViewsToo() {
        Random r = new Random(13);
        for (DataType t : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
            INDArray x = rowView(r, t, 5, 7);
            INDArray y = rowView(r, t, 5, 7);
            INDArray expected = y.add(x.mul(-0.3));
            Blas.axpy(-0.3, x, y);
            assertTrue(expected.equalsWithEps(y, 1e-6), t.toString());
        }
    }

    @Test
    void denseOrCopy_givesADenseEqualArray() {
        INDArray f = Nd4j.linspace(DataType.FLOAT, 1, 12, 1).reshape(3, 4).transpose();
        INDArray d = Blas.denseOrCopy(f);
        assertTrue(Blas.dense(d));
        assertEquals(f, d);
        INDArray dense = Nd4j.zeros(DataType.DOUBLE, 2, 2);
        assertTrue(Blas.denseOrCopy(dense) == dense, "a dense array is used as it is");
    }
    @Test
    void subi_equalsNd4jsSubtraction_bitForBit_andFallsBackForViewsAndOtherShapes() {
        inPlaceEqualsNd4j(Blas::subi, INDArray::subi, INDArray::subiRowVector);
    }

    @Test
    void addi_equalsNd4jsAddition_bitForBit_andFallsBackForViewsAndOtherShapes() {
        inPlaceEqualsNd4j(Blas::addi, INDArray::addi, INDArray::addiRowVector);
    }

    @Test
    void muli_equalsNd4jsScaling_bitForBit_andFallsBackForViewsAndZero() {
        byScalarEqualsNd4j(Blas::muli, INDArray::muli);
        Random r = new Random(19);
        for (DataType t : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
            INDArray nan = random(r, t, 2, 3).putScalar(1, Double.NaN);
            assertTrue(Double.isNaN(Blas.muli(nan, 0).getDouble(1)), "NaN times 0 stays NaN, as ND4J has it");
        }
    }

    @Test
    void divi_equalsNd4jsDivision_bitForBit_andFallsBackForViews() {
        byScalarEqualsNd4j(Blas::divi, INDArray::divi);
    }

    /** {@code ours(x, alpha)} against ND4J's {@code theirs} on a copy, bit for bit, for scalars that are mostly not floats. */
    private static void byScalarEqualsNd4j(java.util.function.BiFunction<INDArray, Double, INDArray> ours,
            java.util.function.BiFunction<INDArray, Double, INDArray> theirs) {
        Random r = new Random(17);
        for (DataType t : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
            for (int trial = 0; trial < 20; trial++) {
                INDArray x = random(r, t, 1 + r.nextInt(30), 1 + r.nextInt(30)).muli(1 + r.nextInt(1000));
                double alpha = (r.nextDouble() - 0.5) * Math.pow(10, r.nextInt(7) - 3);
                INDArray expected = theirs.apply(x.dup(), alpha);
                assertTrue(ours.apply(x, alpha) == x, "in place");
                for (long i = 0; i < x.length(); i++) {
                    assertEquals(Double.doubleToRawLongBits(expected.getDouble(i)), Double.doubleToRawLongBits(x.getDouble(i)),
                            t + " by " + alpha);
                }
            }
            INDArray view = rowView(r, t, 4, 5);
            assertEquals(theirs.apply(view.dup(), 0.3), ours.apply(view, 0.3), "a view: ND4J's own");
        }
    }

    /** {@code ours(y, x)} against ND4J's {@code theirs} on copies, bit for bit; its {@code broadcast} for a row. */
    private static void inPlaceEqualsNd4j(java.util.function.BinaryOperator<INDArray> ours,
            java.util.function.BinaryOperator<INDArray> theirs, java.util.function.BinaryOperator<INDArray> broadcast) {
        Random r = new Random(13);
        for (DataType t : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
            for (int trial = 0; trial < 20; trial++) {
                int rows = 1 + r.nextInt(30);
                int cols = 1 + r.nextInt(30);
                INDArray y = random(r, t, rows, cols).muli(1 + r.nextInt(1000));
                INDArray x = random(r, t, rows, cols);
                INDArray expected = theirs.apply(y.dup(), x);
                INDArray out = ours.apply(y, x);
                assertTrue(out == y, "in place");
                assertEquals(expected, y, t + " " + rows + "x" + cols);
                for (long i = 0; i < y.length(); i++) {
                    assertEquals(Double.doubleToRawLongBits(expected.getDouble(i)), Double.doubleToRawLongBits(y.getDouble(i)));
                }
            }
            INDArray view = rowView(r, t, 4, 5);
            INDArray x = random(r, t, 4, 5);
            INDArray expected = theirs.apply(view.dup(), x);
            assertEquals(expected, ours.apply(view, x), "a view: ND4J's own");
            INDArray row = random(r, t, 1, 5);
            INDArray full = random(r, t, 4, 5);
            assertEquals(broadcast.apply(full.dup(), row), ours.apply(full, row), "a row broadcast: ND4J's own");
        }
    }
}
