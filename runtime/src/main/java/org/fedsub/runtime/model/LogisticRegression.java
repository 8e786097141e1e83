package org.fedsub.runtime.model;

import java.util.List;
import org.fedsub.runtime.data.Batch;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Multinomial logistic regression: logits {@code x W + b}, softmax cross-entropy against one-hot
 * targets. Parameters {@code fc.weight [inputs, classes]}, {@code fc.bias [1, classes]}.
 */
public final class LogisticRegression implements Model {

    private final DenseNet net;

    public LogisticRegression(int inputs, int classes, DataType dtype) {
        this.net = new DenseNet("logreg[" + inputs + "-" + classes + "]", new int[] {inputs, classes},
                new String[] {"fc"}, true, Layers.Head.SOFTMAX_CROSS_ENTROPY, dtype);
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
