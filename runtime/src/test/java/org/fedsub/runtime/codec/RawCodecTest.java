package org.fedsub.runtime.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class RawCodecTest {

    private static Payload sample() {
        INDArray a = Nd4j.createFromArray(new double[] {1.5, -2.25, 3e-8, 4, 5, 6}).reshape(2, 3);
        INDArray b = Nd4j.createFromArray(new double[] {7, 8, 9});
        return new Payload().field("round", 12).field("basis", 3).tensor("b:fc1.weight", a).tensor("d:fc1.bias", b.reshape(1, 3));
    }

    @Test
    void float64_roundTrip_isExact_andSizeIsHeaderPlusEightBytesAValue() {
        Codec c = Codec.named("float64", "fedsub.codec");
        Payload p = sample();
        byte[] bytes = c.encode(p);
        Payload back = c.decode(bytes, DataType.DOUBLE);
        assertEquals(p.fields(), back.fields());
        for (String k : p.tensors().keySet()) {
            assertEquals(p.tensor(k), back.tensor(k));
        }
        assertEquals(9 * 8, bytes.length - headerBytes(p), "values must cost 8 bytes each in float64");
    }

    @Test
    void float32_halvesTheValueBytes_andRoundsToFloat() {
        Codec c = Codec.named("float32", "fedsub.codec");
        Payload p = sample();
        byte[] bytes = c.encode(p);
        assertEquals(9 * 4, bytes.length - headerBytes(p));
        Payload back = c.decode(bytes, DataType.DOUBLE);
        assertEquals((double) (float) 3e-8, back.tensor("b:fc1.weight").getDouble(0, 2), 0.0);
    }

    /** Encoded size of the same payload with zero-length tensors: names, shapes and fields only. */
    private static int headerBytes(Payload p) {
        int h = 4 + 1 + 4 + 4;
        for (String k : p.fields().keySet()) {
            h += 2 + k.length() + 8;
        }
        for (var e : p.tensors().entrySet()) {
            h += 2 + e.getKey().length() + 1 + 4 * e.getValue().rank();
        }
        return h;
    }

    @Test
    void decode_truncatedOrForeignBytes_failsWithAClearMessage() {
        Codec c = Codec.named("float32", "fedsub.codec");
        byte[] bytes = c.encode(sample());
        MalformedPayloadException e = assertThrows(MalformedPayloadException.class,
                () -> c.decode(Arrays.copyOf(bytes, bytes.length - 5), DataType.FLOAT));
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
        e = assertThrows(MalformedPayloadException.class, () -> c.decode(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9}, DataType.FLOAT));
        assertTrue(e.getMessage().contains("magic"), e.getMessage());
        e = assertThrows(MalformedPayloadException.class,
                () -> Codec.named("float64", "x").decode(bytes, DataType.FLOAT));
        assertTrue(e.getMessage().contains("32-bit"), e.getMessage());
    }

    @Test
    void unknownCodec_namesThePathAndTheChoices() {
        var e = assertThrows(org.fedsub.runtime.config.ConfigError.class, () -> Codec.named("int8", "fedsub.codec"));
        assertTrue(e.getMessage().contains("fedsub.codec") && e.getMessage().contains("int8")
                && e.getMessage().contains("float32"), e.getMessage());
    }

    @Test
    void encode_viewOfALargerArray_sendsOnlyTheView() {
        INDArray big = Nd4j.arange(12).castTo(DataType.DOUBLE).reshape(3, 4);
        INDArray col = big.getColumn(1).reshape(3, 1);
        Codec c = Codec.named("float64", "fedsub.codec");
        Payload back = c.decode(c.encode(new Payload().tensor("v", col)), DataType.DOUBLE);
        assertEquals(Nd4j.createFromArray(new double[] {1, 5, 9}).reshape(3, 1), back.tensor("v"));
    }
}
