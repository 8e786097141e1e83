package org.fedsub.examples.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigOriginFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import com.typesafe.config.ConfigValueType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.fedsub.runtime.config.ConfigError;
import org.fedsub.runtime.engine.Experiments;

/**
 * Reads an experiment file, layers {@code --set key=value} overrides over it and the
 * reference.conf defaults under both, and refuses keys that no reference.conf defines (a typo
 * would otherwise be silently ignored and the default used).
 */
public final class ConfigFiles {

    private ConfigFiles() {}

    /** One {@code --set key=value}, parsed. */
    public record Override(String key, ConfigValue value, String text) {}

    /**
     * Parses {@code key=value}; the value is read as HOCON, so {@code 0.05}, {@code true},
     * {@code [64, 64]} and {@code fedsub} get their natural types, and anything HOCON cannot read
     * is taken as a plain string.
     *
     * @throws UsageError when there is no {@code =} or the key is not a HOCON path
     * @throws ConfigError when the value starts as an object, a list or a quoted string and is not valid HOCON
     */
    public static Override parseSet(String text) {
        int eq = text.indexOf('=');
        if (eq <= 0) {
            throw new UsageError("--set expects key=value (e.g. --set fedsub.rounds=20), got '" + text + "'");
        }
        String key = text.substring(0, eq).trim();
        String raw = text.substring(eq + 1).trim();
        try {
            ConfigUtil.splitPath(key);
        } catch (ConfigException e) {
            throw new UsageError("--set " + text + ": '" + key + "' is not a HOCON path (e.g. fedsub.train.lr)");
        }
        ConfigValue value;
        try {
            value = ConfigFactory.parseString("v = " + raw).resolve().getValue("v");
        } catch (ConfigException e) {
            if (raw.startsWith("{") || raw.startsWith("[") || raw.startsWith("\"")) {
                // Meant as an object, a list or a quoted string, and broken: taking it as text would
                // only fail later, further from the mistake.
                throw error(key, "--set " + text + ": the value " + raw + " is not valid HOCON ("
                        + stripOrigin(e) + "); write a whole value, e.g. --set 'fedsub.model.hidden=[64, 64]'");
            }
            value = ConfigValueFactory.fromAnyRef(raw);
        }
        return new Override(key, value, text);
    }

    /** The overrides as one config, later ones winning. */
    public static Config overrides(List<Override> sets) {
        Config c = ConfigFactory.empty();
        for (Override o : sets) {
            c = c.withValue(o.key(), o.value().withOrigin(ConfigOriginFactory.newSimple("--set " + o.text())));
        }
        return c;
    }

    /**
     * Parses {@code file} (includes are relative to it); a syntax error becomes a
     * {@link ConfigError} whose message has the file and line.
     *
     * @throws MissingFile when the file does not exist
     */
    public static Config parseFile(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new MissingFile(file);
        }
        try {
            return ConfigFactory.parseFile(file.toFile(), ConfigParseOptions.defaults().setAllowMissing(false));
        } catch (ConfigException e) {
            // "line 12" for the file itself; an included file's errors name that file.
            var origin = e.origin();
            boolean self = origin != null && origin.filename() != null
                    && Path.of(origin.filename()).toAbsolutePath().normalize().equals(file.toAbsolutePath().normalize());
            String where = origin == null ? file.toString()
                    : self && origin.lineNumber() > 0 ? "line " + origin.lineNumber() : origin.description();
            throw new ConfigError(where, stripOrigin(e), e);
        }
    }

    /**
     * The resolved root config of {@code file} with {@code sets} on top and every module's
     * reference.conf underneath, after checking that every {@code fedsub} key is a known one.
     */
    public static Config load(Path file, List<Override> sets) {
        Config user = overrides(sets).withFallback(parseFile(file));
        checkKnownKeys(user);
        return Experiments.load(user);
    }

    /**
     * Throws a {@link ConfigError} for the first key no reference.conf defines: every
     * {@code fedsub.*} key must be one of fedsub's, and a key outside {@code fedsub} must at least
     * start with a root some library's reference.conf has (e.g. {@code pekko}), so that
     * {@code rounds = 5} or a misspelt {@code fedsubb {...}} is refused instead of ignored.
     * Below a library's root anything goes: Pekko takes user-named entries (serializers,
     * bindings) there.
     */
    public static void checkKnownKeys(Config user) {
        Config reference = ConfigFactory.defaultReference();
        for (Map.Entry<String, ConfigValue> e : user.entrySet()) {
            List<String> parts = ConfigUtil.splitPath(e.getKey());
            if (parts.get(0).equals("fedsub")) {
                checkKnown(reference, parts, e.getValue());
            } else if (!reference.hasPathOrNull(ConfigUtil.joinPath(parts.get(0)))) {
                String suggestion = reference.hasPath(ConfigUtil.joinPath(concat(List.of("fedsub"), parts.get(0))))
                        ? "; did you mean fedsub." + e.getKey() + "?"
                        : distance(parts.get(0), "fedsub") <= 2 ? "; did you mean fedsub?" : "";
                throw error(parts.get(0), "unknown key" + suggestion + " (fedsub's keys are under fedsub; every key, "
                        + "with its meaning, is in reference.conf)");
            }
        }
    }

    /**
     * Like {@link #checkKnownKeys} for one path given as its elements, whose {@code value} is not
     * an object: a value where reference.conf has a block ({@code fedsub.train = 5}) is refused too.
     */
    /** The one block whose keys the user names: the cluster's nodes. */
    private static final String USER_NAMED = "fedsub.cluster.nodes";

    static void checkKnown(Config reference, List<String> parts, ConfigValue value) {
        // Walk down: a key under a non-object value of the reference (a list, a number) is unknown too.
        for (int i = 1; i <= parts.size(); i++) {
            String prefix = ConfigUtil.joinPath(parts.subList(0, i));
            if (prefix.equals(USER_NAMED) && i < parts.size()) {
                return; // node names are the user's: ClusterSettings checks what is below them
            }
            if (!reference.hasPathOrNull(prefix)) {
                boolean pluginSection = i == 3 && (parts.get(1).equals("strategy") || parts.get(1).equals("model"));
                throw error(prefix, "unknown key" + suggestion(reference, parts.subList(0, i))
                        + " (every key, with its meaning, is in reference.conf"
                        + (pluginSection ? "; a plug-in's section is known once its jar is on the class path, "
                                + "e.g. in FEDSUB_CLASSPATH" : "") + ")");
            }
            ConfigValueType type = reference.getIsNull(prefix) ? ConfigValueType.NULL
                    : reference.getValue(prefix).valueType();
            if (i < parts.size() && type != ConfigValueType.OBJECT) {
                throw error(ConfigUtil.joinPath(parts), "unknown key: " + prefix + " is a "
                        + type.name().toLowerCase(java.util.Locale.ROOT) + ", not an object");
            }
            if (i == parts.size() && type == ConfigValueType.OBJECT && value.valueType() != ConfigValueType.OBJECT) {
                String first = ((ConfigObject) reference.getValue(prefix)).keySet().stream().sorted().findFirst()
                        .orElse("key");
                throw new ConfigError(prefix, value.unwrapped(), "expected a block of keys { ... }, not one value, "
                        + "e.g. " + prefix + "." + first + " = ... (every key, with its meaning, is in reference.conf)");
            }
        }
    }

    /** "; did you mean X?" for the closest known key among siblings, or the same key elsewhere. */
    private static String suggestion(Config reference, List<String> parts) {
        String last = parts.get(parts.size() - 1);
        String parent = ConfigUtil.joinPath(parts.subList(0, parts.size() - 1));
        String best = null;
        int bestDistance = Math.max(2, last.length() / 3) + 1;
        if (reference.hasPath(parent) && reference.getValue(parent) instanceof ConfigObject siblings) {
            for (String k : siblings.keySet()) {
                int d = distance(k, last);
                if (d < bestDistance) {
                    bestDistance = d;
                    best = ConfigUtil.joinPath(concat(parts.subList(0, parts.size() - 1), k));
                }
            }
        }
        if (best == null) {
            List<String> elsewhere = new ArrayList<>();
            for (Map.Entry<String, ConfigValue> e : reference.getConfig("fedsub").entrySet()) {
                List<String> p = ConfigUtil.splitPath(e.getKey());
                int at = p.indexOf(last);
                if (at >= 0) {
                    elsewhere.add(ConfigUtil.joinPath(concat(List.of("fedsub"), p.subList(0, at + 1))));
                }
            }
            if (!elsewhere.isEmpty()) {
                best = String.join(" or ", elsewhere.stream().distinct().sorted().limit(3).toList());
            }
        }
        return best == null ? "" : "; did you mean " + best + "?";
    }

    private static List<String> concat(List<String> a, String b) {
        List<String> out = new ArrayList<>(a);
        out.add(b);
        return out;
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }

    /** A {@link ConfigError} with a message of its own rather than "path = value: expected". */
    static ConfigError error(String path, String message) {
        return new ConfigError(path, message, (Throwable) null);
    }

    /** Levenshtein distance: catches local-step vs local-steps and lr-shedule vs lr-schedule. */
    static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                cur[j] = Math.min(sub, Math.min(prev[j] + 1, cur[j - 1] + 1));
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    /** The {@code fedsub} subtree of {@code root}, rendered as a HOCON file that reruns it. */
    public static String render(Config root, String header) {
        ConfigRenderOptions opts = ConfigRenderOptions.defaults().setOriginComments(false).setComments(false)
                .setJson(false).setFormatted(true);
        return header + root.withOnlyPath("fedsub").root().render(opts);
    }

    private static String stripOrigin(ConfigException e) {
        String m = e.getMessage();
        String origin = e.origin() == null ? null : e.origin().description();
        if (origin != null && m.startsWith(origin + ": ")) {
            return m.substring(origin.length() + 2);
        }
        return m;
    }

    /** The experiment file named on the command line does not exist. */
    public static final class MissingFile extends RuntimeException {

        private final Path file;

        public MissingFile(Path file) {
            super("no such file: " + file + " (looked in " + file.toAbsolutePath().normalize().getParent() + ")");
            this.file = file;
        }

        public Path file() {
            return file;
        }
    }
}
