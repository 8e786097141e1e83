package org.fedsub.runtime.config;

/**
 * A configuration mistake found at start-up: names the HOCON path, the value found and what
 * would be right, so that a user can fix the file without reading code.
 */
public final class ConfigError extends RuntimeException {

    private final String path;

    public ConfigError(String path, Object value, String expected) {
        super(path + " = " + render(value) + ": " + expected);
        this.path = path;
    }

    public ConfigError(String path, String message, Throwable cause) {
        super(path + ": " + message, cause);
        this.path = path;
    }

    /** The full HOCON path of the offending key. */
    public String path() {
        return path;
    }

    private static String render(Object value) {
        return value instanceof String s ? '"' + s + '"' : String.valueOf(value);
    }
}
