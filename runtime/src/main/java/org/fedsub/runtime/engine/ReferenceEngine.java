package org.fedsub.runtime.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.fedsub.runtime.codec.Codec;
import org.fedsub.runtime.codec.EncodedPayload;
import org.fedsub.runtime.model.Params;
import org.fedsub.runtime.strategy.ClientAlgorithm;
import org.fedsub.runtime.strategy.Strategies;
import org.fedsub.runtime.strategy.Strategy;
import org.fedsub.runtime.strategy.StrategyContext;

/**
 * The sequential reference simulator: sample, train each sampled client, aggregate, evaluate,
 * with no actors and no faults. Every message goes through the configured {@link Codec}, so the
 * bytes it reports are the bytes a real transport would carry, and the numbers it produces are
 * the oracle the actor runtime is checked against. It is a loop over {@link ServerStep} and
 * {@link ClientStep}, the same steps the actor runtime calls.
 *
 * <p>Same experiment and seed, same numbers, bit for bit, whatever the {@link Executor}: client
 * work may run in parallel, but every result is consumed in client-id order.
 */
public final class ReferenceEngine {

    private final Experiment exp;
    private final ServerStep server;
    private final ClientAlgorithm[] clients;
    private final ClientStep[] steps;
    private final Executor executor;

    public ReferenceEngine(Experiment exp) {
        this(exp, Runnable::run);
    }

    /** An engine whose client training runs on {@code executor}. */
    public ReferenceEngine(Experiment exp, Executor executor) {
        this.exp = exp;
        this.executor = executor;
        Params init = exp.model().init(exp.seed());
        this.server = new ServerStep(exp, Strategies.create(exp.strategy(), new StrategyContext(exp.model(), exp.train(),
                exp.seed(), exp.data().numClients(), init)));
        this.clients = new ClientAlgorithm[exp.data().numClients()];
        this.steps = new ClientStep[exp.data().numClients()];
    }

    public Strategy strategy() {
        return server.strategy();
    }

    /** The client half of {@code id} (created on first use, its state kept live). */
    public ClientAlgorithm client(int id) {
        if (clients[id] == null) {
            clients[id] = server.strategy().newClient(id);
        }
        return clients[id];
    }

    private ClientStep step(int id) {
        if (steps[id] == null) {
            steps[id] = ClientStep.of(exp, client(id), id, null);
        }
        return steps[id];
    }

    /**
     * Runs every round, or until {@code listener} asks to stop after one ({@link RoundListener#stopRequested}).
     *
     * @throws RunStalledException if no update was used for {@code fedsub.max-idle-rounds} rounds in a row
     */
    public RunResult run(RoundListener listener) {
        List<RoundMetrics> rounds = new ArrayList<>();
        for (int r = 0; r < exp.rounds(); r++) {
            RoundMetrics m = round(r);
            rounds.add(m);
            listener.onRound(m);
            java.util.Optional<String> stalled = server.stalled();
            if (stalled.isPresent()) {
                throw new RunStalledException("run " + exp.name() + " stopped at round " + (r + 1) + ": "
                        + stalled.get(), rounds);
            }
            if (listener.stopRequested()) {
                break;
            }
        }
        return new RunResult(exp.name(), server.strategyName(), rounds, server.globalModel());
    }

    /** Runs round {@code r} and returns its metrics. */
    public RoundMetrics round(int r) {
        long t0 = System.nanoTime();
        int[] sampled = server.sample(r);
        long down = 0;
        long up = 0;
        long maxUp = 0;
        SortedMap<Integer, EncodedPayload> tasks = server.tasks(r, sampled);
        List<CompletableFuture<EncodedUpdate>> futures = new ArrayList<>(sampled.length);
        for (Map.Entry<Integer, EncodedPayload> t : tasks.entrySet()) {
            down += t.getValue().size();
            ClientStep c = step(t.getKey());
            futures.add(CompletableFuture.supplyAsync(() -> c.train(r, t.getValue()), executor));
        }
        List<EncodedUpdate> updates = new ArrayList<>(sampled.length);
        for (CompletableFuture<EncodedUpdate> f : futures) {
            EncodedUpdate u = f.join();
            up += u.update().size();
            maxUp = Math.max(maxUp, u.update().size());
            updates.add(u);
        }
        ServerStep.Outcome o = server.aggregate(r, updates, List.of());
        for (int id : o.used()) {
            EncodedPayload ack = o.ackFor(id);
            down += ack == null ? 0 : ack.size();
            step(id).acknowledge(r, ack);
        }
        double wall = (System.nanoTime() - t0) / 1e6;
        ServerStep.Scores s = server.evaluate(r);
        return new RoundMetrics(r, sampled.length, o.used().size(), sampled.length - o.used().size(), o.clientLoss(),
                s.trainLoss(), s.testLoss(), s.testAccuracy(), up, down, maxUp, wall, 0.0, o.rejectedBy());
    }
}
