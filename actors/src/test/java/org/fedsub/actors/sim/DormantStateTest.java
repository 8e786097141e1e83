package org.fedsub.actors.sim;

import static org.fedsub.actors.Fixtures.assertSameModel;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.fedsub.actors.Fixtures;
import org.fedsub.actors.server.Finished;
import org.fedsub.runtime.config.ConfigError;
import org.fedsub.runtime.engine.Experiment;
import org.fedsub.runtime.engine.Participation;
import org.fedsub.runtime.engine.ReferenceEngine;
import org.fedsub.runtime.engine.RoundListener;
import org.fedsub.runtime.engine.RoundMetrics;
import org.fedsub.runtime.engine.RunResult;
import org.fedsub.runtime.state.ClientStateStore;
import org.fedsub.runtime.state.StateSettings;
import org.fedsub.runtime.strategy.Strategy;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Clients whose state sleeps in a store (and on disk) between rounds compute exactly as the reference. */
@ExtendWith(LogCapturingExtension.class)
class DormantStateTest {

    private static final ActorTestKit testKit = ActorTestKit.create();

    @TempDir
    Path tmp;

    @AfterAll
    static void cleanup() {
        testKit.shutdownTestKit();
    }

    @ParameterizedTest
    @ValueSource(strings = {"scaffold", "fedsub"})
    void clientsDormantInAStoreThatSpills_equalTheReferenceEngineExactly_withLiveStateBoundedByThePool(
            String strategyName) throws Exception {
        Experiment exp = Fixtures.experiment(strategyName, 5, new Participation(3, 1.0, 1));
        RunResult expected = new ReferenceEngine(exp).run(RoundListener.NONE);
        Strategy strategy = ActorSimulation.newStrategy(exp);
        // A budget of about one client's state: most dormant clients are on disk.
        ClientStateStore store = ClientStateStore.open(StateSettings.unbounded().withMemoryBudget(1024).withSpillDir(tmp));
        CompletableFuture<Finished> done = new CompletableFuture<>();

        testKit.spawn(ActorSimulation.behavior(exp, strategy, Fixtures.settings(Duration.ofSeconds(30)), Map.of(),
                RoundListener.NONE, done, store));
        RunResult actual = ActorSimulation.outcome(exp, strategy, done.get(60, TimeUnit.SECONDS)).result();

        assertSameModel(expected.finalModel(), actual.finalModel());
        for (int r = 0; r < expected.rounds().size(); r++) {
            RoundMetrics e = expected.rounds().get(r);
            RoundMetrics a = actual.rounds().get(r);
            assertEquals(e.used(), a.used(), "round " + r);
            assertEquals(e.clientLoss(), a.clientLoss(), 0.0, "round " + r);
            assertEquals(e.testLoss(), a.testLoss(), 0.0, "round " + r);
            assertEquals(e.uplinkBytes(), a.uplinkBytes(), "round " + r);
        }
        ClientStateStore.Stats s = store.stats();
        assertTrue(s.spillWrites() > 0 && s.spillReads() > 0, "states went to disk and came back: " + s);
        assertEquals(0, s.live(), "no client holds live state after the run: " + s);
        assertTrue(s.peakLive() >= 1 && s.peakLive() <= 2, "live states bounded by the compute pool (2): " + s);
        assertTrue(s.dormant() >= 3, "every client that trained has dormant state: " + s);
        store.close();
    }

    @Test
    void run_withABadStateBudget_failsBeforeAnyActorNamingThePath() {
        Experiment exp = Fixtures.experiment("fedsub", 1, Participation.full());

        ConfigError e = assertThrows(ConfigError.class, () -> ActorSimulation.run(exp,
                Fixtures.settings(Duration.ofSeconds(30)), ConfigFactory.parseString("fedsub.state.memory-budget = lots")
                        .withFallback(ConfigFactory.load("application-test")), RoundListener.NONE));

        assertEquals("fedsub.state.memory-budget", e.path());
    }
}
