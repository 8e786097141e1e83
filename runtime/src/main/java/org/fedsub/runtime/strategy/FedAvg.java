package org.fedsub.runtime.strategy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.fedsub.runtime.codec.Payload;
import org.fedsub.runtime.model.ParamSpec;
import org.fedsub.runtime.model.Params;
import org.fedsub.runtime.strategy.StrategySettings.ServerOptimizerSettings;

/**
 * FedAvg (McMahan et al.) and the strategies that differ from it in one place: FedProx adds
 * the proximal term {@code mu/2 |w - x|^2} to every local step (in its clients,
 * {@link FedAvgClient}); FedAvgM and FedAdam apply the averaged client change through a server
 * optimizer (FedOpt, Reddi et al.).
 *
 * <p>Wire format: task {@code x:<param>} (the global model); update {@code d:<param>}
 * (the client's change {@code w - x}).
 */
final class FedAvg implements Strategy {

    private final String name;
    private final StrategySettings settings;
    private final StrategyContext ctx;
    private final Params global;
    private final ServerOptimizer optimizer;
    private final ClientFactory clients;
    /** Where each model change goes on a delta downlink; null: applied directly. */
    private ModelChanges changes;

    FedAvg(String name, StrategySettings settings, StrategyContext ctx, ServerOptimizerSettings opt,
            ClientFactory clients) {
        this.name = name;
        this.settings = settings;
        this.ctx = ctx;
        this.global = ctx.initial().dup();
        this.optimizer = new ServerOptimizer(opt);
        this.clients = clients;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Params globalModel() {
        return global;
    }

    /** FedAvg and FedProx send model changes that can be weighted and summed; FedAvgM and FedAdam keep moments. */
    @Override
    public java.util.Optional<String> whyNotAsynchronous() {
        return name.equals("fedavg") || name.equals("fedprox") ? java.util.Optional.empty()
                : java.util.Optional.of(name + " keeps server optimiser moments that assume synchronous rounds");
    }

    @Override
    public Payload configure(int round, int clientId) {
        return Wire.withModel(new Payload().field(PayloadKeys.ROUND, round), global);
    }

    @Override
    public Aggregate aggregate(int round, List<ClientUpdate> updates, List<ClientFailure> failures) {
        List<ClientFailure> rejected = new ArrayList<>();
        List<ClientUpdate> ok = Updates.valid(round, ctx.numClients(), updates, expected(), rejected);
        if (!ok.isEmpty()) {
            double[] w = Updates.weights(ok, settings.byExamples());
            if (changes == null) {
                for (ParamSpec p : ctx.model().params()) {
                    optimizer.apply(global, p.name(), Aggregation.weightedMean(Updates.tensors(ok,
                            PayloadKeys.delta(p.name())), w));
                }
            } else {
                Payload change = new Payload().field(PayloadKeys.ROUND, round);
                for (ParamSpec p : ctx.model().params()) {
                    change.tensor(PayloadKeys.delta(p.name()), optimizer.step(p.name(),
                            Aggregation.weightedMean(Updates.tensors(ok, PayloadKeys.delta(p.name())), w)));
                }
                applyChange(global, changes.publish(round, change));
            }
        }
        return new Aggregate(null, ok.stream().map(ClientUpdate::clientId).toList(), rejected);
    }

    /** Its weighted mean reads the updates into an accumulator of its own. */
    @Override
    public boolean keepsUpdateTensors() {
        return false;
    }

    /** Every FedAvg-family strategy can: its change is the optimiser's step {@code d:<p>} of every parameter. */
    @Override
    public java.util.Optional<String> whyNoDeltaDownlink() {
        return java.util.Optional.empty();
    }

    @Override
    public void logChanges(ModelChanges c) {
        this.changes = c;
    }

    /** Adds each {@code d:<p>} of {@code change} to its parameter ({@code x += step}, as {@link ServerOptimizer#apply} does). */
    @Override
    public void applyChange(Params model, Payload change) {
        addSteps(ctx.model(), model, change);
    }

    /** What {@link #applyChange} does, also for the clients ({@link FedAvgClient#applyChange}). */
    static void addSteps(org.fedsub.runtime.model.Model spec, Params model, Payload change) {
        for (ParamSpec p : spec.params()) {
            model.get(p.name()).addi(change.tensor(PayloadKeys.delta(p.name())));
        }
    }

    @Override
    public java.util.Optional<String> problem(int round, ClientUpdate update) {
        return Updates.check(round, ctx.numClients(), update, expected());
    }

    private Map<String, long[]> expected() {
        Map<String, long[]> e = new LinkedHashMap<>();
        for (ParamSpec p : ctx.model().params()) {
            e.put(PayloadKeys.delta(p.name()), p.shape());
        }
        return e;
    }

    /** Tensors {@code x:<p>} (the global model) and the server optimiser's moments. */
    @Override
    public java.util.Optional<byte[]> exportServerState() {
        Payload p = ServerStates.put(ServerStates.start(name), "x:", global);
        optimizer.export(p);
        return java.util.Optional.of(ServerStates.encode(p, ctx.model().dtype()));
    }

    @Override
    public void restoreServerState(byte[] state) {
        Payload p = ServerStates.decode(state, name, ctx.model().dtype());
        ServerStates.assign(p, "x:", global, name);
        optimizer.restore(p);
    }

    @Override
    public ClientAlgorithm newClient(int clientId) {
        return clients.newClient(clientId);
    }
}
