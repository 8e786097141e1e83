package org.fedsub.runtime.engine;

import static org.fedsub.runtime.config.Settings.atLeast;
import static org.fedsub.runtime.config.Settings.doubleAt;
import static org.fedsub.runtime.config.Settings.intAt;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import org.fedsub.runtime.config.ConfigError;

/**
 * What the server accepts and how long it puts up with rounds that use nothing
 * ({@code fedsub.max-idle-rounds} and {@code fedsub.server}; defaults and meanings in
 * {@code reference.conf}).
 *
 * @param maxIdleRounds      rounds in a row with no update used before the run stops with an error (0: never)
 * @param maxUpdateNorm      absolute cap on an update's L2 norm
 * @param normMedianMultiple relative cap: a multiple of the median norm of the updates aggregated together (0: off)
 * @param downlink           what tasks carry: the full model, or the changes since the client's version ({@code fedsub.downlink})
 */
public record ServerSettings(int maxIdleRounds, double maxUpdateNorm, double normMedianMultiple,
        DownlinkSettings downlink) {

    public static final String PATH = "fedsub.server";

    /** Updates aggregated together below which the relative norm cap is not applied. */
    public static final int MEDIAN_MIN_UPDATES = 3;

    public ServerSettings {
        java.util.Objects.requireNonNull(downlink, "downlink");
        atLeast("fedsub.max-idle-rounds", maxIdleRounds, 0);
        if (!(maxUpdateNorm > 0)) {
            throw new ConfigError(PATH + ".update-norm.max", maxUpdateNorm, "expected a number > 0");
        }
        if (!(normMedianMultiple == 0 || normMedianMultiple >= 1) || !Double.isFinite(normMedianMultiple)) {
            throw new ConfigError(PATH + ".update-norm.median-multiple", normMedianMultiple,
                    "expected 0 (off) or a finite number >= 1");
        }
    }

    /** Settings with the downlink of the reference config. */
    public ServerSettings(int maxIdleRounds, double maxUpdateNorm, double normMedianMultiple) {
        this(maxIdleRounds, maxUpdateNorm, normMedianMultiple, DownlinkSettings.defaults());
    }

    /** Reads the settings from a resolved root config. */
    public static ServerSettings fromConfig(Config root) {
        Config f = root.getConfig("fedsub");
        return new ServerSettings(intAt(f, "fedsub", "max-idle-rounds"),
                doubleAt(f, "fedsub", "server.update-norm.max"),
                doubleAt(f, "fedsub", "server.update-norm.median-multiple"), DownlinkSettings.fromConfig(root));
    }

    /** The defaults, as the reference config on the classpath sets them. */
    public static ServerSettings defaults() {
        return fromConfig(ConfigFactory.defaultReference());
    }

    public ServerSettings withMaxIdleRounds(int n) {
        return new ServerSettings(n, maxUpdateNorm, normMedianMultiple, downlink);
    }

    public ServerSettings withNormBounds(double max, double medianMultiple) {
        return new ServerSettings(maxIdleRounds, max, medianMultiple, downlink);
    }

    public ServerSettings withDownlink(DownlinkSettings d) {
        return new ServerSettings(maxIdleRounds, maxUpdateNorm, normMedianMultiple, d);
    }
}
