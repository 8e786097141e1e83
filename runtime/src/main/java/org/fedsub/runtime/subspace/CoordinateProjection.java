package org.fedsub.runtime.subspace;

import java.util.SplittableRandom;
import org.fedsub.runtime.compute.Blas;
import org.fedsub.runtime.compute.HostArrays;
import org.fedsub.runtime.compute.Rows;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.scatter.ScatterAdd;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The {@code cd} projection: {@code r} distinct rows of the {@code n x n} identity, each with a
 * random sign. {@code P g} is a signed row gather and {@code P^T b} a signed row scatter, both
 * {@code O(r m)}: never a dense {@code r x n} product. With all rows and no signs it is
 * {@code idx}, the identity.
 */
public final class CoordinateProjection implements Projection {

    private final int n;
    private final int[] rows;
    private final double[] signs;
    private final INDArray rowIndex;
    private final INDArray signColumn;
    private final DataType dtype;
    private final boolean identity;

    private CoordinateProjection(int n, int[] rows, double[] signs, DataType dtype) {
        this.n = n;
        this.rows = rows;
        this.signs = signs;
        this.dtype = dtype;
        this.rowIndex = Nd4j.createFromArray(rows);
        this.signColumn = Nd4j.createFromArray(signs).castTo(dtype).reshape(rows.length, 1);
        boolean id = rows.length == n;
        for (int i = 0; id && i < rows.length; i++) {
            id = rows[i] == i && signs[i] == 1.0;
        }
        this.identity = id;
    }

    /** {@code cd}: {@code r} of {@code n} coordinates drawn without replacement, random signs. */
    public static CoordinateProjection random(int n, int r, long seed, DataType dtype) {
        if (r < 1 || r > n) {
            throw new IllegalArgumentException("cd projection needs 1 <= r <= n, got r=" + r + ", n=" + n);
        }
        SplittableRandom rnd = new SplittableRandom(seed);
        int[] perm = new int[n];
        for (int i = 0; i < n; i++) {
            perm[i] = i;
        }
        int[] rows = new int[r];
        double[] signs = new double[r];
        for (int i = 0; i < r; i++) {
            int j = i + rnd.nextInt(n - i);
            int t = perm[i];
            perm[i] = perm[j];
            perm[j] = t;
            rows[i] = perm[i];
            signs[i] = rnd.nextBoolean() ? 1.0 : -1.0;
        }
        return new CoordinateProjection(n, rows, signs, dtype);
    }

    /** {@code idx}: the identity, {@code r = n}. */
    public static CoordinateProjection identity(int n, DataType dtype) {
        int[] rows = new int[n];
        double[] signs = new double[n];
        for (int i = 0; i < n; i++) {
            rows[i] = i;
            signs[i] = 1.0;
        }
        return new CoordinateProjection(n, rows, signs, dtype);
    }

    @Override
    public int rank() {
        return rows.length;
    }

    @Override
    public int dim() {
        return n;
    }

    /** The selected coordinates, in subspace order (a copy). */
    public int[] rows() {
        return rows.clone();
    }

    /** The signs, in subspace order (a copy). */
    public double[] signs() {
        return signs.clone();
    }

    @Override
    public INDArray project(INDArray g) {
        check(g, n, "project");
        if (identity) {
            return g.dup();
        }
        if (!Blas.dense(g)) {
            return Nd4j.pullRows(g, 1, rows).muliColumnVector(signColumn);
        }
        INDArray out = HostArrays.uninitialised(g.dataType(), rows.length, g.columns());
        Rows.gather(g, rows, out);
        return signRows(out);
    }

    /**
     * {@link #project} from the selected rows of {@code g} alone: {@code rowsOfG} is
     * {@code [r, m]}, row {@code i} holding row {@code rows()[i]} of {@code g} (a model's
     * gradient computed at those rows only). The same values as {@code project(g)}.
     */
    public INDArray projectSelected(INDArray rowsOfG) {
        check(rowsOfG, rows.length, "project the selected rows of");
        if (identity) {
            return rowsOfG.dup();
        }
        return Blas.dense(rowsOfG) ? signRows(HostArrays.copyOf(rowsOfG)) : rowsOfG.dup().muliColumnVector(signColumn);
    }

    /**
     * Row {@code i} of the dense {@code a} times {@code signs[i]}, in place, and {@code a}: the
     * same values as ND4J's {@code muliColumnVector} by the signs, each value kept or negated.
     */
    private INDArray signRows(INDArray a) {
        Rows o = Rows.of(a);
        double[] row = new double[o.cols()];
        for (int i = 0; i < rows.length; i++) {
            if (signs[i] < 0) {
                o.read(i, row);
                for (int j = 0; j < row.length; j++) {
                    row[j] = -row[j];
                }
                o.write(i, row);
            }
        }
        return a;
    }

    @Override
    public INDArray lift(INDArray b) {
        INDArray x = Nd4j.zeros(b.dataType(), n, b.columns());
        liftAddi(x, b);
        return x;
    }

    @Override
    public void liftAddi(INDArray x, INDArray b) {
        check(b, rows.length, "lift");
        if (identity) {
            x.addi(b);
            return;
        }
        if (Blas.dense(x) && Blas.dense(b) && x.dataType() == b.dataType()) {
            // ND4J's scatter-add of the signed rows, in one Java pass: the rows are distinct, so
            // each value of x takes one sum, rounded once (a double sum of two floats, rounded
            // to float, is the float sum).
            Rows xs = Rows.of(x);
            Rows bs = Rows.of(b);
            double[] xr = new double[xs.cols()];
            double[] br = new double[bs.cols()];
            for (int i = 0; i < rows.length; i++) {
                bs.read(i, br);
                xs.read(rows[i], xr);
                for (int j = 0; j < xr.length; j++) {
                    xr[j] += signs[i] * br[j];
                }
                xs.write(rows[i], xr);
            }
            return;
        }
        INDArray signed = b.mulColumnVector(signColumn);
        ScatterAdd op = new ScatterAdd(x, rowIndex, signed);
        op.addOutputArgument(x);
        Nd4j.exec(op);
    }

    /**
     * {@code to.project(from.lift(lambda))} for two coordinate bases of one dimension, without
     * the {@code [n, m]} lift: row {@code i} of the result is row {@code k} of {@code lambda}
     * times both signs where {@code to} selects the coordinate {@code from} kept at {@code k},
     * else zero (times {@code to}'s sign). The same values bit for bit: both factories draw
     * distinct rows and signs of +-1, so every product is exact, and {@code 0 + v} is kept, as the
     * lift's scatter-add into zeros gives.
     */
    static INDArray transport(CoordinateProjection from, CoordinateProjection to, INDArray lambda) {
        check(lambda, from.rows.length, "transport");
        int[] at = new int[from.n];
        java.util.Arrays.fill(at, -1);
        for (int k = 0; k < from.rows.length; k++) {
            at[from.rows[k]] = k;
        }
        int m = Math.toIntExact(lambda.columns());
        // Every row is written below: no zero pass (a recycled array's memory if one fits).
        INDArray out = HostArrays.uninitialised(lambda.dataType(), to.rows.length, m);
        Rows src = Rows.of(Blas.denseOrCopy(lambda));
        Rows dst = Rows.of(out);
        double[] row = new double[m];
        for (int i = 0; i < to.rows.length; i++) {
            int k = at[to.rows[i]];
            double ts = to.signs[i];
            if (k < 0) {
                java.util.Arrays.fill(row, 0.0 * ts); // a coordinate from never kept: a zero, signed as project signs it
            } else {
                src.read(k, row);
                double fs = from.signs[k];
                for (int j = 0; j < m; j++) {
                    row[j] = (0.0 + fs * row[j]) * ts;
                }
            }
            dst.write(i, row);
        }
        return out;
    }

    @Override
    public INDArray dense() {
        INDArray p = Nd4j.zeros(dtype, rows.length, n);
        for (int i = 0; i < rows.length; i++) {
            p.putScalar(i, rows[i], signs[i]);
        }
        return p;
    }

    private static void check(INDArray a, int expectedRows, String op) {
        if (a.rank() != 2 || a.rows() != expectedRows) {
            throw new IllegalArgumentException("cd " + op + ": expected " + expectedRows + " rows, got shape "
                    + java.util.Arrays.toString(a.shape()));
        }
    }
}
