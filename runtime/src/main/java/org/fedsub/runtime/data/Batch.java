package org.fedsub.runtime.data;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A minibatch: features {@code [b, d]} and targets {@code [b, k]} (one-hot rows for a
 * classifier, regression targets otherwise).
 */
public record Batch(INDArray features, INDArray targets) {

    public Batch {
        if (features.rows() != targets.rows()) {
            throw new IllegalArgumentException("batch has " + features.rows() + " feature rows but "
                    + targets.rows() + " target rows");
        }
    }

    public int size() {
        return Math.toIntExact(features.rows());
    }
}
