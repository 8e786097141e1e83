package org.fedsub.runtime.strategy;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.fedsub.runtime.codec.Codec;
import org.fedsub.runtime.data.ClientData;
import org.fedsub.runtime.data.FederatedData;
import org.fedsub.runtime.data.LeastSquaresData;
import org.fedsub.runtime.engine.Experiment;
import org.fedsub.runtime.engine.Participation;
import org.fedsub.runtime.engine.ReferenceEngine;
import org.fedsub.runtime.model.LinearRegression;
import org.fedsub.runtime.model.Model;
import org.fedsub.runtime.strategy.StrategySettings.ServerOptimizerSettings;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * SCAFFOLD under {@code weighting = examples} with clients of unequal size: the model and the
 * server control variate must be averaged with the same weights, or the run converges to the
 * client-uniform optimum instead of the example-weighted one.
 */
class ScaffoldWeightingTest {

    @Test
    void scaffold_weightedByExamples_reachesTheExampleWeightedOptimum() {
        FederatedData equal = Runs.LSQ.data();
        List<ClientData> unequal = new ArrayList<>();
        for (ClientData c : equal.clients()) {
            int keep = 6 * (c.clientId() + 1); // 6, 12, ..., 48 of each client's 50 rows
            unequal.add(new ClientData(c.clientId(), c.train(), Arrays.copyOf(c.trainRows(), keep), null, null));
        }
        FederatedData data = new FederatedData("lsq-unequal", equal.train(), equal.test(), unequal);
        double[][] weighted = LeastSquaresData.optimumOf(data);
        int n = weighted.length;
        int k = weighted[0].length;
        INDArray optimum = Nd4j.create(weighted);
        Model m = new LinearRegression(n, k, false, DataType.DOUBLE);
        StrategySettings s = new StrategySettings("scaffold", true, 0.0, 1.0, ServerOptimizerSettings.plain(),
                Runs.fedsub(1.0, org.fedsub.runtime.subspace.Generator.CD, 100, true, false));
        Experiment exp = new Experiment("scaffold-weighted", 5, 400, Participation.full(), 400, 0,
                Codec.named("float64", "codec"), m, data, TrainSettings.sgd(5, 0, 0.02, 400), s);

        ReferenceEngine e = new ReferenceEngine(exp);
        e.run(r -> { });

        double d = e.strategy().globalModel().get("fc.weight").sub(optimum).norm2Number().doubleValue();
        System.out.printf("least squares, unequal clients, examples weighting, 400 rounds: scaffold %.3g from the "
                + "weighted optimum%n", d);
        assertTrue(d < 1e-6, "distance to the example-weighted optimum after 400 rounds: " + d);
    }
}
