package org.fedsub.runtime.strategy;

import static org.fedsub.runtime.strategy.Runs.fedsub;
import static org.fedsub.runtime.strategy.Runs.leastSquares;
import static org.fedsub.runtime.strategy.Runs.strategy;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.fedsub.runtime.codec.Codec;
import org.fedsub.runtime.data.Batch;
import org.fedsub.runtime.data.ClientData;
import org.fedsub.runtime.data.Dataset;
import org.fedsub.runtime.data.FederatedData;
import org.fedsub.runtime.engine.Experiment;
import org.fedsub.runtime.engine.Participation;
import org.fedsub.runtime.engine.ReferenceEngine;
import org.fedsub.runtime.engine.RoundMetrics;
import org.fedsub.runtime.model.SmallCnn;
import org.fedsub.runtime.strategy.StrategySettings.FedSubSettings;
import org.fedsub.runtime.subspace.Generator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Every generator, momentum, weight decay, and compressed convolution kernels. */
class FedSubOptionsTest {

    private static double run(StrategySettings s, TrainSettings t, int rounds) {
        Experiment e = leastSquares(s, t.localSteps(), t.lr(), rounds, false).withTrain(t);
        ReferenceEngine eng = new ReferenceEngine(e);
        Runs.stepwise(eng, rounds, r -> {});
        assertTrue(!eng.strategy().globalModel().hasNonFinite(), "model diverged");
        return Runs.distanceToOptimum(eng);
    }

    @ParameterizedTest
    @EnumSource(value = Generator.class, names = {"CD", "RD", "SS", "SVD"})
    void everyGenerator_withDuals_convergesNearTheOptimum_withoutBlowingUp(Generator g) {
        double start = run(strategy("fedavg", fedsub(0.5, g, 5, true, false)), TrainSettings.sgd(5, 0, 0.02, 1), 1);
        double d = run(strategy("fedsub", fedsub(0.5, g, 10 * 5, true, false)), TrainSettings.sgd(5, 0, 0.02, 100), 100);
        System.out.printf("least squares r=n/2, %s, 100 rounds, basis kept 10 rounds: distance %.3g (after 1 FedAvg round %.3g)%n",
                g, d, start);
        assertTrue(d < start / 3, g + ": distance " + d + " should fall well below " + start);
    }

    @Test
    void ss_regeneratedEveryRound_doesNotAmplifyTheDuals() {
        // The reference's P P'^T has norm n/r for ss and diverges; fedsub transports with the
        // unscaled rows.
        double d = run(strategy("fedsub", fedsub(0.5, Generator.SS, 5, true, true)), TrainSettings.sgd(5, 0, 0.02, 200), 200);
        assertTrue(d < 1.0, "ss with duals must stay near the optimum, got " + d);
    }

    @Test
    void svd_sendsItsBasis_soDownlinkGrowsByRTimesN() {
        var cd = new ReferenceEngine(leastSquares(strategy("fedsub", fedsub(0.5, Generator.CD, 5, true, true)), 5, 0.02, 2, false));
        var svd = new ReferenceEngine(leastSquares(strategy("fedsub", fedsub(0.5, Generator.SVD, 5, true, true)), 5, 0.02, 2, false));
        cd.round(0);
        svd.round(0);
        RoundMetrics a = cd.round(1);
        RoundMetrics b = svd.round(1);
        int clients = Runs.LSQ.data().numClients();
        // Round 1 trains in the first svd basis: each task carries P (10 x 20 float64 values plus framing).
        long framing = 2 + "P:fc.weight".length() + 1 + 8;
        assertEquals(a.downlinkBytes() + clients * (10 * 20 * 8 + framing), b.downlinkBytes());
        assertEquals(a.uplinkBytes(), b.uplinkBytes());
    }

    @Test
    void momentumAndNesterov_withDuals_stayStable() {
        // In the reference the dual term is added into the momentum buffer and momentum 0.9 makes
        // FedSub unstable; here momentum applies to the gradient only.
        TrainSettings heavy = new TrainSettings(5, 0, 0.002, "constant", 0, 1.0, 0.9, 0.0, true, 0.0, 200);
        double d = run(strategy("fedsub", fedsub(1.0, Generator.CD, 50 * 5, true, false)), heavy, 200);
        assertTrue(d < 0.05, "nesterov 0.9 with duals should converge, got distance " + d);
    }

    @Test
    void weightDecay_shrinksFedAvgsWeights_butOnlyDampsFedSubsRoundUpdate() {
        // FEDSUB.md: FedSub adds weight_decay * b to the subspace gradient, so it damps the
        // round's update b (which restarts at 0) and leaves x alone.
        var fs = fedsub(1.0, Generator.CD, 50 * 5, true, false);
        TrainSettings none = TrainSettings.sgd(5, 0, 0.02, 40);
        TrainSettings decay = new TrainSettings(5, 0, 0.02, "constant", 0, 1.0, 0, 0, false, 0.5, 40);
        double[] norms = new double[4];
        int i = 0;
        for (String name : List.of("fedavg", "fedsub")) {
            for (TrainSettings t : List.of(none, decay)) {
                ReferenceEngine e = new ReferenceEngine(leastSquares(strategy(name, fs), 5, 0.02, 40, false).withTrain(t));
                Runs.stepwise(e, 40, r -> {});
                norms[i++] = e.strategy().globalModel().get("fc.weight").norm2Number().doubleValue();
            }
        }
        assertTrue(norms[1] < 0.9 * norms[0], "FedAvg: decay should shrink the weights: " + norms[1] + " vs " + norms[0]);
        assertTrue(norms[3] != norms[2] && Math.abs(norms[3] - norms[2]) < 0.05 * norms[2],
                "FedSub: decay on b changes the run only slightly: " + norms[3] + " vs " + norms[2]);
    }

    @Test
    void cnn_convKernelsAreCompressed_andTrainingLowersTheLoss() {
        SmallCnn cnn = new SmallCnn(new SmallCnn.Geometry(1, 8, 8, List.of(4, 6), 3, 2, 1), 3, DataType.FLOAT);
        // Three classes of 8x8 images: a bright row band, column band or diagonal, plus noise.
        int n = 90;
        INDArray x = Nd4j.rand(DataType.FLOAT, n, 64).muli(0.3);
        INDArray y = Nd4j.zeros(DataType.FLOAT, n, 3);
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            int c = i % 3;
            labels[i] = c;
            y.putScalar(i, c, 1);
            for (int k = 0; k < 8; k++) {
                int pix = c == 0 ? 3 * 8 + k : c == 1 ? k * 8 + 4 : k * 8 + k;
                x.putScalar(i, pix, 1.0);
            }
        }
        Dataset ds = new Dataset("bands", x, y, labels, 3);
        int[][] rows = new int[3][30];
        for (int i = 0; i < n; i++) {
            rows[i % 3][i / 3] = i;
        }
        List<ClientData> clients = List.of(new ClientData(0, ds, rows[0], null, null),
                new ClientData(1, ds, rows[1], null, null), new ClientData(2, ds, rows[2], null, null));
        FederatedData fd = new FederatedData("bands", ds, ds, clients);
        FedSubSettings fs = new FedSubSettings(0, 0.5, Generator.CD, 100, ".*weight", true, true);
        Experiment e = new Experiment("cnn", 3, 30, Participation.full(), 30, 0, Codec.named("float32", "c"), cnn, fd,
                TrainSettings.sgd(5, 10, 0.05, 30), strategy("fedsub", fs));
        ReferenceEngine eng = new ReferenceEngine(e);
        FedSub sub = (FedSub) eng.strategy();
        assertTrue(sub.layers().stream().anyMatch(l -> l.name().equals("conv1.weight") && l.r() == 5 && l.n() == 9),
                "conv1's 3x3 kernel (n = 9) should be compressed to r = 5: " + sub.layers());
        double before = cnn.loss(eng.strategy().globalModel(), new Batch(x, y));
        var result = eng.run(m -> {});
        double after = cnn.loss(result.finalModel(), new Batch(x, y));
        assertTrue(after < 0.7 * before, "loss should fall: " + before + " -> " + after);
    }
}
