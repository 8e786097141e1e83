package org.fedsub.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import org.fedsub.examples.CustomModel.TanhNet;
import org.fedsub.runtime.data.Batch;
import org.fedsub.runtime.model.ParamSpec;
import org.fedsub.runtime.model.Params;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class ExamplesTest {

    @Test
    void tanhNet_gradient_matchesCentralFiniteDifferences() {
        TanhNet net = new TanhNet(5, 4, 3, DataType.DOUBLE);
        Params p = net.init(3);
        SplittableRandom rnd = new SplittableRandom(11);
        int n = 6;
        INDArray x = Nd4j.zeros(DataType.DOUBLE, n, 5);
        INDArray y = Nd4j.zeros(DataType.DOUBLE, n, 3);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < 5; j++) {
                x.putScalar(i, j, rnd.nextGaussian());
            }
            y.putScalar(i, rnd.nextInt(3), 1.0);
        }
        // Non-zero biases, so that their gradients are checked away from the symmetric start.
        p.get("hidden.bias").addi(0.3);
        p.get("out.bias").subi(0.2);
        Batch batch = new Batch(x, y);
        Params grad = p.zerosLike();

        net.lossAndGradient(p, batch, grad);

        double eps = 1e-6;
        for (ParamSpec spec : net.params()) {
            INDArray w = p.get(spec.name());
            for (int k = 0; k < w.length(); k++) {
                double old = w.getDouble(k);
                w.putScalar(k, old + eps);
                double up = net.loss(p, batch);
                w.putScalar(k, old - eps);
                double down = net.loss(p, batch);
                w.putScalar(k, old);
                double numeric = (up - down) / (2 * eps);
                assertEquals(numeric, grad.get(spec.name()).getDouble(k), 1e-7, spec.name() + "[" + k + "]");
            }
        }
    }

    @Test
    void examples_runEndToEnd_printAccuracyAndBytes() {
        String sim = capture(() -> ProgrammaticSimulation.main(new String[] {"2"}));
        String custom = capture(() -> CustomModel.main(new String[] {"2"}));

        assertTrue(sim.contains("FedSub sent") && sim.contains("uplink"), sim);
        assertTrue(custom.contains("tanh-net[60-32-10]") && custom.contains("final test accuracy"), custom);
    }

    private static String capture(Runnable r) {
        PrintStream old = System.out;
        var bytes = new ByteArrayOutputStream();
        System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        try {
            r.run();
        } finally {
            System.setOut(old);
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
