package org.fedsub.runtime.engine;

import static org.fedsub.runtime.config.Settings.atLeast;
import static org.fedsub.runtime.config.Settings.intAt;
import static org.fedsub.runtime.config.Settings.oneOf;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.util.List;
import java.util.Locale;

/**
 * What the server sends a sampled client ({@code fedsub.downlink}; defaults and meanings in
 * {@code reference.conf}, the scheme in docs/compression.md).
 *
 * @param mode        {@link Mode#FULL}: every task carries the global model; {@link Mode#DELTA}:
 *                    a client holding an older model version is sent the logged changes since,
 *                    when they are smaller than the model
 * @param logVersions how many model versions back a delta can start: a client whose model is
 *                    older is sent the full model
 */
public record DownlinkSettings(Mode mode, int logVersions) {

    public static final String PATH = "fedsub.downlink";

    /** How tasks carry the global model. */
    public enum Mode {
        FULL, DELTA;

        /** The configuration name ({@code full}, {@code delta}). */
        public String configName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public DownlinkSettings {
        if (mode == null) {
            throw new IllegalArgumentException(PATH + ".mode: expected full or delta");
        }
        atLeast(PATH + ".log-versions", logVersions, 1);
    }

    /** Reads the settings from a resolved root config. */
    public static DownlinkSettings fromConfig(Config root) {
        Config f = root.getConfig("fedsub");
        String mode = oneOf(f, "fedsub", "downlink.mode", List.of("full", "delta"));
        return new DownlinkSettings(Mode.valueOf(mode.toUpperCase(Locale.ROOT)),
                intAt(f, "fedsub", "downlink.log-versions"));
    }

    /** The defaults, as the reference config on the classpath sets them. */
    public static DownlinkSettings defaults() {
        return fromConfig(ConfigFactory.defaultReference());
    }

    /** True in {@link Mode#DELTA}. */
    public boolean delta() {
        return mode == Mode.DELTA;
    }
}
