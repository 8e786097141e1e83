package org.fedsub.runtime.model;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

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
        return a.dataType() == dtype ? a : a.castTo(dtype);
    }

    static INDArray dense(INDArray a, INDArray w, INDArray bias) {
        INDArray z = a.mmul(w);
        return bias == null ? z : z.addiRowVector(bias);
    }

    /** Writes dL/dW (and dL/db) of {@code z = a W + b} for upstream {@code dz}. */
    static void denseGrads(INDArray a, INDArray dz, Params gradOut, String weight, String bias) {
        write(gradOut, weight, a.transpose().mmul(dz));
        if (bias != null) {
            write(gradOut, bias, dz.sum(true, 0));
        }
    }

    /** Adds dL/dW (and dL/db) into an accumulator, for models that split a batch in chunks. */
    static void denseGradsAdd(INDArray a, INDArray dz, Params acc, String weight, String bias) {
        acc.get(weight).addi(a.transpose().mmul(dz));
        if (bias != null) {
            acc.get(bias).addi(dz.sum(true, 0));
        }
    }

    /** ReLU in place; the result doubles as the mask for the backward pass (h > 0 iff z > 0). */
    static INDArray reluInPlace(INDArray z) {
        return Transforms.relu(z, false);
    }

    /** dL/dz from dL/dh for h = relu(z), in place on {@code dh}. */
    static INDArray reluBackwardInPlace(INDArray dh, INDArray h) {
        return dh.muli(Transforms.step(h, true));
    }

    /**
     * Adds zeros for any parameter {@code gradOut} lacks, in the model's order, so that a
     * gradient written into an empty {@link Params} iterates like the parameters do.
     */
    static Params prepareGradOut(Params gradOut, List<ParamSpec> specs, DataType dtype) {
        for (ParamSpec s : specs) {
            if (!gradOut.contains(s.name())) {
                gradOut.put(s.name(), Nd4j.zeros(dtype, s.shape()));
            }
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

    /** A loss value (already divided by the batch size) and, if asked for, dLoss/dOutputs. */
    record LossGrad(double loss, INDArray dOut) {}

    /** How outputs are turned into a loss. */
    enum Head {
        /** Softmax over the outputs, cross-entropy against (one-hot or soft) target rows. */
        SOFTMAX_CROSS_ENTROPY {
            @Override
            LossGrad apply(INDArray logits, INDArray targets, double denom, boolean wantGrad) {
                INDArray shifted = logits.subColumnVector(logits.max(true, 1));
                INDArray exp = Transforms.exp(shifted, true);
                INDArray sumExp = exp.sum(true, 1);
                INDArray logSoftmax = shifted.subiColumnVector(Transforms.log(sumExp, true));
                double loss = -targets.mul(logSoftmax).sumNumber().doubleValue() / denom;
                if (!wantGrad) {
                    return new LossGrad(loss, null);
                }
                // d/dz of -sum_j t_j log p_j is p * sum_j t_j - t: exact for soft targets too.
                INDArray p = exp.diviColumnVector(sumExp);
                INDArray dz = p.muliColumnVector(targets.sum(true, 1)).subi(targets).divi(denom);
                return new LossGrad(loss, dz);
            }
        },
        /** {@code 0.5 * |out - y|^2} summed over outputs. */
        HALF_SQUARED_ERROR {
            @Override
            LossGrad apply(INDArray out, INDArray targets, double denom, boolean wantGrad) {
                INDArray r = out.sub(targets);
                double loss = 0.5 * r.mul(r).sumNumber().doubleValue() / denom;
                return new LossGrad(loss, wantGrad ? r.divi(denom) : null);
            }
        };

        /** Sum of the per-row losses divided by {@code denom}, and its gradient. */
        abstract LossGrad apply(INDArray out, INDArray targets, double denom, boolean wantGrad);
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
