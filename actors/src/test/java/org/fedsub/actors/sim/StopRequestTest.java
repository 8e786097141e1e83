package org.fedsub.actors.sim;

import static org.fedsub.actors.Fixtures.assertSameModel;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.fedsub.actors.ActorSettings;
import org.fedsub.actors.Fixtures;
import org.fedsub.actors.server.Finished;
import org.fedsub.actors.server.RoundReport;
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

/**
 * A listener's stop request (Ctrl-C in the launcher) ends a run on actors after the round (or
 * version) it came in: the coordinator finishes normally with what it has.
 */
@ExtendWith(LogCapturingExtension.class)
class StopRequestTest {

    private static final ActorTestKit testKit = ActorTestKit.create();

    @AfterAll
    static void cleanup() {
        testKit.shutdownTestKit();
    }

    /** Stops after {@code after} rounds; takes the coordinators' reports. */
    private static final class StopAfter implements RoundReport.Listener {

        final int after;
        final List<RoundReport> reports = new ArrayList<>();

        StopAfter(int after) {
            this.after = after;
        }

        @Override
        public void onReport(RoundReport report) {
            reports.add(report);
        }

        @Override
        public void onRound(RoundMetrics metrics) {
            throw new AssertionError("the actor runtime hands a RoundReport.Listener the whole report");
        }

        @Override
        public boolean stopRequested() {
            return reports.size() >= after;
        }
    }

    private static ActorSimulation.Outcome run(Experiment exp, ActorSettings settings, RoundListener listener)
            throws Exception {
        Strategy strategy = ActorSimulation.newStrategy(exp);
        CompletableFuture<Finished> done = new CompletableFuture<>();
        testKit.spawn(ActorSimulation.behavior(exp, strategy, settings, Map.of(), listener, done));
        Finished finished = done.get(60, TimeUnit.SECONDS);
        assertNull(finished.error(), "a stop is a normal end");
        return ActorSimulation.outcome(exp, strategy, finished);
    }

    @Test
    void syncRun_stopAfterTwoRounds_endsWithTwoRoundsAndTheirModel() throws Exception {
        Experiment exp = Fixtures.experiment("fedsub", 5, Participation.full());
        ReferenceEngine reference = new ReferenceEngine(exp);
        reference.round(0);
        reference.round(1);
        StopAfter listener = new StopAfter(2);

        ActorSimulation.Outcome out = run(exp, Fixtures.settings(Duration.ofSeconds(30)), listener);

        assertEquals(2, out.result().rounds().size());
        assertEquals(out.rounds(), listener.reports);
        assertSameModel(reference.strategy().globalModel(), out.result().finalModel());
    }

    @Test
    void fedBuffRun_stopAfterOneVersion_endsWithOneVersion() throws Exception {
        Experiment exp = Fixtures.experiment("fedavg", 5, Participation.full());
        ActorSettings settings = Fixtures.settings(Duration.ofSeconds(30))
                .withAsync(ActorSettings.defaults().async().fedBuff(2, 2, 0));

        ActorSimulation.Outcome out = run(exp, settings, new StopAfter(1));

        assertEquals(1, out.result().rounds().size());
        assertEquals(1, out.rounds().size());
    }

    @Test
    void plainListener_stillGetsEachRoundsMetrics() throws Exception {
        Experiment exp = Fixtures.experiment("fedavg", 2, Participation.full());
        RunResult expected = new ReferenceEngine(exp).run(RoundListener.NONE);
        List<RoundMetrics> seen = new ArrayList<>();

        ActorSimulation.Outcome out = run(exp, Fixtures.settings(Duration.ofSeconds(30)), seen::add);

        assertEquals(out.result().rounds(), seen);
        assertEquals(expected.rounds().size(), seen.size());
    }
}
