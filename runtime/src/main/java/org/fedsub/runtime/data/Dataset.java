package org.fedsub.runtime.data;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A table of examples held once in memory: features {@code [N, d]}, targets {@code [N, k]}
 * (one-hot for classification) and, for classification, the integer labels. Clients see it
 * through {@link ClientData} index views, never through copies.
 *
 * @param numClasses number of classes, or 0 for regression
 */
public record Dataset(String name, INDArray features, INDArray targets, int[] labels, int numClasses) {

    public Dataset {
        if (features.rows() != targets.rows()) {
            throw new IllegalArgumentException("dataset '" + name + "': " + features.rows()
                    + " feature rows but " + targets.rows() + " target rows");
        }
        if (labels != null && labels.length != features.rows()) {
            throw new IllegalArgumentException("dataset '" + name + "': " + labels.length
                    + " labels for " + features.rows() + " rows");
        }
    }

    public int size() {
        return Math.toIntExact(features.rows());
    }

    public int featureDim() {
        return Math.toIntExact(features.columns());
    }

    public boolean isClassification() {
        return numClasses > 0;
    }

    /** Gathers the given rows into a batch (the only place rows are copied). */
    public Batch batch(int[] rows) {
        return new Batch(Nd4j.pullRows(features, 1, rows), Nd4j.pullRows(targets, 1, rows));
    }

    /** The whole dataset as one batch (no copy). */
    public Batch all() {
        return new Batch(features, targets);
    }
}
