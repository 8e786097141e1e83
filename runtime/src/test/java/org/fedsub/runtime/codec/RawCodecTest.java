package org.fedsub.runtime.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
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
        var e = assertThrows(org.fedsub.runtime.config.ConfigError.class, () -> Codec.named("int9", "fedsub.codec"));
        assertTrue(e.getMessage().contains("fedsub.codec") && e.getMessage().contains("int9")
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

    /**
     * The 41 bytes: one tensor "layer0.weight" of shape 2^30 x 2^30 x 8, no values. The
     * dims multiply to 2^63, which wrapped to Long.MIN_VALUE and past the size check, and ND4J's
     * reshape threw ND4JIllegalStateException, which the server does not catch.
     */
    @Test
    void decode_41BytesWhoseDimsMultiplyPast2To63_isMalformed_notAnNd4jError() {
        byte[] bytes = {
            0x31, 0x50, 0x53, 0x46, // magic "FSP1", little-endian
            4, // float32
            0, 0, 0, 0, // no fields
            1, 0, 0, 0, // one tensor
            13, 0, 'l', 'a', 'y', 'e', 'r', '0', '.', 'w', 'e', 'i', 'g', 'h', 't',
            3, // rank
            0, 0, 0, 0x40, 0, 0, 0, 0x40, 8, 0, 0, 0 // 2^30, 2^30, 8
        };
        assertEquals(41, bytes.length);

        MalformedPayloadException e = assertThrows(MalformedPayloadException.class,
                () -> Codec.named("float32", "fedsub.codec").decode(bytes, DataType.FLOAT));

        assertTrue(e.getMessage().contains("layer0.weight") && e.getMessage().contains("[1073741824, 1073741824, 8]")
                && e.getMessage().contains("elements"), e.getMessage());
    }

    @Test
    void decode_dimsWhoseProductWrapsToZero_isMalformed_notAnEmptyTensor() {
        // 2^30 cubed is 0 modulo 2^64: decode used to return an "empty" tensor of that shape.
        byte[] bytes = WireBytes.header(8).i32(0).i32(1).name("w").shape(1 << 30, 1 << 30, 1 << 30).bytes();

        MalformedPayloadException e = assertThrows(MalformedPayloadException.class,
                () -> Codec.named("float64", "fedsub.codec").decode(bytes, DataType.DOUBLE));

        assertTrue(e.getMessage().contains("elements"), e.getMessage());
    }

    @Test
    void emptyTensors_roundTrip() {
        Codec c = Codec.named("float32", "fedsub.codec");
        Payload p = new Payload().tensor("a", Nd4j.create(DataType.FLOAT, 0)).tensor("b", Nd4j.create(DataType.FLOAT, 3, 0));

        Payload back = c.decode(c.encode(p), DataType.FLOAT);

        assertArrayEquals(new long[] {0}, back.tensor("a").shape());
        assertArrayEquals(new long[] {3, 0}, back.tensor("b").shape());
    }

    @Test
    void decode_duplicateNames_areMalformed_butAFieldMayShareATensorsName() {
        Codec c = Codec.named("float32", "fedsub.codec");
        byte[] fields = WireBytes.header(4).i32(2).name("round").i64(1).name("round").i64(2).i32(0).bytes();
        byte[] tensors = WireBytes.header(4).i32(0).i32(2).name("w").shape(1).i32(0).name("w").shape(1).i32(0).bytes();

        assertTrue(assertThrows(MalformedPayloadException.class, () -> c.decode(fields, DataType.FLOAT)).getMessage()
                .contains("field 'round' appears twice"));
        assertTrue(assertThrows(MalformedPayloadException.class, () -> c.decode(tensors, DataType.FLOAT)).getMessage()
                .contains("tensor 'w' appears twice"));
        Payload both = c.decode(c.encode(new Payload().field("w", 1).tensor("w", Nd4j.ones(DataType.FLOAT, 1))),
                DataType.FLOAT);
        assertEquals(1, both.field("w"));
    }

    @Test
    void names_asciiAndNot_roundTrip() {
        Codec c = Codec.named("float32", "fedsub.codec");
        Payload p = new Payload().field("round", 3).field("époque-ü", 4).tensor("w", Nd4j.ones(DataType.FLOAT, 2))
                .tensor("poids-λ", Nd4j.zeros(DataType.FLOAT, 1));

        Payload back = c.decode(c.encode(p), DataType.FLOAT);

        assertEquals(List.of("round", "époque-ü"), List.copyOf(back.fields().keySet()));
        assertEquals(4, back.field("époque-ü"));
        assertEquals(List.of("w", "poids-λ"), List.copyOf(back.tensors().keySet()));
    }

    @Test
    void decode_nameThatIsNotUtf8_isMalformed() {
        // 0xff never occurs in UTF-8; a lenient decoder would turn it, and 0xfe, into the same U+FFFD.
        byte[] bytes = WireBytes.header(4).i32(1).raw16(new byte[] {'w', (byte) 0xff}).i64(1).i32(0).bytes();

        MalformedPayloadException e = assertThrows(MalformedPayloadException.class,
                () -> Codec.named("float32", "fedsub.codec").decode(bytes, DataType.FLOAT));

        assertTrue(e.getMessage().contains("field 0") && e.getMessage().contains("UTF-8"), e.getMessage());
    }

    @Test
    void decode_trailingBytesOrAnUnknownWidth_areMalformed() {
        Codec c = Codec.named("float32", "fedsub.codec");
        byte[] valid = c.encode(sample());
        byte[] longer = Arrays.copyOf(valid, valid.length + 3);
        byte[] width3 = valid.clone();
        width3[4] = 3;

        assertTrue(assertThrows(MalformedPayloadException.class, () -> c.decode(longer, DataType.FLOAT)).getMessage()
                .contains("3 trailing bytes"));
        assertTrue(assertThrows(MalformedPayloadException.class, () -> c.decode(width3, DataType.FLOAT)).getMessage()
                .contains("value width 3"));
    }

    @Test
    void encode_whatDecodeWouldRefuse_failsAtTheSender() {
        Codec c = Codec.named("float64", "fedsub.codec");
        String longName = "w".repeat(RawCodec.MAX_NAME_BYTES + 1);

        // A longer name used to be written with its length cut to 16 bits, garbling the rest.
        assertThrows(IllegalArgumentException.class, () -> c.encode(new Payload().field(longName, 1)));
        assertThrows(IllegalArgumentException.class, () -> c.encode(new Payload().tensor("s", Nd4j.scalar(1.0))));
        Payload atTheLimit = c.decode(c.encode(new Payload().field(longName.substring(1), 1)), DataType.DOUBLE);
        assertEquals(1, atTheLimit.field(longName.substring(1)));
    }
}
