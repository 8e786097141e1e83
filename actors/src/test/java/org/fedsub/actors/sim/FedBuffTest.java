package org.fedsub.actors.sim;

import static org.fedsub.actors.Fixtures.assertSameModel;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.fedsub.actors.ActorSettings;
import org.fedsub.actors.ActorSettings.Async;
import org.fedsub.actors.ActorSettings.Clock;
import org.fedsub.actors.Fixtures;
import org.fedsub.actors.server.Finished;
import org.fedsub.actors.server.RoundReport;
import org.fedsub.runtime.config.ConfigError;
import org.fedsub.runtime.engine.Experiment;
import org.fedsub.runtime.engine.Participation;
import org.fedsub.runtime.engine.ReferenceEngine;
import org.fedsub.runtime.engine.RoundListener;
import org.fedsub.runtime.engine.RoundMetrics;
import org.fedsub.runtime.engine.RunResult;
import org.fedsub.runtime.strategy.Strategy;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@ExtendWith(LogCapturingExtension.class)
class FedBuffTest {

    private static final ActorTestKit testKit = ActorTestKit.create();

    @AfterAll
    static void cleanup() {
        testKit.shutdownTestKit();
    }

    private static ActorSimulation.Outcome run(Experiment exp, ActorSettings settings) throws Exception {
        Strategy strategy = ActorSimulation.newStrategy(exp);
        CompletableFuture<Finished> done = new CompletableFuture<>();
        testKit.spawn(ActorSimulation.behavior(exp, strategy, settings, Map.of(), RoundListener.NONE, done));
        return ActorSimulation.outcome(exp, strategy, done.get(60, TimeUnit.SECONDS));
    }

    @ParameterizedTest
    @CsvSource({"fedavg, REAL", "fedsub, VIRTUAL"})
    void bufferOfEveryClient_noStaleness_isExactlyTheSynchronousRun(String strategy, Clock clock) throws Exception {
        Experiment exp = Fixtures.experiment(strategy, 4, Participation.full());
        RunResult expected = new ReferenceEngine(exp).run(RoundListener.NONE);
        ActorSettings settings = Fixtures.settings(Duration.ofSeconds(30)).withClock(clock)
                // Dual step 1: a buffer of fresh updates of one version is then a synchronous round.
                .withAsync(ActorSettings.defaults().async().fedBuff(6, 6, 0).withDualStep(1.0));

        ActorSimulation.Outcome out = run(exp, settings);

        assertSameModel(expected.finalModel(), out.result().finalModel());
        for (int r = 0; r < 4; r++) {
            RoundMetrics e = expected.rounds().get(r);
            RoundMetrics a = out.result().rounds().get(r);
            assertEquals(e.used(), a.used());
            assertEquals(e.uplinkBytes(), a.uplinkBytes());
            assertEquals(e.downlinkBytes(), a.downlinkBytes());
            assertEquals(e.testAccuracy(), a.testAccuracy(), 0.0);
        }
    }

    @Test
    void fedBuffFedSub_withStragglersAndDropouts_finishes_reproduciblyOnTheVirtualClock() throws Exception {
        Experiment exp = Fixtures.experiment("fedsub", 8, Participation.full());
        ActorSettings settings = Fixtures.settings(Duration.ofSeconds(3)).withClock(Clock.VIRTUAL)
                .withClients(ActorSettings.defaults().clients().withSpeed(0.1, 0.5, 0.3, 10).withFaults(0.9, 0.1))
                .withAsync(ActorSettings.defaults().async().fedBuff(2, 4, 3));

        ActorSimulation.Outcome first = run(exp, settings);
        ActorSimulation.Outcome second = run(exp, settings);

        assertEquals(8, first.rounds().size());
        assertSameModel(first.result().finalModel(), second.result().finalModel());
        for (int i = 0; i < 8; i++) {
            RoundMetrics a = first.rounds().get(i).metrics();
            RoundMetrics b = second.rounds().get(i).metrics();
            assertEquals(a.virtualSeconds(), b.virtualSeconds(), 0.0);
            assertEquals(a.testAccuracy(), b.testAccuracy(), 0.0);
            assertEquals(first.rounds().get(i).failures(), second.rounds().get(i).failures());
        }
        double previous = 0;
        for (RoundReport r : first.rounds()) {
            assertTrue(r.metrics().virtualSeconds() >= previous, "virtual time never goes back");
            previous = r.metrics().virtualSeconds();
        }
        assertTrue(previous > 0);
    }

    @Test
    void strategiesFedBuffCannotRun_areRefusedAtStartUp_namingTheKey() {
        Experiment exp = Fixtures.experiment("scaffold", 2, Participation.full());
        ActorSettings settings = Fixtures.settings(Duration.ofSeconds(3)).withAsync(ActorSettings.defaults().async().fedBuff(2, 4, 3));

        ConfigError e = assertThrows(ConfigError.class, () -> ActorSimulation.behavior(exp,
                ActorSimulation.newStrategy(exp), settings, Map.of(), RoundListener.NONE, new CompletableFuture<>()));
        assertEquals("fedsub.actors.async.mode", e.path());
    }
}
