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
    private final Codec codec;
    private final DataType dtype;

    public ServerStep(Experiment exp, Strategy strategy) {
        this.exp = exp;
        this.strategy = strategy;
        this.codec = exp.codec();
        this.dtype = exp.model().dtype();
    }

    /**
     * What aggregation gave.
     *
     * @param acks       the encoded acknowledgement of each used client (a null value: none is sent)
     * @param used       ids of the clients whose updates were aggregated, ascending
     * @param rejected   updates refused by the codec or the strategy, with reasons
     * @param clientLoss mean local training loss of the used clients (NaN when none)
     */
    public record Outcome(Map<Integer, EncodedPayload> acks, List<Integer> used, List<ClientFailure> rejected,
            double clientLoss) {

        public Outcome {
            acks = Collections.unmodifiableMap(new HashMap<>(acks));
            used = List.copyOf(used);
            rejected = List.copyOf(rejected);
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
        Participation p = selected == target() ? exp.participation() : new Participation(selected, 1.0, 1);
        return p.sample(round, numClients(), exp.seed());
    }

    /** The encoded task of each of {@code ids} for {@code round} (or model version). */
    public SortedMap<Integer, EncodedPayload> tasks(int round, int[] ids) {
        SortedMap<Integer, EncodedPayload> tasks = new TreeMap<>();
        for (int id : ids) {
            tasks.put(id, new EncodedPayload(codec.name(), codec.encode(strategy.configure(round, id))));
        }
        return Collections.unmodifiableSortedMap(tasks);
    }

    /**
     * Decodes the updates of {@code round} (or, asynchronously, model version), aggregates them
     * with the round's {@code failures}, and encodes the acknowledgements. Synchronous updates
     * must come sorted by client id, the order in which they are aggregated. Updates that do not
     * decode are rejected, never thrown.
     */
    public Outcome aggregate(int round, List<EncodedUpdate> updates, List<ClientFailure> failures) {
        List<ClientUpdate> decoded = new ArrayList<>(updates.size());
        List<ClientFailure> rejected = new ArrayList<>();
        Map<Integer, Double> lossOf = new HashMap<>();
        for (EncodedUpdate u : updates) {
            try {
                Payload p = decode(u.update());
                decoded.add(new ClientUpdate(u.clientId(), u.round(), u.numExamples(), u.trainLoss(), p));
                lossOf.put(u.clientId(), u.trainLoss());
            } catch (MalformedPayloadException e) {
                rejected.add(new ClientFailure(u.clientId(), round, "update does not decode: " + e.getMessage()));
            }
        }
        List<ClientFailure> all = new ArrayList<>(failures);
        all.addAll(rejected);
        Aggregate agg = strategy.aggregate(round, decoded, all);
        rejected.addAll(agg.rejected());
        boolean async = strategy instanceof AsyncAggregation;
        for (ClientFailure f : agg.rejected()) {
            if (async) {
                log.debug("version {}: discarded {}", round, f.reason());
            } else {
                log.warn("round {}: rejected {}", round, f.reason());
            }
        }
        // One encoding per distinct acknowledgement (a synchronous round sends all the same one).
        Map<Payload, EncodedPayload> encoded = new IdentityHashMap<>();
        Map<Integer, EncodedPayload> acks = new HashMap<>();
        for (int id : agg.used()) {
            Payload ack = agg.ackFor(id);
            acks.put(id, ack == null ? null : encoded.computeIfAbsent(ack, this::encode));
        }
        double clientLoss = agg.used().stream().mapToDouble(lossOf::get).average().orElse(Double.NaN);
        return new Outcome(acks, agg.used().stream().sorted().toList(), rejected, clientLoss);
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
        double trainLoss = Evaluation.of(exp.model(), g, exp.data().train(), exp.evalTrainLimit()).loss();
        Evaluation test = Evaluation.of(exp.model(), g, exp.data().test(), 0);
        return new Scores(trainLoss, test.loss(), test.accuracy(), (System.nanoTime() - t0) / 1e6);
    }

    private EncodedPayload encode(Payload p) {
        return new EncodedPayload(codec.name(), codec.encode(p));
    }

    private Payload decode(EncodedPayload p) {
        if (!p.codec().equals(codec.name())) {
            throw new MalformedPayloadException("encoded with " + p.codec() + ", expected " + codec.name());
        }
        return p.read(b -> codec.decode(b, dtype));
    }
}
