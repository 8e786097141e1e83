package org.fedsub.runtime.subspace;

import java.util.SplittableRandom;
import org.fedsub.runtime.compute.Blas;
import org.fedsub.runtime.compute.HostArrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A projection held as a dense {@code r x n} matrix: {@code rd} (Gaussian), {@code ss}
 * (scaled orthonormal rows) and {@code svd} (top singular directions of an update).
 */
public final class DenseProjection implements Projection {

    private final INDArray p;
    private final INDArray pt;
    private final double scale;

    public DenseProjection(INDArray p, double scale) {
        if (p.rank() != 2 || p.rows() > p.columns()) {
            throw new IllegalArgumentException("projection must be r x n with r <= n, got "
                    + java.util.Arrays.toString(p.shape()));
        }
        this.p = p;
        this.pt = p.transpose().dup('c');
        this.scale = scale;
    }

    /** {@code rd}: i.i.d. N(0, 1) entries divided by sqrt(n). */
    public static DenseProjection gaussian(int n, int r, long seed, DataType dtype) {
        SplittableRandom rnd = new SplittableRandom(seed);
        double[] v = new double[r * n];
        double s = 1.0 / Math.sqrt(n);
        for (int i = 0; i < v.length; i++) {
            v[i] = Gaussians.next(rnd) * s;
        }
        return new DenseProjection(Nd4j.createFromArray(v).reshape(r, n).castTo(dtype), 1.0);
    }

    /**
     * {@code ss}: the first {@code r} rows of a random orthogonal matrix, times sqrt(n/r). Drawn
     * as the thin QR of an {@code n x r} Gaussian with the signs fixed by diag(R), which has the
     * same (Haar) distribution as {@code r} rows of the QR of an {@code n x n} Gaussian.
     */
    public static DenseProjection orthogonal(int n, int r, long seed, DataType dtype) {
        SplittableRandom rnd = new SplittableRandom(seed);
        double[][] q = new double[r][n];
        for (int j = 0; j < r; j++) {
            for (int i = 0; i < n; i++) {
                q[j][i] = Gaussians.next(rnd);
            }
        }
        // Modified Gram-Schmidt, applied twice ("twice is enough") for orthogonality to round-off.
        // The sign of each R diagonal entry is positive by construction, so no sign fix is needed.
        for (int j = 0; j < r; j++) {
            for (int pass = 0; pass < 2; pass++) {
                for (int k = 0; k < j; k++) {
                    double dot = 0;
                    for (int i = 0; i < n; i++) {
                        dot += q[k][i] * q[j][i];
                    }
                    for (int i = 0; i < n; i++) {
                        q[j][i] -= dot * q[k][i];
                    }
                }
            }
            double norm = 0;
            for (int i = 0; i < n; i++) {
                norm += q[j][i] * q[j][i];
            }
            norm = Math.sqrt(norm);
            for (int i = 0; i < n; i++) {
                q[j][i] /= norm;
            }
        }
        double scale = Math.sqrt((double) n / r);
        INDArray p = Nd4j.createFromArray(q).castTo(dtype).muli(scale);
        return new DenseProjection(p, scale);
    }

    /**
     * {@code svd}: the top {@code r} left singular vectors of {@code update} ({@code [n, m]} in
     * fedsub's layout; the right singular vectors of docs/algorithm.md's {@code m x n} gradient), as
     * orthonormal rows. Directions beyond the update's rank come from the eigen solver's
     * orthonormal completion.
     */
    public static DenseProjection topSingular(INDArray update, int r) {
        int n = Math.toIntExact(update.rows());
        INDArray u = update.castTo(DataType.DOUBLE);
        INDArray gram = u.mmul(u.transpose()).dup('c');
        INDArray eig = Nd4j.create(DataType.DOUBLE, n);
        Nd4j.getBlasWrapper().lapack().syev('V', 'U', gram, eig);
        // Eigenvalues ascend; eigenvectors are the columns of gram.
        INDArray p = Nd4j.create(DataType.DOUBLE, r, n);
        for (int k = 0; k < r; k++) {
            p.putRow(k, gram.getColumn(n - 1 - k));
        }
        return new DenseProjection(p.castTo(update.dataType()), 1.0);
    }

    @Override
    public int rank() {
        return Math.toIntExact(p.rows());
    }

    @Override
    public int dim() {
        return Math.toIntExact(p.columns());
    }

    // The products through Blas.mmul: ND4J's values without an mmul's fixed cost and fresh
    // buffer, which outweigh a small layer's product (a local step makes two).

    /** {@code P g}: a fresh array, or one in {@link HostArrays} memory the caller may give back. */
    @Override
    public INDArray project(INDArray g) {
        return Blas.mmul(p, g);
    }

    /** {@code P^T b}: a fresh array, or one in {@link HostArrays} memory the caller may give back. */
    @Override
    public INDArray lift(INDArray b) {
        return Blas.mmul(pt, b);
    }

    @Override
    public void liftAddi(INDArray x, INDArray b) {
        INDArray lifted = Blas.mmul(pt, b);
        Blas.addi(x, lifted);
        HostArrays.recycle(lifted);
    }

    @Override
    public INDArray dense() {
        return p.dup();
    }

    @Override
    public double scale() {
        return scale;
    }
}
