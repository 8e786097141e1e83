package org.fedsub.runtime.strategy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.fedsub.runtime.Seeds;
import org.fedsub.runtime.codec.Payload;
import org.fedsub.runtime.data.Batch;
import org.fedsub.runtime.data.ClientData;
import org.fedsub.runtime.model.ParamSpec;
import org.fedsub.runtime.model.Params;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * SCAFFOLD (Karimireddy et al.), option II. The client steps with {@code g - c_i + c}, then sets
 * {@code c_i+ = c_i - c + (x - w) / (sum of its step sizes)} and sends {@code w - x} and
 * {@code c_i+ - c_i}. The server moves {@code x} by {@code global-lr} times the mean change and
 * {@code c} by {@code |S|/N} times the uniform mean control change.
 *
 * <p>Wire format: task {@code x:<p>}, {@code c:<p>}; update {@code d:<p>}, {@code dc:<p>}.
 */
final class Scaffold implements Strategy {

    private final StrategySettings settings;
    private final StrategyContext ctx;
    private final Params global;
    private final Params control;

    Scaffold(StrategySettings settings, StrategyContext ctx) {
        this.settings = settings;
        this.ctx = ctx;
        this.global = ctx.initial().dup();
        this.control = global.zerosLike();
    }

    @Override
    public String name() {
        return "scaffold";
    }

    @Override
    public Params globalModel() {
        return global;
    }

    @Override
    public Payload configure(int round, int clientId) {
        Payload p = Wire.withModel(new Payload().field(PayloadKeys.ROUND, round), global);
        for (String n : control.names()) {
            p.tensor(PayloadKeys.control(n), control.get(n));
        }
        return p;
    }

    @Override
    public Aggregate aggregate(int round, List<ClientUpdate> updates, List<ClientFailure> failures) {
        List<ClientFailure> rejected = new ArrayList<>();
        Map<String, long[]> expected = new LinkedHashMap<>();
        for (ParamSpec p : ctx.model().params()) {
            expected.put(PayloadKeys.delta(p.name()), p.shape());
            expected.put(PayloadKeys.controlDelta(p.name()), p.shape());
        }
        List<ClientUpdate> ok = Updates.valid(round, ctx.numClients(), updates, expected, rejected);
        if (!ok.isEmpty()) {
            double[] w = Updates.weights(ok, settings.byExamples());
            double[] uniform = Updates.weights(ok, false);
            double share = (double) ok.size() / ctx.numClients();
            for (ParamSpec p : ctx.model().params()) {
                INDArray dx = Aggregation.weightedMean(Updates.tensors(ok, PayloadKeys.delta(p.name())), w);
                global.get(p.name()).addi(settings.globalLr() == 1.0 ? dx : dx.muli(settings.globalLr()));
                INDArray dc = Aggregation.weightedMean(Updates.tensors(ok, PayloadKeys.controlDelta(p.name())), uniform);
                control.get(p.name()).addi(share == 1.0 ? dc : dc.muli(share));
            }
        }
        return new Aggregate(null, ok.stream().map(ClientUpdate::clientId).toList(), rejected);
    }

    @Override
    public ClientAlgorithm newClient(int clientId) {
        return new Client(clientId);
    }

    private final class Client implements ClientAlgorithm {

        private final int id;
        private Params ci;
        private Params pending;
        private int pendingRound = -1;

        Client(int id) {
            this.id = id;
        }

        @Override
        public ClientUpdate train(int round, Payload task, ClientData data) {
            TrainSettings ts = ctx.train();
            Params x = Wire.model(task, ctx.model());
            if (ci == null) {
                ci = x.zerosLike();
            }
            Params correction = Params.empty();
            for (String n : x.names()) {
                correction.put(n, task.tensor(PayloadKeys.control(n)).sub(ci.get(n)));
            }
            Params w = x.dup();
            Params grad = w.zerosLike();
            Sgd sgd = new Sgd(ts);
            Minibatches batches = new Minibatches(data, ts.batchSize(), Seeds.derive(ctx.seed(), Seeds.tag("batches"), round, id));
            double lossSum = 0;
            double lrSum = 0;
            for (int s = 0; s < ts.localSteps(); s++) {
                Batch b = batches.next();
                lossSum += ctx.model().lossAndGradient(w, b, grad);
                double lr = ts.lrAt(round, s);
                lrSum += lr;
                for (String n : w.names()) {
                    sgd.step(n, w.get(n), grad.get(n).addi(correction.get(n)), lr);
                }
            }
            Payload up = new Payload().field(PayloadKeys.ROUND, round);
            pending = Params.empty();
            pendingRound = round;
            for (String n : w.names()) {
                INDArray delta = w.get(n).subi(x.get(n));
                // c_i+ = c_i - c + (x - w) / sum(lr)  =>  c_i+ - c_i = -c - delta / sum(lr)
                INDArray dci = task.tensor(PayloadKeys.control(n)).neg().subi(delta.div(lrSum));
                pending.put(n, dci);
                up.tensor(PayloadKeys.delta(n), delta).tensor(PayloadKeys.controlDelta(n), dci);
            }
            return new ClientUpdate(id, round, data.numExamples(), lossSum / ts.localSteps(), up);
        }

        /** The control variate moves only when the server used this round's update. */
        @Override
        public void onAggregated(int round, Payload ack) {
            if (round == pendingRound && pending != null) {
                ci.addi(pending);
            }
            pending = null;
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

    private static final String STATE_FORMAT = "scaffold";
}
