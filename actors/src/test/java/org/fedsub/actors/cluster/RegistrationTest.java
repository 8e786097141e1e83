package org.fedsub.actors.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.fedsub.actors.ActorSettings;
import org.fedsub.actors.Fixtures;
import org.fedsub.actors.cluster.Registration.Hosted;
import org.fedsub.actors.cluster.Registration.Register;
import org.fedsub.actors.cluster.Registration.Result;
import org.fedsub.actors.protocol.FederatedProtocol.ToClient;
import org.fedsub.actors.server.Finished;
import org.fedsub.actors.server.RoundReport;
import org.fedsub.actors.sim.ActorSimulation;
import org.fedsub.actors.sim.ClientProfiles;
import org.fedsub.runtime.config.ConfigError;
import org.fedsub.runtime.engine.Experiment;
import org.fedsub.runtime.engine.Participation;
import org.fedsub.runtime.engine.RoundListener;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The server's side of registration: a claim is checked against fedsub.cluster.nodes (node,
 * credential, the client ids it may host); refused claims are answered, counted with the first
 * round's refused updates, and never stop the server. Messages are serialized on every tell
 * (application-test.conf), as between nodes.
 */
@ExtendWith(LogCapturingExtension.class)
class RegistrationTest {

    private static final ActorTestKit kit = ActorTestKit.create();

    private static final String SECRET = "secret-of-node-a";

    @AfterAll
    static void stop() {
        kit.shutdownTestKit();
    }

    private static ClusterSettings settings(String hocon) {
        return ClusterSettings.fromConfig(ConfigFactory.parseString(hocon).withFallback(ConfigFactory.load()));
    }

    private static ClusterSettings nodeA(String clients) {
        return settings("fedsub.cluster.nodes.node-a { credential = \"" + SECRET + "\", clients = " + clients + " }");
    }

    @Test
    void refusal_checksTheNodeItsCredentialAndItsClients() {
        ActorRef<Result> reply = kit.<Result>createTestProbe().ref();
        ActorRef<ToClient> c = kit.<ToClient>createTestProbe().ref();
        ClusterSettings s = nodeA("[0, 1, 2]");

        assertEquals(Optional.empty(), ClusterNodes.refusal(new Register("node-a", SECRET,
                List.of(new Hosted(0, c), new Hosted(2, c)), reply), 6, s));
        assertTrue(ClusterNodes.refusal(new Register("node-a", "guessed-secret", List.of(new Hosted(0, c)), reply), 6, s)
                .orElseThrow().contains("wrong credential"));
        assertTrue(ClusterNodes.refusal(new Register("node-b", SECRET, List.of(new Hosted(0, c)), reply), 6, s)
                .orElseThrow().contains("unknown node 'node-b'"));
        assertEquals("node 'node-a' may not host clients [5] (fedsub.cluster.nodes.node-a.clients = [0, 1, 2])",
                ClusterNodes.refusal(new Register("node-a", SECRET, List.of(new Hosted(0, c), new Hosted(5, c)), reply),
                        6, s).orElseThrow());
        assertTrue(ClusterNodes.refusal(new Register("node-a", SECRET, List.of(new Hosted(9, c)), reply), 6, s)
                .orElseThrow().contains("client id 9 out of range"));
        assertTrue(ClusterNodes.refusal(new Register("node-a", SECRET, null, reply), 6, s).orElseThrow()
                .startsWith("malformed"));
        assertTrue(ClusterNodes.refusal(new Register("node-a", SECRET, List.of(new Hosted(1, c), new Hosted(1, c)),
                reply), 6, s).orElseThrow().contains("twice"));
        // Open mode: no credential checked, but the ids still must exist.
        ClusterSettings open = settings("fedsub.cluster.open = true");
        assertEquals(Optional.empty(), ClusterNodes.refusal(new Register("anyone", "", List.of(new Hosted(5, c)), reply),
                6, open));
        assertTrue(ClusterNodes.refusal(new Register("anyone", "", List.of(new Hosted(6, c)), reply), 6, open).isPresent());
    }

    @Test
    void checkServer_refusesNoNodesUnlessOpen_andIdsOutOfRange() {
        ConfigError none = org.junit.jupiter.api.Assertions.assertThrows(ConfigError.class,
                () -> settings("").checkServer(6));
        assertEquals("fedsub.cluster.nodes", none.path());
        ConfigError range = org.junit.jupiter.api.Assertions.assertThrows(ConfigError.class,
                () -> nodeA("[0, 6]").checkServer(6));
        assertEquals("fedsub.cluster.nodes.node-a.clients", range.path());
        org.junit.jupiter.api.Assertions.assertThrows(ConfigError.class,
                () -> settings("fedsub.cluster.nodes.node-a { credential = short, clients = [0] }"));
    }

    @Test
    void serverNode_refusesAndCountsBadClaims_thenRunsOverTheAllowedOnes() throws Exception {
        Experiment exp = Fixtures.experiment("fedavg", 2, Participation.full());
        int n = exp.data().numClients();
        ActorSettings actorSettings = Fixtures.settings(Duration.ofSeconds(30));
        List<Integer> all = new ArrayList<>();
        for (int id = 0; id < n; id++) {
            all.add(id);
        }
        ClusterSettings cluster = nodeA(all.toString());
        CompletableFuture<Finished> done = new CompletableFuture<>();
        kit.spawn(ClusterNodes.serverNode(exp, ActorSimulation.newStrategy(exp), actorSettings, cluster,
                RoundListener.NONE, done), "server-node");

        TestProbe<Receptionist.Listing> listings = kit.createTestProbe();
        ActorRef<Register> registrar = null;
        for (int i = 0; i < 100 && registrar == null; i++) {
            kit.system().receptionist().tell(Receptionist.find(ClusterNodes.SERVER, listings.ref()));
            var found = listings.receiveMessage().getServiceInstances(ClusterNodes.SERVER);
            registrar = found.isEmpty() ? null : found.iterator().next();
            if (registrar == null) {
                Thread.sleep(50);
            }
        }
        assertTrue(registrar != null, "the server lists its registrar");

        ClientProfiles profiles = ActorSimulation.profiles(exp, actorSettings);
        var factory = ActorSimulation.clientFactory(exp);
        List<Hosted> hosted = new ArrayList<>();
        for (int id = 0; id < n; id++) {
            hosted.add(new Hosted(id, kit.spawn(ActorSimulation.client(exp, factory, actorSettings, profiles, id),
                    "client-" + id)));
        }
        TestProbe<Result> answers = kit.createTestProbe();
        List<Register> bad = List.of(
                new Register("node-a", "guessed-secret", hosted, answers.ref()),
                new Register("evil", SECRET, hosted, answers.ref()),
                new Register("node-a", SECRET, List.of(new Hosted(n + 3, hosted.get(0).client())), answers.ref()),
                new Register("node-a", SECRET, null, answers.ref()));
        for (Register r : bad) {
            registrar.tell(r);
            Result refused = answers.receiveMessage();
            assertFalse(refused.accepted());
            assertTrue(refused.clients().isEmpty(), "nothing of a refused claim registers");
        }
        registrar.tell(new Register("node-a", SECRET, hosted, answers.ref()));
        Result ok = answers.receiveMessage();
        assertTrue(ok.accepted(), ok.reason());
        assertEquals(all, ok.clients());

        Finished finished = done.get(60, TimeUnit.SECONDS);
        assertNull(finished.error());
        assertEquals(2, finished.rounds().size());
        RoundReport first = finished.rounds().get(0);
        assertEquals(n, first.metrics().used(), "the allowed clients trained");
        assertEquals(bad.size(), first.metrics().rejected().get("registration"), "refused claims are counted");
        assertNull(finished.rounds().get(1).metrics().rejected().get("registration"));
    }
}
