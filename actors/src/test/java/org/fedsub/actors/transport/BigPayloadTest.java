package org.fedsub.actors.transport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.Random;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.apache.pekko.actor.testkit.typed.javadsl.LoggingTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.fedsub.actors.protocol.FederatedProtocol.ToClient;
import org.fedsub.actors.protocol.FederatedProtocol.ToServer;
import org.fedsub.actors.protocol.FederatedProtocol.TrainRound;
import org.fedsub.actors.protocol.FederatedProtocol.UpdateReady;
import org.fedsub.runtime.codec.EncodedPayload;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Two cluster nodes over real Artery on 127.0.0.1 with its default frames (256 KiB ordinary,
 * 2 MiB large, only the transport's inbound actor a large-message destination): messages many
 * times the frame limit arrive whole and in order through the chunked transport, replies
 * included; lost, out-of-order, oversized and malformed chunks are refused with a warning and
 * deliver nothing.
 */
@ExtendWith(LogCapturingExtension.class)
class BigPayloadTest {

    private static final int MB = 1_000_000;

    static ActorTestKit server;
    static ActorTestKit client;

    @BeforeAll
    static void cluster() throws Exception {
        server = ActorTestKit.create("fedsub", Nodes.config(null));
        client = ActorTestKit.create("fedsub", Nodes.config(null));
        Address seed = Nodes.address(server.system());
        Cluster.get(server.system()).manager().tell(Join.create(seed));
        Cluster.get(client.system()).manager().tell(Join.create(seed));
        Address c = Nodes.address(client.system());
        Nodes.await(() -> Nodes.isUpMember(server.system(), c) && Nodes.isUpMember(client.system(), seed), 60,
                () -> "members " + Cluster.get(server.system()).state().getMembers());
    }

    @AfterAll
    static void shutdown() {
        if (client != null) {
            client.shutdownTestKit();
        }
        if (server != null) {
            server.shutdownTestKit();
        }
    }

    /** {@code ref} of {@code owner} as {@code viewer} sees it (a remote ref). */
    private static <T> ActorRef<T> remote(ActorRef<T> ref, ActorSystem<?> owner, ActorSystem<?> viewer) {
        return ActorRefResolver.get(viewer).resolveActorRef(ActorRefResolver.get(owner).toSerializationFormat(ref));
    }

    /** A stand-in on the server node for {@code target}, through which the test sends. */
    private static <T> ActorRef<T> outbound(ActorRef<T> target) {
        TestProbe<ActorRef<T>> made = server.createTestProbe();
        server.spawn(Behaviors.<T>setup(ctx -> {
            made.ref().tell(ChunkedTransport.get(ctx.getSystem()).outbound(ctx, target));
            return Behaviors.empty();
        }));
        return made.receiveMessage();
    }

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    @Test
    void fiftyMegabyteTask_andItsFiftyMegabyteReply_arriveWhole() {
        // A client that answers every task with an update as big as the task.
        ActorRef<ToClient> echo = client.spawn(Behaviors.receiveMessage(m -> {
            if (m instanceof TrainRound t) {
                t.replyTo().tell(new UpdateReady(t.round(), t.clientId(), 1, 0.25, t.task()));
            }
            return Behaviors.same();
        }), "echo");
        TestProbe<ToServer> round = server.createTestProbe();
        byte[] model = random(50 * MB, 50);
        ActorRef<ToClient> out = outbound(remote(echo, client.system(), server.system()));

        out.tell(new TrainRound(7, 3, new EncodedPayload("float32", model), round.ref()));

        UpdateReady reply = round.expectMessageClass(UpdateReady.class, Duration.ofMinutes(3));
        assertEquals(7, reply.round());
        assertEquals(3, reply.clientId());
        assertArrayEquals(model, reply.update().bytes(), "the 50 MB payload came back bit for bit");
    }

    @Test
    void messagesOfMixedSizes_arriveInTheOrderSent() {
        TestProbe<ToServer> target = client.createTestProbe();
        ActorRef<ToServer> out = outbound(remote(target.ref(), client.system(), server.system()));
        int[] sizes = {5 * MB, 10, 3 * MB, 0, 2 * 1024 * 1024};
        for (int i = 0; i < sizes.length; i++) {
            out.tell(new UpdateReady(i, 0, 1, 0, new EncodedPayload("raw", random(sizes[i], i))));
        }
        for (int i = 0; i < sizes.length; i++) {
            UpdateReady u = target.expectMessageClass(UpdateReady.class, Duration.ofMinutes(1));
            assertEquals(i, u.round(), "message " + i + " in order");
            assertArrayEquals(random(sizes[i], i), u.update().bytes());
        }
    }

    /** Chunks sent by hand from the server node to the client node's inbound actor. */
    private record Hand(TestProbe<Ack> sender, TestProbe<ToServer> target, ActorRef<Chunk> inbound,
            ActorRef<Object> targetSeenFromServer) {

        static Hand create() {
            TestProbe<ToServer> target = client.createTestProbe();
            ActorRef<Chunk> inbound = ActorRefResolver.get(server.system())
                    .resolveActorRef(Nodes.address(client.system()) + ChunkedTransport.INBOUND_PATH);
            @SuppressWarnings("unchecked")
            ActorRef<Object> t = (ActorRef<Object>) (ActorRef<?>) remote(target.ref(), client.system(), server.system());
            return new Hand(server.createTestProbe(), target, inbound, t);
        }

        Chunk chunk(long transfer, int index, int count, int size, byte[] data) {
            return new Chunk(sender.ref(), transfer, index, count, size, 471_100, "U", targetSeenFromServer, data);
        }
    }

    private static int chunkSize() {
        return ChunkedTransport.get(client.system()).settings().chunkSize();
    }

    /** A small UpdateReady serialized as the transport would, to prove the channel still works. */
    private static byte[] serialized(UpdateReady m) {
        return new org.fedsub.actors.protocol.PayloadSerializer(
                (org.apache.pekko.actor.ExtendedActorSystem) org.apache.pekko.actor.typed.javadsl.Adapter
                        .toClassic(server.system())).toBinary(m);
    }

    @Test
    void missingChunk_isRefused_andNothingIsDelivered() {
        Hand h = Hand.create();
        int cs = chunkSize();
        LoggingTestKit.warn("a chunk was lost").expect(client.system(), () -> {
            h.inbound().tell(h.chunk(1, 0, 3, 3 * cs, new byte[cs]));
            assertEquals(new Ack(1, 0), h.sender().receiveMessage());
            h.inbound().tell(h.chunk(1, 2, 3, 3 * cs, new byte[cs])); // chunk 2 of 3 never sent
            assertEquals(Ack.refused(1), h.sender().receiveMessage());
            return null;
        });
        // The next transfer from the same sender gets through, and is the first thing the target sees.
        UpdateReady ok = new UpdateReady(9, 1, 1, 0, new EncodedPayload("raw", new byte[] {1, 2, 3}));
        byte[] b = serialized(ok);
        h.inbound().tell(h.chunk(2, 0, 1, b.length, b));
        assertEquals(new Ack(2, 0), h.sender().receiveMessage());
        assertEquals(ok, h.target().receiveMessage());
    }

    @Test
    void senderStoppingMidTransfer_freesItsBuffer() {
        Hand h = Hand.create();
        int cs = chunkSize();
        LoggingTestKit.warn("its sender stopped after chunk 1 of 3").expect(client.system(), () -> {
            h.inbound().tell(h.chunk(1, 0, 3, 3 * cs, new byte[cs]));
            assertEquals(new Ack(1, 0), h.sender().receiveMessage());
            h.sender().stop();
            return null;
        });
    }

    @Test
    void oversizedClaim_isRefusedBeforeAnythingIsBuffered() {
        Hand h = Hand.create();
        int max = ChunkedTransport.get(client.system()).settings().maxMessageSize();
        int size = max + 1;
        LoggingTestKit.warn("exceeds fedsub.transport.max-message-size").expect(client.system(), () -> {
            h.inbound().tell(h.chunk(1, 0, Outbound.chunks(size, chunkSize()), size, new byte[chunkSize()]));
            assertEquals(Ack.refused(1), h.sender().receiveMessage());
            return null;
        });
    }

    @Test
    void chunkOfTheWrongLength_orCount_isRefused() {
        Hand h = Hand.create();
        int cs = chunkSize();
        LoggingTestKit.warn("holds 10 bytes, expected " + cs).expect(client.system(), () -> {
            h.inbound().tell(h.chunk(1, 0, 2, cs + 5, new byte[10]));
            assertEquals(Ack.refused(1), h.sender().receiveMessage());
            return null;
        });
        LoggingTestKit.warn("claims 5 chunks for 10 bytes").expect(client.system(), () -> {
            h.inbound().tell(h.chunk(2, 0, 5, 10, new byte[10]));
            assertEquals(Ack.refused(2), h.sender().receiveMessage());
            return null;
        });
    }

    @Test
    void messageThatDoesNotDeserialize_isRefusedWithTheSerializersReason() {
        Hand h = Hand.create();
        byte[] garbage = {1, 0, 0, 0, 9};
        LoggingTestKit.warn("does not deserialize").expect(client.system(), () -> {
            h.inbound().tell(h.chunk(1, 0, 1, garbage.length, garbage));
            assertEquals(new Ack(1, 0), h.sender().receiveMessage());
            assertEquals(Ack.refused(1), h.sender().receiveMessage());
            return null;
        });
    }
}
