package org.fedsub.runtime.strategy;

/**
 * Makes the client halves of one strategy in one experiment. It holds only what every client
 * shares and never changes (settings, the model, FedSub's layer table and seeded projections),
 * never the server's state, so a client node builds it with {@link Strategies#clients} and no
 * server; a server's {@link Strategy#newClient} makes the same clients from the same part.
 *
 * <p>Safe to use from several threads; the clients it makes are not (one per client, used by one
 * thread at a time).
 */
@FunctionalInterface
public interface ClientFactory {

    /** A fresh client half for {@code clientId}, holding no state until it trains or is restored. */
    ClientAlgorithm newClient(int clientId);
}
