package org.fedsub.runtime.strategy;

import org.fedsub.runtime.codec.Payload;
import org.fedsub.runtime.compute.Blas;
import org.fedsub.runtime.compute.HostArrays;
import org.fedsub.runtime.data.ClientData;
import org.fedsub.runtime.model.Params;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The client half of the FedAvg family ({@link FedAvg}): local SGD from the global model, with
 * FedProx's proximal gradient {@code mu (w - x)} when {@code mu > 0}; sends {@code w - x}. It
 * keeps nothing between rounds but, under a biased uplink codec ({@code topk}), its
 * error-feedback residual.
 */
final class FedAvgClient implements ClientAlgorithm {

    private final StrategyContext ctx;
    private final LocalTraining training;
    private final double mu;
    private final int id;
    private final ErrorFeedback feedback = new ErrorFeedback();
    private static final String STATE_FORMAT = "fedavg";

    FedAvgClient(StrategyContext ctx, double mu, int id) {
        this.ctx = ctx;
        this.training = new LocalTraining(ctx);
        this.mu = mu;
        this.id = id;
    }

    /** As the server's {@link FedAvg#applyChange}: the same code. */
    @Override
    public void applyChange(Params model, Payload change) {
        FedAvg.addSteps(ctx.model(), model, change);
    }

    @Override
    public ClientUpdate train(int round, Payload task, ClientData data) {
        Params w = Wire.model(task, ctx.model());
        // The starting point is the task's own tensors, only read: no second copy of the model.
        Params x = Params.empty();
        for (String n : w.names()) {
            x.put(n, task.tensor(PayloadKeys.model(n)));
        }
        // FedProx: g += mu (w - x), as ND4J's g.addi(w.sub(x).muli(mu)) computes it (the same roundings),
        // through BLAS calls on a recycled buffer: ND4J's three ops a parameter a step cost more than a
        // small model's whole step (benchmarks/SCALE.md).
        LocalTraining.Correction prox = mu == 0 ? LocalTraining.Correction.NONE : (n, wn, g) -> {
            INDArray t = Blas.subi(HostArrays.copyOf(wn), x.get(n));
            Blas.addi(g, Blas.muli(t, mu));
            HostArrays.recycle(t);
            return g;
        };
        double loss = training.run(round, id, data, w, prox, new Sgd(ctx.train())::step);
        // w is this round's own copy of the model (Wire.model), and the error-feedback residual is
        // added into it: once the update is sent nothing refers to its tensors.
        Payload up = new Payload().field(PayloadKeys.ROUND, round).spentOnceSent();
        for (String n : w.names()) {
            up.tensor(PayloadKeys.delta(n), Blas.subi(w.get(n), x.get(n)));
        }
        feedback.addTo(up);
        if (task.isOwnedByReceiver()) {
            // The starting point was only read, and the task was decoded for this client alone:
            // its memory takes the next task's model (HostArrays.recycle).
            x.asMap().values().forEach(HostArrays::recycle);
        }
        return new ClientUpdate(id, round, data.numExamples(), loss, up);
    }

    @Override
    public void sent(int round, Payload update, Payload asDecoded, boolean errorFeedback) {
        feedback.sent(update, asDecoded, errorFeedback);
    }

    @Override
    public long stateBytes() {
        return feedback.bytes();
    }

    /** Tensors {@code residual:<update tensor>} (error feedback), or no state. */
    @Override
    public byte[] exportState() {
        if (feedback.isEmpty()) {
            return NO_STATE;
        }
        Payload p = ClientStates.start(STATE_FORMAT, id);
        feedback.exportTo(p);
        return ClientStates.encode(p, ctx.model().dtype());
    }

    @Override
    public void restoreState(byte[] state) {
        feedback.restoreFrom(state.length == 0 ? null
                : ClientStates.decode(state, STATE_FORMAT, id, ctx.model().dtype()));
    }
}
