package org.fedsub.runtime.strategy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.fedsub.runtime.codec.Payload;
import org.fedsub.runtime.model.ParamSpec;
import org.fedsub.runtime.model.Params;
import org.fedsub.runtime.strategy.FedSubShared.Layer;
import org.fedsub.runtime.subspace.DenseProjection;
import org.fedsub.runtime.subspace.Generator;
import org.fedsub.runtime.subspace.Projection;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * FedSub (Subspace Scaffold), as docs/algorithm.md (in the repository) defines it. Each compressed
 * weight {@code x} ({@code [n, m]}) is trained through a subspace update {@code B}
 * ({@code [r, m]}, docs/algorithm.md's {@code b} transposed) with effective weight {@code x + P^T B};
 * a per-client dual {@code Lambda} corrects drift inside the subspace. Uncompressed parameters
 * get plain SGD and are averaged. Clients are {@link FedSubClient}s over the same
 * {@link FedSubShared} (layer table, seeded projections) as the server.
 *
 * <p>Bases: round {@code t} trains in basis {@code k = floor(t * tau / update-cp-freq)}; seeded
 * generators derive {@code P} from (experiment seed, k, layer), so only {@code k} is sent. The
 * {@code svd} generator's bases after the first are computed by the server from the round's
 * mean update and sent as tensors.
 *
 * <p>Wire format: task {@code x:<p>} for every parameter, field {@code basis}, and for svd
 * bases {@code P:<p>}; update {@code b:<p>} ({@code [r, m]}) per compressed weight and
 * {@code d:<p>} per other parameter; acknowledgement {@code b:<p>}, the mean {@code B}, which
 * each participant folds into its dual: {@code Lambda += B_i - B_avg}.
 */
final class FedSub implements Strategy {

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(FedSub.class);


    private final StrategySettings settings;
    private final FedSubShared shared;
    private final StrategyContext ctx;
    private final List<Layer> layers;
    private final Params global;
    /** svd bases computed by the server, by basis id (only the current one is kept). */
    private long svdBasisId = -1;
    private Projection[] svdBasis;
    /** Where each model change goes on a delta downlink; null: applied directly. */
    private ModelChanges changes;

    FedSub(StrategySettings settings, FedSubShared shared) {
        this.settings = settings;
        this.shared = shared;
        this.ctx = shared.context();
        this.layers = shared.layers();
        this.global = ctx.initial().dup();
    }

    @Override
    public String name() {
        return "fedsub";
    }

    @Override
    public Params globalModel() {
        return global;
    }

    /** Asynchronous FedSub lifts each update with the basis it trained in: that basis must come from the seed. */
    @Override
    public java.util.Optional<String> whyNotAsynchronous() {
        Generator g = settings.fedsub().generator();
        return g.seeded() ? java.util.Optional.empty() : java.util.Optional.of("asynchronous FedSub needs a seeded "
                + "projection generator (cd, rd, ss, idx), not " + g.configName());
    }

    /** The compressed layers (for tests and reports). */
    List<Layer> layers() {
        return layers;
    }

    private Projection[] serverBasis(long k) {
        if (shared.seededBasis(k)) {
            return shared.seeded(k);
        }
        if (svdBasisId < k) {
            // The round that should have computed basis k aggregated nothing (dropped, or every
            // update refused): with no new mean update there is no new direction, so the
            // previous basis carries on under the new number.
            Projection[] previous = svdBasis != null ? svdBasis : serverBasis(k - 1);
            log.warn("svd basis {} could not be computed (no update was aggregated at the end of basis {}); "
                    + "basis {} carries on", k, k - 1, k - 1);
            svdBasis = previous;
            svdBasisId = k;
        }
        if (svdBasisId != k) {
            throw new IllegalStateException("svd basis " + k + " is no longer available (current " + svdBasisId + ")");
        }
        return svdBasis;
    }

    @Override
    public Payload configure(int round, int clientId) {
        long k = shared.basisOf(round);
        Payload p = Wire.withModel(new Payload().field(PayloadKeys.ROUND, round).field(PayloadKeys.BASIS, k), global);
        if (!shared.seededBasis(k)) {
            for (Layer l : layers) {
                p.tensor(PayloadKeys.projection(l.name()), serverBasis(k)[l.index()].dense());
            }
        }
        return p;
    }

    /** The common checks, and the basis: an update trained in another basis than the round's cannot be lifted. */
    @Override
    public java.util.Optional<String> problem(int round, ClientUpdate update) {
        Map<String, long[]> expected = new LinkedHashMap<>();
        for (Layer l : layers) {
            expected.put(PayloadKeys.subspace(l.name()), new long[] {l.r(), l.m()});
        }
        for (ParamSpec s : shared.plain()) {
            expected.put(PayloadKeys.delta(s.name()), s.shape());
        }
        java.util.Optional<String> common = Updates.check(round, ctx.numClients(), update, expected);
        if (common.isPresent()) {
            return common;
        }
        long k = shared.basisOf(round);
        long basis = update.payload().fieldOr(PayloadKeys.BASIS, k);
        return basis == k ? java.util.Optional.empty() : java.util.Optional.of("update from client "
                + update.clientId() + " for round " + round + ": trained in basis " + basis + ", the round's is " + k);
    }

    /** Its weighted means read the updates into accumulators of their own. */
    @Override
    public boolean keepsUpdateTensors() {
        return false;
    }

    @Override
    public Aggregate aggregate(int round, List<ClientUpdate> updates, List<ClientFailure> failures) {
        long k = shared.basisOf(round);
        List<ClientFailure> rejected = new ArrayList<>();
        List<ClientUpdate> ok = new ArrayList<>();
        for (ClientUpdate u : updates) {
            java.util.Optional<String> why = problem(round, u);
            if (why.isPresent()) {
                rejected.add(new ClientFailure(u.clientId(), round, why.get()));
            } else {
                ok.add(u);
            }
        }
        if (ok.isEmpty()) {
            return new Aggregate(null, List.of(), rejected);
        }
        double[] w = Updates.weights(ok, settings.byExamples());
        Projection[] basis = serverBasis(k);
        Payload ack = new Payload().field(PayloadKeys.ROUND, round).field(PayloadKeys.BASIS, k);
        INDArray[] bAvg = new INDArray[layers.size()];
        for (Layer l : layers) {
            bAvg[l.index()] = Aggregation.weightedMean(Updates.tensors(ok, PayloadKeys.subspace(l.name())), w);
        }
        if (changes != null) {
            // Delta downlink: the change is B_avg per layer and the mean of every other parameter's
            // change, in basis k; the server applies it as clients will decode it.
            Payload change = new Payload().field(PayloadKeys.ROUND, round).field(PayloadKeys.BASIS, k);
            for (Layer l : layers) {
                change.tensor(PayloadKeys.subspace(l.name()), bAvg[l.index()]);
            }
            for (ParamSpec s : shared.plain()) {
                change.tensor(PayloadKeys.delta(s.name()), Aggregation.weightedMean(Updates.tensors(ok,
                        PayloadKeys.delta(s.name())), w));
            }
            Payload applied = changes.publish(round, change);
            for (Layer l : layers) {
                ack.tensor(PayloadKeys.subspace(l.name()), applied.tensor(PayloadKeys.subspace(l.name())));
            }
            applyChange(global, applied);
            return new Aggregate(ack, ok.stream().map(ClientUpdate::clientId).toList(), rejected);
        }
        for (Layer l : layers) {
            ack.tensor(PayloadKeys.subspace(l.name()), bAvg[l.index()]);
        }
        if (settings.fedsub().generator() == Generator.SVD && shared.basisOf(round + 1) != k) {
            Projection[] next = new Projection[layers.size()];
            for (Layer l : layers) {
                next[l.index()] = DenseProjection.topSingular(basis[l.index()].lift(bAvg[l.index()]), l.r());
            }
            svdBasis = next;
            svdBasisId = shared.basisOf(round + 1);
        }
        for (Layer l : layers) {
            basis[l.index()].liftAddi(global.get(l.name()), bAvg[l.index()]);
        }
        for (ParamSpec s : shared.plain()) {
            global.get(s.name()).addi(Aggregation.weightedMean(Updates.tensors(ok, PayloadKeys.delta(s.name())), w));
        }
        return new Aggregate(ack, ok.stream().map(ClientUpdate::clientId).toList(), rejected);
    }

    /** Seeded generators only: an svd basis is computed by the server and would have to be sent exactly. */
    @Override
    public java.util.Optional<String> whyNoDeltaDownlink() {
        Generator g = settings.fedsub().generator();
        return g.seeded() ? java.util.Optional.empty() : java.util.Optional.of("fedsub's delta downlink needs a "
                + "seeded projection generator (cd, rd, ss, idx), not " + g.configName() + " (its bases are computed "
                + "by the server)");
    }

    @Override
    public void logChanges(ModelChanges c) {
        this.changes = c;
    }

    /**
     * Lifts each {@code b:<p>} with the seeded basis of the change's {@code basis} field
     * ({@code x += P^T B}) and adds each {@code d:<p>}, in the order aggregation does.
     */
    @Override
    public void applyChange(Params model, Payload change) {
        shared.applyChange(model, change);
    }

    /**
     * Tensors {@code x:<p>} (the global model); field {@code svd-basis} and tensors
     * {@code P:<p>} for a basis the server computed (seeded bases are regenerated from their id).
     */
    @Override
    public java.util.Optional<byte[]> exportServerState() {
        Payload p = ServerStates.put(ServerStates.start(name()), "x:", global).field("svd-basis", svdBasisId);
        if (svdBasis != null) {
            for (Layer l : layers) {
                p.tensor(PayloadKeys.projection(l.name()), svdBasis[l.index()].dense());
            }
        }
        return java.util.Optional.of(ServerStates.encode(p, ctx.model().dtype()));
    }

    @Override
    public void restoreServerState(byte[] state) {
        Payload p = ServerStates.decode(state, name(), ctx.model().dtype());
        ServerStates.assign(p, "x:", global, name());
        svdBasisId = p.field("svd-basis");
        svdBasis = null;
        if (p.has(PayloadKeys.projection(layers.get(0).name()))) {
            svdBasis = new Projection[layers.size()];
            for (Layer l : layers) {
                svdBasis[l.index()] = new DenseProjection(p.tensor(PayloadKeys.projection(l.name())), 1.0);
            }
        }
    }

    @Override
    public ClientAlgorithm newClient(int clientId) {
        return new FedSubClient(shared, clientId);
    }
}
