package org.fedsub.actors.server;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import org.fedsub.actors.ActorSettings;
import org.fedsub.actors.protocol.EncodedPayload;
import org.fedsub.actors.protocol.FederatedProtocol.UpdateReady;
import org.fedsub.runtime.codec.Codec;
import org.fedsub.runtime.codec.MalformedPayloadException;
import org.fedsub.runtime.codec.Payload;
import org.fedsub.runtime.config.ConfigError;
import org.fedsub.runtime.engine.Evaluation;
import org.fedsub.runtime.engine.Experiment;
import org.fedsub.runtime.engine.Participation;
import org.fedsub.runtime.model.Params;
import org.fedsub.runtime.strategy.Aggregate;
import org.fedsub.runtime.strategy.Aggregation;
import org.fedsub.runtime.strategy.ClientFailure;
import org.fedsub.runtime.strategy.ClientUpdate;
import org.fedsub.runtime.strategy.Strategy;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything tensor-shaped about the server: the strategy (the server state of the run), the
 * codec, and evaluation, reached with bytes in and bytes out so that the coordinator actor
 * never sees a tensor. Each call does what {@link org.fedsub.runtime.engine.ReferenceEngine}
 * does at the same point of a round, in the same order, so that a faultless run gives the same
 * numbers. Not thread-safe: the coordinator makes one call at a time, on the compute dispatcher.
 */
public final class ServerWork {

    private static final Logger log = LoggerFactory.getLogger(ServerWork.class);

    private final Experiment exp;
    private final Strategy strategy;
    private final Codec codec;
    private final DataType dtype;

    public ServerWork(Experiment exp, Strategy strategy) {
        this.exp = exp;
        this.strategy = strategy;
        this.codec = exp.codec();
        this.dtype = exp.model().dtype();
    }

    /**
     * What aggregation gave.
     *
     * @param ack        the encoded acknowledgement for every used client, or null when none is sent
     * @param used       ids of the clients whose updates were aggregated, ascending
     * @param rejected   updates refused by the codec or the strategy, with reasons
     * @param clientLoss mean local training loss of the used clients
     */
    public record Outcome(EncodedPayload ack, List<Integer> used, List<ClientFailure> rejected, double clientLoss) {

        public Outcome {
            used = List.copyOf(used);
            rejected = List.copyOf(rejected);
        }

        /** A round that aggregated nothing. */
        public static Outcome none() {
            return new Outcome(null, List.of(), List.of(), Double.NaN);
        }
    }

    /** The global model's scores after a round; NaN on rounds that are not evaluated. */
    public record Scores(double trainLoss, double testLoss, double testAccuracy, double evalMillis) {}

    /**
     * What an asynchronous (FedBuff or FedAsync) aggregation gave.
     *
     * @param acks       the encoded acknowledgement of each used client (null values where the strategy sends none)
     * @param used       ids of the clients whose updates were aggregated, ascending
     * @param rejected   updates discarded as too stale or refused by the codec or the strategy
     * @param clientLoss mean local training loss of the used clients
     */
    public record BufferOutcome(Map<Integer, EncodedPayload> acks, List<Integer> used, List<ClientFailure> rejected,
            double clientLoss) {}

    /**
     * Strategies FedBuff and FedAsync can run: their updates are model changes that can be
     * weighted and summed (SCAFFOLD's control variates and the server optimisers' state assume
     * synchronous rounds).
     */
    public static final List<String> ASYNC_STRATEGIES = List.of("fedavg", "fedprox", "fedsub");

    /** FedAsync: the acknowledgements of the latest applications, newest last (see {@link #aggregateBuffered}). */
    private final ArrayDeque<RecentAck> recentAcks = new ArrayDeque<>();

    private record RecentAck(Payload ack, double weight) {}

    public String experiment() {
        return exp.name();
    }

    public long seed() {
        return exp.seed();
    }

    /**
     * Throws a {@link ConfigError} at {@code path} unless the experiment's strategy can run in
     * the asynchronous {@code mode} ("fedbuff" or "fedasync").
     */
    public void checkAsync(String path, String mode) {
        String name = exp.strategy().name();
        String label = mode.equals("fedasync") ? "FedAsync" : "FedBuff";
        if (!ASYNC_STRATEGIES.contains(name)) {
            throw new ConfigError(path, mode, label + " runs " + ASYNC_STRATEGIES + ", not " + name
                    + " (use mode = \"sync\")");
        }
        if (name.equals("fedsub") && !exp.strategy().fedsub().generator().seeded()) {
            throw new ConfigError(path, mode, label + "-FedSub needs a seeded projection generator (cd, rd, ss, "
                    + "idx), not " + exp.strategy().fedsub().generator().configName());
        }
    }

    public String strategyName() {
        return strategy.name();
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

    /**
     * The sorted ids sampled for {@code round}: the reference engine's sample when
     * {@code selected} is the target, else {@code selected} clients drawn the same way.
     */
    public int[] sample(int round, int selected) {
        Participation p = selected == target() ? exp.participation() : new Participation(selected, 1.0, 1);
        return p.sample(round, numClients(), exp.seed());
    }

    /** The encoded task of each sampled client. */
    public SortedMap<Integer, EncodedPayload> tasks(int round, int[] ids) {
        SortedMap<Integer, EncodedPayload> tasks = new TreeMap<>();
        for (int id : ids) {
            tasks.put(id, new EncodedPayload(codec.name(), codec.encode(strategy.configure(round, id))));
        }
        return Collections.unmodifiableSortedMap(tasks);
    }

    /**
     * Decodes the updates (which must be sorted by client id, as the reference engine
     * aggregates them), aggregates them with the failures, and encodes the acknowledgement.
     * Updates that do not decode are rejected, not thrown.
     */
    public Outcome aggregate(int round, List<UpdateReady> updates, List<ClientFailure> failures) {
        List<ClientUpdate> decoded = new ArrayList<>(updates.size());
        List<ClientFailure> rejected = new ArrayList<>();
        for (UpdateReady u : updates) {
            try {
                if (!u.update().codec().equals(codec.name())) {
                    throw new MalformedPayloadException("encoded with " + u.update().codec() + ", expected " + codec.name());
                }
                Payload p = u.update().read(b -> codec.decode(b, dtype));
                decoded.add(new ClientUpdate(u.clientId(), u.round(), u.numExamples(), u.trainLoss(), p));
            } catch (MalformedPayloadException e) {
                rejected.add(new ClientFailure(u.clientId(), round, "update does not decode: " + e.getMessage()));
            }
        }
        List<ClientFailure> all = new ArrayList<>(failures);
        all.addAll(rejected);
        Aggregate agg = strategy.aggregate(round, decoded, all);
        rejected.addAll(agg.rejected());
        for (ClientFailure f : agg.rejected()) {
            log.warn("round {}: rejected {}", round, f.reason());
        }
        EncodedPayload ack = agg.ack() == null ? null : new EncodedPayload(codec.name(), codec.encode(agg.ack()));
        double clientLoss = decoded.stream().filter(u -> agg.used().contains(u.clientId()))
                .mapToDouble(ClientUpdate::trainLoss).average().orElse(Double.NaN);
        return new Outcome(ack, agg.used().stream().sorted().toList(), rejected, clientLoss);
    }

    /**
     * An asynchronous aggregation (FedBuff's buffer, or FedAsync's single arrival) at model
     * version {@code version}: an update trained on version {@code v} (its round) has staleness
     * {@code s = version - v}, is discarded if {@code s > async.maxStaleness()}, and otherwise
     * counts with weight {@code w(s) = async.weight(s)} in
     * {@code x += sum_i w_i n_i delta_i / sum_i n_i} ({@code n_i} the strategy's weighting:
     * examples or 1). FedAsync is the case of one update: {@code x += alpha s(t) delta}.
     *
     * <p>Updates trained on the same version are handed to the strategy together, as that
     * version's round (so FedSub lifts them with the basis they were trained in, FEDSUB.md's
     * asynchrony section), each scaled by {@code w_v * N_v / N}: the strategy's weighted mean
     * over the group then contributes exactly the group's share of the sum. Each group's
     * acknowledgement is scaled back to the group's plain mean, which is what the dual update of
     * a client needs. With every update fresh and one group, this is exactly a synchronous round.
     *
     * <p>With {@code ackWindow > 1} (FedAsync, where a group is a single update and its own mean
     * would leave FedSub's duals unchanged) the acknowledgement is instead the weighted mean of
     * the acknowledgements of the last {@code ackWindow} applied groups, this one included, that
     * have the same {@code basis} field and tensor shapes: the mean update of the clients that
     * trained alongside it, in its basis. Updates of other bases cannot be compared with it
     * without moving them, and are left out.
     */
    public BufferOutcome aggregateBuffered(int version, List<UpdateReady> buffer, ActorSettings.Async async,
            int ackWindow) {
        int maxStaleness = async.maxStaleness();
        List<ClientFailure> rejected = new ArrayList<>();
        TreeMap<Integer, List<ClientUpdate>> groups = new TreeMap<>();
        for (UpdateReady u : buffer) {
            int s = version - u.round();
            if (s > maxStaleness || s < 0) {
                rejected.add(new ClientFailure(u.clientId(), version, "update of version " + u.round() + " is " + s
                        + " versions old (max-staleness " + maxStaleness + ")"));
                continue;
            }
            try {
                if (!u.update().codec().equals(codec.name())) {
                    throw new MalformedPayloadException("encoded with " + u.update().codec() + ", expected " + codec.name());
                }
                Payload p = u.update().read(b -> codec.decode(b, dtype));
                groups.computeIfAbsent(u.round(), k -> new ArrayList<>())
                        .add(new ClientUpdate(u.clientId(), u.round(), u.numExamples(), u.trainLoss(), p));
            } catch (MalformedPayloadException e) {
                rejected.add(new ClientFailure(u.clientId(), version, "update does not decode: " + e.getMessage()));
            }
        }
        boolean byExamples = exp.strategy().byExamples();
        double total = 0;
        for (List<ClientUpdate> g : groups.values()) {
            for (ClientUpdate u : g) {
                total += byExamples ? u.numExamples() : 1.0;
            }
        }
        Map<Integer, EncodedPayload> acks = new HashMap<>();
        List<Integer> used = new ArrayList<>();
        List<ClientUpdate> usedUpdates = new ArrayList<>();
        for (Map.Entry<Integer, List<ClientUpdate>> e : groups.entrySet()) {
            int v = e.getKey();
            List<ClientUpdate> g = new ArrayList<>(e.getValue());
            g.sort((a, b) -> Integer.compare(a.clientId(), b.clientId()));
            double groupWeight = 0;
            for (ClientUpdate u : g) {
                groupWeight += byExamples ? u.numExamples() : 1.0;
            }
            double scale = async.weight(version - v) * groupWeight / total;
            List<ClientUpdate> scaled = new ArrayList<>(g.size());
            for (ClientUpdate u : g) {
                scaled.add(new ClientUpdate(u.clientId(), u.round(), u.numExamples(), u.trainLoss(),
                        scaled(u.payload(), scale)));
            }
            Aggregate agg = strategy.aggregate(v, scaled, List.of());
            rejected.addAll(agg.rejected());
            Payload plain = agg.ack() == null ? null : scaled(agg.ack(), 1.0 / scale);
            if (plain != null && ackWindow > 1) {
                double usedWeight = 0;
                for (ClientUpdate u : g) {
                    if (agg.used().contains(u.clientId())) {
                        usedWeight += byExamples ? u.numExamples() : 1.0;
                    }
                }
                plain = windowMean(plain, usedWeight, ackWindow);
            }
            EncodedPayload ack = plain == null ? null : new EncodedPayload(codec.name(), codec.encode(plain));
            for (int id : agg.used()) {
                acks.put(id, ack);
                used.add(id);
            }
            for (ClientUpdate u : g) {
                if (agg.used().contains(u.clientId())) {
                    usedUpdates.add(u);
                }
            }
        }
        for (ClientFailure f : rejected) {
            log.debug("version {}: discarded {}", version, f.reason());
        }
        double clientLoss = usedUpdates.stream().mapToDouble(ClientUpdate::trainLoss).average().orElse(Double.NaN);
        return new BufferOutcome(Collections.unmodifiableMap(acks), used.stream().sorted().toList(), rejected,
                clientLoss);
    }

    /** Remembers {@code ack} and returns the weighted mean of the remembered ones like it. */
    private Payload windowMean(Payload ack, double weight, int window) {
        if (weight <= 0) {
            return ack;
        }
        recentAcks.addLast(new RecentAck(ack, weight));
        while (recentAcks.size() > window) {
            recentAcks.removeFirst();
        }
        List<RecentAck> like = new ArrayList<>();
        for (RecentAck r : recentAcks) {
            if (comparable(r.ack(), ack)) {
                like.add(r);
            }
        }
        if (like.size() == 1) {
            return ack;
        }
        double[] w = like.stream().mapToDouble(RecentAck::weight).toArray();
        Payload mean = new Payload();
        ack.fields().forEach(mean::field);
        for (String name : ack.tensors().keySet()) {
            mean.tensor(name, Aggregation.weightedMean(like.stream().map(r -> r.ack().tensor(name)).toList(), w));
        }
        return mean;
    }

    /** Same basis (when there is one) and the same tensors with the same shapes. */
    private static boolean comparable(Payload a, Payload b) {
        if (a.fieldOr("basis", -1) != b.fieldOr("basis", -1) || !a.tensors().keySet().equals(b.tensors().keySet())) {
            return false;
        }
        for (Map.Entry<String, INDArray> t : a.tensors().entrySet()) {
            if (!Arrays.equals(t.getValue().shape(), b.tensors().get(t.getKey()).shape())) {
                return false;
            }
        }
        return true;
    }

    /** A copy of {@code p} with every tensor multiplied by {@code factor} (the same payload when it is 1). */
    private static Payload scaled(Payload p, double factor) {
        if (factor == 1.0) {
            return p;
        }
        Payload out = new Payload();
        p.fields().forEach(out::field);
        for (Map.Entry<String, INDArray> t : p.tensors().entrySet()) {
            out.tensor(t.getKey(), t.getValue().mul(factor));
        }
        return out;
    }

    /** Scores the global model if {@code round} is an evaluation round (as the reference engine). */
    public Scores evaluate(int round) {
        if (!((round + 1) % exp.evalEvery() == 0 || round == exp.rounds() - 1)) {
            return new Scores(Double.NaN, Double.NaN, Double.NaN, 0);
        }
        long t0 = System.nanoTime();
        Params g = strategy.globalModel();
        double trainLoss = Evaluation.of(exp.model(), g, exp.data().train(), exp.evalTrainLimit()).loss();
        Evaluation test = Evaluation.of(exp.model(), g, exp.data().test(), 0);
        return new Scores(trainLoss, test.loss(), test.accuracy(), (System.nanoTime() - t0) / 1e6);
    }
}
