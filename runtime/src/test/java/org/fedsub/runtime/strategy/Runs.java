package org.fedsub.runtime.strategy;

import java.util.function.Consumer;
import org.fedsub.runtime.codec.Codec;
import org.fedsub.runtime.data.FederatedData;
import org.fedsub.runtime.data.LeastSquaresData;
import org.fedsub.runtime.engine.Experiment;
import org.fedsub.runtime.engine.Participation;
import org.fedsub.runtime.engine.ReferenceEngine;
import org.fedsub.runtime.model.LinearRegression;
import org.fedsub.runtime.model.Model;
import org.fedsub.runtime.strategy.StrategySettings.FedSubSettings;
import org.fedsub.runtime.strategy.StrategySettings.ServerOptimizerSettings;
import org.fedsub.runtime.subspace.Generator;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Small experiment builders shared by the algorithm tests. */
final class Runs {

    private Runs() {}

    static final LeastSquaresData LSQ = LeastSquaresData.generate(LeastSquaresData.Spec.defaults(), DataType.DOUBLE, 3);

    static FedSubSettings fedsub(double rate, Generator g, int cpFreq, boolean duals, boolean scale) {
        return new FedSubSettings(0, rate, g, cpFreq, ".*", duals, scale);
    }

    static StrategySettings strategy(String name, FedSubSettings fs) {
        return new StrategySettings(name, false, 0.0, 1.0, ServerOptimizerSettings.plain(), fs);
    }

    /** Least squares, full participation, full-batch gradients, float64 end to end. */
    static Experiment leastSquares(StrategySettings s, int tau, double lr, int rounds, boolean bias) {
        FederatedData d = LSQ.data();
        Model m = new LinearRegression(d.train().featureDim(), Math.toIntExact(d.train().targets().columns()), bias,
                DataType.DOUBLE);
        return new Experiment("lsq", 5, rounds, Participation.full(), rounds, 0, Codec.named("float64", "codec"), m, d,
                TrainSettings.sgd(tau, 0, lr, rounds), s);
    }

    /** Runs rounds one at a time, calling {@code afterRound} with the engine after each. */
    static void stepwise(ReferenceEngine e, int rounds, Consumer<Integer> afterRound) {
        for (int r = 0; r < rounds; r++) {
            e.round(r);
            afterRound.accept(r);
        }
    }

    static double distanceToOptimum(ReferenceEngine e) {
        INDArray w = e.strategy().globalModel().get("fc.weight");
        return w.sub(LSQ.optimum(DataType.DOUBLE)).norm2Number().doubleValue();
    }

    static double maxAbsDiff(INDArray a, INDArray b) {
        return a.sub(b).amaxNumber().doubleValue();
    }
}
