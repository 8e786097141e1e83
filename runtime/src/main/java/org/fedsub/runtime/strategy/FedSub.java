package org.fedsub.runtime.strategy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.fedsub.runtime.Seeds;
import org.fedsub.runtime.codec.Payload;
import org.fedsub.runtime.config.ConfigError;
import org.fedsub.runtime.data.Batch;
import org.fedsub.runtime.data.ClientData;
import org.fedsub.runtime.model.ParamSpec;
import org.fedsub.runtime.model.Params;
import org.fedsub.runtime.strategy.StrategySettings.FedSubSettings;
import org.fedsub.runtime.subspace.CoordinateProjection;
import org.fedsub.runtime.subspace.DenseProjection;
import org.fedsub.runtime.subspace.Generator;
import org.fedsub.runtime.subspace.Projection;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * FedSub (Subspace Scaffold), as {@code shared/docs/FEDSUB.md} defines it. Each compressed
 * weight {@code x} ({@code [n, m]}) is trained through a subspace update {@code B}
 * ({@code [r, m]}, FEDSUB.md's {@code b} transposed) with effective weight {@code x + P^T B};
 * a per-client dual {@code Lambda} corrects drift inside the subspace. Uncompressed parameters
 * get plain SGD and are averaged.
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

    /** One compressed weight. */
    record Layer(int index, String name, int n, int m, int r) {}

    private final StrategySettings settings;
    private final FedSubSettings fs;
    private final StrategyContext ctx;
    private final Params global;
    private final List<Layer> layers = new ArrayList<>();
    private final Map<String, Layer> byName = new LinkedHashMap<>();
    private final List<ParamSpec> plain = new ArrayList<>();
    private final Map<Long, Projection[]> seededBases = new ConcurrentHashMap<>();
    /** svd bases computed by the server, by basis id (only the current one is kept). */
    private long svdBasisId = -1;
    private Projection[] svdBasis;

    FedSub(StrategySettings settings, StrategyContext ctx) {
        this.settings = settings;
        this.fs = settings.fedsub();
        this.ctx = ctx;
        this.global = ctx.initial().dup();
        Pattern pattern = Pattern.compile(fs.layers());
        String p = StrategySettings.PATH + ".fedsub";
        for (ParamSpec s : ctx.model().params()) {
            if (s.isMatrix() && pattern.matcher(s.name()).matches()) {
                int n = Math.toIntExact(s.in());
                int r = fs.rankFor(n);
                if (r > n) {
                    throw new ConfigError(p + ".rank", r, "layer '" + s.name() + "' has in-dimension n = " + n
                            + "; r must be <= n (lower rank, or exclude the layer with " + p + ".layers)");
                }
                if (fs.generator() == Generator.IDX && r != n) {
                    throw new ConfigError(p + ".generator", "idx", "idx needs r = n, but layer '" + s.name()
                            + "' has r = " + r + ", n = " + n + " (set rank-rate = 1.0)");
                }
                Layer l = new Layer(layers.size(), s.name(), n, Math.toIntExact(s.out()), r);
                layers.add(l);
                byName.put(s.name(), l);
            } else {
                plain.add(s);
            }
        }
        if (layers.isEmpty()) {
            throw new ConfigError(p + ".layers", fs.layers(), "matches no weight matrix of model "
                    + ctx.model().name() + "; its parameters are " + ctx.model().params());
        }
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
        return List.copyOf(layers);
    }

    /** Basis id of a round. */
    long basisOf(int round) {
        return (long) round * ctx.train().localSteps() / fs.updateCpFreq();
    }

    /** The seeded projections of basis {@code k} (memoised, shared by every client in this JVM). */
    Projection[] seeded(long k) {
        Projection[] cached = seededBases.get(k);
        if (cached != null) {
            return cached;
        }
        // Keep the memo small (a client needs the current basis and, to move its duals, the one
        // it last trained in, which it holds itself); never mutate the map inside computeIfAbsent.
        seededBases.keySet().removeIf(old -> old < k - 8);
        return seededBases.computeIfAbsent(k, key -> {
            Projection[] ps = new Projection[layers.size()];
            Generator g = fs.generator() == Generator.SVD ? Generator.CD : fs.generator();
            for (Layer l : layers) {
                ps[l.index()] = g.generate(ctx.seed(), key, l.index(), l.n(), l.r(), ctx.model().dtype());
            }
            return ps;
        });
    }

    private Projection[] serverBasis(long k) {
        if (fs.generator() != Generator.SVD || k == 0) {
            return seeded(k);
        }
        if (svdBasisId != k) {
            throw new IllegalStateException("svd basis " + k + " was not computed (current " + svdBasisId + ")");
        }
        return svdBasis;
    }

    @Override
    public Payload configure(int round, int clientId) {
        long k = basisOf(round);
        Payload p = Wire.withModel(new Payload().field(PayloadKeys.ROUND, round).field(PayloadKeys.BASIS, k), global);
        if (fs.generator() == Generator.SVD && k > 0) {
            for (Layer l : layers) {
                p.tensor(PayloadKeys.projection(l.name()), serverBasis(k)[l.index()].dense());
            }
        }
        return p;
    }

    @Override
    public Aggregate aggregate(int round, List<ClientUpdate> updates, List<ClientFailure> failures) {
        long k = basisOf(round);
        Map<String, long[]> expected = new LinkedHashMap<>();
        for (Layer l : layers) {
            expected.put(PayloadKeys.subspace(l.name()), new long[] {l.r(), l.m()});
        }
        for (ParamSpec s : plain) {
            expected.put(PayloadKeys.delta(s.name()), s.shape());
        }
        List<ClientFailure> rejected = new ArrayList<>();
        List<ClientUpdate> ok = Updates.valid(round, ctx.numClients(), updates, expected, rejected);
        if (ok.isEmpty()) {
            return new Aggregate(null, List.of(), rejected);
        }
        double[] w = Updates.weights(ok, settings.byExamples());
        Projection[] basis = serverBasis(k);
        Payload ack = new Payload().field(PayloadKeys.ROUND, round).field(PayloadKeys.BASIS, k);
        INDArray[] bAvg = new INDArray[layers.size()];
        for (Layer l : layers) {
            bAvg[l.index()] = Aggregation.weightedMean(Updates.tensors(ok, PayloadKeys.subspace(l.name())), w);
            ack.tensor(PayloadKeys.subspace(l.name()), bAvg[l.index()]);
        }
        if (fs.generator() == Generator.SVD && basisOf(round + 1) != k) {
            Projection[] next = new Projection[layers.size()];
            for (Layer l : layers) {
                next[l.index()] = DenseProjection.topSingular(basis[l.index()].lift(bAvg[l.index()]), l.r());
            }
            svdBasis = next;
            svdBasisId = basisOf(round + 1);
        }
        for (Layer l : layers) {
            basis[l.index()].liftAddi(global.get(l.name()), bAvg[l.index()]);
        }
        for (ParamSpec s : plain) {
            global.get(s.name()).addi(Aggregation.weightedMean(Updates.tensors(ok, PayloadKeys.delta(s.name())), w));
        }
        return new Aggregate(ack, ok.stream().map(ClientUpdate::clientId).toList(), rejected);
    }

    @Override
    public ClientAlgorithm newClient(int clientId) {
        return new Client(clientId);
    }

    /** A FedSub client: its duals (in the basis they were last trained in) and momentum. */
    final class Client implements ClientAlgorithm {

        private final int id;
        private INDArray[] lambda;
        private Projection[] lambdaBasis;
        private long lambdaBasisId = -1;
        private final Sgd sgd;
        private long sgdBasisId = -1;
        private INDArray[] pendingB;
        private int pendingRound = -1;

        Client(int id) {
            this.id = id;
            this.sgd = new Sgd(ctx.train());
        }

        private Projection[] basisFor(long k, Payload task) {
            if (fs.generator() != Generator.SVD || k == 0) {
                return seeded(k);
            }
            Projection[] ps = new Projection[layers.size()];
            for (Layer l : layers) {
                ps[l.index()] = new DenseProjection(task.tensor(PayloadKeys.projection(l.name())), 1.0);
            }
            return ps;
        }

        @Override
        public ClientUpdate train(int round, Payload task, ClientData data) {
            TrainSettings ts = ctx.train();
            long k = task.field(PayloadKeys.BASIS);
            Projection[] basis = basisFor(k, task);
            pendingB = null;
            if (fs.duals()) {
                if (lambda == null) {
                    lambda = new INDArray[layers.size()];
                    for (Layer l : layers) {
                        lambda[l.index()] = Nd4j.zeros(ctx.model().dtype(), l.r(), l.m());
                    }
                } else if (lambdaBasisId != k) {
                    for (Layer l : layers) {
                        lambda[l.index()] = Projection.transport(lambdaBasis[l.index()], basis[l.index()], lambda[l.index()]);
                    }
                }
                lambdaBasis = basis;
                lambdaBasisId = k;
            }
            if (sgdBasisId != k) {
                sgd.reset();
                sgdBasisId = k;
            }
            Params x = Wire.model(task, ctx.model());
            Params w = x.dup();
            Params grad = w.zerosLike();
            INDArray[] b = new INDArray[layers.size()];
            for (Layer l : layers) {
                b[l.index()] = Nd4j.zeros(ctx.model().dtype(), l.r(), l.m());
            }
            int tau = ts.localSteps();
            CoordinateStep[] fused = new CoordinateStep[layers.size()];
            if (ts.momentum() == 0) {
                for (Layer l : layers) {
                    if (basis[l.index()] instanceof CoordinateProjection cp) {
                        fused[l.index()] = new CoordinateStep(cp.rows(), cp.signs());
                    }
                }
            }
            Minibatches batches = new Minibatches(data, ts.batchSize(), Seeds.derive(ctx.seed(), Seeds.tag("batches"), round, id));
            double lossSum = 0;
            for (int s = 0; s < tau; s++) {
                Batch batch = batches.next();
                lossSum += ctx.model().lossAndGradient(w, batch, grad);
                double lr = ts.lrAt(round, s);
                for (String n : w.names()) {
                    Layer l = byName.get(n);
                    if (l == null) {
                        sgd.step(n, w.get(n), grad.get(n), lr);
                        continue;
                    }
                    Projection p = basis[l.index()];
                    INDArray bi = b[l.index()];
                    INDArray li = fs.duals() ? lambda[l.index()] : null;
                    CoordinateStep f = fused[l.index()];
                    if (f != null && CoordinateStep.applicable(grad.get(n), w.get(n), bi, li)) {
                        f.apply(grad.get(n), w.get(n), bi, li, lr, tau, ts.weightDecay(),
                                fs.scaleByRank() ? (double) l.r() / l.m() : 1.0);
                        continue;
                    }
                    INDArray gb = p.project(grad.get(n));
                    if (ts.weightDecay() != 0) {
                        gb.addi(bi.mul(ts.weightDecay()));
                    }
                    if (fs.scaleByRank()) {
                        gb.muli((double) l.r() / l.m());
                    }
                    INDArray d = sgd.direction(n, gb);
                    if (fs.duals()) {
                        d = d.add(lambda[l.index()].div(lr * tau));
                    }
                    INDArray step = d.muli(-lr);
                    bi.addi(step);
                    // Keep the effective weight x + P^T B current by lifting only the change.
                    p.liftAddi(w.get(n), step);
                }
            }
            Payload up = new Payload().field(PayloadKeys.ROUND, round).field(PayloadKeys.BASIS, k);
            for (Layer l : layers) {
                up.tensor(PayloadKeys.subspace(l.name()), b[l.index()]);
            }
            for (ParamSpec s : plain) {
                up.tensor(PayloadKeys.delta(s.name()), w.get(s.name()).subi(x.get(s.name())));
            }
            pendingB = b;
            pendingRound = round;
            return new ClientUpdate(id, round, data.numExamples(), lossSum / tau, up);
        }

        /** Lambda_i = Lambda_i + B_i - B_avg, in the basis the round trained in. */
        @Override
        public void onAggregated(int round, Payload ack) {
            if (round != pendingRound || pendingB == null) {
                return;
            }
            if (fs.duals()) {
                for (Layer l : layers) {
                    lambda[l.index()].addi(pendingB[l.index()]).subi(ack.tensor(PayloadKeys.subspace(l.name())));
                }
            }
            pendingB = null;
        }

        /** The client's duals (for tests), in the basis of its last round. */
        INDArray[] duals() {
            return lambda;
        }

        @Override
        public long stateBytes() {
            long bytes = sgd.bytes();
            if (lambda != null) {
                for (INDArray a : lambda) {
                    bytes += a.length() * a.dataType().width();
                }
            }
            return bytes;
        }

        /**
         * Fields {@code lambda-basis}, {@code sgd-basis}, {@code pending-round}; tensors
         * {@code lambda:<p>}, {@code pending:<p>} (the last update awaiting its acknowledgement),
         * {@code momentum:<key>}, and {@code P:<p>} for an svd basis after the first (seeded bases
         * are regenerated from their id instead).
         */
        @Override
        public byte[] exportState() {
            if (lambda == null && pendingB == null && sgd.buffers().isEmpty() && lambdaBasisId == -1
                    && sgdBasisId == -1 && pendingRound == -1) {
                return NO_STATE;
            }
            Payload p = ClientStates.start(STATE_FORMAT, id).field(PayloadKeys.DUALS_BASIS, lambdaBasisId)
                    .field(PayloadKeys.MOMENTUM_BASIS, sgdBasisId).field(PayloadKeys.PENDING_ROUND, pendingRound);
            for (Layer l : layers) {
                if (lambda != null) {
                    p.tensor(PayloadKeys.dual(l.name()), lambda[l.index()]);
                    if (!seededBasis(lambdaBasisId)) {
                        p.tensor(PayloadKeys.projection(l.name()), lambdaBasis[l.index()].dense());
                    }
                }
                if (pendingB != null) {
                    p.tensor(PayloadKeys.pending(l.name()), pendingB[l.index()]);
                }
            }
            sgd.buffers().forEach((key, buf) -> p.tensor(PayloadKeys.momentum(key), buf));
            return ClientStates.encode(p, ctx.model().dtype());
        }

        @Override
        public void restoreState(byte[] state) {
            lambda = null;
            lambdaBasis = null;
            lambdaBasisId = -1;
            sgd.reset();
            sgdBasisId = -1;
            pendingB = null;
            pendingRound = -1;
            if (state.length == 0) {
                return;
            }
            Payload p = ClientStates.decode(state, STATE_FORMAT, id, ctx.model().dtype());
            lambdaBasisId = p.field(PayloadKeys.DUALS_BASIS);
            sgdBasisId = p.field(PayloadKeys.MOMENTUM_BASIS);
            pendingRound = Math.toIntExact(p.field(PayloadKeys.PENDING_ROUND));
            String first = layers.get(0).name();
            if (p.has(PayloadKeys.dual(first))) {
                lambda = new INDArray[layers.size()];
                lambdaBasis = seededBasis(lambdaBasisId) ? seeded(lambdaBasisId) : new Projection[layers.size()];
                for (Layer l : layers) {
                    lambda[l.index()] = p.tensor(PayloadKeys.dual(l.name()));
                    if (!seededBasis(lambdaBasisId)) {
                        lambdaBasis[l.index()] = new DenseProjection(p.tensor(PayloadKeys.projection(l.name())), 1.0);
                    }
                }
            }
            if (p.has(PayloadKeys.pending(first))) {
                pendingB = new INDArray[layers.size()];
                for (Layer l : layers) {
                    pendingB[l.index()] = p.tensor(PayloadKeys.pending(l.name()));
                }
            }
            p.tensors().forEach((name, t) -> {
                if (name.startsWith(PayloadKeys.MOMENTUM_PREFIX)) {
                    sgd.restore(name.substring(PayloadKeys.MOMENTUM_PREFIX.length()), t);
                }
            });
        }

        /** Whether basis {@code k} is a pure function of its id (else the client keeps its dense matrix). */
        private boolean seededBasis(long k) {
            return fs.generator() != Generator.SVD || k == 0;
        }
    }

    private static final String STATE_FORMAT = "fedsub";
}
