package org.fedsub.runtime.strategy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import org.fedsub.runtime.engine.Experiment;
import org.fedsub.runtime.engine.Experiments;
import org.fedsub.runtime.engine.ReferenceEngine;
import org.fedsub.runtime.engine.RoundListener;
import org.fedsub.runtime.engine.RunResult;
import org.junit.jupiter.api.Test;

/**
 * FedProx Synthetic(1,1), multinomial logistic regression, 10 of 30 clients a round: FedSub at
 * half rank learns (far above the 10% of chance) while uploading about half of FedAvg's bytes.
 */
class SyntheticLearningTest {

    private static RunResult run(String strategy, String extra) {
        Experiment e = Experiments.fromConfig(Experiments.load(ConfigFactory.parseString(
                "fedsub { rounds = 40, eval-every = 40, model.type = logreg, data.type = synthetic,"
                        + " data.synthetic { alpha = 1, beta = 1 },"
                        + " participation.clients-per-round = 10, train { local-steps = 20, batch-size = 10, lr = 0.01 },"
                        + " strategy { name = " + strategy + ", fedsub { rank-rate = 0.5, update-cp-freq = 100 } } }\n"
                        + extra)));
        return new ReferenceEngine(e).run(RoundListener.NONE);
    }

    @Test
    void fedsubAtHalfRank_learns_withAboutHalfTheUplink() {
        RunResult fedsub = run("fedsub", "");
        RunResult fedavg = run("fedavg", "");
        RunResult scaffold = run("scaffold", "");
        double accSub = fedsub.lastEvaluated().testAccuracy();
        double accAvg = fedavg.lastEvaluated().testAccuracy();
        double accScaf = scaffold.lastEvaluated().testAccuracy();
        System.out.printf("Synthetic(1,1), 40 rounds: test accuracy fedsub(r=n/2) %.3f, fedavg %.3f, scaffold %.3f;"
                + " uplink bytes fedsub %d, fedavg %d, scaffold %d%n", accSub, accAvg, accScaf,
                fedsub.totalUplinkBytes(), fedavg.totalUplinkBytes(), scaffold.totalUplinkBytes());
        assertTrue(accSub > 0.4, "FedSub at half rank should learn far above chance (0.1), got " + accSub);
        // logreg on Synthetic: weight 60 x 10 compressed to 30 x 10, bias 10 sent whole.
        double ratio = (double) fedsub.totalUplinkBytes() / fedavg.totalUplinkBytes();
        assertEquals((30 * 10 + 10) / (60.0 * 10 + 10), ratio, 0.03, "uplink ratio");
        assertEquals(2.0, (double) scaffold.totalUplinkBytes() / fedavg.totalUplinkBytes(), 0.02,
                "SCAFFOLD sends a control variate beside each update");
    }
}
