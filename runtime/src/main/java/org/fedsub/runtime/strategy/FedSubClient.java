package org.fedsub.runtime.strategy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.fedsub.runtime.codec.Payload;
import org.fedsub.runtime.compute.Blas;
import org.fedsub.runtime.compute.HostArrays;
import org.fedsub.runtime.data.ClientData;
import org.fedsub.runtime.model.ParamSpec;
import org.fedsub.runtime.model.Params;
import org.fedsub.runtime.strategy.FedSubShared.Layer;
import org.fedsub.runtime.strategy.StrategySettings.FedSubSettings;
import org.fedsub.runtime.subspace.CoordinateProjection;
import org.fedsub.runtime.subspace.DenseProjection;
import org.fedsub.runtime.subspace.Projection;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The client half of {@link FedSub}: its duals (in the basis they were last trained in) and
 * momentum, over the layer table and projections of a {@link FedSubShared}.
 */
final class FedSubClient implements ClientAlgorithm {

    private static final String STATE_FORMAT = "fedsub";
    private static final String FEEDBACK_BASIS = "residual-basis";

    private final FedSubShared shared;
    private final FedSubSettings fs;
    private final StrategyContext ctx;
    private final List<Layer> layers;
    private final LocalTraining training;
    private final int id;
    private INDArray[] lambda;
    private Projection[] lambdaBasis;
    private long lambdaBasisId = -1;
    private final Sgd sgd;
    private long sgdBasisId = -1;
    private INDArray[] pendingB;
    private int pendingRound = -1;
    /** Error-feedback residual under a biased uplink codec; its b entries live in {@link #feedbackBasisId}. */
    private final ErrorFeedback feedback = new ErrorFeedback();
    private long feedbackBasisId = -1;

    FedSubClient(FedSubShared shared, int id) {
        this.shared = shared;
        this.fs = shared.settings();
        this.ctx = shared.context();
        this.layers = shared.layers();
        this.training = new LocalTraining(ctx);
        this.id = id;
        this.sgd = new Sgd(ctx.train());
    }

    /** As the server's {@link FedSub#applyChange}: the same code, in {@link FedSubShared#applyChange}. */
    @Override
    public void applyChange(Params model, Payload change) {
        shared.applyChange(model, change);
    }

    @Override
    public ClientUpdate train(int round, Payload task, ClientData data) {
        long k = task.field(PayloadKeys.BASIS);
        Projection[] basis = shared.taskBasis(k, task);
        pendingB = null;
        if (fs.duals()) {
            if (lambda == null) {
                lambda = new INDArray[layers.size()];
                for (Layer l : layers) {
                    lambda[l.index()] = HostArrays.zeros(ctx.model().dtype(), l.r(), l.m());
                }
            } else if (lambdaBasisId != k) {
                for (Layer l : layers) {
                    INDArray old = lambda[l.index()];
                    lambda[l.index()] = Projection.transport(lambdaBasis[l.index()], basis[l.index()], old);
                    if (lambda[l.index()] != old) {
                        HostArrays.recycle(old); // the duals live on in the new basis only
                    }
                }
            }
            lambdaBasis = basis;
            lambdaBasisId = k;
        }
        if (sgdBasisId != k) {
            sgd.reset();
            sgdBasisId = k;
        }
        Params w = Wire.takeModel(task, ctx.model());
        // Only the plain parameters' starting values are needed afterwards (their delta is sent; a
        // compressed one sends B): copy those, not the whole model, into recycled memory.
        Map<String, INDArray> start = new HashMap<>();
        for (ParamSpec s : shared.plain()) {
            start.put(s.name(), HostArrays.copyOf(w.get(s.name())));
        }
        INDArray[] b = new INDArray[layers.size()];
        for (Layer l : layers) {
            b[l.index()] = HostArrays.zeros(ctx.model().dtype(), l.r(), l.m());
        }
        double loss = training.run(round, id, data, w, LocalTraining.Correction.NONE, new SubspaceStep(basis, b));
        Payload up = new Payload().field(PayloadKeys.ROUND, round).field(PayloadKeys.BASIS, k);
        for (Layer l : layers) {
            up.tensor(PayloadKeys.subspace(l.name()), b[l.index()]);
        }
        for (ParamSpec s : shared.plain()) {
            // The delta is this round's own copy of the parameter (the task's, or Wire.model's),
            // residual added below: once sent nothing refers to it. B is not: it stays pending.
            INDArray from = start.get(s.name());
            up.tensor(PayloadKeys.delta(s.name()), Blas.subi(w.get(s.name()), from)).spentOnceSent(PayloadKeys.delta(s.name()));
            HostArrays.recycle(from);
        }
        // The compressed layers' weights go no further (the update carries b): their memory takes
        // the next task's model instead of fresh pages (HostArrays.recycle).
        for (Layer l : layers) {
            HostArrays.recycle(w.get(l.name()));
        }
        if (feedbackBasisId != k) {
            // The residual of b is in the old basis; it is dropped rather than transported.
            feedback.drop(n -> n.startsWith(PayloadKeys.subspace("")));
            feedbackBasisId = k;
        }
        feedback.addTo(up); // b includes its residual, so pendingB does too until sent() replaces it
        pendingB = b;
        pendingRound = round;
        return new ClientUpdate(id, round, data.numExamples(), loss, up);
    }

    /**
     * FedSub's local step in one round's basis: plain SGD for an uncompressed parameter; for a
     * compressed one {@code B += -lr (d + Lambda / (lr tau))}, {@code d} the SGD direction of the
     * projected gradient, lifted into the effective weight. Without momentum a coordinate basis
     * takes the fused {@link CoordinateStep}.
     */
    private final class SubspaceStep implements LocalTraining.Step {

        /**
         * Layers of at least this many weights have their gradient computed at the basis's rows
         * only. Below it gathering the rows costs more than the multiply-adds it saves: the
         * logistic-regression step (60 x 10) went from 7.8 to 10.7 us with it (benchmarks/README.md).
         */
        static final long ROWS_MIN_VALUES = 8192;

        private final Projection[] basis;
        private final INDArray[] b;
        private final CoordinateStep[] fused;
        /** The layers whose gradient is computed at the basis's rows only (a coordinate basis of r < n rows, no momentum). */
        private final Map<String, int[]> rows = new HashMap<>();

        SubspaceStep(Projection[] basis, INDArray[] b) {
            this.basis = basis;
            this.b = b;
            this.fused = new CoordinateStep[layers.size()];
            if (ctx.train().momentum() == 0) {
                for (Layer l : layers) {
                    if (basis[l.index()] instanceof CoordinateProjection cp) {
                        boolean selected = cp.rank() < cp.dim() && (long) cp.dim() * l.m() >= ROWS_MIN_VALUES;
                        fused[l.index()] = new CoordinateStep(cp.rows(), cp.signs(), selected);
                        if (selected) {
                            rows.put(l.name(), cp.rows());
                        }
                    }
                }
            }
        }

        @Override
        public Map<String, int[]> gradientRows() {
            return rows;
        }

        @Override
        public void apply(String n, INDArray w, INDArray g, double lr) {
            Layer l = shared.layer(n);
            if (l == null) {
                sgd.step(n, w, g, lr);
                return;
            }
            TrainSettings ts = ctx.train();
            int tau = ts.localSteps();
            Projection p = basis[l.index()];
            INDArray bi = b[l.index()];
            INDArray li = fs.duals() ? lambda[l.index()] : null;
            CoordinateStep f = fused[l.index()];
            if (f != null && f.apply(g, w, bi, li, lr, tau, ts.weightDecay(), fs.scaleByRank() ? (double) l.r() / l.m() : 1.0)) {
                return;
            }
            INDArray gb = rows.containsKey(n) ? ((CoordinateProjection) p).projectSelected(g) : p.project(g);
            // The roundings of ND4J's element-wise ops, through BLAS calls (Blas): gb and d are this
            // step's own arrays, changed in place.
            if (ts.weightDecay() != 0) {
                Blas.addScaled(gb, bi, ts.weightDecay());
            }
            if (fs.scaleByRank()) {
                Blas.muli(gb, (double) l.r() / l.m());
            }
            INDArray d = sgd.direction(n, gb);
            if (fs.duals()) {
                INDArray t = Blas.divi(HostArrays.copyOf(lambda[l.index()]), lr * tau);
                Blas.addi(d, t);
                HostArrays.recycle(t);
            }
            INDArray step = Blas.muli(d, -lr);
            Blas.addi(bi, step);
            // Keep the effective weight x + P^T B current by lifting only the change.
            p.liftAddi(w, step);
            // This step's own arrays (the projected gradient, a momentum direction): given back.
            if (d != gb) {
                HostArrays.recycle(d);
            }
            if (gb != g) {
                HostArrays.recycle(gb);
            }
        }
    }

    /**
     * With a lossy uplink, the dual update uses B_i as the server decoded it: the server averages
     * the dequantized B_i, so only they keep the weighted sum of the duals at zero.
     */
    @Override
    public void sent(int round, Payload update, Payload asDecoded, boolean errorFeedback) {
        feedback.sent(update, asDecoded, errorFeedback);
        if (round == pendingRound && pendingB != null) {
            for (Layer l : layers) {
                pendingB[l.index()] = asDecoded.tensor(PayloadKeys.subspace(l.name()));
            }
        }
    }

    /** Lambda_i = Lambda_i + B_i - B_avg, in the basis the round trained in. */
    @Override
    public void onAggregated(int round, Payload ack) {
        if (round != pendingRound || pendingB == null) {
            return;
        }
        if (fs.duals()) {
            for (Layer l : layers) {
                Blas.subi(Blas.addi(lambda[l.index()], pendingB[l.index()]), ack.tensor(PayloadKeys.subspace(l.name())));
            }
        }
        // The sent B_i (encoded when it was sent) and a decoded acknowledgement go no further.
        for (Layer l : layers) {
            HostArrays.recycle(pendingB[l.index()]);
            if (ack != null && ack.isOwnedByReceiver()) {
                HostArrays.recycle(ack.tensor(PayloadKeys.subspace(l.name())));
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
        long bytes = sgd.bytes() + feedback.bytes();
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
                && sgdBasisId == -1 && pendingRound == -1 && feedback.isEmpty()) {
            return NO_STATE;
        }
        Payload p = ClientStates.start(STATE_FORMAT, id).field(PayloadKeys.DUALS_BASIS, lambdaBasisId)
                .field(PayloadKeys.MOMENTUM_BASIS, sgdBasisId).field(PayloadKeys.PENDING_ROUND, pendingRound);
        for (Layer l : layers) {
            if (lambda != null) {
                p.tensor(PayloadKeys.dual(l.name()), lambda[l.index()]);
                if (!shared.seededBasis(lambdaBasisId)) {
                    p.tensor(PayloadKeys.projection(l.name()), lambdaBasis[l.index()].dense());
                }
            }
            if (pendingB != null) {
                p.tensor(PayloadKeys.pending(l.name()), pendingB[l.index()]);
            }
        }
        sgd.buffers().forEach((key, buf) -> p.tensor(PayloadKeys.momentum(key), buf));
        if (!feedback.isEmpty()) {
            p.field(FEEDBACK_BASIS, feedbackBasisId);
            feedback.exportTo(p);
        }
        return ClientStates.encode(p, ctx.model().dtype());
    }

    /**
     * As {@link ClientAlgorithm#suspend}, and the duals and the pending {@code B_i} go back to
     * {@link HostArrays#recycle} ({@link ClientStates#suspendGivingBack}; the update that carried
     * {@code B_i} is encoded by then).
     */
    @Override
    public byte[] suspend() {
        List<INDArray> held = new java.util.ArrayList<>();
        for (INDArray[] a : new INDArray[][] {lambda, pendingB}) {
            if (a != null) {
                held.addAll(java.util.Arrays.asList(a));
            }
        }
        return ClientStates.suspendGivingBack(this, held);
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
        feedback.restoreFrom(null);
        feedbackBasisId = -1;
        if (state.length == 0) {
            return;
        }
        Payload p = ClientStates.decode(state, STATE_FORMAT, id, ctx.model().dtype());
        feedback.restoreFrom(p);
        feedbackBasisId = p.fieldOr(FEEDBACK_BASIS, -1);
        lambdaBasisId = p.field(PayloadKeys.DUALS_BASIS);
        sgdBasisId = p.field(PayloadKeys.MOMENTUM_BASIS);
        pendingRound = Math.toIntExact(p.field(PayloadKeys.PENDING_ROUND));
        String first = layers.get(0).name();
        if (p.has(PayloadKeys.dual(first))) {
            lambda = new INDArray[layers.size()];
            lambdaBasis = shared.seededBasis(lambdaBasisId) ? shared.seeded(lambdaBasisId) : new Projection[layers.size()];
            for (Layer l : layers) {
                lambda[l.index()] = p.tensor(PayloadKeys.dual(l.name()));
                if (!shared.seededBasis(lambdaBasisId)) {
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
}
