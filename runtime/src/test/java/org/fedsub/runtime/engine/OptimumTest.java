package org.fedsub.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

/** The closed-form optimum that least-squares runs report their gap to. */
class OptimumTest {

    private static Experiment experiment(String overrides) {
        return Experiments.fromConfig(Experiments.load(ConfigFactory.parseString("""
                fedsub {
                  seed = 3, rounds = 400, dtype = float64, codec = float64
                  data { type = least-squares, least-squares { clients = 4, rows-per-client = 30, dim = 6, outputs = 2 } }
                  model { type = linear, bias = false }
                  participation.clients-per-round = 4
                  train { local-steps = 5, batch-size = 0, lr = 0.02 }
                  strategy { name = scaffold, weighting = uniform }
                }
                """ + overrides)));
    }

    @Test
    void leastSquares_optimumIsBelowEveryRound_andAConvergingRunReachesIt() {
        Experiment exp = experiment("");
        OptionalDouble best = Optimum.trainLoss(exp);
        assertTrue(best.isPresent());

        RunResult run = new ReferenceEngine(exp).run(RoundListener.NONE);

        for (RoundMetrics m : run.rounds()) {
            if (m.evaluated()) {
                assertTrue(m.trainLoss() >= best.getAsDouble() - 1e-9, "round " + m.round() + ": " + m.trainLoss()
                        + " below the optimum " + best.getAsDouble());
            }
        }
        double last = run.rounds().get(run.rounds().size() - 1).trainLoss();
        assertEquals(best.getAsDouble(), last, 1e-6 * best.getAsDouble(), "SCAFFOLD with full participation converges to it");
    }

    @Test
    void noClosedForm_noOptimum() {
        assertFalse(Optimum.trainLoss(experiment("fedsub.model.bias = true")).isPresent(), "a bias: not the solved model");
        assertFalse(Optimum.trainLoss(experiment("fedsub.eval-train-limit = 10")).isPresent(),
                "a train loss on a subset of the rows cannot be compared with it");
        Experiment logreg = Experiments.fromConfig(Experiments.load(ConfigFactory.parseString(
                "fedsub { data.synthetic { users = 3, dim = 4, classes = 2, max-samples-per-user = 20 }, model.type = logreg, "
                        + "participation.clients-per-round = 3 }")));
        assertFalse(Optimum.trainLoss(logreg).isPresent());
    }
}
