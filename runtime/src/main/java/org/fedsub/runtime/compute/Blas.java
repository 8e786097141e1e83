package org.fedsub.runtime.compute;

import static org.bytedeco.openblas.global.openblas_nolapack.CblasColMajor;
import static org.bytedeco.openblas.global.openblas_nolapack.CblasNoTrans;
import static org.bytedeco.openblas.global.openblas_nolapack.CblasRowMajor;
import static org.bytedeco.openblas.global.openblas_nolapack.CblasTrans;

import java.util.Arrays;
import org.bytedeco.openblas.global.openblas_nolapack;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * BLAS calls on ND4J arrays, straight into OpenBLAS (the library ND4J's CPU backend bundles),
 * writing into an output the caller owns. An {@code INDArray.mmul} costs 80-140 us even for a
 * 10x60 by 60x10 product (it allocates its result and goes through ND4J's op machinery); the
 * same {@code sgemm} called here costs under a microsecond. Single-threaded like the rest of
 * the compute ({@code OMP_NUM_THREADS=1}), so results are deterministic.
 *
 * <p>Every array must be {@link #dense dense}: row-major with unit element stride (views of
 * whole rows qualify), FLOAT or DOUBLE, all of one type.
 */
public final class Blas {

    private Blas() {}

    /** True when {@code a} can be passed to these kernels as it is. */
    public static boolean dense(INDArray a) {
        DataType t = a.dataType();
        return (t == DataType.FLOAT || t == DataType.DOUBLE) && a.ordering() == 'c' && a.elementWiseStride() == 1
                && a.rank() == 2 && a.offset() == a.data().offset();
    }

    /** {@code a} itself when it is {@link #dense dense}, else a dense copy. */
    public static INDArray denseOrCopy(INDArray a) {
        INDArray m = a.rank() == 2 ? a : a.reshape('c', 1, a.length());
        return dense(m) ? m : m.dup('c');
    }

    /**
     * {@code c = op(a) op(b) + beta c}, {@code op(x)} being {@code x} or its transpose.
     * {@code beta = 0} overwrites {@code c} (whatever it held, NaN included).
     */
    public static void gemm(INDArray a, boolean transA, INDArray b, boolean transB, INDArray c, double beta) {
        long m = transA ? a.columns() : a.rows();
        long k = transA ? a.rows() : a.columns();
        long kb = transB ? b.columns() : b.rows();
        long n = transB ? b.rows() : b.columns();
        if (k != kb || c.rows() != m || c.columns() != n) {
            throw new IllegalArgumentException("gemm shapes do not chain: " + Arrays.toString(a.shape())
                    + (transA ? "^T" : "") + " x " + Arrays.toString(b.shape()) + (transB ? "^T" : "") + " into "
                    + Arrays.toString(c.shape()));
        }
        DataType t = check(c, a, b);
        int ta = transA ? CblasTrans : CblasNoTrans;
        int tb = transB ? CblasTrans : CblasNoTrans;
        int lda = Math.toIntExact(a.columns());
        int ldb = Math.toIntExact(b.columns());
        int ldc = Math.toIntExact(c.columns());
        if (t == DataType.FLOAT) {
            openblas_nolapack.cblas_sgemm(CblasRowMajor, ta, tb, (int) m, (int) n, (int) k, 1f, Mem.floats(a), lda,
                    Mem.floats(b), ldb, (float) beta, Mem.floats(c), ldc);
        } else {
            openblas_nolapack.cblas_dgemm(CblasRowMajor, ta, tb, (int) m, (int) n, (int) k, 1d, Mem.doubles(a), lda,
                    Mem.doubles(b), ldb, beta, Mem.doubles(c), ldc);
        }
    }

    /**
     * {@code a b} with the values of ND4J's {@code a.mmul(b)}, in {@link HostArrays} memory (the
     * caller may give it back), for dense matrices of one type whose product is a matrix; else
     * {@code a.mmul(b)} itself (vectors: ND4J takes gemv there). ND4J computes the product
     * column-major with both operands transposed; a row-major call rounds differently (about
     * half of random shapes differ in the last bit; {@code BlasTest}), so this makes ND4J's call
     * into a scratch array and transposes it into the result, still a small fraction of an
     * {@code mmul}'s fixed cost.
     */
    public static INDArray mmul(INDArray a, INDArray b) {
        long m = a.rows();
        long k = a.columns();
        long n = b.columns();
        if (!dense(a) || !dense(b) || a.dataType() != b.dataType() || b.rows() != k || m < 2 || n < 2) {
            return a.mmul(b);
        }
        DataType t = a.dataType();
        // Column-major [m, n] is row-major [n, m]: the scratch is the product's transpose.
        INDArray scratch = HostArrays.uninitialised(t, n, m);
        INDArray c = HostArrays.uninitialised(t, m, n);
        int mi = (int) m;
        int ni = (int) n;
        int ki = Math.toIntExact(k);
        Rows sr = Rows.of(scratch);
        Rows cr = Rows.of(c);
        if (t == DataType.FLOAT) {
            openblas_nolapack.cblas_sgemm(CblasColMajor, CblasTrans, CblasTrans, mi, ni, ki, 1f, Mem.floats(a), ki,
                    Mem.floats(b), ni, 0f, Mem.floats(scratch), mi);
            float[] from = new float[mi * ni];
            float[] to = new float[mi * ni];
            sr.readRows(0, ni, from);
            for (int j = 0; j < ni; j++) {
                for (int i = 0; i < mi; i++) {
                    to[i * ni + j] = from[j * mi + i];
                }
            }
            cr.writeRows(0, mi, to);
        } else {
            openblas_nolapack.cblas_dgemm(CblasColMajor, CblasTrans, CblasTrans, mi, ni, ki, 1d, Mem.doubles(a), ki,
                    Mem.doubles(b), ni, 0d, Mem.doubles(scratch), mi);
            double[] from = new double[mi * ni];
            double[] to = new double[mi * ni];
            sr.readRows(0, ni, from);
            for (int j = 0; j < ni; j++) {
                for (int i = 0; i < mi; i++) {
                    to[i * ni + j] = from[j * mi + i];
                }
            }
            cr.writeRows(0, mi, to);
        }
        HostArrays.recycle(scratch);
        return c;
    }

    /** {@code y += alpha x}, element by element over arrays of one length. */
    public static void axpy(double alpha, INDArray x, INDArray y) {
        if (x.length() != y.length()) {
            throw new IllegalArgumentException("axpy lengths differ: " + Arrays.toString(x.shape()) + " and "
                    + Arrays.toString(y.shape()));
        }
        DataType t = check(y, x);
        int n = Math.toIntExact(x.length());
        if (t == DataType.FLOAT) {
            openblas_nolapack.cblas_saxpy(n, (float) alpha, Mem.floats(x), 1, Mem.floats(y), 1);
        } else {
            openblas_nolapack.cblas_daxpy(n, alpha, Mem.doubles(x), 1, Mem.doubles(y), 1);
        }
    }

    /**
     * {@code y -= x} in place, returning {@code y}: one {@code axpy} with {@code alpha = -1} over
     * dense arrays of one type and shape (the same values as ND4J's {@code subi}: {@code -x} is
     * exact, so {@code y + (-x)} rounds as {@code y - x} does), else ND4J's {@code subi}, whose
     * fixed cost as an op outweighs a small array's subtraction (benchmarks/README.md).
     */
    public static INDArray subi(INDArray y, INDArray x) {
        return axpyOr(-1, y, x) ? y : y.subi(x);
    }

    /**
     * {@code y += x} in place, returning {@code y}: as {@link #subi}, one {@code axpy} with
     * {@code alpha = 1} ({@code 1 x} is exact: the same values as ND4J's {@code addi}), else
     * ND4J's {@code addi} (views, broadcasts, mixed types).
     */
    public static INDArray addi(INDArray y, INDArray x) {
        return axpyOr(1, y, x) ? y : y.addi(x);
    }

    /**
     * {@code x *= alpha} in place, returning {@code x}: one BLAS {@code scal} over a dense array
     * (each product rounded once in the array's type, {@code alpha} rounded to it first: the
     * same values as ND4J's {@code muli}), else ND4J's {@code muli}. {@code alpha = 0} goes to
     * ND4J too: BLAS {@code scal} sets NaNs to zero there.
     */
    public static INDArray muli(INDArray x, double alpha) {
        if (alpha == 0 || x.length() == 0 || !denseVector(x)) {
            return x.muli(alpha);
        }
        int n = Math.toIntExact(x.length());
        if (x.dataType() == DataType.FLOAT) {
            openblas_nolapack.cblas_sscal(n, (float) alpha, Mem.floats(x), 1);
        } else {
            openblas_nolapack.cblas_dscal(n, alpha, Mem.doubles(x), 1);
        }
        return x;
    }

    /**
     * {@code x /= alpha} in place, returning {@code x}: over a dense array one pass in Java (each
     * quotient rounded once in the array's type, {@code alpha} rounded to it first: the same
     * values as ND4J's {@code divi}; BLAS has no division), else ND4J's {@code divi}.
     */
    public static INDArray divi(INDArray x, double alpha) {
        if (x.length() == 0 || !denseVector(x)) {
            return x.divi(alpha);
        }
        int n = Math.toIntExact(x.length());
        long at = Mem.address(x);
        if (x.dataType() == DataType.FLOAT) {
            float a = (float) alpha;
            float[] v = new float[n];
            Mem.read(at, v, n);
            for (int i = 0; i < n; i++) {
                v[i] = v[i] / a;
            }
            Mem.write(v, n, at);
        } else {
            double[] v = new double[n];
            Mem.read(at, v, n);
            for (int i = 0; i < n; i++) {
                v[i] = v[i] / alpha;
            }
            Mem.write(v, n, at);
        }
        return x;
    }

    /**
     * {@code y += alpha x} in place, returning {@code y}, rounded as ND4J's
     * {@code y.addi(x.mul(alpha))}: the product first ({@link #muli} on a copy in
     * {@link HostArrays} memory, given back), then the sum ({@link #addi}). One {@link #axpy}
     * would round the two together.
     */
    public static INDArray addScaled(INDArray y, INDArray x, double alpha) {
        INDArray t = muli(HostArrays.copyOf(x), alpha);
        addi(y, t);
        HostArrays.recycle(t);
        return y;
    }

    /** {@code y += alpha x} when both are dense, of one type and of one shape: whether it was done. */
    private static boolean axpyOr(double alpha, INDArray y, INDArray x) {
        if (x.length() > 0 && x.dataType() == y.dataType() && Arrays.equals(x.shape(), y.shape()) && denseVector(x)
                && denseVector(y)) {
            axpy(alpha, x, y);
            return true;
        }
        return false;
    }

    private static DataType check(INDArray first, INDArray... rest) {
        DataType t = first.dataType();
        for (INDArray a : rest) {
            if (a.dataType() != t) {
                throw new IllegalArgumentException("mixed types: " + a.dataType() + " and " + t);
            }
        }
        if (!denseVector(first)) {
            throw new IllegalArgumentException("not a dense row-major FLOAT/DOUBLE array: " + first.shapeInfoToString());
        }
        for (INDArray a : rest) {
            if (!denseVector(a)) {
                throw new IllegalArgumentException("not a dense row-major FLOAT/DOUBLE array: " + a.shapeInfoToString());
            }
        }
        return t;
    }

    private static boolean denseVector(INDArray a) {
        return a.rank() <= 2 && (a.ordering() == 'c' || a.isVector()) && a.elementWiseStride() == 1
                && (a.dataType() == DataType.FLOAT || a.dataType() == DataType.DOUBLE) && a.offset() == a.data().offset();
    }

}
