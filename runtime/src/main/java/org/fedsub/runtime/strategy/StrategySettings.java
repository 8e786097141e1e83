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
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValueFactory;
import com.typesafe.config.ConfigValueType;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.fedsub.runtime.config.ConfigError;
import org.fedsub.runtime.subspace.Generator;

/**
 * Server-side algorithm settings ({@code fedsub.strategy}): the strategy's name, the typed
 * settings of fedsub's own strategies, and the whole section as read, from which a plug-in
 * strategy reads its own {@code fedsub.strategy.<name> { ... }} ({@link #own()}).
 *
 * <p>Built from configuration by {@link #fromConfig}, or in code from the reference.conf
 * defaults: {@code StrategySettings.of("fedsub").withFedSub(FedSubSettings.defaults().withRankRate(0.25))},
 * {@code StrategySettings.of("trimmed-mean").with("trimmed-mean.trim", 0.2)}.
 *
 * @param name          registry name, one of {@link Strategies#names()}
 * @param byExamples    weight client updates by example count (else a uniform mean)
 * @param proxMu        FedProx proximal coefficient mu
 * @param globalLr      SCAFFOLD's global step size eta_g
 * @param server        the server optimizer applied to FedAvg-family pseudo-gradients
 * @param fedsub        FedSub's subspace settings
 * @param config        the {@code fedsub.strategy} section; the typed settings above are written
 *                      over it, so the two always agree (null: the reference.conf section)
 */
public record StrategySettings(String name, boolean byExamples, double proxMu, double globalLr,
        ServerOptimizerSettings server, FedSubSettings fedsub, Config config) {

    public static final String PATH = "fedsub.strategy";

    public StrategySettings {
        StrategyProvider provider = Strategies.provider(name);
        nonNegative(path(PATH, "fedprox.mu"), proxMu);
        positive(path(PATH, "scaffold.global-lr"), globalLr);
        config = typedOver(config == null ? reference() : config, name, byExamples, proxMu, globalLr, server, fedsub);
        provider.check(ownSection(config, name), path(PATH, name));
    }

    /** Settings with these typed values and the rest of the section (plug-ins' settings) from reference.conf. */
    public StrategySettings(String name, boolean byExamples, double proxMu, double globalLr,
            ServerOptimizerSettings server, FedSubSettings fedsub) {
        this(name, byExamples, proxMu, globalLr, server, fedsub, null);
    }

    public static StrategySettings fromConfig(Config root) {
        return fromSection(root.getConfig(PATH));
    }

    private static StrategySettings fromSection(Config c) {
        return new StrategySettings(stringAt(c, PATH, "name").trim().toLowerCase(java.util.Locale.ROOT),
                oneOf(c, PATH, "weighting", List.of("examples", "uniform")).equals("examples"),
                doubleAt(c, PATH, "fedprox.mu"), doubleAt(c, PATH, "scaffold.global-lr"),
                ServerOptimizerSettings.fromConfig(c.getConfig("server-optimizer"), path(PATH, "server-optimizer")),
                FedSubSettings.fromConfig(c.getConfig("fedsub"), path(PATH, "fedsub")), c);
    }

    /** The reference.conf settings: {@code fedsub.strategy} as every reference.conf on the class path sets it. */
    public static StrategySettings defaults() {
        return fromSection(reference());
    }

    /** The reference.conf settings of strategy {@code name}. */
    public static StrategySettings of(String name) {
        return defaults().withName(name);
    }

    /** This strategy's own section {@code fedsub.strategy.<name>}, empty when there is none. */
    public Config own() {
        return ownSection(config, name);
    }

    /** The full path of {@link #own()}, for messages: {@code fedsub.strategy.<name>}. */
    public String ownPath() {
        return path(PATH, name);
    }

    /**
     * These settings with {@code key} (a path under {@code fedsub.strategy}, e.g.
     * {@code "trimmed-mean.trim"} or {@code "fedprox.mu"}) set to {@code value}, read and checked
     * as the same key of a config file would be.
     *
     * @throws ConfigError if no reference.conf defines the key, or the value is not right for it
     */
    public StrategySettings with(String key, Object value) {
        if (!config.hasPathOrNull(key)) {
            throw new ConfigError(path(PATH, key), value, "unknown key; the keys of " + PATH + " are those some "
                    + "reference.conf defines: " + config.root().keySet());
        }
        return fromSection(config.withValue(key, ConfigValueFactory.fromAnyRef(value)));
    }

    public StrategySettings withName(String n) {
        return new StrategySettings(n, byExamples, proxMu, globalLr, server, fedsub, config);
    }

    /** {@code "examples"} (each update weighted by its client's examples) or {@code "uniform"}. */
    public StrategySettings withWeighting(String weighting) {
        return with("weighting", weighting);
    }

    public StrategySettings withProxMu(double mu) {
        return new StrategySettings(name, byExamples, mu, globalLr, server, fedsub, config);
    }

    public StrategySettings withGlobalLr(double lr) {
        return new StrategySettings(name, byExamples, proxMu, lr, server, fedsub, config);
    }

    public StrategySettings withServer(ServerOptimizerSettings s) {
        return new StrategySettings(name, byExamples, proxMu, globalLr, s, fedsub, config);
    }

    public StrategySettings withFedSub(FedSubSettings f) {
        return new StrategySettings(name, byExamples, proxMu, globalLr, server, f, config);
    }

    /** The typed settings and, for a strategy with a section of its own, that section; not the whole section. */
    @Override
    public String toString() {
        return "StrategySettings[name=" + name + ", byExamples=" + byExamples + ", proxMu=" + proxMu + ", globalLr="
                + globalLr + ", server=" + server + ", fedsub=" + fedsub
                + (own().isEmpty() ? "" : ", " + name + "=" + own().root().render(ConfigRenderOptions.concise())) + "]";
    }

    private static Config reference() {
        return ConfigFactory.defaultReference().getConfig(PATH);
    }

    private static Config ownSection(Config section, String name) {
        return section.hasPath(name) && section.getValue(name).valueType() == ConfigValueType.OBJECT
                ? section.getConfig(name) : ConfigFactory.empty();
    }

    /** {@code section} with the typed settings written over their keys. */
    private static Config typedOver(Config section, String name, boolean byExamples, double proxMu, double globalLr,
            ServerOptimizerSettings o, FedSubSettings f) {
        Map<String, Object> typed = new LinkedHashMap<>();
        typed.put("name", name);
        typed.put("weighting", byExamples ? "examples" : "uniform");
        typed.put("fedprox.mu", proxMu);
        typed.put("scaffold.global-lr", globalLr);
        if (o != null) {
            typed.put("server-optimizer.type", o.type());
            typed.put("server-optimizer.lr", o.lr());
            typed.put("server-optimizer.momentum", o.momentum());
            typed.put("server-optimizer.beta1", o.beta1());
            typed.put("server-optimizer.beta2", o.beta2());
            typed.put("server-optimizer.epsilon", o.epsilon());
        }
        if (f != null) {
            typed.put("fedsub.rank", f.rank());
            typed.put("fedsub.rank-rate", f.rankRate());
            typed.put("fedsub.generator", f.generator().configName());
            typed.put("fedsub.update-cp-freq", f.updateCpFreq());
            typed.put("fedsub.layers", f.layers());
            typed.put("fedsub.duals", f.duals());
            typed.put("fedsub.scale-by-rank", f.scaleByRank());
        }
        Config c = section;
        for (Map.Entry<String, Object> e : typed.entrySet()) {
            c = c.withValue(e.getKey(), ConfigValueFactory.fromAnyRef(e.getValue()));
        }
        return c;
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

        /** The reference config's server optimizer, as {@link #plain()}. */
        public static ServerOptimizerSettings defaults() {
            return plain();
        }

        /** {@code "sgd"}, {@code "momentum"} or {@code "adam"}. */
        public ServerOptimizerSettings withType(String t) {
            return new ServerOptimizerSettings(t, lr, momentum, beta1, beta2, epsilon);
        }

        public ServerOptimizerSettings withLr(double l) {
            return new ServerOptimizerSettings(type, l, momentum, beta1, beta2, epsilon);
        }

        public ServerOptimizerSettings withMomentum(double m) {
            return new ServerOptimizerSettings(type, lr, m, beta1, beta2, epsilon);
        }

        /** Adam's first- and second-moment decays. */
        public ServerOptimizerSettings withBetas(double b1, double b2) {
            return new ServerOptimizerSettings(type, lr, momentum, b1, b2, epsilon);
        }

        public ServerOptimizerSettings withEpsilon(double e) {
            return new ServerOptimizerSettings(type, lr, momentum, beta1, beta2, e);
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

        /** The reference config's FedSub settings ({@code fedsub.strategy.fedsub}). */
        public static FedSubSettings defaults() {
            String p = path(PATH, "fedsub");
            return fromConfig(ConfigFactory.defaultReference().getConfig(p), p);
        }

        /** An absolute rank r for every compressed layer (0: use {@link #withRankRate}'s rate). */
        public FedSubSettings withRank(int r) {
            return new FedSubSettings(r, rankRate, generator, updateCpFreq, layers, duals, scaleByRank);
        }

        /** r as a fraction of each layer's in-dimension; also sets rank to 0, so that the rate is used. */
        public FedSubSettings withRankRate(double rate) {
            return new FedSubSettings(0, rate, generator, updateCpFreq, layers, duals, scaleByRank);
        }

        public FedSubSettings withGenerator(Generator g) {
            return new FedSubSettings(rank, rankRate, g, updateCpFreq, layers, duals, scaleByRank);
        }

        /** Local steps between projection regenerations. */
        public FedSubSettings withUpdateCpFreq(int steps) {
            return new FedSubSettings(rank, rankRate, generator, steps, layers, duals, scaleByRank);
        }

        /** A Java regular expression over parameter names selecting the compressed matrices. */
        public FedSubSettings withLayers(String regex) {
            return new FedSubSettings(rank, rankRate, generator, updateCpFreq, regex, duals, scaleByRank);
        }

        public FedSubSettings withDuals(boolean on) {
            return new FedSubSettings(rank, rankRate, generator, updateCpFreq, layers, on, scaleByRank);
        }

        public FedSubSettings withScaleByRank(boolean on) {
            return new FedSubSettings(rank, rankRate, generator, updateCpFreq, layers, duals, on);
        }

        /** The rank used for a layer of in-dimension {@code n}. */
        public int rankFor(long n) {
            return rank > 0 ? rank : (int) Math.max(1, Math.round(rankRate * n));
        }
    }
}
