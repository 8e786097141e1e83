package org.fedsub.runtime.strategy;

/**
 * fedsub's own strategies as {@link StrategyProvider}s, registered in this module's
 * {@code META-INF/services/org.fedsub.runtime.strategy.StrategyProvider} as a plug-in's would be.
 * Their settings are the typed fields of {@link StrategySettings}.
 */
public final class BuiltinStrategies {

    private BuiltinStrategies() {}

    /** {@code fedavg}: local SGD, the (weighted) mean change applied through the server optimizer. */
    public static final class FedAvgProvider implements StrategyProvider {
        @Override
        public String name() {
            return "fedavg";
        }

        @Override
        public Strategy create(StrategySettings s, StrategyContext ctx) {
            return new FedAvg(name(), s, ctx, s.server(), clients(s, ctx));
        }

        @Override
        public ClientFactory clients(StrategySettings s, StrategyContext ctx) {
            return id -> new FedAvgClient(ctx, 0.0, id);
        }
    }

    /** {@code fedprox}: FedAvg whose clients add the proximal term {@code mu/2 |w - x|^2}. */
    public static final class FedProxProvider implements StrategyProvider {
        @Override
        public String name() {
            return "fedprox";
        }

        @Override
        public Strategy create(StrategySettings s, StrategyContext ctx) {
            return new FedAvg(name(), s, ctx, s.server(), clients(s, ctx));
        }

        @Override
        public ClientFactory clients(StrategySettings s, StrategyContext ctx) {
            return id -> new FedAvgClient(ctx, s.proxMu(), id);
        }
    }

    /** {@code fedavgm}: FedAvg with server momentum (the server optimizer's type forced to momentum). */
    public static final class FedAvgMProvider implements StrategyProvider {
        @Override
        public String name() {
            return "fedavgm";
        }

        @Override
        public Strategy create(StrategySettings s, StrategyContext ctx) {
            return new FedAvg(name(), s, ctx, s.server().withType("momentum"), clients(s, ctx));
        }

        @Override
        public ClientFactory clients(StrategySettings s, StrategyContext ctx) {
            return id -> new FedAvgClient(ctx, 0.0, id);
        }
    }

    /** {@code fedadam}: FedAvg with Adam on the server (the server optimizer's type forced to adam). */
    public static final class FedAdamProvider implements StrategyProvider {
        @Override
        public String name() {
            return "fedadam";
        }

        @Override
        public Strategy create(StrategySettings s, StrategyContext ctx) {
            return new FedAvg(name(), s, ctx, s.server().withType("adam"), clients(s, ctx));
        }

        @Override
        public ClientFactory clients(StrategySettings s, StrategyContext ctx) {
            return id -> new FedAvgClient(ctx, 0.0, id);
        }
    }

    /** {@code scaffold}: SCAFFOLD, option II control variates. */
    public static final class ScaffoldProvider implements StrategyProvider {
        @Override
        public String name() {
            return "scaffold";
        }

        @Override
        public Strategy create(StrategySettings s, StrategyContext ctx) {
            return new Scaffold(s, ctx, clients(s, ctx));
        }

        @Override
        public ClientFactory clients(StrategySettings s, StrategyContext ctx) {
            return id -> new ScaffoldClient(ctx, id);
        }
    }

    /** {@code fedsub}: Subspace Scaffold (docs/algorithm.md). */
    public static final class FedSubProvider implements StrategyProvider {
        @Override
        public String name() {
            return "fedsub";
        }

        @Override
        public Strategy create(StrategySettings s, StrategyContext ctx) {
            return new FedSub(s, new FedSubShared(s.fedsub(), ctx));
        }

        @Override
        public ClientFactory clients(StrategySettings s, StrategyContext ctx) {
            FedSubShared shared = new FedSubShared(s.fedsub(), ctx);
            return id -> new FedSubClient(shared, id);
        }
    }
}
