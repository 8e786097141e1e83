package org.fedsub.runtime.strategy;

import static org.fedsub.runtime.config.Settings.boolAt;
import static org.fedsub.runtime.config.Settings.doubleAt;
import static org.fedsub.runtime.config.Settings.intAt;
import static org.fedsub.runtime.config.Settings.nonNegative;
import static org.fedsub.runtime.config.Settings.oneOf;
import static org.fedsub.runtime.config.Settings.path;
import static org.fedsub.runtime.config.Settings.positive;
import static org.fedsub.runtime.config.Settings.stringAt;

import com.typesafe.config.Config;
import java.util.List;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.fedsub.runtime.config.ConfigError;
import org.fedsub.runtime.subspace.Generator;

/**
 * Server-side algorithm settings ({@code fedsub.strategy}).
 *
 * @param name          registry name, one of {@link Strategies#NAMES}
 * @param byExamples    weight client updates by example count (else a uniform mean)
 * @param proxMu        FedProx proximal coefficient mu
 * @param globalLr      SCAFFOLD's global step size eta_g
 * @param server        the server optimizer applied to FedAvg-family pseudo-gradients
 * @param fedsub        FedSub's subspace settings
 */
public record StrategySettings(String name, boolean byExamples, double proxMu, double globalLr,
        ServerOptimizerSettings server, FedSubSettings fedsub) {

    public static final String PATH = "fedsub.strategy";

    public StrategySettings {
        if (!Strategies.NAMES.contains(name)) {
            throw new ConfigError(path(PATH, "name"), name, "unknown strategy; expected one of " + Strategies.NAMES);
        }
        nonNegative(path(PATH, "fedprox.mu"), proxMu);
        positive(path(PATH, "scaffold.global-lr"), globalLr);
    }

    public static StrategySettings fromConfig(Config root) {
        Config c = root.getConfig(PATH);
        return new StrategySettings(stringAt(c, PATH, "name").trim().toLowerCase(java.util.Locale.ROOT),
                oneOf(c, PATH, "weighting", List.of("examples", "uniform")).equals("examples"),
                doubleAt(c, PATH, "fedprox.mu"), doubleAt(c, PATH, "scaffold.global-lr"),
                ServerOptimizerSettings.fromConfig(c.getConfig("server-optimizer"), path(PATH, "server-optimizer")),
                FedSubSettings.fromConfig(c.getConfig("fedsub"), path(PATH, "fedsub")));
    }

    public StrategySettings withName(String n) {
        return new StrategySettings(n, byExamples, proxMu, globalLr, server, fedsub);
    }

    /**
     * The server optimizer of FedOpt (Reddi et al.): {@code sgd} (x += lr * delta: FedAvg with
     * lr 1), {@code momentum} (FedAvgM) or {@code adam} (FedAdam).
     */
    public record ServerOptimizerSettings(String type, double lr, double momentum, double beta1, double beta2,
            double epsilon) {

        public static final List<String> TYPES = List.of("sgd", "momentum", "adam");

        public ServerOptimizerSettings {
            String p = PATH + ".server-optimizer";
            if (!TYPES.contains(type)) {
                throw new ConfigError(path(p, "type"), type, "expected one of " + TYPES);
            }
            positive(path(p, "lr"), lr);
            if (!(momentum >= 0 && momentum < 1)) {
                throw new ConfigError(path(p, "momentum"), momentum, "expected a number in [0, 1)");
            }
            if (!(beta1 >= 0 && beta1 < 1)) {
                throw new ConfigError(path(p, "beta1"), beta1, "expected a number in [0, 1)");
            }
            if (!(beta2 >= 0 && beta2 < 1)) {
                throw new ConfigError(path(p, "beta2"), beta2, "expected a number in [0, 1)");
            }
            positive(path(p, "epsilon"), epsilon);
        }

        static ServerOptimizerSettings fromConfig(Config c, String p) {
            return new ServerOptimizerSettings(oneOf(c, p, "type", TYPES), doubleAt(c, p, "lr"),
                    doubleAt(c, p, "momentum"), doubleAt(c, p, "beta1"), doubleAt(c, p, "beta2"),
                    doubleAt(c, p, "epsilon"));
        }

        /** The reference config's server optimizer: plain {@code x += lr * delta} at lr 1. */
        public static ServerOptimizerSettings plain() {
            String p = path(PATH, "server-optimizer");
            return fromConfig(com.typesafe.config.ConfigFactory.defaultReference().getConfig(p), p);
        }
    }

    /**
     * FedSub's settings ({@code fedsub.strategy.fedsub}).
     *
     * @param rank         absolute compression dimension r, or 0 to use {@code rankRate}
     * @param rankRate     r as a fraction of each layer's in-dimension n (the reference's adaptive_cp_rate)
     * @param generator    projection generator
     * @param updateCpFreq local steps between projection regenerations (rounded to whole rounds)
     * @param layers       regular expression over parameter names selecting the compressed matrices
     * @param duals        keep the per-client dual variables (false: the ablation without drift correction)
     * @param scaleByRank  multiply subspace gradients by r/m as the reference does
     */
    public record FedSubSettings(int rank, double rankRate, Generator generator, int updateCpFreq, String layers,
            boolean duals, boolean scaleByRank) {

        public FedSubSettings {
            String p = PATH + ".fedsub";
            if (rank < 0) {
                throw new ConfigError(path(p, "rank"), rank, "expected an integer >= 1, or 0 to use rank-rate");
            }
            if (rank == 0 && !(rankRate > 0 && rankRate <= 1)) {
                throw new ConfigError(path(p, "rank-rate"), rankRate, "expected a number in (0, 1] (used because rank = 0)");
            }
            if (updateCpFreq < 1) {
                throw new ConfigError(path(p, "update-cp-freq"), updateCpFreq, "expected local steps >= 1");
            }
            try {
                Pattern.compile(layers);
            } catch (PatternSyntaxException e) {
                throw new ConfigError(path(p, "layers"), layers, "expected a Java regular expression: " + e.getDescription());
            }
        }

        static FedSubSettings fromConfig(Config c, String p) {
            String gen = oneOf(c, p, "generator", Generator.NAMES);
            return new FedSubSettings(intAt(c, p, "rank"), doubleAt(c, p, "rank-rate"), Generator.of(gen),
                    intAt(c, p, "update-cp-freq"), stringAt(c, p, "layers"), boolAt(c, p, "duals"),
                    boolAt(c, p, "scale-by-rank"));
        }

        /** The rank used for a layer of in-dimension {@code n}. */
        public int rankFor(long n) {
            return rank > 0 ? rank : (int) Math.max(1, Math.round(rankRate * n));
        }
    }
}
