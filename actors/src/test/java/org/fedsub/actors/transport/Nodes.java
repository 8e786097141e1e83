package org.fedsub.actors.transport;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;

/** Cluster nodes on 127.0.0.1 (port 0) for the transport tests, configured as deployment does. */
final class Nodes {

    private Nodes() {}

    /** A node with TLS from a make-certs.sh node folder, or plain TCP when {@code certDir} is null. */
    static Config config(Path certDir) {
        Config fedsub = ConfigFactory.parseString(certDir == null ? "fedsub.cluster.tls.enabled = off"
                : "fedsub.cluster.tls.dir = \"" + certDir + "\"").withFallback(ConfigFactory.defaultReference());
        return ClusterTransport.pekkoConfig(fedsub.resolve()).withFallback(ConfigFactory.parseString("""
                pekko {
                  actor.provider = cluster
                  # Real serialization happens between nodes; verifying local sends too would
                  # copy every big test message once more.
                  actor.serialize-messages = off
                  remote.artery.canonical { hostname = "127.0.0.1", port = 0 }
                  cluster.jmx.enabled = off
                  # Bound (not a delay) of LoggingTestKit.expect: a remote Terminated takes seconds.
                  actor.testkit.typed.filter-leeway = 30s
                  # A node stopping while a refused TLS peer keeps reconnecting once took over the
                  # default 10 s on a loaded machine; a slow stop after the assertions is not a failure.
                  actor.testkit.typed.system-shutdown-default = 60s
                  actor.testkit.typed.throw-on-shutdown-timeout = off
                  coordinated-shutdown { exit-jvm = off, run-by-jvm-shutdown-hook = off }
                }
                """)).withFallback(ConfigFactory.load("application-test"));
    }

    static Address address(ActorSystem<?> system) {
        return Cluster.get(system).selfMember().address();
    }

    static boolean isUpMember(ActorSystem<?> observer, Address node) {
        for (Member m : Cluster.get(observer).state().getMembers()) {
            if (m.address().equals(node) && m.status() == MemberStatus.up()) {
                return true;
            }
        }
        return false;
    }

    static boolean isMember(ActorSystem<?> observer, Address node) {
        for (Member m : Cluster.get(observer).state().getMembers()) {
            if (m.address().equals(node)) {
                return true;
            }
        }
        return false;
    }

    /** Waits (bounded) until {@code condition} holds, failing with {@code state} if it never does. */
    static void await(BooleanSupplier condition, long seconds, Supplier<String> state) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, () -> "not within " + seconds + " s: " + state.get());
            Thread.sleep(50);
        }
    }
}
