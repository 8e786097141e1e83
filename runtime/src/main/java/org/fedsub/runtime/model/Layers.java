package org.fedsub.runtime.model;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.fedsub.runtime.compute.Blas;
import org.fedsub.runtime.compute.Rows;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The building blocks the hand-written models share: dense layers, ReLU, the two loss heads,
 * seeded initialisers and the checks on inputs. Pure functions; nothing here holds state.
 */
final class Layers {

    private Layers() {}

    static DataType checkDtype(DataType dtype) {
        if (dtype != DataType.FLOAT && dtype != DataType.DOUBLE) {
            throw new IllegalArgumentException("models compute in FLOAT or DOUBLE, not " + dtype);
        }
        return dtype;
    }

    static int checkPositive(String what, int v) {
        if (v < 1) {
            throw new IllegalArgumentException(what + " must be >= 1, got " + v);
        }
        return v;
    }

    /** {@code a} as a {@code [rows, cols]} matrix in {@code dtype}; casts only when needed. */
    static INDArray matrixIn(String model, String what, INDArray a, long cols, DataType dtype) {
        if (a.rank() != 2 || a.columns() != cols) {
            throw new IllegalArgumentException(model + " expects " + what + " of shape [batch, " + cols + "], got "
                    + Arrays.toString(a.shape()));
        }
        return Blas.denseOrCopy(a.dataType() == dtype ? a : a.castTo(dtype));
    }

    /**
     * {@code out = a w + bias}, then ReLU when {@code relu}; {@code out} ({@code [rows of a,
     * columns of w]}, dense) is overwritten and returned. One BLAS call and one pass over the rows.
     */
    static INDArray dense(INDArray a, INDArray w, INDArray bias, boolean relu, INDArray out) {
        Blas.gemm(a, false, Blas.denseOrCopy(w), false, out, 0);
        if (bias == null && !relu) {
            return out;
        }
        Rows z = Rows.of(out);
        int n = z.cols();
        double[] b = new double[n];
        if (bias != null) {
            Rows.of(Blas.denseOrCopy(bias)).read(0, b);
        }
        if (z.isFloat()) {
            // The same values as the double pass below: a float sum rounded once is what
            // rounding the double sum of two floats gives.
            float[] fb = new float[n];
            for (int j = 0; j < n; j++) {
                fb[j] = (float) b[j];
            }
            // Blocks of rows per copy: a convolution's outputs are thousands of rows of a few
            // channels, where a copy per row would cost more than its arithmetic.
            int per = rowsPerBlock(n, z.rows());
            float[] block = new float[per * n];
            for (int r = 0; r < z.rows(); r += per) {
                int k = Math.min(per, z.rows() - r);
                z.readRows(r, k, block);
                for (int i = 0; i < k; i++) {
                    int o = i * n;
                    for (int j = 0; j < n; j++) {
                        float v = block[o + j] + fb[j];
                        block[o + j] = relu && !(v > 0) ? 0 : v;
                    }
                }
                z.writeRows(r, k, block);
            }
            return out;
        }
        double[] row = new double[n];
        for (int r = 0; r < z.rows(); r++) {
            z.read(r, row);
            for (int j = 0; j < n; j++) {
                double v = row[j] + b[j];
                row[j] = relu && !(v > 0) ? 0 : v;
            }
            z.write(r, row);
        }
        return out;
    }

    /**
     * Writes (or, with {@code add}, adds) dL/dW = a^T dz and dL/db = column sums of dz into
     * {@code grads}, for {@code z = a W + b} and upstream {@code dz}. Straight into the gradient's
     * own buffer when it is dense.
     */
    static void denseGrads(INDArray a, INDArray dz, Params grads, String weight, String bias, boolean add) {
        INDArray gw = grads.get(weight);
        if (Blas.dense(gw)) {
            Blas.gemm(a, true, dz, false, gw, add ? 1 : 0);
        } else {
            INDArray t = Nd4j.createUninitialized(gw.dataType(), gw.shape(), 'c');
            Blas.gemm(a, true, dz, false, t, 0);
            if (add) {
                gw.addi(t);
            } else {
                gw.assign(t);
            }
        }
        if (bias == null) {
            return;
        }
        Rows d = Rows.of(dz);
        int n = d.cols();
        double[] row = new double[n];
        double[] sum = new double[n];
        for (int r = 0; r < d.rows(); r++) {
            d.read(r, row);
            for (int j = 0; j < n; j++) {
                sum[j] += row[j];
            }
        }
        INDArray gb = grads.get(bias);
        INDArray target = Blas.dense(gb) && gb.rows() == 1 ? gb
                : Nd4j.createUninitialized(gb.dataType(), new long[] {1, n}, 'c');
        Rows out = Rows.of(target);
        if (add) {
            Rows.of(Blas.denseOrCopy(gb).reshape('c', 1, n)).read(0, row);
            for (int j = 0; j < n; j++) {
                sum[j] += row[j];
            }
        }
        out.write(0, sum);
        if (target != gb) {
            gb.assign(target.reshape(gb.shape()));
        }
    }

    /**
     * Rows of {@code cols} values that make a block of about 4,096 values, at least one and at
     * most the matrix's {@code rows} (a small layer's block is no larger than the layer).
     */
    private static int rowsPerBlock(int cols, int rows) {
        return Math.min(Math.max(1, 4096 / Math.max(1, cols)), Math.max(1, rows));
    }

    /** dL/dz from dL/dh for h = relu(z), in place on {@code dh} (h > 0 iff z > 0). */
    static INDArray reluBackwardInPlace(INDArray dh, INDArray h) {
        Rows d = Rows.of(dh);
        Rows a = Rows.of(h);
        int n = d.cols();
        if (d.isFloat() && a.isFloat()) {
            if (a.rows() != d.rows() || a.cols() != n) {
                throw new IllegalArgumentException("gradient " + d.rows() + "x" + n + " for activations "
                        + a.rows() + "x" + a.cols());
            }
            int per = rowsPerBlock(n, d.rows());
            float[] dr = new float[per * n];
            float[] hr = new float[per * n];
            for (int r = 0; r < d.rows(); r += per) {
                int k = Math.min(per, d.rows() - r);
                d.readRows(r, k, dr);
                a.readRows(r, k, hr);
                for (int i = 0; i < k * n; i++) {
                    if (!(hr[i] > 0)) {
                        dr[i] = 0;
                    }
                }
                d.writeRows(r, k, dr);
            }
            return dh;
        }
        double[] dr = new double[n];
        double[] hr = new double[n];
        for (int r = 0; r < d.rows(); r++) {
            d.read(r, dr);
            a.read(r, hr);
            for (int j = 0; j < n; j++) {
                if (!(hr[j] > 0)) {
                    dr[j] = 0;
                }
            }
            d.write(r, dr);
        }
        return dh;
    }

    /**
     * Adds zeros for any parameter {@code gradOut} lacks, in the model's order, so that a
     * gradient written into an empty {@link Params} iterates like the parameters do.
     */
    static Params prepareGradOut(Params gradOut, List<ParamSpec> specs, DataType dtype) {
        return prepareGradOut(gradOut, specs, dtype, java.util.Map.of());
    }

    /**
     * As above, where a parameter named in {@code rows} gets (and must already have, if present)
     * a {@code [rows.length, columns]} gradient: only those rows of it are computed. Every name
     * in {@code rows} must be a matrix parameter of {@code specs}.
     */
    static Params prepareGradOut(Params gradOut, List<ParamSpec> specs, DataType dtype,
            java.util.Map<String, int[]> rows) {
        int named = 0;
        for (ParamSpec s : specs) {
            int[] wanted = rows.get(s.name());
            if (wanted != null) {
                named++;
                if (s.shape().length != 2) {
                    throw new IllegalArgumentException("rows of the gradient of " + s + ", which is not a matrix");
                }
            }
            long[] shape = wanted == null ? s.shape() : new long[] {wanted.length, s.shape()[1]};
            if (!gradOut.contains(s.name())) {
                gradOut.put(s.name(), Nd4j.zeros(dtype, shape));
            } else if (wanted != null && !Arrays.equals(gradOut.get(s.name()).shape(), shape)) {
                throw new IllegalArgumentException("the gradient of " + wanted.length + " rows of '" + s.name()
                        + "' needs shape " + Arrays.toString(shape) + ", got "
                        + Arrays.toString(gradOut.get(s.name()).shape()));
            }
        }
        if (named < rows.size()) {
            java.util.Set<String> unknown = new java.util.TreeSet<>(rows.keySet());
            specs.forEach(s -> unknown.remove(s.name()));
            throw new IllegalArgumentException("rows of the gradient of " + unknown + ": the model has no such parameter");
        }
        return gradOut;
    }

    /** Overwrites {@code gradOut[name]} with {@code g} (or adds the entry if it is absent). */
    static void write(Params gradOut, String name, INDArray g) {
        if (!gradOut.contains(name)) {
            gradOut.put(name, g);
            return;
        }
        INDArray t = gradOut.get(name);
        if (!Arrays.equals(t.shape(), g.shape())) {
            throw new IllegalArgumentException("gradient '" + name + "' has shape " + Arrays.toString(t.shape())
                    + " but the model's is " + Arrays.toString(g.shape()));
        }
        t.assign(g);
    }

    /** How outputs are turned into a loss. */
    enum Head {
        /** Softmax over the outputs, cross-entropy against (one-hot or soft) target rows. */
        SOFTMAX_CROSS_ENTROPY {
            @Override
            double row(double[] z, double[] t, double denom, double[] dz) {
                double max = Double.NEGATIVE_INFINITY;
                for (double v : z) {
                    max = Math.max(max, v);
                }
                double sumExp = 0;
                double sumT = 0;
                for (int j = 0; j < z.length; j++) {
                    sumExp += Math.exp(z[j] - max);
                    sumT += t[j];
                }
                double logSum = Math.log(sumExp);
                double loss = 0;
                for (int j = 0; j < z.length; j++) {
                    double logP = z[j] - max - logSum;
                    loss -= t[j] * logP;
                    if (dz != null) {
                        // d/dz of -sum_j t_j log p_j is p * sum_j t_j - t: exact for soft targets too.
                        dz[j] = (Math.exp(logP) * sumT - t[j]) / denom;
                    }
                }
                return loss;
            }
        },
        /** {@code 0.5 * |out - y|^2} summed over outputs. */
        HALF_SQUARED_ERROR {
            @Override
            double row(double[] out, double[] t, double denom, double[] dz) {
                double loss = 0;
                for (int j = 0; j < out.length; j++) {
                    double r = out[j] - t[j];
                    loss += r * r;
                    if (dz != null) {
                        dz[j] = r / denom;
                    }
                }
                return 0.5 * loss;
            }
        };

        /** One row's loss; writes its gradient (divided by {@code denom}) into {@code dz} unless null. */
        abstract double row(double[] out, double[] targets, double denom, double[] dz);

        /**
         * Sum of the per-row losses of {@code out} against {@code targets}, divided by
         * {@code denom}; writes dLoss/dOut into {@code dOut} (dense, the shape of {@code out})
         * unless it is null. One pass over the rows.
         */
        double apply(INDArray out, INDArray targets, double denom, INDArray dOut) {
            Rows o = Rows.of(Blas.denseOrCopy(out));
            Rows t = Rows.of(Blas.denseOrCopy(targets));
            Rows d = dOut == null ? null : Rows.of(dOut);
            int n = o.cols();
            double[] zr = new double[n];
            double[] tr = new double[n];
            double[] dr = dOut == null ? null : new double[n];
            double loss = 0;
            for (int r = 0; r < o.rows(); r++) {
                o.read(r, zr);
                t.read(r, tr);
                loss += row(zr, tr, denom, dr);
                if (d != null) {
                    d.write(r, dr);
                }
            }
            return loss / denom;
        }
    }

    /** A random stream for parameter {@code index}, independent of the others'. */
    static SplittableRandom rng(long seed, int index) {
        return new SplittableRandom(seed * 0x9E3779B97F4A7C15L + 0xBF58476D1CE4E5B9L * (index + 1));
    }

    /** He (Kaiming) normal: std sqrt(2 / fanIn), for layers followed by ReLU. */
    static INDArray heNormal(SplittableRandom r, long fanIn, long fanOut, DataType dtype) {
        double std = Math.sqrt(2.0 / fanIn);
        double[] v = new double[Math.toIntExact(fanIn * fanOut)];
        for (int i = 0; i < v.length; i++) {
            v[i] = std * r.nextGaussian();
        }
        return Nd4j.create(v, new long[] {fanIn, fanOut}, dtype);
    }

    /** Glorot (Xavier) uniform: U(-a, a), a = sqrt(6 / (fanIn + fanOut)), for output layers. */
    static INDArray glorotUniform(SplittableRandom r, long fanIn, long fanOut, DataType dtype) {
        double a = Math.sqrt(6.0 / (fanIn + fanOut));
        double[] v = new double[Math.toIntExact(fanIn * fanOut)];
        for (int i = 0; i < v.length; i++) {
            v[i] = a * (2 * r.nextDouble() - 1);
        }
        return Nd4j.create(v, new long[] {fanIn, fanOut}, dtype);
    }

    static String widths(int[] w) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < w.length; i++) {
            b.append(i == 0 ? "" : "-").append(w[i]);
        }
        return b.toString();
    }
}
