package org.fedsub.runtime.strategy;

import static org.fedsub.runtime.strategy.Runs.fedsub;
import static org.fedsub.runtime.strategy.Runs.leastSquares;
import static org.fedsub.runtime.strategy.Runs.strategy;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import org.fedsub.runtime.codec.Codec;
import org.fedsub.runtime.codec.Payload;
import org.fedsub.runtime.data.FederatedData;
import org.fedsub.runtime.data.SyntheticData;
import org.fedsub.runtime.engine.EncodedUpdate;
import org.fedsub.runtime.engine.Experiment;
import org.fedsub.runtime.engine.Experiments;
import org.fedsub.runtime.engine.Participation;
import org.fedsub.runtime.engine.ReferenceEngine;
import org.fedsub.runtime.engine.RoundListener;
import org.fedsub.runtime.engine.RunResult;
import org.fedsub.runtime.engine.ServerStep;
import org.fedsub.runtime.model.LogisticRegression;
import org.fedsub.runtime.model.Model;
import org.fedsub.runtime.model.Params;
import org.fedsub.runtime.subspace.Generator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** A lossy uplink ({@code fedsub.uplink-codec}) end to end: learning, bytes, duals, reproducibility, models. */
class LossyUplinkTest {

    private static final Codec FLOAT32 = Codec.named("float32", "c");

    /** Synthetic(1,1) over 6 users, logistic regression in float32, 30 rounds. */
    private static Experiment synthetic(String strategy, Codec uplink) {
        FederatedData data = SyntheticData.generate(
                SyntheticData.Spec.fedProx(1, 1).withUsers(6).withMaxSamplesPerUser(60), DataType.FLOAT, 7);
        Model model = new LogisticRegression(data.train().featureDim(), data.train().numClasses(), DataType.FLOAT);
        StrategySettings s = StrategySettings.fromConfig(Experiments.load(ConfigFactory.parseString(
                "fedsub.strategy { name = " + strategy + ", fedsub.rate = 0.5, fedsub.update-cp-freq = 10 }")));
        return new Experiment("lossy-" + strategy, 7, 30, Participation.full(), 1, 0, FLOAT32, model, data,
                TrainSettings.sgd(5, 10, 0.05, 30), s).withCodecs(uplink, FLOAT32);
    }

    @ParameterizedTest
    @ValueSource(strings = {"fedavg", "fedsub", "scaffold"})
    void int8Uplink_learnsAsFloat32Does_withAboutAQuarterOfTheUplink(String strategy) {
        RunResult exact = new ReferenceEngine(synthetic(strategy, FLOAT32)).run(RoundListener.NONE);
        RunResult int8 = new ReferenceEngine(synthetic(strategy, Codec.named("int8", "c"))).run(RoundListener.NONE);

        double first = exact.rounds().get(0).trainLoss();
        double lossExact = exact.lastEvaluated().trainLoss();
        double lossInt8 = int8.lastEvaluated().trainLoss();
        System.out.printf("%s: loss %.5f -> float32 %.5f, int8 %.5f; uplink bytes %d vs %d%n", strategy, first,
                lossExact, lossInt8, exact.totalUplinkBytes(), int8.totalUplinkBytes());
        assertTrue(lossExact < 0.8 * first, "float32 run should learn: " + first + " -> " + lossExact);
        assertTrue(Math.abs(lossInt8 - lossExact) <= 0.02 * lossExact,
                strategy + ": int8 final loss " + lossInt8 + " vs float32 " + lossExact);
        double ratio = (double) int8.totalUplinkBytes() / exact.totalUplinkBytes();
        assertTrue(ratio > 0.25 && ratio < 0.4, strategy + ": int8 sends " + ratio + " of float32's uplink bytes");
        assertEquals(exact.totalDownlinkBytes(), int8.totalDownlinkBytes());
    }

    @Test
    void int4Uplink_sameSeed_sameModelBitForBit_otherSeed_otherModel() {
        Codec int4 = Codec.named("int4", "c");
        Params a = new ReferenceEngine(synthetic("fedsub", int4)).run(RoundListener.NONE).finalModel();
        Params b = new ReferenceEngine(synthetic("fedsub", int4)).run(RoundListener.NONE).finalModel();
        Params c = new ReferenceEngine(synthetic("fedsub", int4).withSeed(8)).run(RoundListener.NONE).finalModel();
        for (String n : a.names()) {
            assertEquals(a.get(n), b.get(n), n);
        }
        assertTrue(a.names().stream().anyMatch(n -> !a.get(n).equals(c.get(n))));
    }

    /**
     * The server averages the dequantized B_i; a client that updated its dual with the B_i it
     * computed would break sum_i Lambda_i = 0 by the quantization error. It uses what it sent.
     */
    @ParameterizedTest
    @ValueSource(strings = {"int8", "int4", "bf16"})
    void lossyUplink_dualsStillSumToZero_underFullParticipation(String codec) {
        var fs = fedsub(0.5, Generator.CD, 15, true, true);
        Experiment exp = leastSquares(strategy("fedsub", fs), 5, 0.02, 12, false)
                .withCodecs(Codec.named(codec, "c"), Codec.named("float64", "c"));
        ReferenceEngine e = new ReferenceEngine(exp);
        Runs.stepwise(e, 12, r -> {
            INDArray sum = null;
            double scale = 0;
            for (int c = 0; c < Runs.LSQ.data().numClients(); c++) {
                INDArray l = ((FedSubClient) e.client(c)).duals()[0];
                sum = sum == null ? l.dup() : sum.addi(l);
                scale = Math.max(scale, l.amaxNumber().doubleValue());
            }
            assertTrue(scale > 0, "duals should be non-zero on heterogeneous data");
            assertEquals(0.0, sum.amaxNumber().doubleValue(), 1e-12 * Math.max(1, scale), "round " + r);
        });
    }

    /** The downlink is exact, so the model a client decodes from its task is the server's, bit for bit. */
    @ParameterizedTest
    @ValueSource(strings = {"fedsub", "fedavg"})
    void int8Uplink_clientsDecodeTheServersModelBitForBit(String strategy) {
        Experiment exp = synthetic(strategy, Codec.named("int8", "c")).withRounds(3);
        ReferenceEngine e = new ReferenceEngine(exp);
        for (int r = 0; r < 3; r++) {
            e.round(r);
            ServerStep probe = new ServerStep(exp, e.strategy());
            Payload task = probe.tasks(r + 1, new int[] {2}).get(2).read(b -> exp.downlinkCodec().decode(b,
                    exp.model().dtype()));
            Params client = Wire.model(task, exp.model());
            Params server = e.strategy().globalModel();
            for (String n : server.names()) {
                assertEquals(server.get(n), client.get(n), "round " + r + ", " + n);
            }
        }
    }

    @Test
    void int8Update_isRefusedByTheServer_whenItHoldsNaN() {
        Experiment exp = synthetic("fedavg", Codec.named("int8", "c")).withRounds(1);
        ReferenceEngine e = new ReferenceEngine(exp);
        Payload bad = new Payload().field(PayloadKeys.ROUND, 0);
        exp.model().init(exp.seed()).names().forEach(n -> {
            INDArray t = exp.model().init(exp.seed()).get(n).dup();
            t.putScalar(0, Double.NaN);
            bad.tensor(PayloadKeys.delta(n), t);
        });
        ServerStep server = new ServerStep(exp, e.strategy());
        server.tasks(0, new int[] {0, 1});
        byte[] bytes = exp.uplinkCodec().encode(bad, 1);
        EncodedUpdate u = new EncodedUpdate(0, 0, exp.data().client(0).numExamples(), 1.0,
                new org.fedsub.runtime.codec.EncodedPayload("int8", bytes));
        var outcome = server.aggregate(0, java.util.List.of(u), java.util.List.of());
        assertEquals(1, outcome.rejected().size(), outcome.toString());
        assertTrue(outcome.rejectedBy().keySet().toString().contains("finite"), outcome.rejectedBy().toString());
    }
}
