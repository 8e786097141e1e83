package org.fedsub.runtime.strategy;

import static org.fedsub.runtime.strategy.Runs.fedsub;
import static org.fedsub.runtime.strategy.Runs.leastSquares;
import static org.fedsub.runtime.strategy.Runs.strategy;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.fedsub.runtime.codec.Codec;
import org.fedsub.runtime.codec.Payload;
import org.fedsub.runtime.codec.TopKCodec;
import org.fedsub.runtime.data.FederatedData;
import org.fedsub.runtime.data.SyntheticData;
import org.fedsub.runtime.engine.ClientStep;
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
import org.fedsub.runtime.state.ClientStateStore;
import org.fedsub.runtime.state.StateSettings;
import org.fedsub.runtime.subspace.Generator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The {@code topk} uplink with error feedback: the residual telescopes, is client state, and the runs learn. */
class TopKErrorFeedbackTest {

    private static final Codec FLOAT32 = Codec.named("float32", "c");

    private static Experiment synthetic(String strategy, Codec uplink, int rounds) {
        FederatedData data = SyntheticData.generate(
                SyntheticData.Spec.fedProx(1, 1).withUsers(6).withMaxSamplesPerUser(60), DataType.FLOAT, 7);
        Model model = new LogisticRegression(data.train().featureDim(), data.train().numClasses(), DataType.FLOAT);
        StrategySettings s = StrategySettings.fromConfig(Experiments.load(ConfigFactory.parseString(
                "fedsub.strategy { name = " + strategy + ", fedsub.rate = 0.5, fedsub.update-cp-freq = 10 }")));
        return new Experiment("topk-" + strategy, 7, rounds, Participation.full(), 1, 0, FLOAT32, model, data,
                TrainSettings.sgd(5, 10, 0.05, rounds), s).withCodecs(uplink, FLOAT32);
    }

    /** What was sent over all rounds plus the residual left is exactly what was computed. */
    @Test
    void errorFeedback_sentPlusResidual_isTheSumOfTheUpdates() {
        Codec topk = new TopKCodec(0.1);
        ErrorFeedback ef = new ErrorFeedback();
        Random rnd = new Random(3);
        INDArray computed = Nd4j.zeros(DataType.DOUBLE, 8, 16);
        INDArray sent = Nd4j.zeros(DataType.DOUBLE, 8, 16);
        for (int t = 0; t < 20; t++) {
            INDArray u = Nd4j.randn(rnd.nextLong(), new long[] {8, 16}).castTo(DataType.DOUBLE);
            computed.addi(u);
            Payload up = new Payload().tensor("d:w", u.dup());
            ef.addTo(up);
            Payload decoded = topk.decode(topk.encode(up), DataType.DOUBLE);
            ef.sent(up, decoded, true);
            sent.addi(decoded.tensor("d:w"));
        }
        Payload state = new Payload();
        ef.exportTo(state);
        INDArray residual = state.tensor(ErrorFeedback.PREFIX + "d:w");
        assertEquals(0.0, sent.add(residual).sub(computed).amaxNumber().doubleValue(), 1e-5);
        assertTrue(residual.amaxNumber().doubleValue() > 0);
    }

    @ParameterizedTest
    @ValueSource(strings = {"fedavg", "fedsub"})
    void topk10Percent_learnsNearFloat32_withAFifthOfTheUplink(String strategy) {
        RunResult exact = new ReferenceEngine(synthetic(strategy, FLOAT32, 30)).run(RoundListener.NONE);
        RunResult topk = new ReferenceEngine(synthetic(strategy, new TopKCodec(0.1), 30)).run(RoundListener.NONE);
        double first = exact.rounds().get(0).trainLoss();
        double lossExact = exact.lastEvaluated().trainLoss();
        double lossTopk = topk.lastEvaluated().trainLoss();
        double ratio = (double) topk.totalUplinkBytes() / exact.totalUplinkBytes();
        System.out.printf("%s topk: loss %.5f -> float32 %.5f, topk %.5f; uplink bytes %d vs %d (%.3f)%n", strategy,
                first, lossExact, lossTopk, exact.totalUplinkBytes(), topk.totalUplinkBytes(), ratio);
        assertTrue(lossTopk < 0.5 * first, strategy + ": topk run should learn: " + first + " -> " + lossTopk);
        assertTrue(lossTopk <= 1.10 * lossExact, strategy + ": topk final loss " + lossTopk + " vs " + lossExact);
        assertTrue(ratio < 0.3, strategy + ": topk sends " + ratio + " of float32's uplink bytes");
    }

    /** FedSub's duals use the sparsified b the server averaged, so they still sum to zero. */
    @Test
    void topk_fedsubDualsStillSumToZero() {
        var fs = fedsub(0.5, Generator.CD, 4, true, true);
        Experiment exp = leastSquares(strategy("fedsub", fs), 5, 0.02, 12, false)
                .withCodecs(new TopKCodec(0.2), Codec.named("float64", "c"));
        ReferenceEngine e = new ReferenceEngine(exp);
        Runs.stepwise(e, 12, r -> {
            INDArray sum = null;
            double scale = 0;
            for (int c = 0; c < Runs.LSQ.data().numClients(); c++) {
                INDArray l = ((FedSubClient) e.client(c)).duals()[0];
                sum = sum == null ? l.dup() : sum.addi(l);
                scale = Math.max(scale, l.amaxNumber().doubleValue());
            }
            assertEquals(0.0, sum.amaxNumber().doubleValue(), 1e-12 * Math.max(1, scale), "round " + r);
        });
    }

    /** Clients dormant in a state store between calls (residual exported and restored) train as live ones do. */
    @ParameterizedTest
    @ValueSource(strings = {"fedavg", "fedsub"})
    void topk_residualIsClientState_dormantClientsMatchLiveOnesBitForBit(String strategy) {
        Experiment exp = synthetic(strategy, new TopKCodec(0.1), 12);
        Params live = manualRun(exp, null);
        try (ClientStateStore store = ClientStateStore.open(StateSettings.unbounded())) {
            Params dormant = manualRun(exp, store);
            for (String n : live.names()) {
                assertEquals(live.get(n), dormant.get(n), n);
            }
            assertTrue(store.checkOut(0).length > 0, "client 0 should hold a residual");
        }
    }

    private static Params manualRun(Experiment exp, ClientStateStore store) {
        Strategy s = Strategies.create(exp.strategy(), new StrategyContext(exp.model(), exp.train(), exp.seed(),
                exp.data().numClients(), exp.model().init(exp.seed())));
        ServerStep server = new ServerStep(exp, s);
        int n = exp.data().numClients();
        List<ClientStep> clients = new ArrayList<>();
        for (int id = 0; id < n; id++) {
            clients.add(ClientStep.of(exp, s.newClient(id), id, store));
        }
        int[] all = java.util.stream.IntStream.range(0, n).toArray();
        for (int r = 0; r < exp.rounds(); r++) {
            var tasks = server.tasks(r, all);
            List<EncodedUpdate> updates = new ArrayList<>();
            for (int id : all) {
                updates.add(clients.get(id).train(r, tasks.get(id)));
            }
            var outcome = server.aggregate(r, updates, List.of());
            for (int id : outcome.used()) {
                clients.get(id).acknowledge(r, outcome.acks().get(id));
            }
        }
        return s.globalModel();
    }
}
