package org.fedsub.actors.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.NotSerializableException;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.apache.pekko.actor.testkit.typed.javadsl.SerializationTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializer;
import org.apache.pekko.serialization.jackson.JacksonCborSerializer;
import org.fedsub.actors.protocol.FederatedProtocol.Aggregated;
import org.fedsub.actors.protocol.FederatedProtocol.ClientSelfMessage;
import org.fedsub.actors.protocol.FederatedProtocol.DeclineReason;
import org.fedsub.actors.protocol.FederatedProtocol.Declined;
import org.fedsub.actors.protocol.FederatedProtocol.Quiesce;
import org.fedsub.actors.protocol.FederatedProtocol.Quiesced;
import org.fedsub.actors.protocol.FederatedProtocol.ToServer;
import org.fedsub.actors.protocol.FederatedProtocol.NeedModel;
import org.fedsub.actors.protocol.FederatedProtocol.TrainRound;
import org.fedsub.actors.protocol.FederatedProtocol.TrainingFailed;
import org.fedsub.actors.protocol.FederatedProtocol.UpdateReady;
import org.fedsub.actors.server.Finished;
import org.fedsub.actors.server.RoundReport;
import org.fedsub.actors.server.SyncServer;
import org.fedsub.runtime.codec.EncodedPayload;
import org.fedsub.runtime.engine.RoundMetrics;
import org.fedsub.runtime.strategy.ClientFailure;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(LogCapturingExtension.class)
class SerializationTest {

    private static final ActorTestKit testKit = ActorTestKit.create();
    private static final SerializationTestKit serialization = new SerializationTestKit(testKit.system());

    @AfterAll
    static void cleanup() {
        testKit.shutdownTestKit();
    }

    private static EncodedPayload payload(int size) {
        byte[] b = new byte[size];
        new Random(size).nextBytes(b);
        return new EncodedPayload("float64", b);
    }

    /** One instance of every message that may cross the wire. */
    private static List<Object> wireMessages() {
        TestProbe<ToServer> round = testKit.createTestProbe();
        return List.of(
                new TrainRound(3, 17, payload(1_000), round.ref()),
                new TrainRound(3, 17, payload(40), List.of(payload(300), new EncodedPayload("int8", new byte[7])),
                        round.ref()),
                new Aggregated(3, 17, payload(64)),
                new Aggregated(3, 17, null),
                new UpdateReady(3, 17, 120, 0.25, payload(2_000)),
                new UpdateReady(0, 0, 1, Double.NaN, payload(0)),
                new UpdateReady(3, 17, 120, 0.25, payload(40), false),
                new TrainingFailed(3, 17, "java.lang.IllegalStateException: boom"),
                new Declined(3, 17, DeclineReason.UNAVAILABLE),
                new Declined(4, 18, DeclineReason.DROPPED_OUT),
                new NeedModel(3, 17, "it holds model version 1, the changes start from version 2"),
                new Quiesce(round.ref()),
                new Quiesced(17));
    }

    @Test
    void testSystems_serializeEveryMessage() {
        assertTrue(testKit.system().settings().config().getBoolean("pekko.actor.serialize-messages"));
    }

    @Test
    void everyWireMessage_roundTrips_equal() {
        for (Object m : wireMessages()) {
            assertEquals(m, serialization.verifySerialization(m, true), m.getClass().getSimpleName());
        }
        EncodedPayload p = payload(333);
        assertEquals(p, serialization.verifySerialization(p, true));
    }

    @Test
    void everyPermittedWireType_isCoveredByTheRoundTrip() {
        Set<Class<?>> covered = wireMessages().stream().map(Object::getClass).collect(Collectors.toSet());
        Set<Class<?>> permitted = new HashSet<>();
        permitted.addAll(Arrays.asList(FederatedProtocol.ToClient.class.getPermittedSubclasses()));
        permitted.addAll(Arrays.asList(FederatedProtocol.ToServer.class.getPermittedSubclasses()));
        permitted.remove(ClientSelfMessage.class); // actor-private, never on the wire
        assertEquals(permitted, covered);
    }

    @Test
    void payloadMessages_useTheBinarySerializer_controlMessagesCbor() {
        var ext = SerializationExtension.get(testKit.system().classicSystem());
        for (Object m : wireMessages()) {
            Serializer s = ext.findSerializerFor(m);
            if (m instanceof FederatedProtocol.PayloadMessage) {
                assertInstanceOf(PayloadSerializer.class, s, m.getClass().getSimpleName());
            } else {
                assertInstanceOf(JacksonCborSerializer.class, s, m.getClass().getSimpleName());
            }
        }
    }

    @Test
    void updateReady_costsItsPayloadPlusAFewBytes() throws Exception {
        var ext = SerializationExtension.get(testKit.system().classicSystem());
        UpdateReady u = new UpdateReady(1, 2, 3, 0.5, payload(100_000));
        byte[] bytes = ext.serialize(u).get();
        assertTrue(bytes.length < 100_000 + 64, "serialized size " + bytes.length);
    }

    @Test
    void serverMessages_roundTripThroughCbor() {
        RoundMetrics m = new RoundMetrics(2, 6, 5, 1, 0.5, Double.NaN, Double.NaN, Double.NaN, 100, 200, 30, 1.5, 0);
        RoundReport r = new RoundReport(m, 1, false, List.of(new ClientFailure(4, 2, "late: no answer before the round deadline")));
        assertEquals(r, serialization.verifySerialization(r, true));
        Finished f = new Finished(List.of(r), null);
        assertEquals(f, serialization.verifySerialization(f, true));
        TestProbe<Finished> probe = testKit.createTestProbe();
        serialization.verifySerialization(new SyncServer.Run(probe.ref()), true);
    }

    @Test
    void encodedPayload_isImmutable_andComparedByContent() {
        byte[] b = {1, 2, 3};
        EncodedPayload p = new EncodedPayload("float32", b);
        b[0] = 9;
        p.bytes()[1] = 9;
        assertEquals(new EncodedPayload("float32", new byte[] {1, 2, 3}), p);
        assertEquals(new EncodedPayload("float32", new byte[] {1, 2, 3}).hashCode(), p.hashCode());
        assertNotEquals(new EncodedPayload("float64", new byte[] {1, 2, 3}), p);
    }

    @Test
    void truncatedBytes_failAsNotSerializable() {
        PayloadSerializer s = new PayloadSerializer((org.apache.pekko.actor.ExtendedActorSystem) testKit.system().classicSystem());
        byte[] bytes = s.toBinary(new UpdateReady(1, 2, 3, 0.5, payload(100)));
        byte[] cut = Arrays.copyOf(bytes, bytes.length - 10);
        assertThrows(NotSerializableException.class, () -> s.fromBinary(cut, "U"));
        assertThrows(NotSerializableException.class, () -> s.fromBinary(bytes, "X"));
    }
}
