package org.fedsub.examples.plugins;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.IntUnaryOperator;
import org.fedsub.runtime.codec.Payload;
import org.fedsub.runtime.model.ParamSpec;
import org.fedsub.runtime.model.Params;
import org.fedsub.runtime.strategy.Aggregate;
import org.fedsub.runtime.strategy.ClientAlgorithm;
import org.fedsub.runtime.strategy.ClientFactory;
import org.fedsub.runtime.strategy.ClientFailure;
import org.fedsub.runtime.strategy.ClientUpdate;
import org.fedsub.runtime.strategy.PayloadKeys;
import org.fedsub.runtime.strategy.Strategy;
import org.fedsub.runtime.strategy.StrategyContext;
import org.fedsub.runtime.strategy.Updates;
import org.fedsub.runtime.strategy.Wire;

/**
 * FedAvg with a robust server: the global model moves by the coordinate-wise trimmed mean
 * ({@link RobustMean}) of the clients' changes instead of their weighted mean, so a few clients
 * sending garbage (faulty hardware, poisoned data, an attacker) cannot drag the model where they
 * like. The clients are FedAvg's, so the wire format is FedAvg's: task {@code round}, {@code x:<p>};
 * update {@code round}, {@code d:<p>}; no acknowledgement.
 *
 * <p>The mean is unweighted whatever {@code fedsub.strategy.weighting} says: a client could lie
 * about its example count as easily as about its update.
 */
final class TrimmedMeanStrategy implements Strategy {

    private final String name;
    private final IntUnaryOperator trimFor;
    private final StrategyContext ctx;
    private final Params global;
    private final ClientFactory clients;
    private final Map<String, long[]> expected;

    /** @param trimFor the values dropped from each end of every coordinate, given the round's usable updates */
    TrimmedMeanStrategy(String name, IntUnaryOperator trimFor, StrategyContext ctx, ClientFactory clients) {
        this.name = name;
        this.trimFor = trimFor;
        this.ctx = ctx;
        this.global = ctx.initial().dup();
        this.clients = clients;
        this.expected = Updates.deltas(ctx.model());
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Params globalModel() {
        return global;
    }

    @Override
    public Payload configure(int round, int clientId) {
        return Wire.withModel(new Payload().field(PayloadKeys.ROUND, round), global);
    }

    @Override
    public Aggregate aggregate(int round, List<ClientUpdate> updates, List<ClientFailure> failures) {
        List<ClientFailure> rejected = new ArrayList<>();
        List<ClientUpdate> ok = Updates.valid(round, ctx.numClients(), updates, expected, rejected);
        if (!ok.isEmpty()) {
            int trim = trimFor.applyAsInt(ok.size());
            for (ParamSpec p : ctx.model().params()) {
                global.get(p.name()).addi(RobustMean.trimmedMean(Updates.tensors(ok, PayloadKeys.delta(p.name())), trim));
            }
        }
        return new Aggregate(null, ok.stream().map(ClientUpdate::clientId).toList(), rejected);
    }

    @Override
    public Optional<String> problem(int round, ClientUpdate update) {
        return Updates.check(round, ctx.numClients(), update, expected);
    }

    @Override
    public Optional<String> whyNotAsynchronous() {
        return Optional.of("a trimmed mean ranks the updates of one round against each other, while asynchronous "
                + "aggregation weighs each update by its staleness and sums them");
    }

    @Override
    public ClientAlgorithm newClient(int clientId) {
        return clients.newClient(clientId);
    }
}
