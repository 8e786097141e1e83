package org.fedsub.runtime.compute;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Row access to a {@link Blas#dense dense} matrix from Java, in double precision whatever the
 * array's type: element-wise passes read a row into a {@code double[]}, compute, and write it
 * back, copying straight from and to the array's own off-heap memory (no copy of the array, no
 * ND4J op, no JNI call). Row-sized copies let the JIT vectorise the loops between them.
 * Holds {@code a} for as long as it is used, so its memory stays valid.
 */
public final class Rows {

    private final INDArray array;
    private final long address;
    private final boolean isFloat;
    private final int cols;
    private final int rows;
    /** The row buffer of the double-precision access to a FLOAT array, made on its first use. */
    private float[] floatRow;

    private Rows(INDArray a) {
        if (!Blas.dense(a)) {
            throw new IllegalArgumentException("not a dense row-major FLOAT/DOUBLE matrix: " + a.shapeInfoToString());
        }
        this.array = a;
        this.address = Mem.address(a);
        // dense: rank 2. ND4J's rows() and columns() re-derive the rank and vector shapes on
        // every call, which costs more than a small layer's pass; shape() is the array's own.
        long[] shape = a.shape();
        this.rows = Math.toIntExact(shape[0]);
        this.cols = Math.toIntExact(shape[1]);
        this.isFloat = a.dataType() == DataType.FLOAT;
    }

    private float[] floatRow() {
        if (floatRow == null) {
            floatRow = new float[cols];
        }
        return floatRow;
    }

    /** Row access to {@code a}, which must be {@link Blas#dense dense}. */
    public static Rows of(INDArray a) {
        return new Rows(a);
    }

    /**
     * Copies row {@code rows[i]} of {@code src} into row {@code i} of {@code dst}, for every
     * {@code i}: both {@link Blas#dense dense}, of one type and width, {@code dst} with at least
     * {@code rows.length} rows. One memory copy a row.
     */
    public static void gather(INDArray src, int[] rows, INDArray dst) {
        Rows from = of(src);
        Rows to = of(dst);
        if (from.isFloat != to.isFloat || from.cols != to.cols || to.rows < rows.length) {
            throw new IllegalArgumentException("cannot gather " + rows.length + " rows of a " + src.dataType() + " "
                    + from.rows + "x" + from.cols + " matrix into a " + dst.dataType() + " " + to.rows + "x" + to.cols);
        }
        long bytes = (long) from.cols * (from.isFloat ? 4 : 8);
        for (int i = 0; i < rows.length; i++) {
            int r = rows[i];
            if (r < 0 || r >= from.rows) {
                throw new IndexOutOfBoundsException("row " + r + " of a " + from.rows + "x" + from.cols + " matrix");
            }
            Mem.copy(from.address + r * bytes, to.address + i * bytes, bytes);
        }
    }

    /**
     * Copies column {@code cols[i]} of {@code src} into column {@code i} of {@code dst}, for
     * every {@code i} and row: both {@link Blas#dense dense}, of one type and row count,
     * {@code dst} exactly {@code cols.length} wide. A row copy in and out per row.
     */
    public static void gatherColumns(INDArray src, int[] cols, INDArray dst) {
        Rows from = of(src);
        Rows to = of(dst);
        if (from.isFloat != to.isFloat || from.rows != to.rows || to.cols != cols.length) {
            throw new IllegalArgumentException("cannot gather " + cols.length + " columns of a " + src.dataType() + " "
                    + from.rows + "x" + from.cols + " matrix into a " + dst.dataType() + " " + to.rows + "x" + to.cols);
        }
        for (int c : cols) {
            if (c < 0 || c >= from.cols) {
                throw new IndexOutOfBoundsException("column " + c + " of a " + from.rows + "x" + from.cols + " matrix");
            }
        }
        int k = cols.length;
        if (from.isFloat) {
            float[] in = new float[from.cols];
            float[] out = new float[k];
            for (int r = 0; r < from.rows; r++) {
                from.read(r, in);
                for (int i = 0; i < k; i++) {
                    out[i] = in[cols[i]];
                }
                to.write(r, out);
            }
            return;
        }
        double[] in = new double[from.cols];
        double[] out = new double[k];
        for (int r = 0; r < from.rows; r++) {
            from.read(r, in);
            for (int i = 0; i < k; i++) {
                out[i] = in[cols[i]];
            }
            to.write(r, out);
        }
    }

    /**
     * The sum of the squares of {@code a}'s values (any shape or layout), in double precision:
     * NaN if one is NaN, infinite if one is. One pass over the rows, no ND4J op: an ND4J
     * reduction allocates its result and costs more than the pass for an update's small tensors.
     */
    public static double sumOfSquares(INDArray a) {
        if (a.length() == 0) {
            return 0;
        }
        Rows r = of(Blas.denseOrCopy(a));
        double[] row = new double[r.cols];
        double sum = 0;
        for (int i = 0; i < r.rows; i++) {
            r.read(i, row);
            for (int j = 0; j < r.cols; j++) {
                sum += row[j] * row[j];
            }
        }
        return sum;
    }

    public int rows() {
        return rows;
    }

    public int cols() {
        return cols;
    }

    /** Whether the array holds FLOAT values: then the {@code float[]} row copies are exact and convert nothing. */
    public boolean isFloat() {
        return isFloat;
    }

    /** Copies row {@code r} of a FLOAT array into {@code dst[0, cols)}. */
    public void read(int r, float[] dst) {
        Mem.read(floatAt(r, dst.length), dst, cols);
    }

    /** Overwrites row {@code r} of a FLOAT array with {@code src[0, cols)}. */
    public void write(int r, float[] src) {
        Mem.write(src, cols, floatAt(r, src.length));
    }

    /** Copies rows {@code [r, r + n)} of a FLOAT array, contiguous in memory, into {@code dst[0, n * cols)}. */
    public void readRows(int r, int n, float[] dst) {
        Mem.read(blockAt(r, n, dst.length, true), dst, n * cols);
    }

    /** Overwrites rows {@code [r, r + n)} of a FLOAT array with {@code src[0, n * cols)}. */
    public void writeRows(int r, int n, float[] src) {
        Mem.write(src, n * cols, blockAt(r, n, src.length, true));
    }

    /** Copies rows {@code [r, r + n)} of a DOUBLE array into {@code dst[0, n * cols)}. */
    public void readRows(int r, int n, double[] dst) {
        Mem.read(blockAt(r, n, dst.length, false), dst, n * cols);
    }

    /** Overwrites rows {@code [r, r + n)} of a DOUBLE array with {@code src[0, n * cols)}. */
    public void writeRows(int r, int n, double[] src) {
        Mem.write(src, n * cols, blockAt(r, n, src.length, false));
    }

    private long blockAt(int r, int n, int javaLength, boolean floats) {
        if (floats != isFloat) {
            throw new IllegalStateException((floats ? "float" : "double") + " rows of a " + array.dataType() + " array");
        }
        if (n < 0 || r < 0 || r > rows - n || javaLength < (long) n * cols) {
            throw new IndexOutOfBoundsException("rows " + r + ".." + (r + n) + " of a " + rows + "x" + cols
                    + " matrix into " + javaLength + " values");
        }
        return address + (long) r * cols * (isFloat ? 4 : 8);
    }

    private long floatAt(int r, int javaLength) {
        if (!isFloat) {
            throw new IllegalStateException("float rows of a " + array.dataType() + " array");
        }
        return at(r, javaLength);
    }

    /** Copies row {@code r} into {@code dst[0, cols)}. */
    public void read(int r, double[] dst) {
        long at = at(r, dst.length);
        if (!isFloat) {
            Mem.read(at, dst, cols);
            return;
        }
        float[] floatRow = floatRow();
        Mem.read(at, floatRow, cols);
        for (int j = 0; j < cols; j++) {
            dst[j] = floatRow[j];
        }
    }

    /** Overwrites row {@code r} with {@code src[0, cols)} (rounded to the array's type). */
    public void write(int r, double[] src) {
        long at = at(r, src.length);
        if (!isFloat) {
            Mem.write(src, cols, at);
            return;
        }
        float[] floatRow = floatRow();
        for (int j = 0; j < cols; j++) {
            floatRow[j] = (float) src[j];
        }
        Mem.write(floatRow, cols, at);
    }

    private long at(int r, int javaLength) {
        if (r < 0 || r >= rows || javaLength < cols) {
            throw new IndexOutOfBoundsException("row " + r + " of a " + rows + "x" + cols + " matrix into "
                    + javaLength + " values of " + array.dataType());
        }
        return address + (long) r * cols * (isFloat ? 4 : 8);
    }
}
