package org.fedsub.runtime.engine;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import org.fedsub.runtime.codec.Codec;
import org.fedsub.runtime.codec.EncodedPayload;
import org.fedsub.runtime.codec.MalformedPayloadException;
import org.fedsub.runtime.codec.Payload;
import org.fedsub.runtime.compute.HostArrays;
import org.fedsub.runtime.model.Params;
import org.fedsub.runtime.strategy.Aggregate;
import org.fedsub.runtime.strategy.AsyncAggregation;
import org.fedsub.runtime.strategy.ClientFailure;
import org.fedsub.runtime.strategy.ClientUpdate;
import org.fedsub.runtime.strategy.Strategy;
import org.nd4j.linalg.api.buffer.DataType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's half of a round, bytes in and bytes out: the encoded tasks of the sampled
 * clients, the aggregation of their encoded updates (decode, validate, aggregate, encode the
 * acknowledgements), and evaluation on the experiment's schedule. {@link ReferenceEngine} is a
 * loop over it, and the actor runtime's coordinators call the same object, so that the two
 * compute the same numbers by construction. The strategy holds the server state of the run; an
 * {@link AsyncAggregation} makes the same step asynchronous.
 *
 * <p>Not thread-safe: one call at a time (a coordinator makes its calls one after another on
 * the compute dispatcher).
 */
public final class ServerStep {

    private static final Logger log = LoggerFactory.getLogger(ServerStep.class);

    private final Experiment exp;
    private final Strategy strategy;
    /** Decodes the clients' updates. */
    private final Codec uplink;
    /**
     * Encodes tasks and acknowledgements in full mode (exact: see {@link Experiments#checkDownlink}),
     * and the logged model changes on a delta downlink (then maybe lossy).
     */
    private final Codec downlink;
    /** Encodes full models: {@code downlink} where it is exact, else the raw codec of the model's dtype. */
    private final Codec modelCodec;
    /** The delta downlink's state, or null with full tasks. */
    private final DeltaLog deltas;
    private final DataType dtype;
    private final ServerSettings settings;
    /**
     * The round (model version) each client was last given a task for, until it answers; -1:
     * none. By client id (ids are 0..numClients-1): arrays rather than maps of boxed ids, which
     * cost every update a boxing and a lookup in the server step's profile.
     */
    private final int[] issued;
    /** The round of each client's last answered task (a second answer is a duplicate); -1: none. */
    private final int[] answered;
    private final IdleRounds idle = new IdleRounds();
    /** The strategy as an asynchronous aggregation, or null in synchronous rounds. */
    private final AsyncAggregation async;

    public ServerStep(Experiment exp, Strategy strategy) {
        this.exp = exp;
        this.strategy = strategy;
        this.uplink = exp.uplinkCodec();
        this.downlink = exp.downlinkCodec();
        this.dtype = exp.model().dtype();
        this.issued = new int[exp.data().numClients()];
        this.answered = new int[exp.data().numClients()];
        java.util.Arrays.fill(issued, -1);
        java.util.Arrays.fill(answered, -1);
        this.settings = exp.server();
        this.async = strategy instanceof AsyncAggregation a ? a : null;
        this.modelCodec = settings.downlink().delta() ? Experiments.modelCodec(downlink, dtype) : downlink;
        if (settings.downlink().delta()) {
            java.util.Optional<String> why = strategy.whyNoDeltaDownlink();
            if (why.isPresent()) {
                throw new org.fedsub.runtime.config.ConfigError(DownlinkSettings.PATH + ".mode", "delta", "full, as "
                        + why.get());
            }
            this.deltas = new DeltaLog(settings.downlink().logVersions());
            strategy.logChanges(this::publish);
        } else {
            this.deltas = null;
        }
    }

    /**
     * What a delta downlink keeps: the encoded change of each recent round (the change that took
     * the model from version {@code round} to {@code round + 1}; absent: the round changed nothing)
     * and the model version each client holds (as far as the server knows: what it sent it).
     */
    private static final class DeltaLog {
        final int versions;
        final java.util.TreeMap<Integer, byte[]> changes = new java.util.TreeMap<>();
        final Map<Integer, Integer> held = new HashMap<>();
        /** The change of the aggregation under way, until the round's aggregation returns. */
        int pendingRound = -1;
        byte[] pending;

        DeltaLog(int versions) {
            this.versions = versions;
        }
    }

    /** Logs {@code change} (encoded with the downlink codec) and returns it as clients will decode it. */
    private Payload publish(int round, Payload change) {
        byte[] bytes = downlink.encode(change, Codec.seed(exp.seed(), -1, round, Codec.Direction.DOWNLINK));
        deltas.pendingRound = round;
        deltas.pending = bytes;
        return downlink.exact(dtype) ? change : downlink.decode(bytes, dtype);
    }

    /**
     * What aggregation gave.
     *
     * @param acks       the encoded acknowledgement of each used client (a null value: none is sent)
     * @param used       ids of the clients whose updates were aggregated, ascending
     * @param rejected   updates refused, with reasons
     * @param clientLoss mean local training loss of the used clients (NaN when none)
     * @param rejectedBy the refused updates counted by {@link Rejection#label()}
     * @param dropped    the round had too few valid updates and aggregated nothing (min-completion)
     */
    public record Outcome(Map<Integer, EncodedPayload> acks, List<Integer> used, List<ClientFailure> rejected,
            double clientLoss, SortedMap<String, Integer> rejectedBy, boolean dropped) {

        public Outcome {
            acks = Collections.unmodifiableMap(new HashMap<>(acks));
            used = List.copyOf(used);
            rejected = List.copyOf(rejected);
            rejectedBy = Collections.unmodifiableSortedMap(new TreeMap<>(rejectedBy));
        }

        public Outcome(Map<Integer, EncodedPayload> acks, List<Integer> used, List<ClientFailure> rejected,
                double clientLoss) {
            this(acks, used, rejected, clientLoss, new TreeMap<>(), false);
        }

        /** A round that aggregated nothing. */
        public static Outcome none() {
            return new Outcome(Map.of(), List.of(), List.of(), Double.NaN);
        }

        /** The encoded acknowledgement of used client {@code id}, or null when it gets none. */
        public EncodedPayload ackFor(int id) {
            return acks.get(id);
        }
    }

    /** The global model's scores after a round; NaN on rounds that are not evaluated. */
    public record Scores(double trainLoss, double testLoss, double testAccuracy, double evalMillis) {}

    public Experiment experiment() {
        return exp;
    }

    public Strategy strategy() {
        return strategy;
    }

    public String strategyName() {
        return strategy.name();
    }

    /** The current global model (the strategy's own copy: do not modify). */
    public Params globalModel() {
        return strategy.globalModel();
    }

    public int rounds() {
        return exp.rounds();
    }

    public int numClients() {
        return exp.data().numClients();
    }

    /** Clients a round wants updates from (the participation target). */
    public int target() {
        return exp.participation().count(numClients());
    }

    /** The sorted ids the experiment's participation samples for {@code round}. */
    public int[] sample(int round) {
        return exp.participation().sample(round, numClients(), exp.seed());
    }

    /**
     * The sorted ids sampled for {@code round}: {@link #sample(int)} when {@code selected} is
     * the target, else {@code selected} clients drawn the same way (over-selection).
     */
    public int[] sample(int round, int selected) {
        return sample(round, selected, id -> true);
    }

    /** As {@link #sample(int, int)}, among the clients {@code available} (a cluster's registered ones). */
    public int[] sample(int round, int selected, java.util.function.IntPredicate available) {
        Participation p = selected == target() ? exp.participation() : new Participation(selected, 1.0, 1);
        return p.sample(round, numClients(), exp.seed(), available);
    }

    /**
     * The encoded task of each of {@code ids} for {@code round} (or model version), each carrying
     * the full model. On a delta downlink, what each task stands for on the wire (and is counted
     * as) is {@link #sent}: the actor runtime sends those messages, the reference engine hands
     * over the task and counts them.
     */
    public SortedMap<Integer, EncodedPayload> tasks(int round, int[] ids) {
        SortedMap<Integer, EncodedPayload> tasks = new TreeMap<>();
        sent.clear(); // only this call's: a client's messages are not kept beyond its round
        if (deltas != null) {
            deltas.changes.headMap(round - deltas.versions).clear();
        }
        for (int id : ids) {
            Payload task = strategy.configure(round, id);
            EncodedPayload full = encode(task);
            tasks.put(id, full);
            issued[id] = round;
            sent.put(id, deltas == null ? List.of(full) : deltaTask(round, id, task, full));
            if (deltas != null) {
                deltas.held.put(id, round);
            }
        }
        return Collections.unmodifiableSortedMap(tasks);
    }

    /** What each task of the last {@link #tasks} call stands for on the wire (see {@link #sent}). */
    private final Map<Integer, List<EncodedPayload>> sent = new HashMap<>();

    /**
     * The messages the task given to client {@code id} by the last {@link #tasks} call stands for
     * on the wire: on a delta downlink, the task without the model (its other fields and tensors,
     * and field {@code since}, the model version the client holds) followed by the logged changes
     * since that version, oldest first, where these are fewer bytes than the task with the model
     * and still in the log; else (and with full tasks) the task itself. A client that applies the
     * changes with {@link Strategy#applyChange} to its model of version {@code since} holds the
     * task's model, bit for bit.
     */
    public List<EncodedPayload> sent(int id) {
        List<EncodedPayload> s = sent.get(id);
        if (s == null) {
            throw new IllegalArgumentException("client " + id + " was given no task by the last tasks call");
        }
        return s;
    }

    /** The bytes of {@link #sent}: what the task of {@code id} (last {@link #tasks} call) costs on the downlink. */
    public long taskBytes(int id) {
        long n = 0;
        for (EncodedPayload p : sent(id)) {
            n += p.size();
        }
        return n;
    }

    private List<EncodedPayload> deltaTask(int round, int id, Payload task, EncodedPayload full) {
        Integer since = deltas.held.get(id);
        if (since == null || since > round || round - since > deltas.versions) {
            return List.of(full);
        }
        Payload header = new Payload();
        task.fields().forEach(header::field);
        header.field(SINCE, since);
        task.tensors().forEach((name, t) -> {
            if (!name.startsWith(org.fedsub.runtime.strategy.PayloadKeys.model(""))) {
                header.tensor(name, t);
            }
        });
        List<EncodedPayload> msgs = new ArrayList<>();
        msgs.add(new EncodedPayload(modelCodec.name(), modelCodec.encode(header)));
        long bytes = msgs.get(0).size();
        for (byte[] c : deltas.changes.subMap(since, round).values()) {
            msgs.add(new EncodedPayload(downlink.name(), c));
            bytes += c.length;
        }
        return bytes < full.size() ? List.copyOf(msgs) : List.of(full);
    }

    /** Field of a delta task's first message: the model version the logged changes that follow start from. */
    public static final String SINCE = "since";

    /** The downlink settings of this run. */
    public DownlinkSettings downlink() {
        return settings.downlink();
    }

    /** The codec of full models (and of a delta task's first message). */
    public Codec modelCodec() {
        return modelCodec;
    }

    /**
     * Checks, decodes and aggregates the updates of {@code round} (or, asynchronously, model
     * version) with the round's {@code failures}, and encodes the acknowledgements. Synchronous
     * updates must come sorted by client id, the order in which they are aggregated.
     */
    public Outcome aggregate(int round, List<EncodedUpdate> updates, List<ClientFailure> failures) {
        return aggregate(round, updates, failures, 0);
    }

    /**
     * As {@link #aggregate(int, List, List)}; with fewer than {@code minValid} valid updates the
     * round is dropped instead: nothing is aggregated and the model is kept.
     *
     * <p>No update can end the run or reach the strategy unchecked: each must come from a client
     * that was given a task for exactly its round and has not answered it yet, carry a positive
     * example count no larger than the client's data, decode, be finite, have an L2 norm within
     * {@link ServerSettings}' bounds, and pass the strategy's own {@link Strategy#problem}
     * check; any exception while checking one update refuses that update. If aggregating the
     * valid ones throws anyway, the round's updates are refused and the global model restored.
     */
    public Outcome aggregate(int round, List<EncodedUpdate> updates, List<ClientFailure> failures, double minValid) {
        Refusals refused = new Refusals(round);
        List<ClientUpdate> candidates = new ArrayList<>(updates.size());
        List<Payload> decodedTensors = new ArrayList<>(updates.size());
        List<Double> norms = new ArrayList<>(updates.size());
        java.util.Set<Integer> seen = new java.util.HashSet<>();
        for (EncodedUpdate u : updates) {
            int id = u.clientId();
            if (id < 0 || id >= numClients()) {
                refused.add(u, Rejection.UNSAMPLED, "unknown client id " + id + " (known ids are 0.." + (numClients() - 1)
                        + ")");
                continue;
            }
            int asked = issued[id];
            if (!seen.add(id) || (asked < 0 && answered[id] >= 0 && u.round() == answered[id])) {
                refused.add(u, Rejection.DUPLICATE, "a second update for its task of round " + u.round());
                continue;
            }
            if (asked < 0) {
                refused.add(u, Rejection.UNSAMPLED, "client " + id + " was not asked to train");
                continue;
            }
            if (asked != u.round()) {
                refused.add(u, Rejection.WRONG_ROUND, "trained for round " + u.round() + ", asked for round " + asked);
                continue;
            }
            issued[id] = -1; // one answer per task, whatever becomes of it
            answered[id] = u.round();
            if (async != null && round - u.round() > async.maxStaleness()) {
                refused.add(u, Rejection.STALE, "update of version " + u.round() + " is " + (round - u.round())
                        + " versions old (max-staleness " + async.maxStaleness() + ")");
                continue;
            }
            long known = exp.data().client(id).numExamples();
            if (u.numExamples() <= 0 || u.numExamples() > known) {
                refused.add(u, Rejection.EXAMPLE_COUNT, "example count " + u.numExamples() + " outside 1.." + known
                        + " (the client's data)");
                continue;
            }
            try {
                ClientUpdate decoded = new ClientUpdate(id, u.round(), u.numExamples(), u.trainLoss(), decode(u.update()));
                decodedTensors.add(decoded.payload());
                double norm = norm(decoded.payload());
                if (!Double.isFinite(norm) || !Double.isFinite(u.trainLoss())) {
                    refused.add(u, Rejection.NON_FINITE, Double.isFinite(u.trainLoss())
                            ? "a tensor holds NaN or infinite values" : "its training loss is " + u.trainLoss());
                    continue;
                }
                if (norm > settings.maxUpdateNorm()) {
                    refused.add(u, Rejection.NORM, "L2 norm " + norm + " over the cap " + settings.maxUpdateNorm());
                    continue;
                }
                java.util.Optional<String> problem = strategy.problem(round, decoded);
                if (problem.isPresent()) {
                    refused.add(u, Rejection.INVALID, problem.get());
                    continue;
                }
                candidates.add(decoded);
                norms.add(norm);
            } catch (RuntimeException e) {
                refused.add(u, Rejection.MALFORMED, "does not decode: " + e.getMessage());
            }
        }
        List<ClientUpdate> valid = withinMedianNorm(candidates, norms, refused);
        Aggregate agg = null;
        boolean dropped = valid.size() < minValid;
        if (dropped) {
            for (ClientUpdate u : valid) {
                refused.add(u.clientId(), Rejection.ROUND_DROPPED, "only " + valid.size() + " valid updates, "
                        + "min-completion needs " + minValid + "; model kept");
            }
        } else {
            agg = aggregateSafely(round, valid, failures, refused);
        }
        if (deltas != null) {
            // The change is logged only if the aggregation that made it stood.
            if (agg != null && deltas.pendingRound == round) {
                deltas.changes.put(round, deltas.pending);
            }
            deltas.pendingRound = -1;
            deltas.pending = null;
        }
        Outcome o = outcome(round, agg, valid, refused, dropped);
        idle.record(o, updates.size(), async != null);
        if (async == null && !strategy.keepsUpdateTensors()) {
            // Decoded here for this round alone, and the strategy kept none of them.
            decodedTensors.forEach(p -> p.tensors().values().forEach(HostArrays::recycle));
        }
        return o;
    }

    /**
     * Why the run should stop, if it has used no update for {@code fedsub.max-idle-rounds}
     * rounds in a row: the likely cause, from what was refused meanwhile.
     */
    public java.util.Optional<String> stalled() {
        return idle.stalled(settings.maxIdleRounds());
    }

    /**
     * The idle-round counts behind {@link #stalled()}, as bytes for a checkpoint; on a delta
     * downlink followed by the log and the model version each client holds, so that a resumed
     * run sends (and counts) what the uninterrupted one would.
     */
    public byte[] exportIdle() {
        java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
        try (java.io.DataOutputStream out = new java.io.DataOutputStream(b)) {
            idle.write(out);
            if (deltas != null) {
                out.writeInt(deltas.held.size());
                for (Map.Entry<Integer, Integer> h : new TreeMap<>(deltas.held).entrySet()) {
                    out.writeInt(h.getKey());
                    out.writeInt(h.getValue());
                }
                out.writeInt(deltas.changes.size());
                for (Map.Entry<Integer, byte[]> c : deltas.changes.entrySet()) {
                    out.writeInt(c.getKey());
                    out.writeInt(c.getValue().length);
                    out.write(c.getValue());
                }
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return b.toByteArray();
    }

    /** Restores what {@link #exportIdle} gave. @throws IllegalArgumentException if it does not read */
    public void restoreIdle(byte[] state) {
        try (java.io.DataInputStream in = new java.io.DataInputStream(new java.io.ByteArrayInputStream(state))) {
            idle.read(in);
            if (deltas != null && in.available() > 0) {
                deltas.held.clear();
                deltas.changes.clear();
                int clients = in.readInt();
                for (int i = 0; i < clients; i++) {
                    int id = in.readInt();
                    deltas.held.put(id, in.readInt());
                }
                int changes = in.readInt();
                for (int i = 0; i < changes; i++) {
                    int round = in.readInt();
                    int length = in.readInt();
                    if (length < 0 || length > in.available()) {
                        throw new java.io.IOException("a logged change of " + length + " bytes, " + in.available()
                                + " left");
                    }
                    deltas.changes.put(round, in.readNBytes(length));
                }
            }
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("idle-round counts do not read: " + e, e);
        }
    }

    /** True if the global model is scored after {@code round}: every eval-every rounds and after the last. */
    public boolean evaluates(int round) {
        return (round + 1) % exp.evalEvery() == 0 || round == exp.rounds() - 1;
    }

    /** Scores the global model if {@code round} is an evaluation round, else NaNs. */
    public Scores evaluate(int round) {
        if (!evaluates(round)) {
            return new Scores(Double.NaN, Double.NaN, Double.NaN, 0);
        }
        long t0 = System.nanoTime();
        Params g = strategy.globalModel();
        // A cluster's server holds no training rows (fedsub.data.folders.hosted = []): no global train loss.
        double trainLoss = exp.data().train().size() == 0 ? Double.NaN
                : Evaluation.of(exp.model(), g, exp.data().train(), exp.evalTrainLimit()).loss();
        Evaluation test = Evaluation.of(exp.model(), g, exp.data().test(), 0);
        return new Scores(trainLoss, test.loss(), test.accuracy(), (System.nanoTime() - t0) / 1e6);
    }

    /** Refuses the updates whose norm is far above the median of those aggregated with them. */
    private List<ClientUpdate> withinMedianNorm(List<ClientUpdate> candidates, List<Double> norms, Refusals refused) {
        double multiple = settings.normMedianMultiple();
        if (multiple == 0 || candidates.size() < ServerSettings.MEDIAN_MIN_UPDATES) {
            return candidates;
        }
        double[] sorted = norms.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        int n = sorted.length;
        double median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
        List<ClientUpdate> kept = new ArrayList<>(candidates.size());
        for (int i = 0; i < candidates.size(); i++) {
            if (norms.get(i) > multiple * median) {
                refused.add(candidates.get(i).clientId(), Rejection.NORM, "L2 norm " + norms.get(i) + " over " + multiple
                        + " x the median " + median + " of the round's updates");
            } else {
                kept.add(candidates.get(i));
            }
        }
        return kept;
    }

    /** The strategy's aggregation; if it throws, the updates are refused and the global model restored. */
    private Aggregate aggregateSafely(int round, List<ClientUpdate> valid, List<ClientFailure> failures,
            Refusals refused) {
        List<ClientFailure> all = new ArrayList<>(failures);
        all.addAll(refused.failures());
        Params before = strategy.globalModel().dup();
        try {
            Aggregate agg = strategy.aggregate(round, valid, all);
            for (ClientFailure f : agg.rejected()) {
                refused.add(f.clientId(), Rejection.INVALID, f.reason());
            }
            return agg;
        } catch (RuntimeException e) {
            log.error("round {}: aggregation threw, its {} updates are refused and the model restored", round,
                    valid.size(), e);
            Params g = strategy.globalModel();
            for (String n : g.names()) {
                g.get(n).assign(before.get(n));
            }
            for (ClientUpdate u : valid) {
                refused.add(u.clientId(), Rejection.AGGREGATION_FAILED, e.toString());
            }
            return null;
        }
    }

    private Outcome outcome(int round, Aggregate agg, List<ClientUpdate> valid, Refusals refused, boolean dropped) {
        for (ClientFailure f : refused.failures()) {
            if (async != null) {
                log.debug("version {}: client {}: {}", f.round(), f.clientId(), f.reason());
            } else {
                log.warn("round {}: client {}: {}", f.round(), f.clientId(), f.reason());
            }
        }
        if (agg == null) {
            return new Outcome(Map.of(), List.of(), refused.failures(), Double.NaN, refused.counts(), dropped);
        }
        Map<Integer, Double> lossOf = new HashMap<>();
        for (ClientUpdate u : valid) {
            lossOf.put(u.clientId(), u.trainLoss());
        }
        // One encoding per distinct acknowledgement (a synchronous round sends all the same one).
        Map<Payload, EncodedPayload> encoded = new IdentityHashMap<>();
        Map<Integer, EncodedPayload> acks = new HashMap<>();
        byte[] change = deltas == null ? null : deltas.changes.get(round);
        for (int id : agg.used()) {
            Payload ack = agg.ackFor(id);
            if (ack != null && change != null) {
                // Delta downlink: the acknowledgement is the round's logged change (FedSub's B_avg
                // with the other parameters' change), after which the client holds the next version.
                acks.put(id, new EncodedPayload(downlink.name(), change));
                deltas.held.put(id, round + 1);
            } else {
                acks.put(id, ack == null ? null : encoded.computeIfAbsent(ack, this::encode));
            }
        }
        double clientLoss = agg.used().stream().mapToDouble(lossOf::get).average().orElse(Double.NaN);
        return new Outcome(acks, agg.used().stream().sorted().toList(), refused.failures(), clientLoss,
                refused.counts(), false);
    }

    /** The L2 norm over every tensor of {@code p}; NaN or infinite if a value is. */
    private static double norm(Payload p) {
        double sq = 0;
        for (org.nd4j.linalg.api.ndarray.INDArray t : p.tensors().values()) {
            sq += org.fedsub.runtime.strategy.Updates.squaredNorm(t);
        }
        return Math.sqrt(sq);
    }

    private EncodedPayload encode(Payload p) {
        return new EncodedPayload(modelCodec.name(), modelCodec.encode(p));
    }

    private Payload decode(EncodedPayload p) {
        if (!p.codec().equals(uplink.name())) {
            throw new MalformedPayloadException("encoded with " + p.codec() + ", expected " + uplink.name());
        }
        return p.read(b -> uplink.decode(b, dtype));
    }
}
