package org.fedsub.runtime.state;

import static org.fedsub.runtime.config.Settings.path;
import static org.fedsub.runtime.config.Settings.stringAt;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Optional;
import org.fedsub.runtime.config.ConfigError;

/**
 * Where dormant client state lives ({@code fedsub.state}; defaults and meanings in this
 * module's {@code reference.conf}).
 *
 * @param memoryBudget bytes of exported client state kept in memory (>= 0); the least recently
 *                     used states past it are spilled to files
 * @param spillDir     the directory under which the store makes its spill directory; empty for
 *                     the system temporary directory ({@code java.io.tmpdir})
 */
public record StateSettings(long memoryBudget, Optional<Path> spillDir) {

    public static final String PATH = "fedsub.state";

    public StateSettings {
        if (memoryBudget < 0) {
            throw new ConfigError(path(PATH, "memory-budget"), memoryBudget,
                    "expected a size >= 0 such as 256MiB (0 spills every dormant client to disk)");
        }
        if (spillDir == null) {
            throw new ConfigError(path(PATH, "spill-dir"), null, "expected a directory, or \"\" for the system temp directory");
        }
    }

    /** Reads {@code fedsub.state} from a resolved root config. */
    public static StateSettings fromConfig(Config root) {
        Config c;
        try {
            c = root.getConfig(PATH);
        } catch (ConfigException e) {
            throw new ConfigError(PATH, "missing or not an object; expected the " + PATH
                    + " block of fedsub-runtime's reference.conf", e);
        }
        long budget;
        try {
            budget = c.getBytes("memory-budget");
        } catch (ConfigException e) {
            String found = c.hasPath("memory-budget") ? " (found " + c.getValue("memory-budget").render() + ")" : "";
            throw new ConfigError(path(PATH, "memory-budget"), "expected a size such as 256MiB or 1GiB" + found, e);
        }
        String dir = stringAt(c, PATH, "spill-dir").trim();
        Optional<Path> spill;
        try {
            spill = dir.isEmpty() ? Optional.empty() : Optional.of(Path.of(dir));
        } catch (InvalidPathException e) {
            throw new ConfigError(path(PATH, "spill-dir"), dir, "not a valid path: " + e.getMessage());
        }
        return new StateSettings(budget, spill);
    }

    /** Everything in memory, nothing ever spilled. */
    public static StateSettings unbounded() {
        return new StateSettings(Long.MAX_VALUE, Optional.empty());
    }

    public StateSettings withMemoryBudget(long bytes) {
        return new StateSettings(bytes, spillDir);
    }

    public StateSettings withSpillDir(Path dir) {
        return new StateSettings(memoryBudget, Optional.of(dir));
    }
}
