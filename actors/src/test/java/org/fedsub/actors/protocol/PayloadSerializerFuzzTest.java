package org.fedsub.actors.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.NotSerializableException;
import java.lang.management.ManagementFactory;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.serialization.SerializationExtension;
import org.fedsub.actors.protocol.FederatedProtocol.Aggregated;
import org.fedsub.actors.protocol.FederatedProtocol.ToServer;
import org.fedsub.actors.protocol.FederatedProtocol.TrainRound;
import org.fedsub.actors.protocol.FederatedProtocol.UpdateReady;
import org.fedsub.runtime.codec.EncodedPayload;
import org.fedsub.runtime.codec.Mutator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What a hostile peer can send the binary serializer: mutated and random bytes under every
 * manifest. {@link PayloadSerializer#fromBinary} must return a message that serializes and
 * reads back equal, or throw {@link NotSerializableException}; nothing else, and never allocate
 * more than the bytes justify. Seeded, so a failure names an input that reproduces it.
 */
@ExtendWith(LogCapturingExtension.class)
class PayloadSerializerFuzzTest {

    private static final ActorTestKit testKit = ActorTestKit.create();

    // 40,000 inputs (a quarter of them read a second time under another manifest), about a
    // second once warm: no tensors here, the cost is mostly the exceptions' stack traces.
    /** Mutants of valid messages. */
    private static final int MUTANTS = 30_000;
    /** Purely random inputs. */
    private static final int RANDOM = 10_000;
    /** Heap one read may allocate: see RawCodecFuzzTest. */
    private static final long ALLOCATION_SLACK = 1 << 20;
    private static final int ALLOCATION_PER_INPUT_BYTE = 64;
    private static final List<String> MANIFESTS = List.of("T", "D", "A", "U", "P");

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    @AfterAll
    static void cleanup() {
        testKit.shutdownTestKit();
    }

    private static PayloadSerializer serializer() {
        return (PayloadSerializer) SerializationExtension.get(testKit.system().classicSystem())
                .findSerializerFor(new EncodedPayload("float64", new byte[0]));
    }

    @Test
    void fromBinary_mutatedOrRandomBytes_returnsAMessageThatRoundTripsOrThrowsNotSerializable() {
        PayloadSerializer s = serializer();
        List<Mutator.Seed> seeds = seeds(s);
        Mutator mutator = new Mutator(42, seeds, ByteOrder.BIG_ENDIAN);
        Random rnd = mutator.rng();
        Map<String, Integer> outcomes = new TreeMap<>();
        // Warm-up, not measured: the first reads of each path load classes and bootstrap call sites.
        Mutator warmUp = new Mutator(7, seeds, ByteOrder.BIG_ENDIAN);
        for (int i = 0; i < 500; i++) {
            Mutator.Seed seed = warmUp.pick();
            try {
                s.fromBinary(warmUp.mutate(seed), seed.label());
            } catch (NotSerializableException e) {
                // expected for most
            }
        }

        for (int i = 0; i < MUTANTS + RANDOM; i++) {
            byte[] input;
            String manifest;
            if (i < MUTANTS) {
                Mutator.Seed seed = mutator.pick();
                input = mutator.mutate(seed);
                manifest = seed.label();
            } else {
                input = mutator.random(new byte[] {1}, 48);
                manifest = MANIFESTS.get(rnd.nextInt(MANIFESTS.size()));
            }
            outcomes.merge(read(s, input, manifest, i), 1, Integer::sum);
            if (rnd.nextInt(4) == 0) { // the same bytes under another manifest, or none known
                String other = rnd.nextInt(8) == 0 ? (rnd.nextBoolean() ? "X" : null)
                        : MANIFESTS.get(rnd.nextInt(MANIFESTS.size()));
                outcomes.merge(read(s, input, other, i), 1, Integer::sum);
            }
        }

        for (String kind : List.of("accepted", "truncated", "trailing", "version", "manifest", "at most", "negative",
                "expected 0 or 1", "UTF-8", "actor path")) {
            assertTrue(outcomes.containsKey(kind), "no input reached '" + kind + "': " + outcomes);
        }
    }

    /** Reads one input; the kind of outcome, or a test failure naming the input. */
    private static String read(PayloadSerializer s, byte[] input, String manifest, int i) {
        long before = THREADS.getCurrentThreadAllocatedBytes();
        String outcome;
        try {
            Object m = s.fromBinary(input, manifest);
            assertEquals(m, s.fromBinary(s.toBinary(m), manifest), () -> "input " + i + " (manifest " + manifest
                    + ") read as " + m + " but does not round-trip: " + Mutator.hex(input));
            outcome = "accepted";
        } catch (NotSerializableException e) {
            outcome = kind(e.getMessage());
        } catch (Throwable t) { // an OutOfMemoryError included: that is what this test is for
            return fail("input " + i + " (manifest " + manifest + ", " + input.length + " bytes) threw " + t + ": "
                    + Mutator.hex(input), t);
        }
        long allocated = THREADS.getCurrentThreadAllocatedBytes() - before;
        if (allocated > ALLOCATION_SLACK + (long) ALLOCATION_PER_INPUT_BYTE * input.length) {
            fail("input " + i + " (manifest " + manifest + ", " + input.length + " bytes) allocated " + allocated
                    + " bytes: " + Mutator.hex(input));
        }
        return outcome;
    }

    private static String kind(String message) {
        for (String k : List.of("manifest '", "manifest null", "version", "trailing", "at most", "negative",
                "expected 0 or 1", "UTF-8", "actor path", "truncated")) {
            if (message.contains(k) && !(k.equals("manifest '") && message.startsWith("malformed"))) {
                return k.startsWith("manifest") ? "manifest" : k;
            }
        }
        return "other: " + message;
    }

    @Test
    void fromBinary_hostileLengthsAndFields_throwNotSerializableNamingThem() throws IOException {
        PayloadSerializer s = serializer();
        String ref = ActorRefResolver.get(testKit.system()).toSerializationFormat(testKit.<ToServer>createTestProbe().ref());
        record Case(String manifest, byte[] bytes, String expected) {}
        List<Case> cases = List.of(
                new Case("P", wire(o -> o.writeUTF("float64")).i32(Integer.MAX_VALUE).bytes(), "payload of 2147483647"),
                new Case("P", wire(o -> o.writeUTF("float64")).i32(-1).bytes(), "payload length -1 is negative"),
                new Case("P", wire(o -> o.writeShort(0xffff)).bytes(), "codec name of 65535 bytes; at most 64"),
                new Case("P", wire(o -> o.writeUTF("x".repeat(65))).i32(0).bytes(), "codec name of 65 bytes"),
                new Case("P", wire(o -> o.writeShort(2)).raw(0xc0, 0x41).i32(0).bytes(), "not modified UTF-8"),
                // readUTF takes a raw zero byte, which writeUTF writes in two: it would not round-trip.
                new Case("P", wire(o -> o.writeShort(2)).raw(0x41, 0x00).i32(0).bytes(), "a raw zero byte"),
                new Case("P", wire(o -> o.writeUTF("float64")).i32(0).raw(0).bytes(), "1 trailing bytes"),
                new Case("A", wire(o -> o.writeInt(1)).i32(2).raw(2).bytes(), "ack flag is 2, expected 0 or 1"),
                new Case("T", wire(o -> o.writeInt(1)).i32(2).utf("float64").i32(0).utf("not a path").bytes(),
                        "'not a path' is not an actor path"),
                new Case("T", wire(o -> o.writeInt(1)).i32(2).utf("float64").i32(0).utf(ref.replace("://", ":/"))
                        .bytes(), "is not an actor path"),
                new Case("T", wire(o -> o.writeInt(1)).i32(2).utf("float64").i32(0).utf(ref).raw(7).bytes(),
                        "1 trailing bytes"),
                new Case("D", wire(o -> o.writeInt(1)).i32(2).utf("float64").i32(0).i32(Integer.MAX_VALUE).bytes(),
                        "change count 2147483647 with 0 bytes left"),
                new Case("D", wire(o -> o.writeInt(1)).i32(2).utf("float64").i32(0).i32(0).utf(ref).bytes(),
                        "change count 0"),
                new Case("U", new byte[] {2, 0, 0}, "truncated: round needs 4 bytes, 2 left"),
                new Case("U", wire(o -> o.writeInt(1)).i32(2).raw(0, 0, 0, 0, 0, 0, 0, 9).raw(0, 0, 0, 0, 0, 0, 0, 0)
                        .raw(3).utf("float64").i32(0).bytes(), "empty acknowledgement flag is 3, expected 0 or 1"),
                new Case("U", new byte[0], "truncated: version"),
                new Case("U", new byte[] {1}, "version 1, expected 2"),
                new Case("Q", new byte[] {1}, "unknown fedsub payload manifest 'Q'"),
                new Case(null, new byte[] {1}, "manifest null"));

        for (Case c : cases) {
            long before = THREADS.getCurrentThreadAllocatedBytes();
            NotSerializableException e = assertThrows(NotSerializableException.class,
                    () -> s.fromBinary(c.bytes(), c.manifest()));
            long allocated = THREADS.getCurrentThreadAllocatedBytes() - before;

            assertTrue(e.getMessage().contains(c.expected()), e.getMessage());
            assertTrue(allocated < ALLOCATION_SLACK, c.expected() + ": allocated " + allocated + " bytes");
        }
    }

    @Test
    void toBinary_codecNameLongerThanTheReaderTakes_failsAtTheSender() throws NotSerializableException {
        PayloadSerializer s = serializer();
        String longest = "c".repeat(PayloadSerializer.MAX_CODEC_NAME);

        assertThrows(IllegalArgumentException.class, () -> s.toBinary(new EncodedPayload(longest + "c", new byte[0])));
        assertThrows(IllegalArgumentException.class, () -> s.toBinary(new EncodedPayload("é".repeat(33), new byte[0])));
        EncodedPayload p = new EncodedPayload(longest, new byte[] {1});
        assertEquals(p, s.fromBinary(s.toBinary(p), "P"));
    }

    /** Small valid messages of every manifest, with the offsets of their lengths, flags and version. */
    private static List<Mutator.Seed> seeds(PayloadSerializer s) {
        TestProbe<ToServer> probe = testKit.createTestProbe();
        Random rnd = new Random(1);
        List<Mutator.Seed> out = new ArrayList<>();
        for (int size : new int[] {0, 3, 24}) {
            for (String codec : new String[] {"float32", "float64", "", "fl\u00f6at"}) {
                byte[] b = new byte[size];
                rnd.nextBytes(b);
                EncodedPayload p = new EncodedPayload(codec, b);
                out.add(seed(s, "P", p, List.of(), 1, p));
                out.add(seed(s, "A", new Aggregated(3, 17, p), List.of(new Mutator.Field(9, 1)), 10, p));
                out.add(seed(s, "U", new UpdateReady(3, 17, 120, size == 0 ? Double.NaN : 0.25, p, size != 3),
                        List.of(new Mutator.Field(9, 8), new Mutator.Field(25, 1)), 26, p));
                out.add(seed(s, "T", new TrainRound(3, 17, p, probe.ref()), List.of(), 9, p));
                out.add(seed(s, "D", new TrainRound(3, 17, p, List.of(p, new EncodedPayload("int8", b)), probe.ref()),
                        List.of(), 9, p));
            }
        }
        out.add(seed(s, "A", new Aggregated(3, 17, null), List.of(new Mutator.Field(9, 1)), -1, null));
        return out;
    }

    /**
     * The seed of {@code m}: its version byte, {@code extra} fields, its payload's codec-name and
     * byte lengths (the payload starts at {@code at}; -1 when there is none) and, for a train
     * round, its actor ref's length.
     */
    private static Mutator.Seed seed(PayloadSerializer s, String manifest, Object m, List<Mutator.Field> extra, int at,
            EncodedPayload p) {
        byte[] bytes = s.toBinary(m);
        List<Mutator.Field> f = new ArrayList<>(extra);
        f.add(new Mutator.Field(0, 1));
        if (at >= 0) {
            int codecBytes = p.codec().getBytes(StandardCharsets.UTF_8).length;
            f.add(new Mutator.Field(at, 2));
            f.add(new Mutator.Field(at + 2 + codecBytes, 4));
            if (manifest.equals("T")) {
                f.add(new Mutator.Field(at + 2 + codecBytes + 4 + p.size(), 2));
            } else if (manifest.equals("D")) {
                f.add(new Mutator.Field(at + 2 + codecBytes + 4 + p.size(), 4)); // the change count
            }
        }
        return new Mutator.Seed(manifest, bytes, f);
    }

    private interface Writes {
        void to(DataOutputStream out) throws IOException;
    }

    /** A message written by hand: the version byte, then {@code first}, then what the builder adds. */
    private static Wire wire(Writes first) throws IOException {
        Wire w = new Wire();
        w.out.writeByte(2);
        first.to(w.out);
        return w;
    }

    private static final class Wire {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private final DataOutputStream out = new DataOutputStream(bytes);

        Wire i32(int v) throws IOException {
            out.writeInt(v);
            return this;
        }

        Wire utf(String v) throws IOException {
            out.writeUTF(v);
            return this;
        }

        Wire raw(int... b) throws IOException {
            for (int x : b) {
                out.writeByte(x);
            }
            return this;
        }

        byte[] bytes() {
            return bytes.toByteArray();
        }
    }
}
