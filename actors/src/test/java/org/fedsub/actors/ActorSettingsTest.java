package org.fedsub.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.List;
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
        assertEquals(ActorSettings.ClientHosting.HOSTED, s.clientHosting());
        assertEquals(ActorSettings.ClientHosting.ACTORS, read("fedsub.actors.client-hosting = actors").clientHosting());
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
        e = assertThrows(ConfigError.class, () -> read("fedsub.actors.client-hosting = pooled"));
        assertEquals("fedsub.actors.client-hosting", e.path());
        e = assertThrows(ConfigError.class, () -> read("fedsub.actors.async.dual-step = 0"));
        assertEquals("fedsub.actors.async.dual-step", e.path());
        e = assertThrows(ConfigError.class, () -> read("fedsub.actors.async.dual-step = 1.5"));
        assertEquals("fedsub.actors.async.dual-step", e.path());
    }

    @Test
    void defaults_areTheReferenceConfigs_idealClientsInSynchronousRounds() {
        ActorSettings d = ActorSettings.defaults();

        assertEquals(read(""), d);
        assertEquals(ActorSettings.Async.Mode.SYNC, d.async().mode());
        assertEquals(0.0, d.clients().dropout(), 0.0);
        assertEquals(1.0, d.clients().availability(), 0.0);
        assertEquals(0.6, d.async().fedAsync().alpha(), 0.0, "FedAsync's alpha as reference.conf sets it");
        assertEquals(0.25, d.async().dualStep(), 0.0, "FedBuff's dual step as reference.conf sets it");
    }

    @Test
    void overSelection_samplesMoreClientsThanTheTarget_cappedAtAll() {
        ActorSettings s = read("fedsub.actors.over-selection = 0.3");
        assertEquals(13, s.selected(10, 100));
        assertEquals(12, s.selected(10, 12));
        assertEquals(10, read("").selected(10, 100));
    }

    @Test
    void stalenessFunctions_areOneWhenFresh_andDecayAsDefined() {
        ActorSettings.Staleness constant = ActorSettings.Staleness.constant();
        ActorSettings.Staleness poly = ActorSettings.Staleness.polynomial(0.5);
        ActorSettings.Staleness hinge = ActorSettings.Staleness.hinge(10, 4);
        for (ActorSettings.Staleness f : List.of(constant, poly, hinge)) {
            assertEquals(1.0, f.weight(0), f.toString());
        }
        assertEquals(1.0, constant.weight(100));
        assertEquals(0.5, poly.weight(3), 1e-15);
        assertEquals(1.0 / 3, ActorSettings.Staleness.polynomial(1).weight(2), 1e-15);
        assertEquals(1.0, hinge.weight(4), "no decay within the grace period b");
        assertEquals(1.0 / 11, hinge.weight(5), 1e-15);
        assertEquals(1.0 / 61, hinge.weight(10), 1e-15);
        assertThrows(IllegalArgumentException.class, () -> poly.weight(-1));
    }

    @Test
    void fedAsync_readsModeAlphaAndStaleness_andWeighsAlphaTimesS() {
        ActorSettings s = read("""
                fedsub.actors.async {
                  mode = fedasync
                  buffer-size = 7
                  fedasync { alpha = 0.8, staleness { function = hinge, a = 10, b = 4 } }
                }
                """);
        ActorSettings.Async a = s.async();
        assertEquals(ActorSettings.Async.Mode.FEDASYNC, a.mode());
        assertTrue(a.asynchronous());
        assertEquals(1, a.effectiveBufferSize(), "FedAsync applies every arrival alone");
        assertEquals(0.8, a.weight(3), 1e-15);
        assertEquals(0.8 / 11, a.weight(5), 1e-15);

        ActorSettings.Async fedBuff = read("fedsub.actors.async { mode = fedbuff, buffer-size = 7 }").async();
        assertEquals(7, fedBuff.effectiveBufferSize());
        assertEquals(0.5, fedBuff.weight(3), 1e-15, "FedBuff keeps 1/sqrt(1+s) whatever fedasync says");
        assertEquals(ActorSettings.Async.Mode.SYNC, read("").async().mode());
    }

    @Test
    void fedAsync_badValues_nameTheirPath() {
        ConfigError e = assertThrows(ConfigError.class, () -> read("fedsub.actors.async.fedasync.alpha = 0"));
        assertEquals("fedsub.actors.async.fedasync.alpha", e.path());
        e = assertThrows(ConfigError.class, () -> read("fedsub.actors.async.fedasync.staleness.function = linear"));
        assertEquals("fedsub.actors.async.fedasync.staleness.function", e.path());
        e = assertThrows(ConfigError.class, () -> read("fedsub.actors.async.fedasync.staleness.a = -1"));
        assertEquals("fedsub.actors.async.fedasync.staleness.a", e.path());
        e = assertThrows(ConfigError.class, () -> read("fedsub.actors.async.mode = fedasink"));
        assertTrue(e.getMessage().contains("[sync, fedbuff, fedasync]"), e.getMessage());
    }
}
