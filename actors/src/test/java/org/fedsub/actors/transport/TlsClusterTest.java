package org.fedsub.actors.transport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.fedsub.actors.protocol.FederatedProtocol.ToServer;
import org.fedsub.actors.protocol.FederatedProtocol.UpdateReady;
import org.fedsub.runtime.codec.EncodedPayload;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Cluster nodes over Artery's tls-tcp with mutual authentication, configured only through
 * fedsub.cluster.tls and certificates from scripts/make-certs.sh: nodes of one CA form a
 * cluster and carry a chunked message; a node certified by another CA, or one speaking plain
 * TCP, never becomes a member.
 */
@ExtendWith(LogCapturingExtension.class)
class TlsClusterTest {

    static Path certs;
    static Path otherCa;

    private final List<ActorTestKit> kits = new ArrayList<>();

    @BeforeAll
    static void makeCertificates() throws Exception {
        certs = Certificates.cluster();
        otherCa = Certificates.otherCa();
    }

    @AfterEach
    void shutdown() {
        kits.forEach(ActorTestKit::shutdownTestKit);
    }

    private ActorTestKit node(Path certDir) {
        ActorTestKit kit = ActorTestKit.create("fedsub", Nodes.config(certDir));
        kits.add(kit);
        return kit;
    }

    private static void join(ActorSystem<?> node, Address seed) {
        Cluster.get(node).manager().tell(Join.create(seed));
    }

    @Test
    void nodesOfOneCa_formACluster_andCarryAMessageBiggerThanAFrame() throws Exception {
        ActorTestKit seed = node(certs.resolve("seed"));
        ActorTestKit member = node(certs.resolve("member"));
        Address seedAddress = Nodes.address(seed.system());
        join(seed.system(), seedAddress);
        join(member.system(), seedAddress);
        Address memberAddress = Nodes.address(member.system());
        Nodes.await(() -> Nodes.isUpMember(seed.system(), memberAddress) && Nodes.isUpMember(member.system(), seedAddress),
                60, () -> "members " + Cluster.get(seed.system()).state().getMembers());

        // 5 MB from the seed to an actor on the member, over TLS in chunks below the 2 MiB frames.
        byte[] bytes = new byte[5_000_000];
        new Random(1).nextBytes(bytes);
        TestProbe<ToServer> probe = member.createTestProbe();
        ActorRef<ToServer> remote = ActorRefResolver.get(seed.system())
                .resolveActorRef(ActorRefResolver.get(member.system()).toSerializationFormat(probe.ref()));
        UpdateReady sent = new UpdateReady(4, 2, 10, 0.5, new EncodedPayload("float32", bytes));
        seed.spawn(Behaviors.<ToServer>setup(ctx -> {
            ActorRef<ToServer> out = ChunkedTransport.get(ctx.getSystem()).outbound(ctx, remote);
            assertNotEquals(remote, out, "a remote target gets a chunking stand-in");
            out.tell(sent);
            return Behaviors.empty();
        }));
        UpdateReady got = probe.expectMessageClass(UpdateReady.class, Duration.ofSeconds(60));
        assertEquals(sent, got);
        assertArrayEquals(bytes, got.update().bytes());
    }

    @Test
    void nodeOfAnotherCa_orWithoutTls_neverBecomesAMember() throws Exception {
        ActorTestKit seed = node(certs.resolve("seed"));
        Address seedAddress = Nodes.address(seed.system());
        join(seed.system(), seedAddress);
        // The intruders try first; a legitimate member joins after them.
        ActorTestKit intruder = node(otherCa.resolve("intruder"));
        ActorTestKit plain = node(null);
        join(intruder.system(), seedAddress);
        join(plain.system(), seedAddress);
        ActorTestKit member = node(certs.resolve("member"));
        join(member.system(), seedAddress);
        Address memberAddress = Nodes.address(member.system());
        Address intruderAddress = Nodes.address(intruder.system());
        Address plainAddress = Nodes.address(plain.system());
        Nodes.await(() -> Nodes.isUpMember(seed.system(), memberAddress), 60,
                () -> "members " + Cluster.get(seed.system()).state().getMembers());

        // Watch the membership for a while longer (join attempts retry every few seconds): the
        // intruders must never appear, and must never see themselves Up.
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < until) {
            for (ActorTestKit observer : List.of(seed, member)) {
                assertFalse(Nodes.isMember(observer.system(), intruderAddress), "a node of another CA joined");
                assertFalse(Nodes.isMember(observer.system(), plainAddress), "a node without TLS joined");
            }
            for (ActorTestKit outsider : List.of(intruder, plain)) {
                assertNotEquals(MemberStatus.up(), Cluster.get(outsider.system()).selfMember().status());
                assertFalse(Nodes.isMember(outsider.system(), seedAddress), "an outsider sees the seed as member");
            }
            Thread.sleep(100);
        }
    }
}
