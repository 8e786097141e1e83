package org.fedsub.runtime.engine;

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
    public static Evaluation of(Model model, Params params, Dataset data, int limit) {
        int n = limit > 0 ? Math.min(limit, data.size()) : data.size();
        double lossSum = 0;
        long correct = 0;
        for (int start = 0; start < n; start += CHUNK) {
            int end = Math.min(n, start + CHUNK);
            INDArray x = data.features().get(NDArrayIndex.interval(start, end), NDArrayIndex.all());
            INDArray y = data.targets().get(NDArrayIndex.interval(start, end), NDArrayIndex.all());
            lossSum += model.loss(params, new org.fedsub.runtime.data.Batch(x, y)) * (end - start);
            if (model.isClassifier()) {
                INDArray pred = model.predict(params, x).argMax(1);
                int[] labels = data.labels();
                for (int i = start; i < end; i++) {
                    if (pred.getInt(i - start) == labels[i]) {
                        correct++;
                    }
                }
            }
        }
        return new Evaluation(lossSum / n, model.isClassifier() ? (double) correct / n : Double.NaN, n);
    }
}
