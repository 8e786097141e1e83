package org.fedsub.runtime.strategy;

import org.fedsub.runtime.model.Model;
import org.fedsub.runtime.model.Params;

/**
 * What every strategy needs besides its own settings.
 *
 * @param seed       the experiment seed (projections, minibatch order)
 * @param numClients clients in the federation (SCAFFOLD's |S|/N; unknown-client checks)
 * @param initial    the initial global model (a server's; client halves built by
 *                   {@link Strategies#clients} read neither it nor {@code numClients})
 */
public record StrategyContext(Model model, TrainSettings train, long seed, int numClients, Params initial) {}
