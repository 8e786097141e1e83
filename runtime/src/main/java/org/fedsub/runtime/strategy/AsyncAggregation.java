package org.fedsub.runtime.strategy;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.IntToDoubleFunction;
import org.fedsub.runtime.codec.Payload;
import org.fedsub.runtime.compute.Blas;
import org.fedsub.runtime.compute.HostArrays;
import org.fedsub.runtime.model.Params;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Asynchronous aggregation (FedBuff, Nguyen et al. 2022; FedAsync, Xie et al. 2019) as a
 * strategy that wraps a synchronous one, in the shape of Flower's wrapper strategies: tasks,
 * client halves and the global model are the inner strategy's; only aggregation differs.
 *
 * <p>{@link #aggregate} takes the updates of one aggregation at model version {@code version}.
 * An update trained on version {@code v} (its round) has staleness {@code s = version - v}; it
 * is discarded if {@code s > maxStaleness}, and otherwise counts with weight {@code w(s)} in
 * {@code x += sum_i w_i n_i delta_i / sum_i n_i} ({@code n_i} the strategy's weighting:
 * examples or 1). FedAsync is the case of one update: {@code x += alpha s(t) delta}.
 *
 * <p>Updates trained on the same version are handed to the inner strategy together, as that
 * version's round (so FedSub lifts them with the basis they were trained in), each scaled by
 * {@code w_v * N_v / N}: the inner weighted mean over the group then contributes exactly the
 * group's share of the sum. Each group's acknowledgement is scaled back to the group's plain
 * mean; with FedBuff ({@code ackWindow == 1}) the mean is taken over every group of the buffer
 * trained in the same basis and a stale client's dual moves only by the part of its update the
 * model took (see {@link #basisMeans}). With every update fresh and one group this is exactly a
 * synchronous round.
 *
 * <p>With {@code ackWindow > 1} (FedAsync, where a group is a single update and its own mean
 * would leave FedSub's duals unchanged) the acknowledgement is instead the weighted mean of the
 * acknowledgements of the last {@code ackWindow} applied groups, this one included, that have
 * the same {@code basis} field and tensor shapes: the mean update of the clients that trained
 * alongside it, in its basis. Acknowledgements of other bases cannot be compared with it without
 * moving them, and are left out.
 *
 * <p>Like every strategy, one instance is the server state of one run, used by one thread at a time.
 */
public final class AsyncAggregation implements Strategy {

    private final Strategy inner;
    private final boolean byExamples;
    private final int maxStaleness;
    private final IntToDoubleFunction weight;
    private final int ackWindow;
    private final double dualStep;
    private final ArrayDeque<RecentAck> recentAcks = new ArrayDeque<>();

    private record RecentAck(Payload ack, double weight) {}

    /**
     * @param byExamples   weight updates by their example counts (else uniformly), as the inner strategy does
     * @param maxStaleness updates more than this many versions old are discarded (>= 0)
     * @param weight       the staleness weight {@code w(s)} of an update {@code s} versions old
     * @param ackWindow    acknowledge with the mean of this many recent groups in the same basis (>= 1)
     * @throws IllegalArgumentException if {@code inner} cannot run asynchronously (naming why)
     */
    public AsyncAggregation(Strategy inner, boolean byExamples, int maxStaleness, IntToDoubleFunction weight,
            int ackWindow) {
        this(inner, byExamples, maxStaleness, weight, ackWindow, 1.0);
    }

    /**
     * As {@link #AsyncAggregation(Strategy, boolean, int, IntToDoubleFunction, int)}, with
     * FedBuff's dual step {@code eta}: a client's dual moves by {@code eta sw (b_i - m)}, so it
     * averages its drift estimate over about {@code 1/eta} of its updates (1: the last one only).
     *
     * @param dualStep FedBuff's dual step, in (0, 1]
     */
    public AsyncAggregation(Strategy inner, boolean byExamples, int maxStaleness, IntToDoubleFunction weight,
            int ackWindow, double dualStep) {
        Optional<String> why = inner.whyNotAsynchronous();
        if (why.isPresent()) {
            throw new IllegalArgumentException(why.get());
        }
        if (!(dualStep > 0 && dualStep <= 1)) {
            throw new IllegalArgumentException("the dual step must be in (0, 1], got " + dualStep);
        }
        if (maxStaleness < 0 || ackWindow < 1) {
            throw new IllegalArgumentException("max-staleness must be >= 0 and the acknowledgement window >= 1, got "
                    + maxStaleness + " and " + ackWindow);
        }
        this.inner = inner;
        this.byExamples = byExamples;
        this.maxStaleness = maxStaleness;
        this.weight = weight;
        this.ackWindow = ackWindow;
        this.dualStep = dualStep;
    }

    /** The synchronous strategy this one wraps. */
    public Strategy inner() {
        return inner;
    }

    @Override
    public String name() {
        return inner.name();
    }

    @Override
    public Params globalModel() {
        return inner.globalModel();
    }

    @Override
    public Payload configure(int round, int clientId) {
        return inner.configure(round, clientId);
    }

    @Override
    public ClientAlgorithm newClient(int clientId) {
        return inner.newClient(clientId);
    }

    /** The inner strategy's check, in the round (model version) the update trained on. */
    @Override
    public Optional<String> problem(int version, ClientUpdate update) {
        return inner.problem(update.round(), update);
    }

    /** Updates more than this many versions old are discarded. */
    public int maxStaleness() {
        return maxStaleness;
    }

    @Override
    public Optional<String> whyNotAsynchronous() {
        return Optional.empty();
    }

    /**
     * Aggregates at model version {@code version} the updates that arrived, each with the version
     * it trained on as its round; the acknowledgement of each used client is in
     * {@link Aggregate#perClient()}.
     */
    @Override
    public Aggregate aggregate(int version, List<ClientUpdate> updates, List<ClientFailure> failures) {
        List<ClientFailure> rejected = new ArrayList<>();
        TreeMap<Integer, List<ClientUpdate>> groups = new TreeMap<>();
        for (ClientUpdate u : updates) {
            int s = version - u.round();
            if (s > maxStaleness || s < 0) {
                rejected.add(new ClientFailure(u.clientId(), version, "update of version " + u.round() + " is " + s
                        + " versions old (max-staleness " + maxStaleness + ")"));
                continue;
            }
            groups.computeIfAbsent(u.round(), k -> new ArrayList<>()).add(u);
        }
        double total = 0;
        for (List<ClientUpdate> g : groups.values()) {
            total += weightOf(g, null);
        }
        Map<Integer, Payload> acks = new HashMap<>();
        List<Integer> used = new ArrayList<>();
        List<GroupAck> groupAcks = new ArrayList<>();
        for (Map.Entry<Integer, List<ClientUpdate>> e : groups.entrySet()) {
            int v = e.getKey();
            List<ClientUpdate> g = new ArrayList<>(e.getValue());
            g.sort(Comparator.comparingInt(ClientUpdate::clientId));
            double scale = weight.applyAsDouble(version - v) * weightOf(g, null) / total;
            List<ClientUpdate> scaled = new ArrayList<>(g.size());
            for (ClientUpdate u : g) {
                scaled.add(new ClientUpdate(u.clientId(), u.round(), u.numExamples(), u.trainLoss(),
                        scaled(u.payload(), scale)));
            }
            Aggregate agg = inner.aggregate(v, scaled, List.of());
            rejected.addAll(agg.rejected());
            Payload plain = agg.ack() == null ? null : scaled(agg.ack(), 1.0 / scale);
            double w = weightOf(g, agg.used());
            if (plain != null && ackWindow > 1) {
                plain = windowMean(plain, w);
            }
            if (plain != null && w > 0) {
                Map<Integer, Payload> own = new HashMap<>();
                for (ClientUpdate u : g) {
                    own.put(u.clientId(), u.payload());
                }
                groupAcks.add(new GroupAck(plain, w, agg.used(), weight.applyAsDouble(version - v), own));
            }
            for (int id : agg.used()) {
                acks.put(id, plain);
                used.add(id);
            }
        }
        if (ackWindow == 1) {
            acks.putAll(basisMeans(groupAcks, dualStep));
        }
        return new Aggregate(null, used, rejected, acks);
    }

    /**
     * The acknowledgement {@code (1 - sw) b_i + sw m} for a client whose update the model took
     * only {@code sw} of: its dual then moves by {@code sw (b_i - m)}, the part of its update
     * the model followed.
     */
    private static Payload damped(Payload update, Payload mean, double sw) {
        Payload out = new Payload();
        mean.fields().forEach(out::field);
        for (String name : mean.tensors().keySet()) {
            // (1 - sw) b_i + sw m with ND4J's roundings, without its ops' fixed costs (Blas).
            out.tensor(name, Blas.addScaled(Blas.muli(HostArrays.copyOf(update.tensor(name)), 1 - sw),
                    mean.tensor(name), sw));
        }
        return out;
    }

    /** A version group's plain acknowledgement, the weight of its used updates, and who they were. */
    private record GroupAck(Payload ack, double weight, List<Integer> clients, double staleness,
            Map<Integer, Payload> updates) {}

    /**
     * FedBuff: the acknowledgements of a buffer, so that each client's dual moves by
     * {@code eta sw_i (b_i - m)}, {@code eta} the dual step. {@code m} is the mean of the buffer's updates trained in the same
     * basis as the client's (same {@code basis} field and shapes), whatever their version, each
     * weighted by its example weight times its staleness weight {@code sw}: the mean step the
     * model took in that basis. All of them were lifted with the same projection, so their
     * subspace updates are comparable, and a client alone in its version group still gets a
     * mean of others. The factor {@code sw_i} is the part of its own update the model followed;
     * {@code eta < 1} makes the dual an average of the client's drift estimates over about
     * {@code 1/eta} of its updates instead of the last one, damping the noise that stale updates
     * and mixed versions put into {@code m}. The acknowledgement that gives this is
     * {@code (1 - eta sw_i) b_i + eta sw_i m}. Within a basis the dual steps still sum to zero
     * (weighted), and with {@code eta = 1} a buffer of fresh updates of one version is exactly a
     * synchronous round.
     */
    private static Map<Integer, Payload> basisMeans(List<GroupAck> groups, double dualStep) {
        Map<Integer, Payload> out = new HashMap<>();
        List<GroupAck> left = new ArrayList<>(groups);
        while (!left.isEmpty()) {
            GroupAck first = left.get(0);
            List<GroupAck> like = new ArrayList<>();
            for (GroupAck g : left) {
                if (comparable(g.ack(), first.ack())) {
                    like.add(g);
                }
            }
            left.removeAll(like);
            // The mean the model took in this basis: each group counts with its staleness weight.
            double[] w = like.stream().mapToDouble(g -> g.weight() * g.staleness()).toArray();
            Payload mean = like.size() == 1 ? first.ack() : mean(like.stream().map(GroupAck::ack).toList(), w);
            for (GroupAck g : like) {
                double step = dualStep * g.staleness();
                for (int id : g.clients()) {
                    out.put(id, step == 1.0 ? mean : damped(g.updates().get(id), mean, step));
                }
            }
        }
        return out;
    }

    /** The aggregation weight of the updates of {@code g} (of those in {@code only}, when given). */
    private double weightOf(List<ClientUpdate> g, List<Integer> only) {
        double w = 0;
        for (ClientUpdate u : g) {
            if (only == null || only.contains(u.clientId())) {
                w += byExamples ? u.numExamples() : 1.0;
            }
        }
        return w;
    }

    /** Remembers {@code ack} and returns the weighted mean of the remembered ones like it. */
    private Payload windowMean(Payload ack, double w) {
        if (w <= 0) {
            return ack;
        }
        recentAcks.addLast(new RecentAck(ack, w));
        while (recentAcks.size() > ackWindow) {
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
        return mean(like.stream().map(RecentAck::ack).toList(), like.stream().mapToDouble(RecentAck::weight).toArray());
    }

    /** The weighted mean of comparable acknowledgements, tensor by tensor, with the first one's fields. */
    private static Payload mean(List<Payload> acks, double[] w) {
        Payload mean = new Payload();
        acks.get(0).fields().forEach(mean::field);
        for (String name : acks.get(0).tensors().keySet()) {
            mean.tensor(name, Aggregation.weightedMean(acks.stream().map(a -> a.tensor(name)).toList(), w));
        }
        return mean;
    }

    /** Same basis (when there is one) and the same tensors with the same shapes. */
    private static boolean comparable(Payload a, Payload b) {
        if (a.fieldOr(PayloadKeys.BASIS, -1) != b.fieldOr(PayloadKeys.BASIS, -1)
                || !a.tensors().keySet().equals(b.tensors().keySet())) {
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
            out.tensor(t.getKey(), Blas.muli(HostArrays.copyOf(t.getValue()), factor)); // as ND4J's mul(factor)
        }
        return out;
    }
}
