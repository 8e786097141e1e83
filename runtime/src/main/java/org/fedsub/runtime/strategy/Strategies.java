package org.fedsub.runtime.strategy;

import java.util.List;
import java.util.Map;
import org.fedsub.runtime.config.ConfigError;
import org.fedsub.runtime.config.Plugins;

/**
 * The strategy registry: a strategy is chosen by name in {@code fedsub.strategy.name} among the
 * {@link StrategyProvider}s on the class path (fedsub's own and any plug-in's, all found through
 * {@link java.util.ServiceLoader}). A server builds the whole {@link Strategy} with {@link #create};
 * a client node builds only the client halves with {@link #clients}.
 */
public final class Strategies {

    /** Keys of {@code fedsub.strategy} that are not a strategy's own section, so no strategy may be named so. */
    static final List<String> RESERVED = List.of("name", "weighting", "server-optimizer");

    private Strategies() {}

    /** Every strategy name on the class path, fedsub's own first, e.g. {@code [fedavg, ..., fedsub, trimmed-mean]}. */
    public static List<String> names() {
        return List.copyOf(providers().keySet());
    }

    /**
     * The provider named {@code name}.
     *
     * @throws ConfigError at {@code fedsub.strategy.name} listing every available name when none is
     */
    public static StrategyProvider provider(String name) {
        Map<String, StrategyProvider> all = providers();
        StrategyProvider p = all.get(name);
        if (p == null) {
            throw new ConfigError(StrategySettings.PATH + ".name", name, "unknown strategy; expected one of "
                    + all.keySet() + " (a plug-in strategy is found when its jar, with its "
                    + "META-INF/services/" + StrategyProvider.class.getName() + ", is on the class path)");
        }
        return p;
    }

    /** The server half of strategy {@code s.name()}, whose {@link Strategy#newClient} makes the clients {@link #clients} would. */
    public static Strategy create(StrategySettings s, StrategyContext ctx) {
        return provider(s.name()).create(s, ctx);
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
        return provider(s.name()).clients(s, ctx);
    }

    private static Map<String, StrategyProvider> providers() {
        return Plugins.load(StrategyProvider.class, StrategyProvider::name, "strategy", RESERVED);
    }
}
