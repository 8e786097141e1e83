package org.fedsub.runtime.strategy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.fedsub.runtime.codec.Payload;
import org.fedsub.runtime.model.ParamSpec;
import org.fedsub.runtime.model.Params;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * SCAFFOLD (Karimireddy et al.), option II. The client ({@link ScaffoldClient}) steps with
 * {@code g - c_i + c}, then sets {@code c_i+ = c_i - c + (x - w) / (sum of its step sizes)} and
 * sends {@code w - x} and {@code c_i+ - c_i}. The server moves {@code x} by {@code global-lr} times the
 * mean change and {@code c} by {@code |S|/N} times the mean control change, both means in the
 * strategy's weighting (examples or uniform): with uniform weighting this is the paper's rule, and
 * with example weighting it keeps {@code c} the example-weighted mean gradient the model follows.
 *
 * <p>Wire format: task {@code x:<p>}, {@code c:<p>}; update {@code d:<p>}, {@code dc:<p>}.
 */
final class Scaffold implements Strategy {

    private final StrategySettings settings;
    private final StrategyContext ctx;
    private final Params global;
    private final Params control;
    private final ClientFactory clients;

    Scaffold(StrategySettings settings, StrategyContext ctx, ClientFactory clients) {
        this.settings = settings;
        this.ctx = ctx;
        this.clients = clients;
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

    /** Its weighted means read the updates into accumulators of their own. */
    @Override
    public boolean keepsUpdateTensors() {
        return false;
    }

    @Override
    public Aggregate aggregate(int round, List<ClientUpdate> updates, List<ClientFailure> failures) {
        List<ClientFailure> rejected = new ArrayList<>();
        List<ClientUpdate> ok = Updates.valid(round, ctx.numClients(), updates, expected(), rejected);
        if (!ok.isEmpty()) {
            double[] w = Updates.weights(ok, settings.byExamples());
            double share = (double) ok.size() / ctx.numClients();
            for (ParamSpec p : ctx.model().params()) {
                INDArray dx = Aggregation.weightedMean(Updates.tensors(ok, PayloadKeys.delta(p.name())), w);
                global.get(p.name()).addi(settings.globalLr() == 1.0 ? dx : dx.muli(settings.globalLr()));
                // c is the mean gradient in the same weighting as the model: averaging it uniformly while the
                // model is weighted by examples would pull the run to the client-uniform optimum.
                INDArray dc = Aggregation.weightedMean(Updates.tensors(ok, PayloadKeys.controlDelta(p.name())), w);
                control.get(p.name()).addi(share == 1.0 ? dc : dc.muli(share));
            }
        }
        return new Aggregate(null, ok.stream().map(ClientUpdate::clientId).toList(), rejected);
    }

    @Override
    public java.util.Optional<String> problem(int round, ClientUpdate update) {
        return Updates.check(round, ctx.numClients(), update, expected());
    }

    private Map<String, long[]> expected() {
        Map<String, long[]> expected = new LinkedHashMap<>();
        for (ParamSpec p : ctx.model().params()) {
            expected.put(PayloadKeys.delta(p.name()), p.shape());
            expected.put(PayloadKeys.controlDelta(p.name()), p.shape());
        }
        return expected;
    }

    /** Tensors {@code x:<p>} (the global model) and {@code c:<p>} (the server control variate). */
    @Override
    public java.util.Optional<byte[]> exportServerState() {
        Payload p = ServerStates.put(ServerStates.put(ServerStates.start(name()), "x:", global), "c:", control);
        return java.util.Optional.of(ServerStates.encode(p, ctx.model().dtype()));
    }

    @Override
    public void restoreServerState(byte[] state) {
        Payload p = ServerStates.decode(state, name(), ctx.model().dtype());
        ServerStates.assign(p, "x:", global, name());
        ServerStates.assign(p, "c:", control, name());
    }

    @Override
    public ClientAlgorithm newClient(int clientId) {
        return clients.newClient(clientId);
    }
}
