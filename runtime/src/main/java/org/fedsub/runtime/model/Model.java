package org.fedsub.runtime.model;

import java.util.List;
import java.util.Map;
import org.fedsub.runtime.data.Batch;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A differentiable model over named parameter tensors. Implementations are stateless with
 * respect to parameters (parameters are passed in), so one instance serves every client and is
 * safe to share across threads.
 *
 * <p>Plug your own model in by implementing this interface: declare parameters with
 * {@link ParamSpec} (matrices as {@code [in, out]}, so FedSub can compress them), compute the
 * mean loss over a batch and its gradient. Nothing else in fedsub needs to know the
 * architecture.
 */
public interface Model {

    /** A short name for logs and results, e.g. {@code "mlp[784-200-10]"}. */
    String name();

    /** The parameters, in a fixed order. */
    List<ParamSpec> params();

    /** The tensor element type the model computes in. */
    DataType dtype();

    /** Fresh parameters, deterministic in {@code seed}. */
    Params init(long seed);

    /**
     * Mean loss over {@code batch} at {@code params}, writing dLoss/dParam into {@code gradOut}
     * (same names and shapes as params; overwritten, not accumulated).
     */
    double lossAndGradient(Params params, Batch batch, Params gradOut);

    /**
     * {@link #lossAndGradient(Params, Batch, Params)} for a caller that needs only some rows of
     * some gradients (FedSub under a coordinate basis trains {@code r} of a weight's {@code n}
     * rows). For each parameter named in {@code rows}, {@code gradOut} holds a
     * {@code [rows.length, columns]} tensor whose row {@code i} gets row {@code rows[i]} of that
     * parameter's gradient; every other parameter's gradient is written whole, as there.
     *
     * <p>This default computes every gradient whole and copies the rows out, so any model gives
     * the right values; a model that can compute just those rows overrides it (a dense layer's
     * weight gradient {@code a^T dz} then costs {@code r/n} of its multiply-adds).
     */
    default double lossAndGradient(Params params, Batch batch, Params gradOut, Map<String, int[]> rows) {
        return GradientRows.viaWholeGradient(this, params, batch, gradOut, rows);
    }

    /** Mean loss over {@code batch}. */
    double loss(Params params, Batch batch);

    /** Model outputs (logits or regression predictions), shape {@code [batch, outputs]}. */
    INDArray predict(Params params, INDArray features);

    /** True for classifiers: accuracy is then meaningful. */
    boolean isClassifier();

    /** A batch's mean loss and the model's outputs for it. */
    record Scored(double loss, INDArray outputs) {}

    /**
     * {@link #loss} and {@link #predict} of one batch, for evaluation. Models override it to
     * make one forward pass instead of two; their outputs may then be a working array of the
     * model's that the next call on the same thread overwrites, so use them before calling again.
     */
    default Scored score(Params params, Batch batch) {
        return new Scored(loss(params, batch), predict(params, batch.features()));
    }
}
