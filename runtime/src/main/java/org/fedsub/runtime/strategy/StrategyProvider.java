package org.fedsub.runtime.strategy;

import com.typesafe.config.Config;
import org.fedsub.runtime.config.ConfigError;

/**
 * A federated algorithm that configuration can name: {@code fedsub.strategy.name = <name()>}.
 *
 * <p>Providers are found with {@link java.util.ServiceLoader}: a jar lists its providers' class
 * names, one a line, in {@code META-INF/services/org.fedsub.runtime.strategy.StrategyProvider}, and
 * each needs a public no-argument constructor. fedsub's own strategies (fedavg, fedprox, fedavgm,
 * fedadam, scaffold, fedsub) are registered exactly so. A provider's own settings live under
 * {@code fedsub.strategy.<name> { ... }}, with their defaults and documentation in its jar's
 * {@code reference.conf} (every reference.conf on the class path is merged, so the launcher's
 * strict key check knows them); it reads them from {@link StrategySettings#own()}.
 *
 * <p>A provider is stateless: {@link #create} makes the server state of one run, and
 * {@link #clients} the client halves of one experiment. Both must make clients that train the
 * same, bit for bit, from the same settings and context, because a client node builds only the
 * clients and the server only the server.
 *
 * <p>Whether a strategy can also run asynchronously (FedBuff, FedAsync) is its
 * {@link Strategy#whyNotAsynchronous}; the default says it cannot.
 */
public interface StrategyProvider {

    /**
     * The name configuration uses, lower-case letters, digits and {@code -}, e.g.
     * {@code "trimmed-mean"}; also the key of the provider's settings section. Unique on the class
     * path.
     */
    String name();

    /**
     * Checks the provider's own settings, {@code section} being {@code fedsub.strategy.<name>}
     * (empty when no reference.conf defines it) at full path {@code path}, so that a mistake
     * fails when the configuration is read rather than when a run starts. The default accepts
     * anything.
     *
     * @throws ConfigError naming the key, the value and what would be right
     */
    default void check(Config section, String path) {}

    /**
     * The server half of a run: its global model starts as {@code ctx.initial()}, and its
     * {@link Strategy#newClient} makes the clients {@link #clients} would.
     *
     * @throws ConfigError if the settings do not fit the model or data of {@code ctx}
     */
    Strategy create(StrategySettings settings, StrategyContext ctx);

    /**
     * The client halves, built without a server: only what every client shares. Reads the model,
     * training settings and seed of {@code ctx}, never its initial model or client count (a
     * client node may leave them null and 0).
     *
     * @throws ConfigError if the settings do not fit the model of {@code ctx}
     */
    ClientFactory clients(StrategySettings settings, StrategyContext ctx);
}
