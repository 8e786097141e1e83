package org.fedsub.examples.plugins;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.fedsub.runtime.data.Batch;
import org.fedsub.runtime.model.ParamSpec;
import org.fedsub.runtime.model.Params;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class WideDeepTest {

    @ParameterizedTest
    @EnumSource(WideDeep.Activation.class)
    void gradient_matchesCentralFiniteDifferences(WideDeep.Activation activation) {
        WideDeep net = new WideDeep(5, 4, 3, activation, DataType.DOUBLE);
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
        // Away from the zero start of the wide part and the biases, so that every gradient is exercised.
        for (String name : p.names()) {
            INDArray w = p.get(name);
            for (long k = 0; k < w.length(); k++) {
                w.putScalar(k, w.getDouble(k) + 0.3 * rnd.nextGaussian());
            }
        }
        Batch batch = new Batch(x, y);
        Params grad = p.zerosLike();

        double loss = net.lossAndGradient(p, batch, grad);

        assertEquals(net.loss(p, batch), loss, 1e-12);
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
                assertEquals((up - down) / (2 * eps), grad.get(spec.name()).getDouble(k), 1e-7,
                        activation + " " + spec.name() + "[" + k + "]");
            }
        }
    }
}
