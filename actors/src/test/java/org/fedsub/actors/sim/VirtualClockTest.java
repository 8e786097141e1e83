package org.fedsub.actors.sim;

import static org.fedsub.actors.Fixtures.assertSameModel;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.fedsub.actors.ActorSettings;
import org.fedsub.actors.ActorSettings.Clock;
import org.fedsub.actors.Fixtures;
import org.fedsub.actors.server.Finished;
import org.fedsub.actors.server.RoundReport;
import org.fedsub.runtime.engine.Experiment;
import org.fedsub.runtime.engine.Participation;
import org.fedsub.runtime.engine.ReferenceEngine;
import org.fedsub.runtime.engine.RoundListener;
import org.fedsub.runtime.engine.RoundMetrics;
import org.fedsub.runtime.engine.RunResult;
import org.fedsub.runtime.strategy.ClientFailure;
import org.fedsub.runtime.strategy.Strategy;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(LogCapturingExtension.class)
class VirtualClockTest {

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

    private static ActorSettings virtual(double deadlineSeconds, ActorSettings.Clients clients) {
        return Fixtures.settings(Duration.ofMillis(Math.round(deadlineSeconds * 1000))).withClock(Clock.VIRTUAL)
                .withClients(clients);
    }

    @Test
    void idealClients_onTheVirtualClock_equalTheReferenceEngine_atTimeZero() throws Exception {
        Experiment exp = Fixtures.experiment("fedsub", 3, Participation.full());
        RunResult expected = new ReferenceEngine(exp).run(RoundListener.NONE);

        ActorSimulation.Outcome out = run(exp, virtual(1, ActorSettings.defaults().clients()));

        assertSameModel(expected.finalModel(), out.result().finalModel());
        assertTrue(out.result().rounds().stream().allMatch(m -> m.virtualSeconds() == 0.0));
    }

    @Test
    void virtualTime_advancesByModelledComputeAndTransfer() throws Exception {
        Experiment exp = Fixtures.experiment("fedavg", 3, Participation.full());
        RunResult ref = new ReferenceEngine(exp).run(RoundListener.NONE);
        ActorSettings.Clients clients = ActorSettings.defaults().clients().withSpeed(0.1, 0, 0, 1)
                .withNetwork(Duration.ofMillis(10), 1e6, 1e7);

        ActorSimulation.Outcome out = run(exp, virtual(60, clients));

        // Every client is alike here: 2 latencies + task down + 5 steps x 0.1 s + update up.
        long task = ref.rounds().get(0).downlinkBytes() / 6;
        long update = ref.rounds().get(0).maxClientUplink();
        double round = 0.01 + task / 1e7 + 5 * 0.1 + 0.01 + update / 1e6;
        for (RoundMetrics m : out.result().rounds()) {
            assertEquals((m.round() + 1) * round, m.virtualSeconds(), 1e-9, "round " + m.round());
        }
        assertSameModel(ref.finalModel(), out.result().finalModel());
    }

    @Test
    void stragglersAndDropouts_areCutAtTheVirtualDeadline_reproduciblyFromTheSeed() throws Exception {
        Experiment exp = Fixtures.experiment("fedsub", 4, Participation.full());
        // Normal clients take 0.5 s a round, stragglers 5 s; the deadline is 2 s.
        ActorSettings.Clients clients = ActorSettings.defaults().clients().withSpeed(0.1, 0, 0.3, 10).withFaults(0.9, 0.2);
        ActorSettings settings = virtual(2, clients);
        ClientProfiles profiles = ActorSimulation.profiles(exp, settings);

        ActorSimulation.Outcome first = run(exp, settings);
        ActorSimulation.Outcome second = run(exp, settings);

        assertSameModel(first.result().finalModel(), second.result().finalModel());
        assertEquals(first.rounds(), second.rounds().stream()
                .map(r -> withWallTimeOf(r, first.rounds().get(r.round()))).toList());
        int faults = 0;
        for (RoundReport r : first.rounds()) {
            int round = r.round();
            List<Integer> expectedUsed = new ArrayList<>();
            boolean anyAbsent = false;
            for (int id = 0; id < 6; id++) {
                boolean available = profiles.available(round, id);
                boolean on = available && !profiles.dropsOut(round, id) && !profiles.isStraggler(id);
                if (on) {
                    expectedUsed.add(id);
                }
                anyAbsent |= available && !on;
            }
            faults += 6 - expectedUsed.size();
            assertEquals(expectedUsed.size(), r.metrics().used(), "round " + round);
            List<Integer> failed = r.failures().stream().map(ClientFailure::clientId).toList();
            assertTrue(failed.stream().noneMatch(expectedUsed::contains), "round " + round + " failures " + failed);
            double duration = r.metrics().virtualSeconds() - (round == 0 ? 0 : first.rounds().get(round - 1).metrics().virtualSeconds());
            assertEquals(anyAbsent ? 2.0 : 0.5, duration, 1e-9, "round " + round);
        }
        assertTrue(faults > 0, "the seed gave no fault at all; pick fault rates that do");
    }

    /** The report with the wall time of {@code other} (wall time is the one thing that may differ). */
    private static RoundReport withWallTimeOf(RoundReport r, RoundReport other) {
        RoundMetrics m = r.metrics();
        return new RoundReport(new RoundMetrics(m.round(), m.sampled(), m.used(), m.failed(), m.clientLoss(),
                m.trainLoss(), m.testLoss(), m.testAccuracy(), m.uplinkBytes(), m.downlinkBytes(), m.maxClientUplink(),
                other.metrics().wallMillis(), m.virtualSeconds()), r.late(), r.dropped(), r.failures());
    }

    @Test
    void stragglers_onTheRealClock_areHeldBack_andCutAtTheWallClockDeadline() throws Exception {
        Experiment exp = Fixtures.experiment("fedavg", 1, Participation.full());
        // Normal clients answer after 0.05 s, stragglers after 5 s; the deadline is 1.5 s.
        ActorSettings settings = Fixtures.settings(Duration.ofMillis(1500))
                .withClients(ActorSettings.defaults().clients().withSpeed(0.01, 0, 0.3, 100));
        ClientProfiles profiles = ActorSimulation.profiles(exp, settings);
        int stragglers = 0;
        for (int id = 0; id < 6; id++) {
            stragglers += profiles.isStraggler(id) ? 1 : 0;
        }
        assertTrue(stragglers > 0 && stragglers < 6, "the seed should make some stragglers, made " + stragglers);

        RoundReport r = run(exp, settings).rounds().get(0);

        assertEquals(stragglers, r.late());
        assertEquals(6 - stragglers, r.metrics().used());
        assertEquals(0.0, r.metrics().virtualSeconds());
    }
}
