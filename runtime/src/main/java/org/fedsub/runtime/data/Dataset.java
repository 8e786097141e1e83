package org.fedsub.runtime.data;

import org.fedsub.runtime.compute.Blas;
import org.fedsub.runtime.compute.HostArrays;
import org.fedsub.runtime.compute.Rows;
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

    /** Gathers the given rows into a new batch (the only place rows are copied). */
    public Batch batch(int[] rows) {
        return gather(rows, null);
    }

    /**
     * Gathers the given rows into {@code into} when it has exactly that many rows (its arrays are
     * overwritten: a training loop reuses one batch for all its steps), else into a new batch.
     */
    public Batch gather(int[] rows, Batch into) {
        int n = size();
        for (int r : rows) {
            if (r < 0 || r >= n) {
                throw new IndexOutOfBoundsException("row " + r + " of dataset '" + name + "' with " + n + " rows");
            }
        }
        if (!Blas.dense(features) || !Blas.dense(targets)) {
            return new Batch(Nd4j.pullRows(features, 1, rows), Nd4j.pullRows(targets, 1, rows));
        }
        Batch out = into != null && into.size() == rows.length && into.features().dataType() == features.dataType()
                && into.targets().dataType() == targets.dataType() && into.features().columns() == features.columns()
                && into.targets().columns() == targets.columns()
                        ? into
                        : new Batch(HostArrays.uninitialised(features.dataType(), rows.length, features.columns()),
                                HostArrays.uninitialised(targets.dataType(), rows.length, targets.columns()));
        Rows.gather(features, rows, out.features());
        Rows.gather(targets, rows, out.targets());
        return out;
    }

    /** The whole dataset as one batch (no copy). */
    public Batch all() {
        return new Batch(features, targets);
    }
}
