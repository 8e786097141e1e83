package org.fedsub.runtime.subspace;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A projection {@code P} of shape {@code r x n} acting on weights stored as {@code [n, m]}
 * (fedsub's {@code [in, out]} convention). docs/algorithm.md writes the subspace update as
 * {@code b} ({@code m x r}) and the effective weight as {@code x + b P}; with weights stored
 * transposed, fedsub keeps {@code B = b^T} ({@code r x m}) and computes {@code x + P^T B}.
 *
 * <p>Implementations are immutable and thread-safe: one instance serves every client.
 */
public interface Projection {

    /** Rank {@code r}. */
    int rank();

    /** Full dimension {@code n}. */
    int dim();

    /** {@code P g}: maps a full-space {@code [n, m]} tensor to the subspace, {@code [r, m]}. */
    INDArray project(INDArray g);

    /** {@code P^T b}: maps a subspace {@code [r, m]} tensor to full space, {@code [n, m]}. */
    INDArray lift(INDArray b);

    /** {@code x += P^T b} in place; the fast path of the local step. */
    void liftAddi(INDArray x, INDArray b);

    /** The dense {@code r x n} matrix (for tests, transport and the svd generator). */
    INDArray dense();

    /**
     * The factor {@code c} with {@code P = c Q} for a matrix {@code Q} with orthonormal rows
     * ({@code ss} scales by {@code sqrt(n/r)}); 1 for the others. Dual transport divides it out
     * so that a change of basis projects the duals and never amplifies them.
     */
    default double scale() {
        return 1.0;
    }

    /**
     * Brings a subspace tensor trained in basis {@code from} into basis {@code to}:
     * {@code to.P from.P^T lambda / (from.scale to.scale)} (docs/algorithm.md's {@code lambda P_old P_now^T},
     * transposed).
     */
    static INDArray transport(Projection from, Projection to, INDArray lambda) {
        if (from == to) {
            return lambda;
        }
        if (from instanceof CoordinateProjection f && to instanceof CoordinateProjection t && f.dim() == t.dim()) {
            return CoordinateProjection.transport(f, t, lambda);
        }
        INDArray moved = to.project(from.lift(lambda));
        double s = from.scale() * to.scale();
        return s == 1.0 ? moved : moved.divi(s);
    }
}
