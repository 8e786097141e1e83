package org.fedsub.runtime.strategy;

import org.fedsub.runtime.codec.Payload;
import org.fedsub.runtime.compute.Blas;
import org.fedsub.runtime.compute.HostArrays;
import org.fedsub.runtime.data.ClientData;
import org.fedsub.runtime.model.ParamSpec;
import org.fedsub.runtime.model.Params;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The client half of {@link Scaffold}: local SGD with the gradient corrected by {@code c - c_i},
 * then {@code c_i+ = c_i - c + (x - w) / (sum of its step sizes)}. Its control variate {@code c_i}
 * moves only when the server acknowledges the round's update.
 */
final class ScaffoldClient implements ClientAlgorithm {

    private static final String STATE_FORMAT = "scaffold";

    private final StrategyContext ctx;
    private final LocalTraining training;
    private final int id;
    private Params ci;
    private Params pending;
    private int pendingRound = -1;

    ScaffoldClient(StrategyContext ctx, int id) {
        this.ctx = ctx;
        this.training = new LocalTraining(ctx);
        this.id = id;
    }

    @Override
    public ClientUpdate train(int round, Payload task, ClientData data) {
        boolean owned = task.isOwnedByReceiver();
        Params x = Wire.takeModel(task, ctx.model()); // only read: the task's own tensors when it was decoded for this client
        if (ci == null) {
            ci = x.zerosLike();
        }
        // Element-wise work through BLAS calls on recycled buffers, with ND4J's roundings (Blas):
        // ND4J's ops cost more than a small model's whole step (benchmarks/SCALE.md).
        Params correction = Params.empty();
        for (String n : x.names()) {
            correction.put(n, Blas.subi(HostArrays.copyOf(task.tensor(PayloadKeys.control(n))), ci.get(n)));
        }
        Params w = x.map((n, t) -> HostArrays.copyOf(t));
        double loss = training.run(round, id, data, w, (n, wn, g) -> Blas.addi(g, correction.get(n)),
                new Sgd(ctx.train())::step);
        correction.asMap().values().forEach(HostArrays::recycle);
        double lrSum = training.lrSum(round);
        Payload up = new Payload().field(PayloadKeys.ROUND, round);
        pending = Params.empty();
        pendingRound = round;
        for (String n : w.names()) {
            INDArray delta = Blas.subi(w.get(n), x.get(n));
            // c_i+ = c_i - c + (x - w) / sum(lr)  =>  c_i+ - c_i = -c - delta / sum(lr)
            INDArray step = Blas.divi(HostArrays.copyOf(delta), lrSum);
            INDArray dci = Blas.subi(Blas.muli(HostArrays.copyOf(task.tensor(PayloadKeys.control(n))), -1), step);
            HostArrays.recycle(step);
            pending.put(n, dci);
            // The delta is this round's own copy of the model: spent once sent. dci stays pending.
            up.tensor(PayloadKeys.delta(n), delta).spentOnceSent(PayloadKeys.delta(n))
                    .tensor(PayloadKeys.controlDelta(n), dci);
        }
        if (owned) {
            x.asMap().values().forEach(HostArrays::recycle); // read only, and decoded for this client alone
        }
        return new ClientUpdate(id, round, data.numExamples(), loss, up);
    }

    /** With a lossy uplink, c_i moves by the change the server decodes, so that c stays the mean of the c_i. */
    @Override
    public void sent(int round, Payload update, Payload asDecoded, boolean errorFeedback) {
        if (round == pendingRound && pending != null) {
            for (String n : pending.names()) {
                pending.put(n, asDecoded.tensor(PayloadKeys.controlDelta(n)));
            }
        }
    }

    /** The control variate moves only when the server used this round's update. */
    @Override
    public void onAggregated(int round, Payload ack) {
        if (round == pendingRound && pending != null) {
            ci.asMap().forEach((n, c) -> Blas.addi(c, pending.get(n)));
        }
        if (pending != null) {
            // Folded (or never to be): nothing else holds it, the update that carried it was encoded.
            pending.asMap().values().forEach(HostArrays::recycle);
        }
        pending = null;
    }

    /**
     * As {@link ClientAlgorithm#suspend}, and {@code c_i} and the pending change go back to
     * {@link HostArrays#recycle} ({@link ClientStates#suspendGivingBack}, as FedSub's duals do).
     */
    @Override
    public byte[] suspend() {
        java.util.List<INDArray> held = new java.util.ArrayList<>();
        for (Params p : new Params[] {ci, pending}) {
            if (p != null) {
                held.addAll(p.asMap().values());
            }
        }
        return ClientStates.suspendGivingBack(this, held);
    }

    @Override
    public long stateBytes() {
        return ci == null ? 0 : ci.length() * ctx.model().dtype().width();
    }

    /** Field {@code pending-round}; tensors {@code ci:<p>} and {@code pending:<p>} (the unacknowledged change). */
    @Override
    public byte[] exportState() {
        if (ci == null && pending == null && pendingRound == -1) {
            return NO_STATE;
        }
        Payload p = ClientStates.start(STATE_FORMAT, id).field(PayloadKeys.PENDING_ROUND, pendingRound);
        for (ParamSpec s : ctx.model().params()) {
            if (ci != null) {
                p.tensor(PayloadKeys.clientControl(s.name()), ci.get(s.name()));
            }
            if (pending != null) {
                p.tensor(PayloadKeys.pending(s.name()), pending.get(s.name()));
            }
        }
        return ClientStates.encode(p, ctx.model().dtype());
    }

    @Override
    public void restoreState(byte[] state) {
        ci = null;
        pending = null;
        pendingRound = -1;
        if (state.length == 0) {
            return;
        }
        Payload p = ClientStates.decode(state, STATE_FORMAT, id, ctx.model().dtype());
        pendingRound = Math.toIntExact(p.field(PayloadKeys.PENDING_ROUND));
        String first = ctx.model().params().get(0).name();
        if (p.has(PayloadKeys.clientControl(first))) {
            ci = Params.empty();
            ctx.model().params().forEach(s -> ci.put(s.name(), p.tensor(PayloadKeys.clientControl(s.name()))));
        }
        if (p.has(PayloadKeys.pending(first))) {
            pending = Params.empty();
            ctx.model().params().forEach(s -> pending.put(s.name(), p.tensor(PayloadKeys.pending(s.name()))));
        }
    }
}
