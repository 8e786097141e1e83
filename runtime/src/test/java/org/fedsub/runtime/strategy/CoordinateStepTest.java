package org.fedsub.runtime.strategy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.fedsub.runtime.subspace.CoordinateProjection;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The fused coordinate step equals the general projection path, term by term. */
class CoordinateStepTest {

    @ParameterizedTest
    @EnumSource(value = DataType.class, names = {"FLOAT", "DOUBLE"})
    void fusedStep_equalsProjectScaleCorrectAndLift_overRandomShapes(DataType t) {
        Random rnd = new Random(5);
        double tol = t == DataType.DOUBLE ? 1e-13 : 2e-5;
        for (int trial = 0; trial < 20; trial++) {
            int n = 2 + rnd.nextInt(40);
            int r = 1 + rnd.nextInt(n);
            int m = 1 + rnd.nextInt(9);
            CoordinateProjection p = CoordinateProjection.random(n, r, rnd.nextLong(), t);
            INDArray g = Nd4j.rand(t, n, m).subi(0.5);
            INDArray w = Nd4j.rand(t, n, m);
            INDArray b = Nd4j.rand(t, r, m).subi(0.5);
            INDArray lambda = trial % 3 == 0 ? null : Nd4j.rand(t, r, m).subi(0.5);
            double lr = 0.01 + rnd.nextDouble() * 0.1;
            int tau = 1 + rnd.nextInt(6);
            double wd = trial % 2 == 0 ? 0.0 : 0.3;
            double scale = trial % 4 == 0 ? 1.0 : (double) r / m;

            INDArray gb = p.project(g);
            if (wd != 0) {
                gb.addi(b.mul(wd));
            }
            gb.muli(scale);
            if (lambda != null) {
                gb.addi(lambda.div(lr * tau));
            }
            INDArray step = gb.muli(-lr);
            INDArray bRef = b.add(step);
            INDArray wRef = w.dup();
            p.liftAddi(wRef, step);

            INDArray wSel = w.dup();
            INDArray bSel = b.dup();
            assertTrue(new CoordinateStep(p.rows(), p.signs(), false).apply(g, w, b, lambda, lr, tau, wd, scale));
            assertEquals(0.0, b.sub(bRef).amaxNumber().doubleValue(), tol, "B, trial " + trial);
            assertEquals(0.0, w.sub(wRef).amaxNumber().doubleValue(), tol, "W, trial " + trial);

            // Given only the selected rows of the gradient, in basis order: the same step, bit for bit.
            INDArray selected = Nd4j.pullRows(g, 1, p.rows());
            assertTrue(new CoordinateStep(p.rows(), p.signs(), true).apply(selected, wSel, bSel, lambda, lr, tau, wd,
                    scale));
            assertEquals(b, bSel, "B from the selected rows, trial " + trial);
            assertEquals(w, wSel, "W from the selected rows, trial " + trial);
            assertEquals(p.project(g), p.projectSelected(selected), "P g from the selected rows, trial " + trial);
        }
    }

    @ParameterizedTest
    @EnumSource(value = DataType.class, names = {"FLOAT"})
    void aSelectedGradientOfTheWrongRowCount_fallsBackInsteadOfReadingPastIt(DataType t) {
        CoordinateProjection p = CoordinateProjection.random(10, 4, 3, t);
        INDArray w = Nd4j.rand(t, 10, 3);
        INDArray b = Nd4j.zeros(t, 4, 3);
        assertFalse(new CoordinateStep(p.rows(), p.signs(), true).apply(Nd4j.rand(t, 10, 3), w, b, null, 0.1, 1, 0, 1));
        assertFalse(new CoordinateStep(p.rows(), p.signs(), false).apply(Nd4j.rand(t, 4, 3), w, b, null, 0.1, 1, 0, 1));
    }

    @ParameterizedTest
    @EnumSource(value = DataType.class, names = {"FLOAT"})
    void views_andMixedTypes_fallBackToTheGeneralPath(DataType t) {
        INDArray a = Nd4j.rand(t, 6, 4);
        assertFalse(CoordinateStep.applicable(a.transpose(), a));
        assertFalse(CoordinateStep.applicable(a, a.castTo(DataType.DOUBLE)));
    }
}
