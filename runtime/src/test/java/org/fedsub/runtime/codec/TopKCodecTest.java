package org.fedsub.runtime.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.fedsub.runtime.config.ConfigError;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class TopKCodecTest {

    @Test
    void topk_sendsTheKLargestMagnitudesExactly_andZerosElsewhere() {
        Random rnd = new Random(1);
        double[] v = new double[200];
        for (int i = 0; i < v.length; i++) {
            v[i] = rnd.nextGaussian();
        }
        Codec c = Codec.named("topk", "c", 0.1);
        INDArray t = Nd4j.createFromArray(v).reshape(10, 20).castTo(DataType.FLOAT);
        INDArray back = c.decode(c.encode(new Payload().field("round", 3).tensor("d:w", t)), DataType.FLOAT)
                .tensor("d:w");
        double[] mags = Arrays.stream(t.data().asDouble()).map(Math::abs).sorted().toArray();
        double threshold = mags[200 - 20];
        int kept = 0;
        for (int i = 0; i < 200; i++) {
            double x = t.getDouble(i);
            double y = back.getDouble(i);
            if (Math.abs(x) >= threshold) {
                assertEquals(x, y, 0.0);
                kept++;
            } else {
                assertEquals(0.0, y, 0.0);
            }
        }
        assertEquals(20, kept);
    }

    @Test
    void topk_bytes_areFourPlusEightPerValueSent() {
        Codec c = Codec.named("topk", "c", 0.1);
        Payload p = new Payload().field("round", 1).tensor("b:w", Nd4j.rand(DataType.FLOAT, 12, 301));
        int header = 4 + 1 + 4 + (2 + 5 + 8) + 4 + (2 + 3 + 1 + 2 * 4);
        int k = (int) Math.ceil(0.1 * 12 * 301);
        assertEquals(header + 4 + 8 * k, c.encode(p).length);
    }

    @Test
    void topk_nonFiniteValuesAreAlwaysSent_andTiesGoToTheLowerIndex() {
        Codec c = Codec.named("topk", "c", 0.25);
        INDArray t = Nd4j.createFromArray(1.0, 1.0, 1.0, Double.NaN, 1.0, 1.0, 1.0, 1.0);
        INDArray back = c.decode(c.encode(new Payload().tensor("d", t)), DataType.DOUBLE).tensor("d");
        assertTrue(Double.isNaN(back.getDouble(3)));
        assertArrayEquals(new double[] {1, 0, 0, Double.NaN, 0, 0, 0, 0}, back.toDoubleVector(), 0.0);
    }

    @Test
    void topk_withoutFraction_orOutOfRange_isRefused() {
        assertThrows(ConfigError.class, () -> Codec.named("topk", "fedsub.uplink-codec"));
        assertThrows(IllegalArgumentException.class, () -> new TopKCodec(0));
        assertThrows(IllegalArgumentException.class, () -> new TopKCodec(1.5));
    }

    @Test
    void topk_decodedByAnotherFraction_isMalformed() {
        byte[] b = new TopKCodec(0.1).encode(new Payload().tensor("d", Nd4j.rand(DataType.FLOAT, 100)));
        var e = assertThrows(MalformedPayloadException.class, () -> new TopKCodec(0.2).decode(b, DataType.FLOAT));
        assertTrue(e.getMessage().contains("sends 10 values"), e.getMessage());
    }
}
