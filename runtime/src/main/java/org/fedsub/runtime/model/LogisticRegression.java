package org.fedsub.runtime.model;

import org.nd4j.linalg.api.buffer.DataType;

/**
 * Multinomial logistic regression: softmax cross-entropy over {@code x W + b}. Parameters
 * {@code fc.weight [inputs, classes]} and {@code fc.bias [1, classes]}.
 */
public final class LogisticRegression extends DenseNet {

    public LogisticRegression(int inputs, int classes, DataType dtype) {
        super("logreg[" + inputs + "-" + classes + "]", new int[] {inputs, classes}, new String[] {"fc"}, true,
                Layers.Head.SOFTMAX_CROSS_ENTROPY, dtype);
    }
}
