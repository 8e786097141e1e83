package org.fedsub.actors.sim;

import static org.fedsub.actors.Fixtures.assertSameModel;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.fedsub.actors.ActorSettings;
import org.fedsub.actors.Fixtures;
import org.fedsub.actors.client.ClientActor;
import org.fedsub.actors.protocol.FederatedProtocol.ToClient;
import org.fedsub.actors.protocol.FederatedProtocol.TrainRound;
import org.fedsub.actors.server.Finished;
import org.fedsub.actors.server.RoundReport;
import org.fedsub.runtime.codec.Codec;
import org.fedsub.runtime.codec.Payload;
import org.fedsub.runtime.data.ClientData;
import org.fedsub.runtime.engine.ClientStep;
import org.fedsub.runtime.engine.DownlinkSettings;
import org.fedsub.runtime.engine.Experiment;
import org.fedsub.runtime.engine.Participation;
import org.fedsub.runtime.engine.ReferenceEngine;
import org.fedsub.runtime.engine.RoundListener;
import org.fedsub.runtime.engine.RoundMetrics;
import org.fedsub.runtime.engine.RunResult;
import org.fedsub.runtime.engine.ServerSettings;
import org.fedsub.runtime.model.Params;
import org.fedsub.runtime.strategy.ClientAlgorithm;
import org.fedsub.runtime.strategy.ClientUpdate;
import org.fedsub.runtime.strategy.Strategy;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@ExtendWith(LogCapturingExtension.class)
class ActorSimulationTest {

    private static final ActorTestKit testKit = ActorTestKit.create();

    @AfterAll
    static void cleanup() {
        testKit.shutdownTestKit();
    }

    private static ActorSimulation.Outcome runInTestKit(Experiment exp, Strategy strategy, ActorSettings settings,
            Map<Integer, Behavior<ToClient>> overrides) throws Exception {
        CompletableFuture<Finished> done = new CompletableFuture<>();
        testKit.spawn(ActorSimulation.behavior(exp, strategy, settings, overrides, RoundListener.NONE, done));
        return ActorSimulation.outcome(exp, strategy, done.get(60, TimeUnit.SECONDS));
    }

    private static void assertSameRun(RunResult expected, RunResult actual) {
        assertSameModel(expected.finalModel(), actual.finalModel());
        assertEquals(expected.rounds().size(), actual.rounds().size());
        for (int i = 0; i < expected.rounds().size(); i++) {
            RoundMetrics e = expected.rounds().get(i);
            RoundMetrics a = actual.rounds().get(i);
            String at = "round " + i;
            assertEquals(e.sampled(), a.sampled(), at);
            assertEquals(e.used(), a.used(), at);
            assertEquals(e.failed(), a.failed(), at);
            assertEquals(e.uplinkBytes(), a.uplinkBytes(), at);
            assertEquals(e.downlinkBytes(), a.downlinkBytes(), at);
            assertEquals(e.maxClientUplink(), a.maxClientUplink(), at);
            assertEquals(e.clientLoss(), a.clientLoss(), 0.0, at);
            assertEquals(e.testAccuracy(), a.testAccuracy(), 0.0, at);
            assertEquals(e.testLoss(), a.testLoss(), 0.0, at);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"fedavg", "scaffold", "fedsub"})
    void faultlessRun_fullParticipation_equalsTheReferenceEngineExactly(String strategy) throws Exception {
        Experiment exp = Fixtures.experiment(strategy, 4, Participation.full());
        RunResult expected = new ReferenceEngine(exp).run(RoundListener.NONE);

        ActorSimulation.Outcome actual = runInTestKit(exp, ActorSimulation.newStrategy(exp),
                Fixtures.settings(Duration.ofSeconds(30)), Map.of());

        assertSameRun(expected, actual.result());
        assertTrue(actual.rounds().stream().allMatch(r -> r.failures().isEmpty() && r.late() == 0 && !r.dropped()));
        assertTrue(expected.finalModel().dup().subi(exp.model().init(exp.seed())).norm2() > 1e-3, "the model moved");
    }

    /** Either way of running the clients (hosted, the default, or an actor each) computes as the reference. */
    @ParameterizedTest
    @ValueSource(strings = {"HOSTED", "ACTORS"})
    void faultlessRun_partialParticipation_samplesAndComputesAsTheReference(String hosting) throws Exception {
        Experiment exp = Fixtures.experiment("fedsub", 5, new Participation(3, 1.0, 1));
        RunResult expected = new ReferenceEngine(exp).run(RoundListener.NONE);

        ActorSimulation.Outcome actual = runInTestKit(exp, ActorSimulation.newStrategy(exp),
                Fixtures.settings(Duration.ofSeconds(30)).withClientHosting(ActorSettings.ClientHosting.valueOf(hosting)),
                Map.of());

        assertSameRun(expected, actual.result());
    }

    /** A delta downlink with int8 changes: the actors send and count what the reference engine does. */
    @Test
    void faultlessRun_deltaDownlinkInt8_countsAndComputesAsTheReference() throws Exception {
        Experiment exp = Fixtures.experiment("fedsub", 6, new Participation(3, 1.0, 1));
        Experiment delta = exp.withServer(ServerSettings.defaults().withDownlink(new DownlinkSettings(
                DownlinkSettings.Mode.DELTA, 3))).withCodecs(exp.uplinkCodec(), Codec.named("int8", "test"));
        RunResult expected = new ReferenceEngine(delta).run(RoundListener.NONE);

        ActorSimulation.Outcome actual = runInTestKit(delta, ActorSimulation.newStrategy(delta),
                Fixtures.settings(Duration.ofSeconds(30)), Map.of());

        assertSameRun(expected, actual.result());
        assertTrue(expected.totalDownlinkBytes() < new ReferenceEngine(exp).run(RoundListener.NONE)
                .totalDownlinkBytes());
    }

    @Test
    void run_entryPoint_createsRunsAndTerminatesItsOwnSystem() {
        Experiment exp = Fixtures.experiment("fedavg", 2, Participation.full());
        RunResult expected = new ReferenceEngine(exp).run(RoundListener.NONE);

        ActorSimulation.Outcome actual = ActorSimulation.run(exp, Fixtures.settings(Duration.ofSeconds(30)),
                ConfigFactory.load("application-test"), RoundListener.NONE);

        assertSameRun(expected, actual.result());
    }

    @Test
    void clientThatNeverAnswers_isCutAtTheDeadline_andTheRunFinishes() throws Exception {
        Experiment exp = Fixtures.experiment("fedsub", 2, Participation.full());
        Strategy strategy = ActorSimulation.newStrategy(exp);

        ActorSimulation.Outcome out = runInTestKit(exp, strategy, Fixtures.settings(Duration.ofSeconds(2)),
                Map.of(4, Behaviors.ignore()));

        assertEquals(2, out.rounds().size());
        for (RoundReport r : out.rounds()) {
            assertEquals(1, r.late());
            assertEquals(5, r.metrics().used());
            assertEquals(1, r.metrics().failed());
            assertEquals(4, r.failures().get(0).clientId());
            assertTrue(r.failures().get(0).reason().startsWith("late"), r.failures().get(0).reason());
        }
    }

    /** A client algorithm whose training always throws. */
    private static final class Crashing implements ClientAlgorithm {
        @Override
        public ClientUpdate train(int round, Payload task, ClientData data) {
            throw new IllegalStateException("simulated crash in round " + round);
        }
    }

    @Test
    void clientThatAlwaysCrashes_isRestartedThenGivenUp_countedFailed_andTheRunFinishes() throws Exception {
        Experiment exp = Fixtures.experiment("scaffold", 4, Participation.full());
        Strategy strategy = ActorSimulation.newStrategy(exp);
        ActorSettings settings = Fixtures.settings(Duration.ofSeconds(20)); // 2 restarts
        Behavior<ToClient> crashing = ClientActor.supervised(
                new ClientStep(new Crashing(), exp.data().client(2), exp.codec(), exp.model().dtype(), null), settings);

        assertRestartedTwiceThenGivenUp(runInTestKit(exp, strategy, settings, Map.of(2, crashing)));
    }

    /** Client 2 of a 4-round run failed each round: three trainings (the first and two restarts), then stopped. */
    private static void assertRestartedTwiceThenGivenUp(ActorSimulation.Outcome out) {
        assertEquals(4, out.rounds().size());
        List<String> reasons = out.rounds().stream().map(r -> r.failures().get(0).reason()).toList();
        for (RoundReport r : out.rounds()) {
            assertEquals(5, r.metrics().used());
            assertEquals(1, r.failures().size());
            assertEquals(2, r.failures().get(0).clientId());
            assertEquals(0, r.late(), "failures are reported at once, not at the deadline");
        }
        assertTrue(reasons.subList(0, 3).stream().allMatch(s -> s.startsWith("training failed")), reasons.toString());
        assertTrue(reasons.get(3).contains("stopped"), reasons.toString());
    }

    /** As above, the client hosted (the simulation's own, from the strategy) rather than an actor of its own. */
    @Test
    void hostedClientThatAlwaysCrashes_isRestartedThenGivenUp_countedFailed_andTheRunFinishes() throws Exception {
        Experiment exp = Fixtures.experiment("scaffold", 4, Participation.full());
        Strategy real = ActorSimulation.newStrategy(exp);
        // The strategy's own clients, but client 2's training always throws.
        Strategy strategy = (Strategy) java.lang.reflect.Proxy.newProxyInstance(Strategy.class.getClassLoader(),
                new Class<?>[] {Strategy.class}, (proxy, method, args) -> {
                    if (method.getName().equals("newClient") && (int) args[0] == 2) {
                        return new Crashing();
                    }
                    try {
                        return method.invoke(real, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        ActorSettings settings = Fixtures.settings(Duration.ofSeconds(20))
                .withClientHosting(ActorSettings.ClientHosting.HOSTED); // 2 restarts

        assertRestartedTwiceThenGivenUp(runInTestKit(exp, strategy, settings, Map.of()));
    }

    @Test
    void clientThatIsKilledMidRound_isReportedAsAFailure_andTheRunFinishes() throws Exception {
        Experiment exp = Fixtures.experiment("fedavg", 3, Participation.full());
        Strategy strategy = ActorSimulation.newStrategy(exp);
        Behavior<ToClient> killedOnFirstTask = Behaviors.receiveMessage(m -> m instanceof TrainRound
                ? Behaviors.stopped() : Behaviors.same());

        ActorSimulation.Outcome out = runInTestKit(exp, strategy, Fixtures.settings(Duration.ofSeconds(20)),
                Map.of(5, killedOnFirstTask));

        assertEquals(3, out.rounds().size());
        for (RoundReport r : out.rounds()) {
            assertEquals(5, r.metrics().used());
            assertEquals(0, r.late());
            assertEquals(5, r.failures().get(0).clientId());
            assertTrue(r.failures().get(0).reason().contains("stopped"), r.failures().get(0).reason());
        }
    }

    @Test
    void roundsBelowMinCompletion_areDropped_andTheModelIsKept() throws Exception {
        Experiment exp = Fixtures.experiment("fedsub", 2, Participation.full());
        Strategy strategy = ActorSimulation.newStrategy(exp);
        Params initial = strategy.globalModel().dup();
        ActorSettings settings = Fixtures.settings(Duration.ofSeconds(2)).withMinCompletion(0.9); // needs 6 of 6

        ActorSimulation.Outcome out = runInTestKit(exp, strategy, settings, Map.of(1, Behaviors.ignore()));

        assertEquals(2, out.rounds().size());
        for (RoundReport r : out.rounds()) {
            assertTrue(r.dropped());
            assertEquals(0, r.metrics().used());
            assertEquals(6, r.metrics().failed());
            assertEquals(1, r.late());
            assertTrue(r.metrics().evaluated());
        }
        assertSameModel(initial, out.result().finalModel());
        assertFalse(out.result().rounds().get(1).uplinkBytes() == 0, "the updates that arrived were still sent");
    }

    @Test
    void finished_comesOnlyAfterEveryClientHasFoldedItsLastAcknowledgement() throws Exception {
        Experiment exp = Fixtures.experiment("fedsub", 3, Participation.full());
        Strategy strategy = ActorSimulation.newStrategy(exp);
        ClientAlgorithm real = strategy.newClient(0);
        java.util.concurrent.atomic.AtomicInteger folded = new java.util.concurrent.atomic.AtomicInteger();
        // A client slow to fold its acknowledgements: a run that reported finished before the
        // last fold would leave it (and its state) mid-update.
        ClientAlgorithm slowFold = new ClientAlgorithm() {
            @Override
            public ClientUpdate train(int round, Payload task, ClientData data) {
                return real.train(round, task, data);
            }

            @Override
            public void onAggregated(int round, Payload ack) {
                try {
                    Thread.sleep(200);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                real.onAggregated(round, ack);
                folded.incrementAndGet();
            }
        };
        ActorSettings settings = Fixtures.settings(Duration.ofSeconds(30));
        Behavior<ToClient> client0 = ClientActor.supervised(new ClientStep(slowFold, exp.data().client(0), exp.codec(),
                exp.model().dtype(), null), settings);

        ActorSimulation.Outcome out = runInTestKit(exp, strategy, settings, Map.of(0, client0));

        assertEquals(3, out.rounds().stream().filter(r -> r.metrics().used() == 6).count());
        assertEquals(3, folded.get(), "acknowledgements folded by client 0 when the run reported finished");
    }
}
