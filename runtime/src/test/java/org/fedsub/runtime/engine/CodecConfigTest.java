package org.fedsub.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import org.fedsub.runtime.codec.Codec;
import org.fedsub.runtime.config.ConfigError;
import org.junit.jupiter.api.Test;

/** {@code fedsub.codec}, {@code fedsub.uplink-codec} and {@code fedsub.downlink-codec}. */
class CodecConfigTest {

    private static Config fedsub(String hocon) {
        return Experiments.load(ConfigFactory.parseString(hocon)).getConfig("fedsub");
    }

    @Test
    void defaults_float32BothWays() {
        Config f = fedsub("");
        assertEquals("float32", Experiments.codec(f, "uplink-codec").name());
        assertEquals("float32", Experiments.codec(f, "downlink-codec").name());
    }

    @Test
    void emptyDirection_takesFedsubCodec_ownSettingWins() {
        Config f = fedsub("fedsub { codec = float64, uplink-codec = int4 }");
        assertEquals("int4", Experiments.codec(f, "uplink-codec").name());
        assertEquals("float64", Experiments.codec(f, "downlink-codec").name());
        for (String c : Codec.NAMES) {
            assertEquals(c, Experiments.codec(fedsub("fedsub.uplink-codec = " + c), "uplink-codec").name());
        }
    }

    @Test
    void lossyDownlink_isAConfigErrorNamingTheKeyThatSetIt() {
        ConfigError e = assertThrows(ConfigError.class,
                () -> Experiments.codec(fedsub("fedsub.downlink-codec = int8"), "downlink-codec"));
        assertTrue(e.getMessage().contains("fedsub.downlink-codec") && e.getMessage().contains("int8")
                && e.getMessage().contains("uplink"), e.getMessage());
        e = assertThrows(ConfigError.class, () -> Experiments.codec(fedsub("fedsub.codec = fp16"), "downlink-codec"));
        assertTrue(e.getMessage().contains("fedsub.codec") && e.getMessage().contains("fp16"), e.getMessage());
    }

    @Test
    void unknownUplinkCodec_listsTheChoices() {
        ConfigError e = assertThrows(ConfigError.class,
                () -> Experiments.codec(fedsub("fedsub.uplink-codec = int2"), "uplink-codec"));
        assertTrue(e.getMessage().contains("fedsub.uplink-codec") && e.getMessage().contains("int4"), e.getMessage());
    }
}
