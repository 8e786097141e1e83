package org.fedsub.examples.plugins;

import com.typesafe.config.Config;
import org.fedsub.runtime.config.ConfigError;
import org.fedsub.runtime.config.Settings;
import org.fedsub.runtime.strategy.ClientFactory;
import org.fedsub.runtime.strategy.Strategies;
import org.fedsub.runtime.strategy.Strategy;
import org.fedsub.runtime.strategy.StrategyContext;
import org.fedsub.runtime.strategy.StrategyProvider;
import org.fedsub.runtime.strategy.StrategySettings;

/**
 * {@code fedsub.strategy.name = trimmed-mean}: FedAvg's clients, a coordinate-wise trimmed mean on
 * the server ({@link TrimmedMeanStrategy}). Settings: {@code fedsub.strategy.trimmed-mean.trim}, the
 * fraction of a round's updates dropped from each end of every coordinate (defaults in this
 * module's reference.conf).
 */
public final class TrimmedMeanProvider implements StrategyProvider {

    @Override
    public String name() {
        return "trimmed-mean";
    }

    @Override
    public void check(Config section, String path) {
        trim(section, path);
    }

    @Override
    public Strategy create(StrategySettings s, StrategyContext ctx) {
        double fraction = trim(s.own(), s.ownPath());
        return new TrimmedMeanStrategy(name(), k -> RobustMean.trimFor(fraction, k), ctx, clients(s, ctx));
    }

    /** FedAvg's client half: local SGD from the global model, sending the change. */
    @Override
    public ClientFactory clients(StrategySettings s, StrategyContext ctx) {
        return Strategies.provider("fedavg").clients(s, ctx);
    }

    private static double trim(Config section, String path) {
        double t = Settings.doubleAt(section, path, "trim");
        if (!(t >= 0 && t < 0.5)) {
            throw new ConfigError(Settings.path(path, "trim"), t,
                    "expected a fraction in [0, 0.5): the share of a round's updates dropped from each end");
        }
        return t;
    }
}
