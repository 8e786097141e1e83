package org.fedsub.runtime.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@link RawCodecFuzzTest} for the lossy formats: mutated and random bytes through
 * {@link LossyCodec#decode} and {@link TopKCodec#decode} either decode or throw {@link MalformedPayloadException}, nothing
 * else, and never allocate more than the bytes justify. 25,000 mutants per format, 125,000 in all
 * (top-k with fraction 0.3).
 */
class LossyCodecFuzzTest {

    private static final int MUTANTS = 25_000;
    private static final int RANDOM = 2_000;
    private static final long ALLOCATION_SLACK = 1 << 20;
    private static final int ALLOCATION_PER_INPUT_BYTE = 64;
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    @ParameterizedTest
    @ValueSource(strings = {"fp16", "bf16", "int8", "int4", "topk"})
    void decode_mutatedOrRandomBytes_returnsAPayloadOrThrowsMalformed(String name) {
        Codec codec = Codec.named(name, "fedsub.codec", 0.3);
        List<Mutator.Seed> seeds = seeds(codec, 11);
        Mutator mutator = new Mutator(name.hashCode(), seeds, ByteOrder.LITTLE_ENDIAN);
        byte[] prefix = java.util.Arrays.copyOf(seeds.get(0).bytes(), 5);
        for (Mutator.Seed s : seeds) { // also warms ND4J up before allocations are measured
            codec.decode(s.bytes(), DataType.FLOAT);
        }
        Map<String, Integer> outcomes = new TreeMap<>();
        for (int i = 0; i < MUTANTS + RANDOM; i++) {
            byte[] input = i < MUTANTS ? mutator.mutate(mutator.pick()) : mutator.random(prefix, 64);
            DataType dtype = i % 2 == 0 ? DataType.FLOAT : DataType.DOUBLE;
            outcomes.merge(decode(codec, input, dtype, i), 1, Integer::sum);
        }
        assertEquals(MUTANTS + RANDOM, outcomes.values().stream().mapToInt(Integer::intValue).sum());
        List<String> kinds = new ArrayList<>(List.of("accepted", "magic", "format", "truncated", "negative", "rank",
                "twice", "trailing"));
        if (name.equals("topk")) {
            kinds.addAll(List.of("sends", "index"));
        }
        for (String kind : kinds) {
            assertTrue(outcomes.containsKey(kind), "no input reached '" + kind + "': " + outcomes);
        }
    }

    private static String decode(Codec codec, byte[] input, DataType dtype, int i) {
        long before = THREADS.getCurrentThreadAllocatedBytes();
        String outcome;
        try {
            codec.decode(input, dtype);
            outcome = "accepted";
        } catch (MalformedPayloadException e) {
            outcome = kind(e.getMessage());
        } catch (Throwable t) {
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
        for (String k : List.of("magic", "format", "values are", "negative", "rank", "elements", "twice", "UTF-8",
                "trailing", "truncated", "sends", "index")) {
            if (message.contains(k)) {
                return k.equals("values are") ? "format" : k;
            }
        }
        return "other: " + message;
    }

    /** Small valid payloads: names in and out of ASCII, empty tensors, ranks 1 to 3, odd floats. */
    static List<Mutator.Seed> seeds(Codec codec, long seed) {
        Random rnd = new Random(seed);
        String[] names = {"round", "b:fc1.weight", "d:fc1.bias", "", "é", "x"};
        List<Mutator.Seed> out = new ArrayList<>();
        for (int i = 0; i < 32; i++) {
            Payload p = new Payload();
            for (int f = rnd.nextInt(3); f > 0; f--) {
                p.field(names[rnd.nextInt(names.length)] + f, rnd.nextInt(100));
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
                    v[k] = rnd.nextInt(12) == 0 ? Double.NaN : rnd.nextGaussian();
                }
                INDArray a = n == 0 ? Nd4j.create(DataType.DOUBLE, shape) : Nd4j.createFromArray(v).reshape(shape);
                p.tensor(names[rnd.nextInt(names.length)] + t, a);
            }
            out.add(new Mutator.Seed(codec.name(), codec.encode(p, i), sizeFields(p, codec)));
        }
        return out;
    }

    /** The size fields of {@code p} as {@code codec} frames it: top-k's k inside the values too. */
    private static List<Mutator.Field> sizeFields(Payload p, Codec codec) {
        return RawCodecFuzzTest.sizeFields(p, (t, at, f) -> {
            if (codec instanceof TopKCodec topK) {
                f.add(new Mutator.Field(at, 4)); // k
                return 4 + 8 * topK.k(t.length());
            }
            return (int) ((LossyCodec) codec).valueBytes(t.shape());
        });
    }
}
