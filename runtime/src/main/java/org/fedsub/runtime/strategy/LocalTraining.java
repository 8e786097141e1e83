package org.fedsub.runtime.strategy;

import java.util.Arrays;
import org.fedsub.runtime.Seeds;
import org.fedsub.runtime.data.ClientData;
import org.fedsub.runtime.model.Params;
import org.nd4j.linalg.api.ndarray.INDArray;

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
    }

    private final StrategyContext ctx;

    LocalTraining(StrategyContext ctx) {
        this.ctx = ctx;
    }

    /** Runs client {@code clientId}'s local steps of {@code round} from {@code w} (moved in place); returns the mean loss. */
    double run(int round, int clientId, ClientData data, Params w, Correction correction, Step step) {
        TrainSettings ts = ctx.train();
        Params grad = gradientsLike(w);
        Minibatches batches = new Minibatches(data, ts.batchSize(),
                Seeds.derive(ctx.seed(), Seeds.tag("batches"), round, clientId));
        double lossSum = 0;
        for (int s = 0; s < ts.localSteps(); s++) {
            lossSum += ctx.model().lossAndGradient(w, batches.next(), grad);
            double lr = ts.lrAt(round, s);
            for (String n : w.names()) {
                step.apply(n, w.get(n), correction.apply(n, w.get(n), grad.get(n)), lr);
            }
        }
        return lossSum / ts.localSteps();
    }

    /**
     * This thread's gradient buffers, the layout of {@code w}: a model overwrites every gradient
     * it is given ({@link org.fedsub.runtime.model.Model#lossAndGradient}), so they are reused from
     * round to round instead of allocating (and zeroing and paging in) a model's worth each round.
     */
    private static Params gradientsLike(Params w) {
        Params g = GRADIENTS.get();
        if (g == null || !sameLayout(g, w)) {
            g = w.zerosLike();
            GRADIENTS.set(g);
        }
        return g;
    }

    private static final ThreadLocal<Params> GRADIENTS = new ThreadLocal<>();

    private static boolean sameLayout(Params a, Params b) {
        if (!a.names().equals(b.names())) {
            return false;
        }
        for (String n : a.names()) {
            INDArray x = a.get(n);
            INDArray y = b.get(n);
            if (x.dataType() != y.dataType() || !Arrays.equals(x.shape(), y.shape())) {
                return false;
            }
        }
        return true;
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
