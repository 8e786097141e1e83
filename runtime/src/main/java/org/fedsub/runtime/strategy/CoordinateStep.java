package org.fedsub.runtime.strategy;

import org.fedsub.runtime.compute.Blas;
import org.fedsub.runtime.compute.Rows;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * FedSub's local step for a coordinate ({@code cd}/{@code idx}) projection without momentum,
 * fused into one pass over the {@code r} selected rows:
 * <pre>
 *   g    = s_i G[row_i] (+ wd B_i), times r/m if scaling
 *   step = -lr (g + Lambda_i / (lr tau))
 *   B_i += step ;  W[row_i] += s_i step
 * </pre>
 * It touches {@code O(r m)} memory and allocates nothing; the general path (one ND4J op per
 * term) allocated four {@code [r, m]} temporaries a step and cost about 1.6x a FedAvg step on
 * an MLP (benchmarks/README.md).
 */
final class CoordinateStep {

    private final int[] rows;
    private final double[] signs;
    /** Whether the gradient holds the selected rows only, row {@code i} being row {@code rows[i]}. */
    private final boolean selectedGradient;

    /**
     * @param selectedGradient the gradient given to {@link #apply} is {@code [r, m]}, the
     *        selected rows in order, instead of the whole {@code [n, m]}
     */
    CoordinateStep(int[] rows, double[] signs, boolean selectedGradient) {
        this.rows = rows;
        this.signs = signs;
        this.selectedGradient = selectedGradient;
    }

    /** True when every array (nulls aside) is {@link Blas#dense dense}, all of one type (else use the general path). */
    static boolean applicable(INDArray... arrays) {
        DataType t = arrays[0].dataType();
        for (INDArray a : arrays) {
            if (a != null && (a.dataType() != t || !Blas.dense(a))) {
                return false;
            }
        }
        return true;
    }

    // The arrays of the last call and row access to them: within a round a step sees the same
    // four arrays every time, so the checks and the row views are made once.
    private INDArray lastGrad;
    private INDArray lastW;
    private INDArray lastB;
    private INDArray lastLambda;
    private boolean dense;
    private Rows g;
    private Rows wr;
    private Rows br;
    private Rows lr;
    private float[] fb;
    private float[] fl;
    private float[] frow;
    private float[] fw;
    private double[] db;
    private double[] dl;
    private double[] drow;
    private double[] dw;

    /**
     * One step, if every array is {@link Blas#dense dense} (else nothing is done and false
     * returned: use the general path). {@code lambda} may be null (duals off); {@code scale} is
     * r/m or 1. Each selected row of {@code grad} and {@code w}, and the matching row of
     * {@code b} and {@code lambda}, is copied in and out whole (row by row: the rows of a large
     * layer's {@code b} together outgrow the cache).
     */
    boolean apply(INDArray grad, INDArray w, INDArray b, INDArray lambda, double lr, int tau, double weightDecay,
            double scale) {
        if (grad != lastGrad || w != lastW || b != lastB || lambda != lastLambda) {
            bind(grad, w, b, lambda);
        }
        if (!dense) {
            return false;
        }
        int r = rows.length;
        int m = br.cols();
        double lrTau = lr * tau;
        if (!br.isFloat()) {
            for (int i = 0; i < r; i++) {
                double s = signs[i];
                g.read(selectedGradient ? i : rows[i], drow);
                wr.read(rows[i], dw);
                br.read(i, db);
                if (this.lr != null) {
                    this.lr.read(i, dl);
                }
                for (int j = 0; j < m; j++) {
                    double v = s * drow[j];
                    if (weightDecay != 0) {
                        v += weightDecay * db[j];
                    }
                    v *= scale;
                    if (this.lr != null) {
                        v += dl[j] / lrTau;
                    }
                    double step = -lr * v;
                    db[j] += step;
                    dw[j] += s * step;
                }
                wr.write(rows[i], dw);
                br.write(i, db);
            }
            return true;
        }
        float wd = (float) weightDecay;
        float sc = (float) scale;
        float negLr = (float) -lr;
        float lrTauF = (float) lrTau;
        for (int i = 0; i < r; i++) {
            float s = (float) signs[i];
            g.read(selectedGradient ? i : rows[i], frow);
            wr.read(rows[i], fw);
            br.read(i, fb);
            if (this.lr != null) {
                this.lr.read(i, fl);
            }
            for (int j = 0; j < m; j++) {
                float v = s * frow[j];
                if (wd != 0) {
                    v += wd * fb[j];
                }
                v *= sc;
                if (this.lr != null) {
                    v += fl[j] / lrTauF;
                }
                float step = negLr * v;
                fb[j] += step;
                fw[j] += s * step;
            }
            wr.write(rows[i], fw);
            br.write(i, fb);
        }
        return true;
    }

    private void bind(INDArray grad, INDArray w, INDArray b, INDArray lambda) {
        lastGrad = grad;
        lastW = w;
        lastB = b;
        lastLambda = lambda;
        dense = applicable(grad, w, b, lambda) && b.rows() == rows.length
                && (lambda == null || (lambda.rows() == b.rows() && lambda.columns() == b.columns()))
                && grad.columns() == b.columns() && w.columns() == b.columns()
                && grad.rows() == (selectedGradient ? rows.length : w.rows());
        if (!dense) {
            return;
        }
        g = Rows.of(grad);
        wr = Rows.of(w);
        br = Rows.of(b);
        lr = lambda == null ? null : Rows.of(lambda);
        int m = br.cols();
        if (br.isFloat()) {
            fb = new float[m];
            fl = lambda == null ? null : new float[m];
            frow = new float[m];
            fw = new float[m];
        } else {
            db = new double[m];
            dl = lambda == null ? null : new double[m];
            drow = new double[m];
            dw = new double[m];
        }
    }
}
