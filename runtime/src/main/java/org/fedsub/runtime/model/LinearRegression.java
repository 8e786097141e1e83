package org.fedsub.runtime.model;

import java.util.List;
import org.fedsub.runtime.data.Batch;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Linear least squares: predictions {@code x W (+ b)}, loss the mean over rows of
 * {@code 0.5 * |x W + b - y|^2} (summed over the outputs). Parameters {@code fc.weight
 * [inputs, outputs]} and, with a bias, {@code fc.bias [1, outputs]}. Not a classifier.
 */
public final class LinearRegression implements Model {

    private final DenseNet net;

    private final boolean bias;

    public LinearRegression(int inputs, int outputs, boolean bias, DataType dtype) {
        this.net = new DenseNet("linear[" + inputs + "-" + outputs + (bias ? "" : ", no bias") + "]",
                new int[] {inputs, outputs}, new String[] {"fc"}, bias, Layers.Head.HALF_SQUARED_ERROR, dtype);
        this.bias = bias;
    }

    /** Whether the model has an {@code fc.bias}. */
    public boolean hasBias() {
        return bias;
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
        return false;
    }

    @Override
    public String toString() {
        return name();
    }
}
