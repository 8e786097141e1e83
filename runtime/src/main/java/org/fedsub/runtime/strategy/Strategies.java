package org.fedsub.runtime.strategy;

import java.util.List;
import org.fedsub.runtime.config.ConfigError;
import org.fedsub.runtime.strategy.StrategySettings.ServerOptimizerSettings;

/** The strategy registry: a strategy is chosen by name in {@code fedsub.strategy.name}. */
public final class Strategies {

    public static final List<String> NAMES = List.of("fedavg", "fedprox", "fedavgm", "fedadam", "scaffold", "fedsub");

    private Strategies() {}

    public static Strategy create(StrategySettings s, StrategyContext ctx) {
        ServerOptimizerSettings opt = s.server();
        return switch (s.name()) {
            case "fedavg" -> new FedAvg("fedavg", s, ctx, 0.0, opt);
            case "fedprox" -> new FedAvg("fedprox", s, ctx, s.proxMu(), opt);
            case "fedavgm" -> new FedAvg("fedavgm", s, ctx, 0.0, withType(opt, "momentum"));
            case "fedadam" -> new FedAvg("fedadam", s, ctx, 0.0, withType(opt, "adam"));
            case "scaffold" -> new Scaffold(s, ctx);
            case "fedsub" -> new FedSub(s, ctx);
            default -> throw new ConfigError(StrategySettings.PATH + ".name", s.name(), "expected one of " + NAMES);
        };
    }

    private static ServerOptimizerSettings withType(ServerOptimizerSettings o, String type) {
        return new ServerOptimizerSettings(type, o.lr(), o.momentum(), o.beta1(), o.beta2(), o.epsilon());
    }
}
