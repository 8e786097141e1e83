package org.fedsub.runtime.strategy;

import java.util.List;
import org.fedsub.runtime.config.ConfigError;
import org.fedsub.runtime.strategy.StrategySettings.ServerOptimizerSettings;

/**
 * The strategy registry: a strategy is chosen by name in {@code fedsub.strategy.name}. A server
 * builds the whole {@link Strategy} with {@link #create}; a client node builds only the client
 * halves with {@link #clients}.
 */
public final class Strategies {

    public static final List<String> NAMES = List.of("fedavg", "fedprox", "fedavgm", "fedadam", "scaffold", "fedsub");

    private Strategies() {}

    /** The server half of strategy {@code s.name()}, whose {@link Strategy#newClient} makes the clients {@link #clients} would. */
    public static Strategy create(StrategySettings s, StrategyContext ctx) {
        ServerOptimizerSettings opt = s.server();
        return switch (s.name()) {
            case "fedavg", "fedprox" -> new FedAvg(s.name(), s, ctx, opt, clients(s, ctx));
            case "fedavgm" -> new FedAvg("fedavgm", s, ctx, withType(opt, "momentum"), clients(s, ctx));
            case "fedadam" -> new FedAvg("fedadam", s, ctx, withType(opt, "adam"), clients(s, ctx));
            case "scaffold" -> new Scaffold(s, ctx, clients(s, ctx));
            case "fedsub" -> new FedSub(s, new FedSubShared(s.fedsub(), ctx));
            default -> throw unknown(s);
        };
    }

    /**
     * The client halves of strategy {@code s.name()}, built without a server: no global model,
     * server optimiser or control variate, only what every client shares (for FedSub the layer
     * table and the seeded projections; an svd basis after the first comes with each task).
     * Clients made here train, bit for bit, as those of {@link #create}'s strategy.
     *
     * <p>Reads the model, training settings and seed of {@code ctx}; not its initial model or
     * client count, which a client node may leave null and 0.
     *
     * @throws ConfigError if FedSub's layer settings do not fit the model
     */
    public static ClientFactory clients(StrategySettings s, StrategyContext ctx) {
        return switch (s.name()) {
            case "fedavg", "fedavgm", "fedadam" -> id -> new FedAvgClient(ctx, 0.0, id);
            case "fedprox" -> id -> new FedAvgClient(ctx, s.proxMu(), id);
            case "scaffold" -> id -> new ScaffoldClient(ctx, id);
            case "fedsub" -> {
                FedSubShared shared = new FedSubShared(s.fedsub(), ctx);
                yield id -> new FedSubClient(shared, id);
            }
            default -> throw unknown(s);
        };
    }

    private static ConfigError unknown(StrategySettings s) {
        return new ConfigError(StrategySettings.PATH + ".name", s.name(), "expected one of " + NAMES);
    }

    private static ServerOptimizerSettings withType(ServerOptimizerSettings o, String type) {
        return new ServerOptimizerSettings(type, o.lr(), o.momentum(), o.beta1(), o.beta2(), o.epsilon());
    }
}
