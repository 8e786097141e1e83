package org.fedsub.runtime.strategy;

import static org.fedsub.runtime.strategy.Runs.fedsub;
import static org.fedsub.runtime.strategy.Runs.leastSquares;
import static org.fedsub.runtime.strategy.Runs.maxAbsDiff;
import static org.fedsub.runtime.strategy.Runs.strategy;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.fedsub.runtime.engine.ReferenceEngine;
import org.fedsub.runtime.model.Params;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.fedsub.runtime.subspace.Generator;

/** The exact identities FEDSUB.md names, step for step. */
class FedSubAlgorithmTest {

    private static void assertSameModels(Params a, Params b, double tol, String when) {
        for (String n : a.names()) {
            double d = maxAbsDiff(a.get(n), b.get(n));
            assertTrue(d <= tol, when + ": parameter " + n + " differs by " + d);
        }
    }

    @Test
    void fedsubIdx_dualsOff_tauOne_equalsFedAvg_stepForStep() {
        var fs = fedsub(1.0, Generator.IDX, 1, false, false);
        ReferenceEngine sub = new ReferenceEngine(leastSquares(strategy("fedsub", fs), 1, 0.05, 20, true));
        ReferenceEngine avg = new ReferenceEngine(leastSquares(strategy("fedavg", fs), 1, 0.05, 20, true));
        Runs.stepwise(sub, 20, r -> {
            avg.round(r);
            assertSameModels(sub.strategy().globalModel(), avg.strategy().globalModel(), 1e-13, "round " + r);
        });
    }

    @Test
    void fedsubIdx_withDuals_equalsScaffoldOptionII_stepForStep() {
        var fs = fedsub(1.0, Generator.IDX, 5, true, false);
        ReferenceEngine sub = new ReferenceEngine(leastSquares(strategy("fedsub", fs), 5, 0.02, 30, false));
        ReferenceEngine scaf = new ReferenceEngine(leastSquares(strategy("scaffold", fs), 5, 0.02, 30, false));
        Runs.stepwise(sub, 30, r -> {
            scaf.round(r);
            assertSameModels(sub.strategy().globalModel(), scaf.strategy().globalModel(), 1e-10, "round " + r);
        });
    }

    @Test
    void duals_sumToZero_underFullParticipationWithUniformMean() {
        var fs = fedsub(0.5, Generator.CD, 15, true, true);
        ReferenceEngine e = new ReferenceEngine(leastSquares(strategy("fedsub", fs), 5, 0.02, 12, false));
        Runs.stepwise(e, 12, r -> {
            INDArray sum = null;
            double scale = 0;
            for (int c = 0; c < Runs.LSQ.data().numClients(); c++) {
                INDArray l = ((FedSubClient) e.client(c)).duals()[0];
                sum = sum == null ? l.dup() : sum.addi(l);
                scale = Math.max(scale, l.amaxNumber().doubleValue());
            }
            assertTrue(scale > 0, "duals should be non-zero on heterogeneous data");
            assertEquals(0.0, sum.amaxNumber().doubleValue(), 1e-12 * Math.max(1, scale), "round " + r);
        });
    }

    @Test
    void oneClient_fullRankCd_regeneratedEveryRound_followsPlainSgd() {
        // With one client the outer step must leave the effective weight x + P^T B unchanged; a
        // stale projection in the outer update (the reference code's fault) breaks this at the
        // first regeneration.
        var data = Runs.LSQ.data();
        var one = new org.fedsub.runtime.data.FederatedData("one", data.train(), data.test(), java.util.List.of(data.client(0)));
        var fs = fedsub(1.0, Generator.CD, 3, true, false);
        var base = leastSquares(strategy("fedsub", fs), 3, 0.02, 10, true);
        var subExp = new org.fedsub.runtime.engine.Experiment("one", 5, 10, base.participation(), 10, 0, base.codec(),
                base.model(), one, base.train(), base.strategy());
        ReferenceEngine sub = new ReferenceEngine(subExp);
        ReferenceEngine avg = new ReferenceEngine(subExp.withStrategy(strategy("fedavg", fs)));
        Runs.stepwise(sub, 10, r -> {
            avg.round(r);
            assertSameModels(sub.strategy().globalModel(), avg.strategy().globalModel(), 1e-12, "round " + r);
        });
    }

    @Test
    void uplinkBytes_matchRankOverN() {
        var fs = fedsub(0.25, Generator.CD, 5, true, true);
        var sub = new ReferenceEngine(leastSquares(strategy("fedsub", fs), 5, 0.02, 1, true)).round(0);
        var avg = new ReferenceEngine(leastSquares(strategy("fedavg", fs), 5, 0.02, 1, true)).round(0);
        int clients = Runs.LSQ.data().numClients();
        int n = 20;
        int m = 3;
        int r = 5;
        // Same framing, plus FedSub's 'basis' field (2 + 5 name bytes + 8); values are float64.
        long perClientDiff = 8L * m * (r - n) + 15;
        assertEquals(avg.uplinkBytes() + clients * perClientDiff, sub.uplinkBytes());
        assertEquals(sub.uplinkBytes() / clients, sub.maxClientUplink());
    }

    @Test
    void sameSeed_sameNumbers_bitForBit_evenWithParallelClients() throws Exception {
        var fs = fedsub(0.5, Generator.CD, 10, true, true);
        var exp = leastSquares(strategy("fedsub", fs), 5, 0.02, 8, true);
        var a = new ReferenceEngine(exp).run(m -> {});
        var pool = java.util.concurrent.Executors.newFixedThreadPool(2);
        try {
            var b = new ReferenceEngine(exp, pool).run(m -> {});
            for (String n : a.finalModel().names()) {
                assertEquals(a.finalModel().get(n), b.finalModel().get(n), n);
            }
            for (int i = 0; i < a.rounds().size(); i++) {
                assertEquals(a.rounds().get(i).uplinkBytes(), b.rounds().get(i).uplinkBytes());
                assertEquals(Double.doubleToLongBits(a.rounds().get(i).clientLoss()),
                        Double.doubleToLongBits(b.rounds().get(i).clientLoss()));
            }
        } finally {
            pool.shutdown();
        }
    }
}
