package org.fedsub.runtime.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Locale;

/**
 * Small helpers that read one key of a settings subtree and turn HOCON's own exceptions and
 * out-of-range values into {@link ConfigError}s that name the full path.
 */
public final class Settings {

    private Settings() {}

    /** Full path of {@code key} under {@code prefix} (for messages). */
    public static String path(String prefix, String key) {
        return prefix == null || prefix.isEmpty() ? key : prefix + "." + key;
    }

    public static int intAt(Config c, String prefix, String key) {
        try {
            return c.getInt(key);
        } catch (ConfigException e) {
            throw wrap(c, prefix, key, outOfIntRange(c, key) ? INT_RANGE : "an integer", e);
        }
    }

    private static final String INT_RANGE = "an integer from " + Integer.MIN_VALUE + " to " + Integer.MAX_VALUE;

    /** True when {@code key} holds a whole number (or a list with one) too large for an int, e.g. 1e10. */
    private static boolean outOfIntRange(Config c, String key) {
        if (!c.hasPath(key)) {
            return false;
        }
        Object v = c.getValue(key).unwrapped();
        List<?> values = v instanceof List<?> l ? l : List.of(v);
        return values.stream().anyMatch(x -> x instanceof Number n && (n.doubleValue() > Integer.MAX_VALUE
                || n.doubleValue() < Integer.MIN_VALUE));
    }

    public static long longAt(Config c, String prefix, String key) {
        try {
            return c.getLong(key);
        } catch (ConfigException e) {
            throw wrap(c, prefix, key, "an integer", e);
        }
    }

    public static double doubleAt(Config c, String prefix, String key) {
        try {
            return c.getDouble(key);
        } catch (ConfigException e) {
            throw wrap(c, prefix, key, "a number", e);
        }
    }

    public static boolean boolAt(Config c, String prefix, String key) {
        try {
            return c.getBoolean(key);
        } catch (ConfigException e) {
            throw wrap(c, prefix, key, "true or false", e);
        }
    }

    public static String stringAt(Config c, String prefix, String key) {
        try {
            return c.getString(key);
        } catch (ConfigException e) {
            throw wrap(c, prefix, key, "a string", e);
        }
    }

    public static List<Integer> intListAt(Config c, String prefix, String key) {
        try {
            return c.getIntList(key);
        } catch (ConfigException e) {
            throw wrap(c, prefix, key, outOfIntRange(c, key) ? "a list of integers, each " + INT_RANGE.substring(3)
                    : "a list of integers", e);
        }
    }

    /** A lower-cased string that must be one of {@code allowed}. */
    public static String oneOf(Config c, String prefix, String key, Collection<String> allowed) {
        String v = stringAt(c, prefix, key).trim().toLowerCase(Locale.ROOT);
        if (!allowed.contains(v)) {
            throw new ConfigError(path(prefix, key), v, "expected one of " + allowed);
        }
        return v;
    }

    public static double positive(String path, double v) {
        if (!(v > 0) || !Double.isFinite(v)) {
            throw new ConfigError(path, v, "expected a finite number > 0");
        }
        return v;
    }

    public static double nonNegative(String path, double v) {
        if (!(v >= 0) || !Double.isFinite(v)) {
            throw new ConfigError(path, v, "expected a finite number >= 0");
        }
        return v;
    }

    public static double unitInterval(String path, double v, boolean zeroAllowed) {
        if (!(v <= 1) || !(zeroAllowed ? v >= 0 : v > 0)) {
            throw new ConfigError(path, v, "expected a number in " + (zeroAllowed ? "[0, 1]" : "(0, 1]"));
        }
        return v;
    }

    public static int atLeast(String path, int v, int min) {
        if (v < min) {
            throw new ConfigError(path, v, "expected an integer >= " + min);
        }
        return v;
    }

    /** {@code d} if it is a duration > 0, else a {@link ConfigError} at {@code path}. */
    public static Duration positive(String path, Duration d) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new ConfigError(path, d, "expected a duration > 0, e.g. 30s or 500ms");
        }
        return d;
    }

    public static Duration durationAt(Config c, String prefix, String key) {
        try {
            return c.getDuration(key);
        } catch (ConfigException e) {
            throw wrap(c, prefix, key, "a duration such as 30s or 500ms", e);
        }
    }

    /**
     * The object at {@code path} of {@code root}; a {@link ConfigError} naming the path when it
     * is missing or not an object ({@code whose} says which reference.conf defines it).
     */
    public static Config subtree(Config root, String path, String whose) {
        try {
            return root.getConfig(path);
        } catch (ConfigException e) {
            throw new ConfigError(path, "missing or not an object; expected the " + path + " block of " + whose, e);
        }
    }

    private static ConfigError wrap(Config c, String prefix, String key, String expected, ConfigException e) {
        String p = path(prefix, key);
        if (e instanceof ConfigException.Missing) {
            return new ConfigError(p, "missing; expected " + expected, e);
        }
        Object v = c.hasPathOrNull(key) && !c.getIsNull(key) ? c.getValue(key).unwrapped() : null;
        String origin = e.origin() == null ? "" : " (" + e.origin().description() + ")";
        return new ConfigError(p, v, "expected " + expected + origin);
    }
}
