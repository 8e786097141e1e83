package org.fedsub.runtime.engine;

import java.util.OptionalDouble;
import org.fedsub.runtime.data.Dataset;
import org.fedsub.runtime.data.LeastSquaresData;
import org.fedsub.runtime.model.ConfiguredModel;
import org.fedsub.runtime.model.LinearRegression;
import org.fedsub.runtime.model.Model;
import org.fedsub.runtime.model.Params;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The lowest global train loss an experiment can reach, where it has a closed form: a linear
 * model without bias on a regression data set (least squares, e.g. {@code fedsub.data.type =
 * least-squares}), whose optimum {@code W*} solves the normal equations of every client's rows
 * together. Results then report how far a run ended from it.
 */
public final class Optimum {

    /** Above this many multiply-adds ({@code rows * dim^2}) the optimum is not worth solving for a report. */
    private static final double MAX_WORK = 2e9;

    private Optimum() {}

    /**
     * The global train loss at the optimum, measured as the runs measure theirs (the same model,
     * rows and loss), or empty when the experiment has no closed-form optimum, it is too large
     * to solve quickly, or the train loss is measured on a subset of the rows
     * ({@code fedsub.eval-train-limit}).
     */
    public static OptionalDouble trainLoss(Experiment exp) {
        Model model = exp.model() instanceof ConfiguredModel c ? c.model() : exp.model();
        Dataset train = exp.data().train();
        if (!(model instanceof LinearRegression linear) || linear.hasBias() || train.isClassification()
                || (exp.evalTrainLimit() > 0 && exp.evalTrainLimit() < train.size())
                || (double) train.size() * train.featureDim() * train.featureDim() > MAX_WORK) {
            return OptionalDouble.empty();
        }
        double[][] w;
        try {
            w = LeastSquaresData.optimumOf(exp.data());
        } catch (IllegalArgumentException singular) {
            return OptionalDouble.empty();
        }
        String weight = model.params().get(0).name();
        Params best = Params.empty().put(weight, Nd4j.createFromArray(w).castTo(model.dtype()));
        return OptionalDouble.of(Evaluation.of(exp.model(), best, train, exp.evalTrainLimit()).loss());
    }
}
