package org.fedsub.runtime.model;

import java.util.Arrays;
import java.util.List;
import org.fedsub.runtime.data.Batch;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A multilayer perceptron classifier: dense layers of the given widths, e.g.
 * {@code [784, 200, 200, 10]}, ReLU between them, softmax cross-entropy on the last. Parameters
 * {@code fc1.weight [784, 200]}, {@code fc1.bias [1, 200]}, {@code fc2.weight}, ... in layer order.
 */
public final class Mlp implements Model {

    private final DenseNet net;

    private final int[] widths;

    /** {@code widths}: input dimension, hidden widths, number of classes (at least two entries). */
    public Mlp(List<Integer> widths, DataType dtype) {
        this.widths = widths.stream().mapToInt(Integer::intValue).toArray();
        if (this.widths.length < 2) {
            throw new IllegalArgumentException("an MLP needs at least an input and an output width, got " + widths);
        }
        String[] names = new String[this.widths.length - 1];
        for (int i = 0; i < names.length; i++) {
            names[i] = "fc" + (i + 1);
        }
        this.net = new DenseNet("mlp[" + Layers.widths(this.widths) + "]", this.widths, names, true,
                Layers.Head.SOFTMAX_CROSS_ENTROPY, dtype);
    }

    /** Input dimension, hidden widths, number of classes. */
    public List<Integer> widths() {
        return Arrays.stream(widths).boxed().toList();
    }

    @Override
    public String name() {
        return net.name();
    }

    @Override
    public List<ParamSpec> params() {
        return net.params();
    }

    @Override
    public DataType dtype() {
        return net.dtype();
    }

    @Override
    public Params init(long seed) {
        return net.init(seed);
    }

    @Override
    public double lossAndGradient(Params params, Batch batch, Params gradOut) {
        return net.lossAndGradient(params, batch, gradOut);
    }

    @Override
    public double loss(Params params, Batch batch) {
        return net.loss(params, batch);
    }

    @Override
    public INDArray predict(Params params, INDArray features) {
        return net.predict(params, features);
    }

    @Override
    public boolean isClassifier() {
        return true;
    }

    @Override
    public String toString() {
        return name();
    }
}
