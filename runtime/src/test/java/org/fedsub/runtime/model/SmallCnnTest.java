package org.fedsub.runtime.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.fedsub.runtime.data.Batch;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class SmallCnnTest {

    private static SmallCnn cnn(int c, int h, int w, List<Integer> channels, int k, int s, int p, int classes) {
        return new SmallCnn(new SmallCnn.Geometry(c, h, w, channels, k, s, p), classes, DataType.DOUBLE);
    }

    @Test
    void cnn_gradientWithPadding_matchesFiniteDifferences() {
        Random r = new Random(21);
        SmallCnn m = cnn(1, 8, 8, List.of(3, 4), 3, 2, 1, 3);
        Batch b = ModelFixtures.classificationBatch(r, DataType.DOUBLE, 3, 64, 3);

        ModelFixtures.assertGradientMatchesFiniteDifferences(m, ModelFixtures.randomParams(m, r), b);
    }

    @Test
    void cnn_gradientWithoutPadding_matchesFiniteDifferences() {
        Random r = new Random(22);
        SmallCnn m = cnn(1, 8, 8, List.of(2, 3), 3, 2, 0, 2);
        Batch b = ModelFixtures.classificationBatch(r, DataType.DOUBLE, 3, 64, 2);

        ModelFixtures.assertGradientMatchesFiniteDifferences(m, ModelFixtures.randomParams(m, r), b);
    }

    @Test
    void cnn_gradientWithSeveralInputChannelsAndStrideOne_matchesFiniteDifferences() {
        Random r = new Random(23);
        SmallCnn m = cnn(2, 5, 6, List.of(2, 2), 3, 1, 1, 3);
        Batch b = ModelFixtures.classificationBatch(r, DataType.DOUBLE, 2, 60, 3);

        ModelFixtures.assertGradientMatchesFiniteDifferences(m, ModelFixtures.randomParams(m, r), b);
    }

    @Test
    void cnn_predict_matchesANaiveConvolution() {
        Random r = new Random(24);
        for (SmallCnn m : List.of(cnn(2, 7, 6, List.of(3, 2), 3, 2, 1, 4), cnn(1, 8, 8, List.of(4), 5, 1, 2, 3),
                cnn(3, 6, 6, List.of(2, 3), 2, 1, 0, 2))) {
            Params p = ModelFixtures.randomParams(m, r);
            INDArray x = ModelFixtures.gaussian(r, DataType.DOUBLE, 3, m.geometry().inputDim(), 1);

            INDArray fast = m.predict(p, x);

            for (int n = 0; n < 3; n++) {
                assertArrayEquals(naiveLogits(m.geometry(), p, x.getRow(n).toDoubleVector()),
                        fast.getRow(n).toDoubleVector(), 1e-10, m.name());
            }
        }
    }

    @Test
    void cnn_chunkedBatches_giveTheSameLossGradientAndOutputs() {
        Random r = new Random(25);
        SmallCnn.Geometry g = new SmallCnn.Geometry(1, 8, 8, List.of(3, 4), 3, 2, 1);
        SmallCnn whole = new SmallCnn(g, 3, DataType.DOUBLE);
        SmallCnn chunked = new SmallCnn(g, 3, DataType.DOUBLE, 200); // 3 examples per chunk
        Params p = ModelFixtures.randomParams(whole, r);
        Batch b = ModelFixtures.classificationBatch(r, DataType.DOUBLE, 10, 64, 3);
        Params g1 = p.zerosLike();
        Params g2 = p.zerosLike();

        double l1 = whole.lossAndGradient(p, b, g1);
        double l2 = chunked.lossAndGradient(p, b, g2);

        assertEquals(l1, l2, 1e-12);
        assertEquals(l1, chunked.loss(p, b), 1e-12);
        for (String name : g1.names()) {
            assertTrue(g1.get(name).equalsWithEps(g2.get(name), 1e-12), name);
        }
        assertTrue(whole.predict(p, b.features()).equalsWithEps(chunked.predict(p, b.features()), 1e-12));
    }

    @Test
    void cnn_sharedAcrossThreads_givesEachCallerItsOwnExactGradient() throws Exception {
        Random r = new Random(27);
        SmallCnn m = cnn(1, 8, 8, List.of(3, 4), 3, 2, 1, 3);
        Params p = ModelFixtures.randomParams(m, r);
        List<Batch> batches = List.of(ModelFixtures.classificationBatch(r, DataType.DOUBLE, 5, 64, 3),
                ModelFixtures.classificationBatch(r, DataType.DOUBLE, 7, 64, 3));
        List<Params> expected = new ArrayList<>();
        for (Batch b : batches) {
            Params g = Params.empty();
            m.lossAndGradient(p, b, g);
            expected.add(g);
        }
        var pool = Executors.newFixedThreadPool(2);
        try {
            List<Future<Params>> got = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                Batch b = batches.get(i % 2);
                got.add(pool.submit(() -> {
                    Params g = Params.empty();
                    m.lossAndGradient(p, b, g);
                    return g;
                }));
            }
            for (int i = 0; i < got.size(); i++) {
                Params g = got.get(i).get();
                for (String name : g.names()) {
                    assertEquals(expected.get(i % 2).get(name), g.get(name), name);
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void cnn_mnistGeometry_hasTheExpectedParameterShapes() {
        SmallCnn m = cnn(1, 28, 28, List.of(16, 32), 5, 2, 2, 10);

        assertEquals(List.of(ParamSpec.matrix("conv1.weight", 25, 16), ParamSpec.vector("conv1.bias", 16),
                ParamSpec.matrix("conv2.weight", 16 * 25, 32), ParamSpec.vector("conv2.bias", 32),
                ParamSpec.matrix("fc.weight", 7 * 7 * 32, 10), ParamSpec.vector("fc.bias", 10)), m.params());
        assertEquals("cnn[1x28x28-16-32-k5s2p2-10]", m.name());
    }

    @Test
    void cnn_sgdOnToyImages_decreasesLossAndLearnsTheClasses() {
        // Class 0: bright left half; class 1: bright right half; plus noise.
        Random r = new Random(26);
        int n = 40;
        double[] x = new double[n * 64];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = i % 2;
            for (int y = 0; y < 8; y++) {
                for (int c = 0; c < 8; c++) {
                    boolean lit = (c < 4) == (labels[i] == 0);
                    x[i * 64 + y * 8 + c] = (lit ? 1 : 0) + 0.3 * r.nextGaussian();
                }
            }
        }
        Batch b = new Batch(Nd4j.create(x, new long[] {n, 64}, DataType.DOUBLE),
                ModelFixtures.oneHot(labels, 2, DataType.DOUBLE));
        SmallCnn m = cnn(1, 8, 8, List.of(4, 8), 3, 2, 1, 2);
        Params p = m.init(3);

        double[] losses = ModelFixtures.sgd(m, p, b, 0.1, 15);

        assertTrue(losses[15] < 0.5 * losses[0], "loss " + losses[0] + " -> " + losses[15]);
        assertTrue(ModelFixtures.accuracy(m, p, b) > 0.95);
    }

    @Test
    void cnn_init_isDeterministicInTheSeedAndBiasesAreZero() {
        SmallCnn m = cnn(1, 8, 8, List.of(3, 4), 3, 2, 1, 3);

        Params a = m.init(9);

        for (String name : a.names()) {
            assertEquals(a.get(name), m.init(9).get(name), name);
            if (name.endsWith(".bias")) {
                assertEquals(0.0, a.get(name).norm2Number().doubleValue(), name);
            } else {
                assertNotEquals(a.get(name), m.init(10).get(name), name);
            }
        }
    }

    @Test
    void cnn_geometryWithAKernelLargerThanItsInput_isRejected() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> new SmallCnn.Geometry(1, 8, 8, List.of(2, 2, 2), 5, 2, 0));
        assertTrue(e.getMessage().contains("conv2"), e.getMessage());
    }

    /** The textbook loops: convolutions over CHW images, ReLU, the dense layer over HWC order. */
    private static double[] naiveLogits(SmallCnn.Geometry g, Params p, double[] image) {
        int c = g.inputChannels();
        int h = g.height();
        int w = g.width();
        int k = g.kernel();
        double[][][] a = new double[c][h][w];
        for (int ci = 0; ci < c; ci++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    a[ci][y][x] = image[(ci * h + y) * w + x];
                }
            }
        }
        for (int l = 0; l < g.channels().size(); l++) {
            INDArray wt = p.get("conv" + (l + 1) + ".weight");
            INDArray bias = p.get("conv" + (l + 1) + ".bias");
            int co = g.channels().get(l);
            int oh = SmallCnn.Geometry.outSize(h, k, g.stride(), g.padding());
            int ow = SmallCnn.Geometry.outSize(w, k, g.stride(), g.padding());
            double[][][] out = new double[co][oh][ow];
            for (int o = 0; o < co; o++) {
                for (int oy = 0; oy < oh; oy++) {
                    for (int ox = 0; ox < ow; ox++) {
                        double s = bias.getDouble(0, o);
                        for (int ci = 0; ci < c; ci++) {
                            for (int ky = 0; ky < k; ky++) {
                                for (int kx = 0; kx < k; kx++) {
                                    int y = oy * g.stride() - g.padding() + ky;
                                    int x = ox * g.stride() - g.padding() + kx;
                                    if (y >= 0 && y < h && x >= 0 && x < w) {
                                        s += a[ci][y][x] * wt.getDouble((ci * k + ky) * k + kx, o);
                                    }
                                }
                            }
                        }
                        out[o][oy][ox] = Math.max(0, s);
                    }
                }
            }
            a = out;
            c = co;
            h = oh;
            w = ow;
        }
        INDArray fw = p.get("fc.weight");
        INDArray fb = p.get("fc.bias");
        double[] logits = new double[(int) fb.length()];
        for (int j = 0; j < logits.length; j++) {
            double s = fb.getDouble(0, j);
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    for (int ci = 0; ci < c; ci++) {
                        s += a[ci][y][x] * fw.getDouble((y * w + x) * c + ci, j);
                    }
                }
            }
            logits[j] = s;
        }
        return logits;
    }
}
