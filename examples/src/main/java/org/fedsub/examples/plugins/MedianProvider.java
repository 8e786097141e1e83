package org.fedsub.examples.plugins;

import org.fedsub.runtime.strategy.ClientFactory;
import org.fedsub.runtime.strategy.Strategies;
import org.fedsub.runtime.strategy.Strategy;
import org.fedsub.runtime.strategy.StrategyContext;
import org.fedsub.runtime.strategy.StrategyProvider;
import org.fedsub.runtime.strategy.StrategySettings;

/**
 * {@code fedsub.strategy.name = median}: FedAvg's clients, the coordinate-wise median of their
 * changes on the server (the trimmed mean that drops all but the middle one or two values). No
 * settings of its own.
 */
public final class MedianProvider implements StrategyProvider {

    @Override
    public String name() {
        return "median";
    }

    @Override
    public Strategy create(StrategySettings s, StrategyContext ctx) {
        return new TrimmedMeanStrategy(name(), RobustMean::medianTrim, ctx, clients(s, ctx));
    }

    /** FedAvg's client half. */
    @Override
    public ClientFactory clients(StrategySettings s, StrategyContext ctx) {
        return Strategies.provider("fedavg").clients(s, ctx);
    }
}
