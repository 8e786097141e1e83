package org.fedsub.actors.sim;

import static org.fedsub.actors.Fixtures.assertSameModel;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.fedsub.actors.ActorSettings;
import org.fedsub.actors.ActorSettings.Async;
import org.fedsub.actors.ActorSettings.Clock;
import org.fedsub.actors.ActorSettings.FedAsync;
import org.fedsub.actors.ActorSettings.Staleness;
import org.fedsub.actors.Fixtures;
import org.fedsub.actors.server.Finished;
import org.fedsub.actors.server.RoundReport;
import org.fedsub.runtime.codec.RawCodec;
import org.fedsub.runtime.config.ConfigError;
import org.fedsub.runtime.data.FederatedData;
import org.fedsub.runtime.data.SyntheticData;
import org.fedsub.runtime.engine.Experiment;
import org.fedsub.runtime.engine.Experiments;
import org.fedsub.runtime.engine.Participation;
import org.fedsub.runtime.engine.ReferenceEngine;
import org.fedsub.runtime.engine.RoundListener;
import org.fedsub.runtime.engine.RoundMetrics;
import org.fedsub.runtime.engine.RunResult;
import org.fedsub.runtime.model.LogisticRegression;
import org.fedsub.runtime.model.Params;
import org.fedsub.runtime.strategy.Strategy;
import org.fedsub.runtime.strategy.StrategySettings;
import org.fedsub.runtime.strategy.TrainSettings;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;

@ExtendWith(LogCapturingExtension.class)
class FedAsyncTest {

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

    /** Fixtures' experiment, over a single client: every FedAsync update is then fresh. */
    private static Experiment oneClient(String strategy, int rounds) {
        FederatedData data = SyntheticData.generate(
                SyntheticData.Spec.fedProx(1, 1).withUsers(1).withMaxSamplesPerUser(60), DataType.DOUBLE, Fixtures.SEED);
        StrategySettings s = StrategySettings.fromConfig(Experiments.load(ConfigFactory.parseString(
                "fedsub.strategy { name = " + strategy + ", fedsub.update-cp-freq = 10 }")));
        return new Experiment("one-" + strategy, Fixtures.SEED, rounds, Participation.full(), 1, 0,
                new RawCodec(DataType.DOUBLE), new LogisticRegression(data.train().featureDim(),
                        data.train().numClasses(), DataType.DOUBLE), data, TrainSettings.sgd(5, 10, 0.05, rounds), s);
    }

    private static ActorSettings fedAsync(FedAsync rule, int concurrency, int maxStaleness) {
        return Fixtures.settings(Duration.ofSeconds(30)).withAsync(ActorSettings.defaults().async().fedAsync(rule, concurrency, maxStaleness));
    }

    @ParameterizedTest
    @ValueSource(strings = {"fedavg", "fedsub"})
    void oneClient_alphaOne_isExactlyTheReferenceEngine(String strategy) throws Exception {
        // One client: no update is ever stale, and s(0) = 1 for every staleness function.
        Experiment exp = oneClient(strategy, 4);
        RunResult expected = new ReferenceEngine(exp).run(RoundListener.NONE);

        ActorSimulation.Outcome out = run(exp, fedAsync(new FedAsync(1.0, Staleness.hinge(10, 0)), 0, 0));

        assertSameModel(expected.finalModel(), out.result().finalModel());
        for (int r = 0; r < 4; r++) {
            RoundMetrics e = expected.rounds().get(r);
            RoundMetrics a = out.result().rounds().get(r);
            assertEquals(1, a.used());
            assertEquals(e.uplinkBytes(), a.uplinkBytes());
            assertEquals(e.testAccuracy(), a.testAccuracy(), 0.0);
        }
    }

    @Test
    void oneClient_alphaHalf_movesTheModelHalfAsFarAsTheReferenceRound() throws Exception {
        Experiment exp = oneClient("fedavg", 1);
        Params initial = ActorSimulation.newStrategy(exp).globalModel().dup();
        Params full = new ReferenceEngine(exp).run(RoundListener.NONE).finalModel();

        Params half = run(exp, fedAsync(new FedAsync(0.5, Staleness.polynomial(0.5)), 1, 0)).result().finalModel();

        for (String n : initial.names()) {
            var expected = initial.get(n).add(full.get(n).sub(initial.get(n)).mul(0.5));
            assertTrue(expected.equalsWithEps(half.get(n), 1e-12), n);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"constant", "polynomial", "hinge"})
    void oneAtATime_alphaOne_isExactlyFedBuffWithABufferOfOne(String function) throws Exception {
        // Concurrency 1: every update is fresh, so alpha * s(0) = 1 = FedBuff's 1/sqrt(1 + 0).
        Experiment exp = Fixtures.experiment("fedsub", 5, Participation.full());
        Staleness s = new Staleness(Staleness.Function.valueOf(function.toUpperCase(java.util.Locale.ROOT)), 0.5, 1);

        ActorSimulation.Outcome fedAsync = run(exp, fedAsync(new FedAsync(1.0, s), 1, 0));
        ActorSimulation.Outcome fedBuff = run(exp, Fixtures.settings(Duration.ofSeconds(30))
                .withAsync(ActorSettings.defaults().async().fedBuff(1, 1, 0)));

        assertSameModel(fedBuff.result().finalModel(), fedAsync.result().finalModel());
    }

    @Test
    void fedAsyncFedSub_withStragglersAndDropouts_finishes_reproduciblyOnTheVirtualClock() throws Exception {
        Experiment exp = Fixtures.experiment("fedsub", 12, Participation.full());
        ActorSettings settings = fedAsync(new FedAsync(0.6, Staleness.polynomial(0.5)), 4, 1)
                .withRoundDeadline(Duration.ofSeconds(3)).withClock(Clock.VIRTUAL)
                .withClients(ActorSettings.defaults().clients().withSpeed(0.1, 0.5, 0.3, 10).withFaults(0.9, 0.1));

        ActorSimulation.Outcome first = run(exp, settings);
        ActorSimulation.Outcome second = run(exp, settings);

        assertEquals(12, first.rounds().size());
        assertSameModel(first.result().finalModel(), second.result().finalModel());
        boolean discardedStale = false;
        for (int i = 0; i < 12; i++) {
            RoundReport a = first.rounds().get(i);
            assertEquals(1, a.metrics().used(), "every version is one applied update; a discarded one makes none");
            assertEquals(a.metrics().virtualSeconds(), second.rounds().get(i).metrics().virtualSeconds(), 0.0);
            assertEquals(a.failures(), second.rounds().get(i).failures());
            discardedStale |= a.failures().stream().anyMatch(f -> f.reason().contains("versions old"));
        }
        assertTrue(discardedStale, "with 4 clients at once some update is more than 1 version old");
    }

    @Test
    void strategiesFedAsyncCannotRun_areRefusedAtStartUp_namingTheKey() {
        Experiment exp = Fixtures.experiment("scaffold", 2, Participation.full());
        ActorSettings settings = fedAsync(ActorSettings.defaults().async().fedAsync(), 2, 3);

        ConfigError e = assertThrows(ConfigError.class, () -> ActorSimulation.behavior(exp,
                ActorSimulation.newStrategy(exp), settings, Map.of(), RoundListener.NONE, new CompletableFuture<>()));
        assertEquals("fedsub.actors.async.mode", e.path());
        assertTrue(e.getMessage().contains("FedAsync cannot run scaffold"), e.getMessage());
    }
}
