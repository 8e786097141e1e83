package org.fedsub.actors.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.NotSerializableException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.serialization.SerializationExtension;
import org.fedsub.runtime.codec.Mutator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The chunk's wire format: round trips, and every malformed input is a NotSerializableException saying what. */
@ExtendWith(LogCapturingExtension.class)
class ChunkSerializerTest {

    private static final ActorTestKit testKit = ActorTestKit.create();

    @AfterAll
    static void cleanup() {
        testKit.shutdownTestKit();
    }

    private static ChunkSerializer serializer() {
        return (ChunkSerializer) SerializationExtension.get(testKit.system().classicSystem())
                .serializerByIdentity().apply(ChunkSerializer.IDENTIFIER);
    }

    private static Chunk chunk(int index, int count, int size, byte[] data) {
        ActorRef<Ack> from = testKit.<Ack>createTestProbe().ref();
        ActorRef<Object> target = testKit.createTestProbe().ref();
        return new Chunk(from, 12, index, count, size, 471_100, "U", target, data);
    }

    @Test
    void chunk_roundTrips() throws NotSerializableException {
        ChunkSerializer s = serializer();
        for (Chunk c : List.of(chunk(0, 1, 0, new byte[0]), chunk(1, 3, 2500, new byte[] {1, 2, 3}))) {
            assertEquals(c, s.fromBinary(s.toBinary(c), ChunkSerializer.MANIFEST));
        }
    }

    @Test
    void everyTruncation_isNotSerializableNamingTheField() {
        ChunkSerializer s = serializer();
        byte[] b = s.toBinary(chunk(1, 3, 2500, new byte[] {1, 2, 3}));
        for (int n = 0; n < b.length; n++) {
            byte[] cut = java.util.Arrays.copyOf(b, n);
            NotSerializableException e = assertThrows(NotSerializableException.class,
                    () -> s.fromBinary(cut, ChunkSerializer.MANIFEST), "truncated to " + n);
            assertTrue(e.getMessage().contains("ends at offset") || e.getMessage().contains("malformed"), e.getMessage());
        }
    }

    @Test
    void hostileFields_areRefusedWithTheirMeaning() throws NotSerializableException {
        ChunkSerializer s = serializer();
        byte[] data = {1, 2, 3};
        byte[] b = s.toBinary(chunk(1, 3, 2500, data));
        int dataLength = b.length - data.length - 4;
        // Offsets after the version byte and the sender ref: transfer (8), index, count, size, serializer (4 each).
        int fields = 1 + 2 + Short.toUnsignedInt(ByteBuffer.wrap(b, 1, 2).getShort());
        record Case(int offset, int value, String expected) {}
        for (Case c : List.of(new Case(fields + 8, 3, "chunk index 3 of count 3"),
                new Case(fields + 8, -1, "chunk index -1"),
                new Case(fields + 12, 0, "of count 0"),
                new Case(fields + 16, -5, "message size -5 is negative"),
                new Case(dataLength, Integer.MAX_VALUE, "data length 2147483647; expected 0 to the message size 2500"),
                new Case(dataLength, 4, "ends at offset"))) {
            byte[] bad = b.clone();
            ByteBuffer.wrap(bad).putInt(c.offset(), c.value());
            NotSerializableException e = assertThrows(NotSerializableException.class,
                    () -> s.fromBinary(bad, ChunkSerializer.MANIFEST));
            assertTrue(e.getMessage().contains(c.expected()), c.expected() + " not in: " + e.getMessage());
        }
        byte[] trailing = java.util.Arrays.copyOf(b, b.length + 1);
        assertTrue(assertThrows(NotSerializableException.class, () -> s.fromBinary(trailing, "C")).getMessage()
                .contains("1 bytes after the chunk's data"));
        b[0] = 2;
        assertTrue(assertThrows(NotSerializableException.class, () -> s.fromBinary(b, "C")).getMessage()
                .contains("version 2"));
        assertTrue(assertThrows(NotSerializableException.class, () -> s.fromBinary(b, "X")).getMessage()
                .contains("unknown fedsub chunk manifest 'X'"));
    }

    @Test
    void mutatedOrRandomBytes_roundTripOrThrowNotSerializable() {
        ChunkSerializer s = serializer();
        List<Mutator.Seed> seeds = new ArrayList<>();
        for (int size : new int[] {0, 5, 40}) {
            byte[] data = new byte[size];
            new Random(size).nextBytes(data);
            byte[] b = s.toBinary(chunk(0, 1, size, data));
            int fields = 1 + 2 + Short.toUnsignedInt(ByteBuffer.wrap(b, 1, 2).getShort());
            seeds.add(new Mutator.Seed("C", b, List.of(new Mutator.Field(1, 2), new Mutator.Field(fields + 8, 4),
                    new Mutator.Field(fields + 12, 4), new Mutator.Field(fields + 16, 4),
                    new Mutator.Field(b.length - size - 4, 4))));
        }
        Mutator mutator = new Mutator(7, seeds, ByteOrder.BIG_ENDIAN);
        Map<String, Integer> outcomes = new TreeMap<>();
        for (int i = 0; i < 5_000; i++) {
            byte[] input = i % 5 == 4 ? mutator.random(new byte[] {1}, 64) : mutator.mutate(mutator.pick());
            try {
                Object m = s.fromBinary(input, ChunkSerializer.MANIFEST);
                assertEquals(m, s.fromBinary(s.toBinary(m), ChunkSerializer.MANIFEST), "input " + i);
                outcomes.merge("accepted", 1, Integer::sum);
            } catch (NotSerializableException e) {
                outcomes.merge("refused", 1, Integer::sum);
            } catch (Throwable t) {
                fail("input " + i + " threw " + t + ": " + Mutator.hex(input), t);
            }
        }
        assertTrue(outcomes.containsKey("accepted") && outcomes.containsKey("refused"), outcomes.toString());
    }
}
