package org.fedsub.runtime.strategy;

import java.util.Arrays;
import java.util.Map;
import org.fedsub.runtime.Seeds;
import org.fedsub.runtime.data.ClientData;
import org.fedsub.runtime.model.Params;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The local-SGD loop of every client half: {@code tau} steps, each on a minibatch drawn from
 * (experiment seed, round, client), taking the model's loss and gradient at {@code w}, the
 * schedule's learning rate, and stepping every parameter in name order. A strategy changes two
 * things: how a parameter's gradient is corrected ({@link Correction}: FedProx's proximal term,
 * SCAFFOLD's {@code c - c_i}) and how a parameter steps ({@link Step}: plain SGD, or FedSub's
 * subspace step).
 */
final class LocalTraining {

    /** Corrects the gradient {@code g} of parameter {@code name} at {@code w}, in place, and returns it. */
    @FunctionalInterface
    interface Correction {

        /** The gradient as the model computed it. */
        Correction NONE = (name, w, g) -> g;

        INDArray apply(String name, INDArray w, INDArray g);
    }

    /** Steps parameter {@code name} ({@code w}, in place) along gradient {@code g} at rate {@code lr}; may overwrite {@code g}. */
    @FunctionalInterface
    interface Step {

        void apply(String name, INDArray w, INDArray g, double lr);

        /**
         * The parameters whose step reads only some rows of their gradient, and those rows: their
         * {@code g} is then {@code [rows.length, columns]}, row {@code i} holding row
         * {@code rows[i]} ({@link org.fedsub.runtime.model.Model#lossAndGradient(Params,
         * org.fedsub.runtime.data.Batch, Params, Map)}). Only with {@link Correction#NONE}.
         */
        default Map<String, int[]> gradientRows() {
            return Map.of();
        }
    }

    private final StrategyContext ctx;

    LocalTraining(StrategyContext ctx) {
        this.ctx = ctx;
    }

    /** Runs client {@code clientId}'s local steps of {@code round} from {@code w} (moved in place); returns the mean loss. */
    double run(int round, int clientId, ClientData data, Params w, Correction correction, Step step) {
        TrainSettings ts = ctx.train();
        Map<String, int[]> rows = step.gradientRows();
        if (!rows.isEmpty() && correction != Correction.NONE) {
            throw new IllegalStateException("a gradient correction needs whole gradients, but the step asks for rows of "
                    + rows.keySet());
        }
        Params grad = gradientsLike(w, rows);
        Minibatches batches = new Minibatches(data, ts.batchSize(),
                Seeds.derive(ctx.seed(), Seeds.tag("batches"), round, clientId));
        double lossSum = 0;
        for (int s = 0; s < ts.localSteps(); s++) {
            lossSum += ctx.model().lossAndGradient(w, batches.next(), grad, rows);
            double lr = ts.lrAt(round, s);
            for (String n : w.names()) {
                step.apply(n, w.get(n), correction.apply(n, w.get(n), grad.get(n)), lr);
            }
        }
        batches.release();
        return lossSum / ts.localSteps();
    }

    /**
     * This thread's gradient buffers, the layout of {@code w}: a model overwrites every gradient
     * it is given ({@link org.fedsub.runtime.model.Model#lossAndGradient}), so they are reused from
     * round to round instead of allocating (and zeroing and paging in) a model's worth each round.
     */
    private static Params gradientsLike(Params w, Map<String, int[]> rows) {
        Params g = GRADIENTS.get();
        if (g == null || !sameLayout(g, w, rows)) {
            g = Params.empty();
            for (String n : w.names()) {
                g.put(n, Nd4j.zeros(w.get(n).dataType(), gradientShape(w.get(n), rows.get(n))));
            }
            GRADIENTS.set(g);
        }
        return g;
    }

    private static final ThreadLocal<Params> GRADIENTS = new ThreadLocal<>();

    /** Whether {@code g} has the names of {@code w}, their types, and their shapes (rows.length rows where asked). */
    private static boolean sameLayout(Params g, Params w, Map<String, int[]> rows) {
        if (!g.names().equals(w.names())) {
            return false;
        }
        for (String n : g.names()) {
            INDArray x = g.get(n);
            INDArray y = w.get(n);
            if (x.dataType() != y.dataType() || !Arrays.equals(x.shape(), gradientShape(y, rows.get(n)))) {
                return false;
            }
        }
        return true;
    }

    /** The shape of the gradient of parameter {@code w}: its own, or {@code [rows.length, columns]} for some rows. */
    private static long[] gradientShape(INDArray w, int[] rows) {
        return rows == null ? w.shape() : new long[] {rows.length, w.columns()};
    }

    /** The sum of the step sizes of {@code round}'s local steps, added in step order. */
    double lrSum(int round) {
        TrainSettings ts = ctx.train();
        double sum = 0;
        for (int s = 0; s < ts.localSteps(); s++) {
            sum += ts.lrAt(round, s);
        }
        return sum;
    }
}
