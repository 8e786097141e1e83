package org.fedsub.runtime.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class LossyCodecTest {

    private static INDArray gaussian(long seed, int rows, int cols, DataType dtype) {
        Random rnd = new Random(seed);
        double[] v = new double[rows * cols];
        for (int i = 0; i < v.length; i++) {
            v[i] = rnd.nextGaussian() * Math.exp(rnd.nextGaussian());
        }
        return Nd4j.createFromArray(v).reshape(rows, cols).castTo(dtype);
    }

    private static Payload payload(INDArray b) {
        return new Payload().field("round", 7).field("basis", -3).tensor("b:fc1.weight", b)
                .tensor("d:fc1.bias", b.getRow(0).dup());
    }

    @ParameterizedTest
    @ValueSource(strings = {"float32", "float64"})
    void rawCodecs_roundTrip_areExact(String name) {
        Codec c = Codec.named(name, "fedsub.codec");
        DataType dtype = name.equals("float32") ? DataType.FLOAT : DataType.DOUBLE;
        INDArray b = gaussian(1, 5, 9, dtype);
        Payload back = c.decode(c.encode(payload(b), 42), dtype);
        assertEquals(b, back.tensor("b:fc1.weight"));
        assertTrue(c.exact(dtype));
    }

    @ParameterizedTest
    @ValueSource(strings = {"fp16", "bf16", "int8", "int4"})
    void lossy_roundTrip_keepsFieldsShapesAndNamesExactly(String name) {
        Codec c = Codec.named(name, "fedsub.uplink-codec");
        Payload back = c.decode(c.encode(payload(gaussian(2, 3, 4, DataType.FLOAT)), 1), DataType.DOUBLE);
        assertEquals(7, back.field("round"));
        assertEquals(-3, back.field("basis"));
        assertArrayEquals(new long[] {3, 4}, back.tensor("b:fc1.weight").shape());
        assertArrayEquals(new long[] {4}, back.tensor("d:fc1.bias").shape());
        assertEquals(DataType.DOUBLE, back.tensor("b:fc1.weight").dataType());
        assertFalse(c.exact(DataType.FLOAT));
    }

    @ParameterizedTest
    @ValueSource(strings = {"fp16", "bf16"})
    void halfFormats_relativeErrorWithinHalfAnUlp(String name) {
        Codec c = Codec.named(name, "fedsub.codec");
        double bound = name.equals("fp16") ? 0x1p-11 : 0x1p-8;
        INDArray b = gaussian(3, 20, 50, DataType.FLOAT);
        INDArray back = c.decode(c.encode(payload(b), 0), DataType.FLOAT).tensor("b:fc1.weight");
        for (int i = 0; i < b.length(); i++) {
            double x = b.getDouble(i);
            double y = back.getDouble(i);
            if (name.equals("fp16") && Math.abs(x) < 0x1p-14) {
                assertTrue(Math.abs(x - y) <= 0x1p-25, x + " -> " + y); // subnormal: absolute half step
            } else {
                assertTrue(Math.abs(x - y) <= bound * Math.abs(x), x + " -> " + y);
            }
        }
    }

    @Test
    void fp16_matchesNd4jHalfCast() {
        INDArray b = gaussian(4, 30, 30, DataType.FLOAT).muli(100);
        b.putScalar(0, 1e-6f); // subnormal in half
        b.putScalar(1, 70000f); // beyond half's range
        b.putScalar(2, 65504f);
        Codec c = Codec.named("fp16", "fedsub.codec");
        INDArray back = c.decode(c.encode(payload(b), 0), DataType.FLOAT).tensor("b:fc1.weight");
        assertEquals(b.castTo(DataType.FLOAT16).castTo(DataType.FLOAT), back);
        assertEquals(Float.POSITIVE_INFINITY, back.getFloat(1));
    }

    @ParameterizedTest
    @ValueSource(strings = {"int8", "int4"})
    void integerFormats_errorBelowScaleOverLevels_perElement(String name) {
        int levels = name.equals("int8") ? 127 : 7;
        Codec c = Codec.named(name, "fedsub.codec");
        INDArray b = gaussian(5, 16, 40, DataType.DOUBLE);
        INDArray back = c.decode(c.encode(payload(b), 9), DataType.DOUBLE).tensor("b:fc1.weight");
        for (int r = 0; r < 16; r++) {
            double scale = b.getRow(r).amaxNumber().doubleValue();
            for (int j = 0; j < 40; j++) {
                double err = Math.abs(b.getDouble(r, j) - back.getDouble(r, j));
                assertTrue(err <= scale / levels * (1 + 1e-6), name + " row " + r + ": error " + err + " > " + scale
                        + "/" + levels);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"int8", "int4"})
    void integerFormats_meanOverSeededDraws_isTheInput(String name) {
        int levels = name.equals("int8") ? 127 : 7;
        Codec c = Codec.named(name, "fedsub.codec");
        INDArray b = gaussian(6, 4, 25, DataType.DOUBLE);
        int draws = 2000;
        INDArray sum = Nd4j.zeros(DataType.DOUBLE, 4, 25);
        for (int s = 0; s < draws; s++) {
            sum.addi(c.decode(c.encode(payload(b), s), DataType.DOUBLE).tensor("b:fc1.weight"));
        }
        INDArray mean = sum.divi(draws);
        for (int r = 0; r < 4; r++) {
            double step = b.getRow(r).amaxNumber().doubleValue() / levels;
            // One draw's error is within one step, so its standard deviation is at most step / 2.
            double se = step / 2 / Math.sqrt(draws);
            for (int j = 0; j < 25; j++) {
                double dev = Math.abs(mean.getDouble(r, j) - b.getDouble(r, j));
                assertTrue(dev <= 5 * se, name + " [" + r + "," + j + "]: mean off by " + dev + ", 5 SE = " + 5 * se);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"int8", "int4"})
    void integerFormats_sameSeed_sameBytes_otherSeed_otherBytes(String name) {
        Codec c = Codec.named(name, "fedsub.codec");
        Payload p = payload(gaussian(7, 8, 8, DataType.FLOAT));
        long seed = Codec.seed(5, 3, 2, Codec.Direction.UPLINK);
        assertArrayEquals(c.encode(p, seed), Codec.named(name, "x").encode(p, seed));
        assertNotEquals(java.util.Arrays.toString(c.encode(p, seed)),
                java.util.Arrays.toString(c.encode(p, Codec.seed(5, 4, 2, Codec.Direction.UPLINK))));
        assertNotEquals(seed, Codec.seed(5, 3, 2, Codec.Direction.DOWNLINK));
        assertNotEquals(seed, Codec.seed(5, 3, 3, Codec.Direction.UPLINK));
    }

    /** An [r, m] tensor costs r m bytes in int8, ceil(r m / 2) in int4, 2 r m in fp16/bf16, plus 4 r of scales. */
    @ParameterizedTest
    @ValueSource(strings = {"fp16", "bf16", "int8", "int4"})
    void encodedSize_isHeaderPlusTheFormatsValueBytes(String name) {
        int r = 12;
        int m = 301;
        Payload p = new Payload().field("round", 1).field("basis", 2).tensor("b:w", gaussian(8, r, m, DataType.FLOAT));
        int header = 4 + 1 + 4 + (2 + 5 + 8) + (2 + 5 + 8) + 4 + (2 + 3 + 1 + 2 * 4);
        long values = switch (name) {
            case "fp16", "bf16" -> 2L * r * m;
            case "int8" -> (long) r * m + 4L * r;
            default -> ((long) r * m + 1) / 2 + 4L * r;
        };
        assertEquals(header + values, Codec.named(name, "c").encode(p, 0).length);
        assertEquals(header + 4L * r * m, Codec.named("float32", "c").encode(p).length);
        assertEquals("round".getBytes(StandardCharsets.UTF_8).length, 5);
    }

    @ParameterizedTest
    @ValueSource(strings = {"fp16", "bf16", "int8", "int4"})
    void nonFiniteInput_decodesNonFinite_soTheServerStillRefusesIt(String name) {
        Codec c = Codec.named(name, "fedsub.codec");
        INDArray b = gaussian(9, 3, 5, DataType.FLOAT);
        b.putScalar(1, 2, Float.NaN);
        b.putScalar(2, 0, Float.POSITIVE_INFINITY);
        INDArray back = c.decode(c.encode(payload(b), 0), DataType.FLOAT).tensor("b:fc1.weight");
        assertTrue(Double.isNaN(back.getDouble(1, 2)));
        assertFalse(Double.isFinite(back.getDouble(2, 0)));
        assertFalse(Double.isFinite(back.norm2Number().doubleValue()));
        assertTrue(Double.isFinite(back.getRow(0).norm2Number().doubleValue()));
    }

    @Test
    void int4_oddLengthAndZeroRows_roundTrip() {
        Codec c = Codec.named("int4", "fedsub.codec");
        Payload p = new Payload().tensor("odd", Nd4j.createFromArray(1.0, -1.0, 0.5)).tensor("zero",
                Nd4j.zeros(DataType.DOUBLE, 2, 3)).tensor("empty", Nd4j.create(DataType.DOUBLE, 0, 4));
        Payload back = c.decode(c.encode(p, 0), DataType.DOUBLE);
        assertEquals(1.0, back.tensor("odd").getDouble(0));
        assertEquals(-1.0, back.tensor("odd").getDouble(1));
        assertEquals(Nd4j.zeros(DataType.DOUBLE, 2, 3), back.tensor("zero"));
        assertArrayEquals(new long[] {0, 4}, back.tensor("empty").shape());
    }
}
