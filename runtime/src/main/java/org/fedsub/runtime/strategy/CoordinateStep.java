package org.fedsub.runtime.strategy;

import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
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

    CoordinateStep(int[] rows, double[] signs) {
        this.rows = rows;
        this.signs = signs;
    }

    /** True when every array is a dense row-major buffer of one float type (else use the general path). */
    static boolean applicable(INDArray... arrays) {
        DataType t = arrays[0].dataType();
        for (INDArray a : arrays) {
            if (a != null && (a.dataType() != t || a.ordering() != 'c' || a.elementWiseStride() != 1 || a.rank() != 2
                    || (t != DataType.FLOAT && t != DataType.DOUBLE))) {
                return false;
            }
        }
        return true;
    }

    /**
     * One step. {@code lambda} may be null (duals off); {@code scale} is r/m or 1.
     */
    void apply(INDArray grad, INDArray w, INDArray b, INDArray lambda, double lr, int tau, double weightDecay,
            double scale) {
        int m = Math.toIntExact(b.columns());
        double lrTau = lr * tau;
        if (b.dataType() == DataType.DOUBLE) {
            DoubleBuffer g = grad.data().asNioDouble();
            DoubleBuffer wb = w.data().asNioDouble();
            DoubleBuffer bb = b.data().asNioDouble();
            DoubleBuffer lb = lambda == null ? null : lambda.data().asNioDouble();
            int go = (int) grad.offset();
            int wo = (int) w.offset();
            int bo = (int) b.offset();
            int lo = lambda == null ? 0 : (int) lambda.offset();
            double[] gr = new double[m];
            double[] wr = new double[m];
            double[] br = new double[m];
            double[] lr0 = new double[m];
            for (int i = 0; i < rows.length; i++) {
                double s = signs[i];
                int wi = wo + rows[i] * m;
                int bi = bo + i * m;
                g.get(go + rows[i] * m, gr, 0, m);
                wb.get(wi, wr, 0, m);
                bb.get(bi, br, 0, m);
                if (lb != null) {
                    lb.get(lo + i * m, lr0, 0, m);
                }
                for (int j = 0; j < m; j++) {
                    double v = s * gr[j];
                    if (weightDecay != 0) {
                        v += weightDecay * br[j];
                    }
                    v *= scale;
                    if (lb != null) {
                        v += lr0[j] / lrTau;
                    }
                    double step = -lr * v;
                    br[j] += step;
                    wr[j] += s * step;
                }
                bb.put(bi, br, 0, m);
                wb.put(wi, wr, 0, m);
            }
        } else {
            FloatBuffer g = grad.data().asNioFloat();
            FloatBuffer wb = w.data().asNioFloat();
            FloatBuffer bb = b.data().asNioFloat();
            FloatBuffer lb = lambda == null ? null : lambda.data().asNioFloat();
            int go = (int) grad.offset();
            int wo = (int) w.offset();
            int bo = (int) b.offset();
            int lo = lambda == null ? 0 : (int) lambda.offset();
            // Row-wise bulk copies through Java arrays: the JIT vectorises the inner loop, which
            // element-wise buffer access with its bounds checks does not.
            float[] gr = new float[m];
            float[] wr = new float[m];
            float[] br = new float[m];
            float[] lr0 = new float[m];
            float wd = (float) weightDecay;
            float sc = (float) scale;
            float negLr = (float) -lr;
            float lrTauF = (float) lrTau;
            for (int i = 0; i < rows.length; i++) {
                float s = (float) signs[i];
                int gi = go + rows[i] * m;
                int wi = wo + rows[i] * m;
                int bi = bo + i * m;
                g.get(gi, gr, 0, m);
                wb.get(wi, wr, 0, m);
                bb.get(bi, br, 0, m);
                if (lb != null) {
                    lb.get(lo + i * m, lr0, 0, m);
                }
                for (int j = 0; j < m; j++) {
                    float v = s * gr[j];
                    if (wd != 0) {
                        v += wd * br[j];
                    }
                    v *= sc;
                    if (lb != null) {
                        v += lr0[j] / lrTauF;
                    }
                    float step = negLr * v;
                    br[j] += step;
                    wr[j] += s * step;
                }
                bb.put(bi, br, 0, m);
                wb.put(wi, wr, 0, m);
            }
        }
    }
}
