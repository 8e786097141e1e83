package org.fedsub.runtime.model;

import org.nd4j.linalg.api.buffer.DataType;

/**
 * Linear least squares: predictions {@code x W (+ b)}, loss the mean over rows of
 * {@code 0.5 * |x W + b - y|^2} (summed over the outputs). Parameters {@code fc.weight
 * [inputs, outputs]} and, with a bias, {@code fc.bias [1, outputs]}. Not a classifier.
 */
public final class LinearRegression extends DenseNet {

    private final boolean bias;

    public LinearRegression(int inputs, int outputs, boolean bias, DataType dtype) {
        super("linear[" + inputs + "-" + outputs + (bias ? "" : ", no bias") + "]", new int[] {inputs, outputs},
                new String[] {"fc"}, bias, Layers.Head.HALF_SQUARED_ERROR, dtype);
        this.bias = bias;
    }

    /** Whether the model has an {@code fc.bias}. */
    public boolean hasBias() {
        return bias;
    }
}
