package org.fedsub.runtime.engine;

import org.fedsub.runtime.compute.Blas;
import org.fedsub.runtime.compute.Rows;
import org.fedsub.runtime.data.Dataset;
import org.fedsub.runtime.model.Model;
import org.fedsub.runtime.model.Params;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** Mean loss and accuracy of a model on a dataset, computed in chunks to bound memory. */
public record Evaluation(double loss, double accuracy, int examples) {

    private static final int CHUNK = 2048;

    /**
     * Evaluates on the first {@code limit} rows of {@code data} (all rows when {@code limit <= 0}).
     * Accuracy is NaN for a regression model.
     */
    /** Rows of {@code outputs} whose largest entry (the first, on ties) is at the label of row {@code from + r}. */
    private static long correct(INDArray outputs, int[] labels, int from) {
        Rows rows = Rows.of(Blas.denseOrCopy(outputs));
        double[] row = new double[rows.cols()];
        long correct = 0;
        for (int r = 0; r < rows.rows(); r++) {
            rows.read(r, row);
            int best = 0;
            for (int j = 1; j < row.length; j++) {
                if (row[j] > row[best]) {
                    best = j;
                }
            }
            if (best == labels[from + r]) {
                correct++;
            }
        }
        return correct;
    }

    public static Evaluation of(Model model, Params params, Dataset data, int limit) {
        int n = limit > 0 ? Math.min(limit, data.size()) : data.size();
        double lossSum = 0;
        long correct = 0;
        int[] labels = data.labels();
        for (int start = 0; start < n; start += CHUNK) {
            int end = Math.min(n, start + CHUNK);
            INDArray x = data.features().get(NDArrayIndex.interval(start, end), NDArrayIndex.all());
            INDArray y = data.targets().get(NDArrayIndex.interval(start, end), NDArrayIndex.all());
            Model.Scored s = model.score(params, new org.fedsub.runtime.data.Batch(x, y));
            lossSum += s.loss() * (end - start);
            if (model.isClassifier()) {
                correct += correct(s.outputs(), labels, start);
            }
        }
        return new Evaluation(lossSum / n, model.isClassifier() ? (double) correct / n : Double.NaN, n);
    }
}
