package org.fedsub.actors.transport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.AddressFromURIString;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.fedsub.actors.protocol.FederatedProtocol.ToClient;
import org.fedsub.actors.protocol.FederatedProtocol.ToServer;
import org.fedsub.actors.protocol.FederatedProtocol.TrainRound;
import org.fedsub.actors.protocol.FederatedProtocol.UpdateReady;
import org.fedsub.runtime.codec.EncodedPayload;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A node in a second JVM ({@link NodeMain}) joins this JVM's seed node over TLS with
 * certificates from make-certs.sh, and a 20 MB task and its 20 MB reply cross between the two
 * processes through the chunked transport.
 */
@ExtendWith(LogCapturingExtension.class)
class MultiJvmTlsTest {

    @Test
    void nodeInAnotherJvm_joinsOverTls_andATwentyMegabyteTaskAndReplyCross() throws Exception {
        Path certs = Certificates.cluster();
        ActorTestKit seed = ActorTestKit.create("fedsub", Nodes.config(certs.resolve("seed")));
        Process child = null;
        try {
            Address seedAddress = Nodes.address(seed.system());
            Cluster.get(seed.system()).manager().tell(Join.create(seedAddress));
            child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m",
                    "-cp", System.getProperty("java.class.path"), NodeMain.class.getName(),
                    certs.resolve("member").toString(), seedAddress.toString()).redirectErrorStream(true).start();
            BlockingQueue<String> lines = new LinkedBlockingQueue<>();
            Process p = child;
            Thread reader = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(),
                        StandardCharsets.UTF_8))) {
                    for (String l = r.readLine(); l != null; l = r.readLine()) {
                        lines.add(l);
                    }
                } catch (java.io.IOException e) {
                    // the child is gone
                }
            }, "child-output");
            reader.setDaemon(true);
            reader.start();
            String address = null;
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
            while (address == null && System.nanoTime() < deadline) {
                String l = lines.poll(1, TimeUnit.SECONDS);
                if (l != null && l.startsWith("ADDRESS ")) {
                    address = l.substring("ADDRESS ".length());
                }
            }
            assertNotNull(address, "the child node never printed its address (alive: " + child.isAlive() + ")");
            Address childAddress = AddressFromURIString.parse(address);
            Nodes.await(() -> Nodes.isUpMember(seed.system(), childAddress), 120,
                    () -> "members " + Cluster.get(seed.system()).state().getMembers());

            ActorRef<ToClient> echo = ActorRefResolver.get(seed.system()).resolveActorRef(address + "/user");
            TestProbe<ToServer> round = seed.createTestProbe();
            byte[] model = new byte[20_000_000];
            new Random(20).nextBytes(model);
            seed.spawn(Behaviors.<ToClient>setup(ctx -> {
                ChunkedTransport.get(ctx.getSystem()).outbound(ctx, echo)
                        .tell(new TrainRound(1, 5, new EncodedPayload("float32", model), round.ref()));
                return Behaviors.empty();
            }));
            UpdateReady reply = round.expectMessageClass(UpdateReady.class, Duration.ofMinutes(2));
            assertEquals(5, reply.clientId());
            assertArrayEquals(model, reply.update().bytes());
        } finally {
            // The seed first, while the child can still see it leave; then the child, whatever happened.
            ActorTestKit.shutdown(seed.system(), Duration.ofSeconds(60), false);
            if (child != null) {
                child.destroyForcibly();
                child.waitFor(30, TimeUnit.SECONDS);
            }
        }
    }
}
