package org.fedsub.runtime.strategy;

import static org.fedsub.runtime.strategy.Runs.fedsub;
import static org.fedsub.runtime.strategy.Runs.strategy;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.fedsub.runtime.engine.Experiment;
import org.fedsub.runtime.engine.Participation;
import org.fedsub.runtime.engine.ReferenceEngine;
import org.fedsub.runtime.subspace.Generator;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

/** FEDSUB.md's partial-participation rules: sampled clients only, duals carried across bases. */
class PartialParticipationTest {

    @Test
    void sampling_isSeeded_sizedByConfig_andCoversClientsOverTime() {
        Participation p = new Participation(3, 1.0, 1);
        int[] a = p.sample(4, 8, 11);
        assertEquals(3, a.length);
        assertEquals(java.util.Arrays.toString(a), java.util.Arrays.toString(p.sample(4, 8, 11)));
        java.util.Set<Integer> seen = new java.util.HashSet<>();
        for (int r = 0; r < 30; r++) {
            for (int c : p.sample(r, 8, 11)) {
                seen.add(c);
            }
        }
        assertEquals(8, seen.size());
        assertEquals(5, new Participation(0, 0.5, 5).count(8), "min-clients lifts a small fraction");
    }

    @Test
    void fedsub_withHalfTheClientsARound_andNewBases_convergesCloserThanFedAvg() {
        var base = Runs.leastSquares(strategy("fedsub", fedsub(0.5, Generator.CD, 20 * 5, true, false)), 5, 0.02, 300,
                false);
        Experiment half = new Experiment("half", 5, 300, new Participation(4, 1.0, 1), 300, 0, base.codec(),
                base.model(), base.data(), base.train(), base.strategy());
        ReferenceEngine sub = new ReferenceEngine(half);
        ReferenceEngine avg = new ReferenceEngine(half.withStrategy(strategy("fedavg", base.strategy().fedsub())));
        for (int r = 0; r < 300; r++) {
            var m = sub.round(r);
            assertEquals(4, m.used(), "round " + r + " " + m.rejected());
            avg.round(r);
        }
        double dSub = Runs.distanceToOptimum(sub);
        double dAvg = Runs.distanceToOptimum(avg);
        System.out.printf("least squares, 4 of 8 clients a round, 300 rounds: fedsub r=n/2 %.3g, fedavg %.3g%n", dSub, dAvg);
        assertTrue(dSub < dAvg / 2, "fedsub " + dSub + " vs fedavg " + dAvg);
        // Every client's duals live in the basis it last trained in, and they are not all zero.
        boolean anyNonZero = false;
        for (int c = 0; c < 8; c++) {
            INDArray[] l = ((FedSubClient) sub.client(c)).duals();
            anyNonZero |= l != null && l[0].amaxNumber().doubleValue() > 0;
        }
        assertTrue(anyNonZero);
    }
}
