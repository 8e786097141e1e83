package org.fedsub.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import org.fedsub.runtime.config.ConfigError;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

/** Sizes that cannot fit are refused before anything is allocated, naming the key, the value and the limit. */
class FootprintTest {

    private static final Footprint.Limits ONE_GIB = new Footprint.Limits(1L << 30, 1L << 30);

    private static Config data(String overrides) {
        return Experiments.load(ConfigFactory.parseString(overrides)).getConfig("fedsub.data");
    }

    private static ConfigError refused(String overrides, Footprint.Limits limits) {
        return assertThrows(ConfigError.class,
                () -> Footprint.checkData(data(overrides), "fedsub.data", DataType.FLOAT, limits));
    }

    @Test
    void synthetic_moreValuesThanOneArrayHolds_blamesTheSizeRaisedMost() {
        ConfigError e = refused("fedsub.data.synthetic.users = 1000000000", ONE_GIB);

        assertEquals("fedsub.data.synthetic.users", e.path());
        assertTrue(e.getMessage().startsWith("fedsub.data.synthetic.users = 1000000000: "), e.getMessage());
        assertTrue(e.getMessage().contains("more than one Java array holds (2147483639)"), e.getMessage());
    }

    @Test
    void synthetic_overTheHeap_namesTheHeapLimit() {
        // 200,000 users x >= 50 examples x 60 features, twice in doubles: at least 9 GiB.
        ConfigError e = refused("fedsub.data.synthetic.users = 200000", ONE_GIB);

        assertTrue(e.getMessage().contains("of heap") && e.getMessage().contains("more than the 1.0 GiB"),
                e.getMessage());
    }

    @Test
    void synthetic_theCapLowersTheBound() {
        // Capped at 2 examples a user the same users fit: 200,000 x 2 x 60 x 16 bytes = 366 MiB.
        Footprint.checkData(data("fedsub.data.synthetic { users = 200000, max-samples-per-user = 2 }"), "fedsub.data",
                DataType.FLOAT, ONE_GIB);
    }

    @Test
    void leastSquares_bigDimension_isBlamedOnDim() {
        ConfigError e = refused("fedsub.data { type = least-squares, least-squares.dim = 100000000 }", ONE_GIB);

        assertEquals("fedsub.data.least-squares.dim", e.path());
    }

    @Test
    void defaults_fitEasily() {
        Footprint.checkData(data(""), "fedsub.data", DataType.DOUBLE, ONE_GIB);
        Footprint.checkData(data("fedsub.data.type = least-squares"), "fedsub.data", DataType.DOUBLE, ONE_GIB);
        Footprint.checkData(data("fedsub.data.type = mnist"), "fedsub.data", DataType.DOUBLE, ONE_GIB);
    }

    @Test
    void parseBytes_readsJavaCppSizes() {
        assertEquals(4L << 30, Footprint.parseBytes("4g", 0));
        assertEquals(512L << 20, Footprint.parseBytes("512M", 0));
        assertEquals(1000, Footprint.parseBytes("1000", 0));
        assertEquals(7, Footprint.parseBytes("50%", 7), "a percentage falls back");
        assertEquals(7, Footprint.parseBytes(null, 7));
    }
}
