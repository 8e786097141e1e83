package org.fedsub.runtime.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.management.ManagementFactory;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * What a hostile client can send: mutated and random bytes through {@link RawCodec#decode}, and
 * headers that claim huge sizes. Decode must either return a payload that re-encodes to exactly
 * the bytes it came from, or throw {@link MalformedPayloadException}; nothing else, and never
 * allocate more than the bytes justify. Seeded, so a failure names an input that reproduces it.
 */
class RawCodecFuzzTest {

    // 60,000 inputs over both codecs; most are rejected, and a rejection's cost is mostly the
    // exception's stack trace (tens of microseconds here), so this is about a second per codec.
    /** Mutants of valid payloads, per codec. */
    private static final int MUTANTS = 25_000;
    /** Purely random inputs, per codec. */
    private static final int RANDOM = 5_000;
    /**
     * Heap one decode may allocate: a constant (ND4J's per-tensor objects, an exception with its
     * stack trace) plus a multiple of the input. A decoder that sized an array from an unchecked
     * header would pass this by megabytes or gigabytes.
     */
    private static final long ALLOCATION_SLACK = 1 << 20;
    private static final int ALLOCATION_PER_INPUT_BYTE = 64;

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    @ParameterizedTest
    @ValueSource(strings = {"float32", "float64"})
    void decode_mutatedOrRandomBytes_returnsACanonicalPayloadOrThrowsMalformed(String name) {
        RawCodec codec = (RawCodec) Codec.named(name, "fedsub.codec");
        DataType wire = name.equals("float32") ? DataType.FLOAT : DataType.DOUBLE;
        DataType other = wire == DataType.FLOAT ? DataType.DOUBLE : DataType.FLOAT;
        List<Mutator.Seed> seeds = seeds(codec, 7);
        Mutator mutator = new Mutator(name.hashCode(), seeds, ByteOrder.LITTLE_ENDIAN);
        byte[] prefix = WireBytes.header(wire == DataType.FLOAT ? 4 : 8).bytes();
        for (Mutator.Seed s : seeds) { // also warms ND4J up before allocations are measured
            assertArrayEquals(s.bytes(), codec.encode(codec.decode(s.bytes(), wire)));
        }
        Map<String, Integer> outcomes = new TreeMap<>();

        for (int i = 0; i < MUTANTS + RANDOM; i++) {
            byte[] input = i < MUTANTS ? mutator.mutate(mutator.pick()) : mutator.random(prefix, 64);
            // Every other input into the wire type, where the result must re-encode bit for bit.
            DataType dtype = i % 2 == 0 ? wire : other;
            String outcome = decode(codec, input, dtype, i);
            outcomes.merge(outcome, 1, Integer::sum);
        }

        assertEquals(MUTANTS + RANDOM, outcomes.values().stream().mapToInt(Integer::intValue).sum());
        // The fuzzer reaches every check, and some mutants (in values, say) stay valid.
        for (String kind : List.of("accepted", "magic", "width", "truncated", "negative", "rank", "elements",
                "twice", "UTF-8", "trailing")) {
            assertTrue(outcomes.containsKey(kind), "no input reached '" + kind + "': " + outcomes);
        }
    }

    /** Decodes one input; the kind of outcome, or a test failure naming the input. */
    private static String decode(RawCodec codec, byte[] input, DataType dtype, int i) {
        long before = THREADS.getCurrentThreadAllocatedBytes();
        String outcome;
        try {
            Payload p = codec.decode(input, dtype);
            if (dtype == (codec.name().equals("float32") ? DataType.FLOAT : DataType.DOUBLE)) {
                assertArrayEquals(input, codec.encode(p), () -> "input " + i + " decoded but does not re-encode to itself: "
                        + Mutator.hex(input));
            }
            outcome = "accepted";
        } catch (MalformedPayloadException e) {
            outcome = kind(e.getMessage());
        } catch (Throwable t) { // an OutOfMemoryError included: that is what this test is for
            return fail("input " + i + " of " + codec.name() + " (" + input.length + " bytes) threw " + t + ": "
                    + Mutator.hex(input), t);
        }
        long allocated = THREADS.getCurrentThreadAllocatedBytes() - before;
        if (allocated > ALLOCATION_SLACK + (long) ALLOCATION_PER_INPUT_BYTE * input.length) {
            fail("input " + i + " of " + codec.name() + " (" + input.length + " bytes) allocated " + allocated
                    + " bytes: " + Mutator.hex(input));
        }
        return outcome;
    }

    private static String kind(String message) {
        for (String k : List.of("magic", "width", "-bit", "negative", "rank", "elements", "twice", "UTF-8", "trailing",
                "truncated")) {
            if (message.contains(k)) {
                return k.equals("-bit") ? "width" : k;
            }
        }
        return "other: " + message;
    }

    static Stream<Arguments> hugeClaims() {
        List<Arguments> cases = new ArrayList<>();
        for (int width : new int[] {4, 8}) {
            String codec = width == 4 ? "float32" : "float64";
            cases.add(tensor(codec, width, "dims 2^30 x 2^30 x 8 = 2^63 (the issue's 41 bytes)", "elements",
                    1 << 30, 1 << 30, 8));
            cases.add(tensor(codec, width, "dims 2^30 x 2^30 x 2^30 wrap to 0", "elements", 1 << 30, 1 << 30, 1 << 30));
            cases.add(tensor(codec, width, "dims (2^31-1)^2, about 2^62", "elements", Integer.MAX_VALUE,
                    Integer.MAX_VALUE));
            cases.add(tensor(codec, width, "eight dims of 2^31-1", "elements", Integer.MAX_VALUE, Integer.MAX_VALUE,
                    Integer.MAX_VALUE, Integer.MAX_VALUE, Integer.MAX_VALUE, Integer.MAX_VALUE, Integer.MAX_VALUE,
                    Integer.MAX_VALUE));
            cases.add(tensor(codec, width, "dims 65536 x 65536 = 2^32, 0 as an int", "elements", 65536, 65536));
            cases.add(tensor(codec, width, "dims 46341^2, just over 2^31", "elements", 46341, 46341));
            cases.add(tensor(codec, width, "2^31-1 x 2^31-1 x 0: empty, but its strides overflow", "elements",
                    Integer.MAX_VALUE, Integer.MAX_VALUE, 0));
            cases.add(tensor(codec, width, "2^31-1 values, none sent", "truncated", Integer.MAX_VALUE));
            cases.add(tensor(codec, width, "2^29 values, none sent", "truncated", 1 << 29));
            for (int n : new int[] {Integer.MAX_VALUE, 1 << 30, 1_000_000, Integer.MIN_VALUE}) {
                cases.add(Arguments.of(codec, "field count " + n, WireBytes.header(width).i32(n).name("round").i64(1)
                        .bytes(), n < 0 ? "negative" : "truncated"));
                cases.add(Arguments.of(codec, "tensor count " + n, WireBytes.header(width).i32(0).i32(n).name("w")
                        .shape(1).i32(0).bytes(), n < 0 ? "negative" : "truncated"));
            }
            cases.add(Arguments.of(codec, "name of 65535 bytes", WireBytes.header(width).i32(1).i16(0xffff).i64(7)
                    .bytes(), "name of 65535 bytes"));
            cases.add(Arguments.of(codec, "rank 127", WireBytes.header(width).i32(0).i32(1).name("w").shape(new int[127])
                    .bytes(), "rank"));
            cases.add(Arguments.of(codec, "rank -128", WireBytes.header(width).i32(0).i32(1).name("w").i8(0x80).i32(1)
                    .bytes(),
                    "rank"));
        }
        return cases.stream();
    }

    private static Arguments tensor(String codec, int width, String label, String expected, int... dims) {
        return Arguments.of(codec, label, WireBytes.header(width).i32(0).i32(1).name("layer0.weight").shape(dims).bytes(),
                expected);
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("hugeClaims")
    void decode_headerClaimingHugeSizes_throwsMalformedWithoutAllocatingThem(String codec, String label, byte[] bytes,
            String expected) {
        Codec c = Codec.named(codec, "fedsub.codec");
        c.decode(c.encode(new Payload().tensor("w", Nd4j.ones(DataType.FLOAT, 2))), DataType.FLOAT); // warm up

        long before = THREADS.getCurrentThreadAllocatedBytes();
        MalformedPayloadException e = assertThrows(MalformedPayloadException.class, () -> c.decode(bytes, DataType.FLOAT));
        long allocated = THREADS.getCurrentThreadAllocatedBytes() - before;

        assertTrue(e.getMessage().contains(expected), e.getMessage());
        assertTrue(allocated < ALLOCATION_SLACK, label + ": allocated " + allocated + " bytes");
    }

    /** Small valid payloads with names in and out of ASCII, empty tensors and odd floats (NaN, infinities). */
    static List<Mutator.Seed> seeds(RawCodec codec, long seed) {
        Random rnd = new Random(seed);
        String[] names = {"round", "b:fc1.weight", "d:fc1.bias", "", "é", "層.w", "x"};
        int width = codec.name().equals("float32") ? 4 : 8;
        List<Mutator.Seed> out = new ArrayList<>();
        for (int i = 0; i < 32; i++) {
            Payload p = new Payload();
            for (int f = rnd.nextInt(3); f > 0; f--) {
                p.field(names[rnd.nextInt(names.length)] + f, rnd.nextInt(3) == 0 ? rnd.nextLong() : rnd.nextInt(100));
            }
            for (int t = rnd.nextInt(4); t > 0; t--) {
                long[] shape = new long[1 + rnd.nextInt(3)];
                int n = 1;
                for (int d = 0; d < shape.length; d++) {
                    shape[d] = rnd.nextInt(8) == 0 ? 0 : 1 + rnd.nextInt(3);
                    n *= (int) shape[d];
                }
                double[] v = new double[n];
                for (int k = 0; k < n; k++) {
                    v[k] = switch (rnd.nextInt(10)) {
                        case 0 -> Double.NaN;
                        case 1 -> Double.NEGATIVE_INFINITY;
                        case 2 -> -0.0;
                        default -> rnd.nextGaussian();
                    };
                }
                INDArray a = n == 0 ? Nd4j.create(DataType.DOUBLE, shape) : Nd4j.createFromArray(v).reshape(shape);
                p.tensor(names[rnd.nextInt(names.length)] + t, a);
            }
            out.add(new Mutator.Seed(codec.name(), codec.encode(p),
                    sizeFields(p, (a, at, f) -> width * (int) a.length())));
        }
        return out;
    }

    /** A codec's tensor values, after the shape: the size fields among them, added to {@code f}, and their length. */
    interface ValueLayout {
        int add(INDArray t, int at, List<Mutator.Field> f);
    }

    /**
     * Where {@link RawCodec#frame} puts the format byte, counts, name lengths, ranks and
     * dimensions of {@code p}, and the size fields {@code values} finds inside each tensor's values.
     */
    static List<Mutator.Field> sizeFields(Payload p, ValueLayout values) {
        List<Mutator.Field> f = new ArrayList<>();
        f.add(new Mutator.Field(4, 1));
        f.add(new Mutator.Field(5, 4));
        int at = 9;
        for (String k : p.fields().keySet()) {
            f.add(new Mutator.Field(at, 2));
            at += 2 + k.getBytes(StandardCharsets.UTF_8).length + 8;
        }
        f.add(new Mutator.Field(at, 4));
        at += 4;
        for (Map.Entry<String, INDArray> e : p.tensors().entrySet()) {
            f.add(new Mutator.Field(at, 2));
            at += 2 + e.getKey().getBytes(StandardCharsets.UTF_8).length;
            f.add(new Mutator.Field(at, 1));
            at += 1;
            for (int d = 0; d < e.getValue().rank(); d++) {
                f.add(new Mutator.Field(at, 4));
                at += 4;
            }
            at += values.add(e.getValue(), at, f);
        }
        return f;
    }
}
