package org.fedsub.runtime.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.fedsub.runtime.codec.Codec;
import org.fedsub.runtime.codec.Payload;
import org.fedsub.runtime.model.Params;
import org.fedsub.runtime.strategy.Aggregate;
import org.fedsub.runtime.strategy.ClientAlgorithm;
import org.fedsub.runtime.strategy.ClientFailure;
import org.fedsub.runtime.strategy.ClientUpdate;
import org.fedsub.runtime.strategy.Strategies;
import org.fedsub.runtime.strategy.Strategy;
import org.fedsub.runtime.strategy.StrategyContext;
import org.nd4j.linalg.api.buffer.DataType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sequential reference simulator: sample, train each sampled client, aggregate, evaluate,
 * with no actors and no faults. Every message goes through the configured {@link Codec}, so the
 * bytes it reports are the bytes a real transport would carry, and the numbers it produces are
 * the oracle the actor runtime is checked against.
 *
 * <p>Same experiment and seed, same numbers, bit for bit, whatever the {@link Executor}: client
 * work may run in parallel, but every result is consumed in client-id order.
 */
public final class ReferenceEngine {

    private static final Logger log = LoggerFactory.getLogger(ReferenceEngine.class);

    private final Experiment exp;
    private final Strategy strategy;
    private final ClientAlgorithm[] clients;
    private final Executor executor;

    public ReferenceEngine(Experiment exp) {
        this(exp, Runnable::run);
    }

    /** An engine whose client training runs on {@code executor}. */
    public ReferenceEngine(Experiment exp, Executor executor) {
        this.exp = exp;
        this.executor = executor;
        Params init = exp.model().init(exp.seed());
        this.strategy = Strategies.create(exp.strategy(), new StrategyContext(exp.model(), exp.train(), exp.seed(),
                exp.data().numClients(), init));
        this.clients = new ClientAlgorithm[exp.data().numClients()];
    }

    public Strategy strategy() {
        return strategy;
    }

    /** The client half of {@code id} (created on first use). */
    public ClientAlgorithm client(int id) {
        if (clients[id] == null) {
            clients[id] = strategy.newClient(id);
        }
        return clients[id];
    }

    public RunResult run(RoundListener listener) {
        List<RoundMetrics> rounds = new ArrayList<>();
        for (int r = 0; r < exp.rounds(); r++) {
            RoundMetrics m = round(r);
            rounds.add(m);
            listener.onRound(m);
        }
        return new RunResult(exp.name(), strategy.name(), rounds, strategy.globalModel());
    }

    /** Runs round {@code r} and returns its metrics. */
    public RoundMetrics round(int r) {
        long t0 = System.nanoTime();
        Codec codec = exp.codec();
        DataType dtype = exp.model().dtype();
        int[] sampled = exp.participation().sample(r, exp.data().numClients(), exp.seed());
        long down = 0;
        long up = 0;
        long maxUp = 0;
        List<CompletableFuture<ClientUpdate>> futures = new ArrayList<>(sampled.length);
        for (int id : sampled) {
            byte[] task = codec.encode(strategy.configure(r, id));
            down += task.length;
            ClientAlgorithm c = client(id);
            futures.add(CompletableFuture.supplyAsync(
                    () -> c.train(r, codec.decode(task, dtype), exp.data().client(id)), executor));
        }
        List<ClientUpdate> updates = new ArrayList<>(sampled.length);
        for (CompletableFuture<ClientUpdate> f : futures) {
            ClientUpdate u = f.join();
            byte[] bytes = codec.encode(u.payload());
            up += bytes.length;
            maxUp = Math.max(maxUp, bytes.length);
            updates.add(new ClientUpdate(u.clientId(), u.round(), u.numExamples(), u.trainLoss(),
                    codec.decode(bytes, dtype)));
        }
        Aggregate agg = strategy.aggregate(r, updates, List.of());
        for (ClientFailure f : agg.rejected()) {
            log.warn("round {}: rejected {}", r, f.reason());
        }
        byte[] ack = agg.ack() == null ? null : codec.encode(agg.ack());
        for (int id : agg.used()) {
            Payload decoded = null;
            if (ack != null) {
                down += ack.length;
                decoded = codec.decode(ack, dtype);
            }
            client(id).onAggregated(r, decoded);
        }
        double clientLoss = updates.stream().filter(u -> agg.used().contains(u.clientId()))
                .mapToDouble(ClientUpdate::trainLoss).average().orElse(Double.NaN);
        double wall = (System.nanoTime() - t0) / 1e6;
        double trainLoss = Double.NaN;
        double testLoss = Double.NaN;
        double testAcc = Double.NaN;
        if ((r + 1) % exp.evalEvery() == 0 || r == exp.rounds() - 1) {
            Params g = strategy.globalModel();
            trainLoss = Evaluation.of(exp.model(), g, exp.data().train(), exp.evalTrainLimit()).loss();
            Evaluation test = Evaluation.of(exp.model(), g, exp.data().test(), 0);
            testLoss = test.loss();
            testAcc = test.accuracy();
        }
        return new RoundMetrics(r, sampled.length, agg.used().size(), sampled.length - agg.used().size(), clientLoss,
                trainLoss, testLoss, testAcc, up, down, maxUp, wall, 0.0);
    }
}
