package org.fedsub.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import org.fedsub.runtime.config.ConfigError;
import org.fedsub.runtime.engine.Experiments;
import org.junit.jupiter.api.Test;

class ActorSettingsTest {

    private static ActorSettings read(String hocon) {
        return ActorSettings.fromConfig(Experiments.load(ConfigFactory.parseString(hocon)));
    }

    @Test
    void defaults_comeFromReferenceConf() {
        ActorSettings s = read("");
        assertEquals(Duration.ofSeconds(60), s.roundDeadline());
        assertEquals(0.0, s.minCompletion());
        assertEquals(2, s.computePoolSize());
        assertEquals(3, s.clientRestarts());
        assertEquals(Duration.ofMillis(200), s.backoff().min());
    }

    @Test
    void computeDispatcher_followsComputePoolSize() {
        // ConfigFactory.load resolves reference.conf's substitutions against the application's values.
        var root = ConfigFactory.load(ConfigFactory.parseString("fedsub.actors.compute-pool-size = 5"));
        assertEquals(5, root.getInt(ActorSettings.COMPUTE_DISPATCHER + ".thread-pool-executor.fixed-pool-size"));
    }

    @Test
    void badValues_nameTheirPath() {
        ConfigError e = assertThrows(ConfigError.class, () -> read("fedsub.actors.min-completion = 1.5"));
        assertEquals("fedsub.actors.min-completion", e.path());
        e = assertThrows(ConfigError.class, () -> read("fedsub.actors.round-deadline = soon"));
        assertEquals("fedsub.actors.round-deadline", e.path());
        e = assertThrows(ConfigError.class, () -> read("fedsub.actors.client-backoff.max = 1ms"));
        assertEquals("fedsub.actors.client-backoff.max", e.path());
        e = assertThrows(ConfigError.class, () -> read("fedsub.actors.client-restarts = -1"));
        assertTrue(e.getMessage().contains("fedsub.actors.client-restarts = -1"), e.getMessage());
    }

    @Test
    void overSelection_samplesMoreClientsThanTheTarget_cappedAtAll() {
        ActorSettings s = read("fedsub.actors.over-selection = 0.3");
        assertEquals(13, s.selected(10, 100));
        assertEquals(12, s.selected(10, 12));
        assertEquals(10, read("").selected(10, 100));
    }
}
