package org.fedsub.runtime.engine;

import java.nio.file.Files;
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

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(ReferenceEngine.class);

    private final Experiment exp;
    private final ServerStep server;
    private final ClientAlgorithm[] clients;
    private final ClientStep[] steps;
    private final Executor executor;
    /** The first round {@link #run} runs, and the metrics of those before it (a resumed run). */
    private int start;
    private List<RoundMetrics> before = List.of();

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

    /**
     * Where and how often {@link #run(RoundListener, Checkpointing)} writes its {@link Checkpoint}.
     *
     * @param file        the checkpoint file (replaced atomically each time)
     * @param every       write after every {@code every}-th round; also after the last round and
     *                    after a round at which a stop was requested
     * @param fingerprint the run's settings, hashed; stored so a resume with other settings is refused
     */
    public record Checkpointing(java.nio.file.Path file, int every, java.time.Duration minInterval,
            String fingerprint) {
        public Checkpointing {
            if (every < 1) {
                throw new IllegalArgumentException("checkpoint every " + every + " rounds: expected >= 1");
            }
            if (minInterval.isNegative()) {
                throw new IllegalArgumentException("checkpoint min-interval " + minInterval + ": expected >= 0");
            }
        }

        /** Every {@code every}-th round, however soon after the previous checkpoint. */
        public Checkpointing(java.nio.file.Path file, int every, String fingerprint) {
            this(file, every, java.time.Duration.ZERO, fingerprint);
        }
    }

    /**
     * An engine that continues the run {@code checkpoint} was taken of, from its next round: the
     * strategy's server state, the idle-round counts and every client's state restored.
     *
     * @throws IllegalArgumentException if the checkpoint is not of this experiment's strategy or
     *         its states do not restore (e.g. another model)
     * @throws UnsupportedOperationException if the strategy cannot restore its server state
     */
    public static ReferenceEngine resume(Experiment exp, Executor executor, Checkpoint checkpoint) {
        ReferenceEngine e = new ReferenceEngine(exp, executor);
        String name = e.server.strategyName();
        if (!checkpoint.strategy().equals(name)) {
            throw new IllegalArgumentException("the checkpoint is of a " + checkpoint.strategy() + " run, the "
                    + "experiment's strategy is " + name);
        }
        if (checkpoint.nextRound() > exp.rounds()) {
            throw new IllegalArgumentException("the checkpoint is after round " + checkpoint.nextRound()
                    + ", the experiment has " + exp.rounds() + " rounds");
        }
        e.server.strategy().restoreServerState(checkpoint.serverState());
        e.server.restoreIdle(checkpoint.idleState());
        for (Map.Entry<Integer, byte[]> c : checkpoint.clientStates().entrySet()) {
            int id = c.getKey();
            if (id < 0 || id >= e.clients.length) {
                throw new IllegalArgumentException("the checkpoint holds the state of client " + id + ", the "
                        + "experiment's ids are 0.." + (e.clients.length - 1));
            }
            e.client(id).restoreState(c.getValue());
        }
        e.start = checkpoint.nextRound();
        e.before = checkpoint.rounds();
        return e;
    }

    /**
     * A checkpoint of this engine before round {@code nextRound}, {@code rounds} being the
     * metrics of every round so far; empty if the strategy cannot export its server state.
     */
    public java.util.Optional<Checkpoint> checkpoint(String fingerprint, int nextRound, List<RoundMetrics> rounds) {
        java.util.Optional<byte[]> serverState = server.strategy().exportServerState();
        if (serverState.isEmpty()) {
            return java.util.Optional.empty();
        }
        java.util.SortedMap<Integer, byte[]> states = new java.util.TreeMap<>();
        for (int id = 0; id < clients.length; id++) {
            if (clients[id] != null) {
                byte[] b = clients[id].exportState();
                if (b.length > 0) {
                    states.put(id, b);
                }
            }
        }
        return java.util.Optional.of(new Checkpoint(fingerprint, server.strategyName(), nextRound, serverState.get(),
                server.exportIdle(), states, rounds));
    }

    /** The first round {@link #run} runs: 0, or a resumed run's next round. */
    public int startRound() {
        return start;
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
        return run(listener, null);
    }

    /**
     * As {@link #run(RoundListener)}, writing a {@link Checkpoint} as {@code checkpointing} says
     * (null: none). A strategy that cannot export its server state is run without checkpoints
     * (with a warning). A resumed engine runs from its next round, and its result holds the
     * rounds before it too.
     *
     * @throws java.io.UncheckedIOException if a checkpoint cannot be written
     */
    public RunResult run(RoundListener listener, Checkpointing checkpointing) {
        List<RoundMetrics> rounds = new ArrayList<>(before);
        boolean checkpoints = checkpointing != null;
        long lastCheckpoint = System.nanoTime();
        for (int r = start; r < exp.rounds(); r++) {
            RoundMetrics m = round(r);
            rounds.add(m);
            listener.onRound(m);
            java.util.Optional<String> stalled = server.stalled();
            if (stalled.isPresent()) {
                throw new RunStalledException("run " + exp.name() + " stopped at round " + (r + 1) + ": "
                        + stalled.get(), rounds);
            }
            boolean stop = listener.stopRequested();
            // Which rounds are checkpointed may depend on the clock (min-interval); what a checkpoint
            // holds never does, so a resumed run's numbers do not either.
            boolean due = checkpoints && (r + 1) % checkpointing.every() == 0
                    && System.nanoTime() - lastCheckpoint >= checkpointing.minInterval().toNanos();
            if (checkpoints && (due || stop || r == exp.rounds() - 1)) {
                checkpoints = writeCheckpoint(checkpointing, r + 1, rounds);
                lastCheckpoint = System.nanoTime();
            }
            if (stop) {
                break;
            }
        }
        return new RunResult(exp.name(), server.strategyName(), rounds, server.globalModel());
    }

    /** Writes the checkpoint before round {@code next}; false if the strategy cannot export its state. */
    private boolean writeCheckpoint(Checkpointing c, int next, List<RoundMetrics> rounds) {
        java.util.Optional<Checkpoint> cp = checkpoint(c.fingerprint(), next, rounds);
        if (cp.isEmpty()) {
            log.warn("strategy {} does not export its server state: the run is not checkpointed and cannot be "
                    + "resumed", server.strategyName());
            return false;
        }
        long t0 = System.nanoTime();
        try {
            cp.get().write(c.file());
            if (log.isDebugEnabled()) {
                log.debug("checkpoint before round {}: {} bytes in {} ms", next, Files.size(c.file()),
                        String.format(java.util.Locale.ROOT, "%.2f", (System.nanoTime() - t0) / 1e6));
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot write the checkpoint " + c.file() + ": " + e.getMessage(), e);
        }
        return true;
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
            down += server.taskBytes(t.getKey());
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
