package org.fedsub.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.typesafe.config.ConfigFactory;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A listener's stop request ends the run after the round it came in, with what that round left. */
class ReferenceEngineStopTest {

    private static final String TINY = "fedsub { rounds = 6, data.synthetic { users = 4, max-samples-per-user = 40 },"
            + " model.type = logreg, participation.clients-per-round = 4 }\n";

    private static Experiment experiment() {
        return Experiments.fromConfig(Experiments.load(ConfigFactory.parseString(TINY)));
    }

    @Test
    void run_stopRequestedAfterTwoRounds_returnsTwoRoundsAndTheModelTheyMade() {
        List<RoundMetrics> seen = new ArrayList<>();
        RoundListener stopAfterTwo = new RoundListener() {
            @Override
            public void onRound(RoundMetrics m) {
                seen.add(m);
            }

            @Override
            public boolean stopRequested() {
                return seen.size() >= 2;
            }
        };

        RunResult stopped = new ReferenceEngine(experiment()).run(stopAfterTwo);
        ReferenceEngine full = new ReferenceEngine(experiment());
        full.round(0);
        full.round(1);

        assertEquals(2, stopped.rounds().size());
        assertEquals(2, seen.size(), "no round started after the request");
        assertEquals(seen, stopped.rounds());
        // The same model as two rounds of an uninterrupted engine: the stop abandons nothing it finished.
        assertEquals(0.0, full.strategy().globalModel().dup().subi(stopped.finalModel()).norm2());
    }

    @Test
    void run_noStopRequested_runsEveryRound() {
        assertEquals(6, new ReferenceEngine(experiment()).run(RoundListener.NONE).rounds().size());
    }
}
