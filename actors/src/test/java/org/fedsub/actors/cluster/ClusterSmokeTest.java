package org.fedsub.actors.cluster;

import static org.fedsub.actors.Fixtures.assertSameModel;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.fedsub.actors.ActorSettings;
import org.fedsub.actors.Fixtures;
import org.fedsub.actors.server.Finished;
import org.fedsub.actors.server.RoundReport;
import org.fedsub.actors.sim.ActorSimulation;
import org.fedsub.actors.transport.ClusterTransport;
import org.fedsub.runtime.codec.RawCodec;
import org.fedsub.runtime.data.FederatedData;
import org.fedsub.runtime.data.SyntheticData;
import org.fedsub.runtime.engine.Experiment;
import org.fedsub.runtime.engine.Experiments;
import org.fedsub.runtime.engine.Participation;
import org.fedsub.runtime.engine.ReferenceEngine;
import org.fedsub.runtime.engine.RoundListener;
import org.fedsub.runtime.engine.RunResult;
import org.fedsub.runtime.model.Mlp;
import org.fedsub.runtime.strategy.Strategy;
import org.fedsub.runtime.strategy.StrategySettings;
import org.fedsub.runtime.strategy.TrainSettings;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Three cluster nodes in one JVM on 127.0.0.1 (port 0): the server on the first, three clients
 * each on the other two, found through the Receptionist. Artery's ordinary frames are cut to
 * 32 KiB, below one model (an MLP of 4,554 float64 parameters, 36 KB), so the run completes only
 * if tasks and updates go through the large-message channel to the destinations listed. The
 * client nodes join through a static seed node (the server's address, known once it is bound).
 */
@ExtendWith(LogCapturingExtension.class)
class ClusterSmokeTest {

    private static final int ROUNDS = 3;

    private final List<ActorSystem<?>> systems = new ArrayList<>();

    @AfterEach
    void shutdown() {
        systems.forEach(ActorSystem::terminate);
        for (ActorSystem<?> s : systems) {
            s.getWhenTerminated().toCompletableFuture().join();
        }
    }

    private static Config node(String seedNode) {
        String seeds = seedNode == null ? "[]" : "[\"" + seedNode + "\"]";
        return ConfigFactory.parseString("""
                pekko {
                  actor.provider = cluster
                  # Messages between nodes are serialized for real; the verification of local
                  # sends (the tests' default) would also serialize Pekko's own cluster messages.
                  actor.serialize-messages = off
                  remote.artery {
                    canonical { hostname = "127.0.0.1", port = 0 }
                    # Ordinary frames at Artery's minimum, below the size of one model; tensors
                    # travel in chunks of at most 16 KiB on the large-message channel.
                    advanced {
                      maximum-frame-size = 32 KiB
                      maximum-large-frame-size = 1 MiB
                    }
                    large-message-destinations = [%s]
                  }
                  cluster {
                    seed-nodes = %s
                    jmx.enabled = off
                  }
                  coordinated-shutdown { exit-jvm = off, run-by-jvm-shutdown-hook = off }
                }
                # A model (36 KB) is three chunks.
                fedsub.transport.chunk-size = 16 KiB
                """.formatted(quoted(String.join(", ", ClusterTransport.largeMessageDestinations())), seeds))
                .withFallback(ConfigFactory.load("application-test"));
    }

    private static String quoted(String paths) {
        return String.join(", ", java.util.Arrays.stream(paths.split(",")).map(p -> "\"" + p.trim() + "\"").toList());
    }

    private static int up(ActorSystem<?> system) {
        int up = 0;
        for (var m : Cluster.get(system).state().getMembers()) {
            up += m.status() == MemberStatus.up() ? 1 : 0;
        }
        return up;
    }

    private static void awaitUp(ActorSystem<?> system, int nodes) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (up(system) < nodes) {
            assertTrue(System.nanoTime() < deadline, "only " + up(system) + " of " + nodes + " nodes up: "
                    + Cluster.get(system).state().getMembers());
            Thread.sleep(50);
        }
    }

    /** Synthetic(1,1) over 6 users, an MLP [60, 64, 10] in float64 with a float64 codec. */
    private static Experiment experiment() {
        FederatedData data = SyntheticData.generate(
                SyntheticData.Spec.fedProx(1, 1).withUsers(6).withMaxSamplesPerUser(60), DataType.DOUBLE, Fixtures.SEED);
        StrategySettings s = StrategySettings.fromConfig(Experiments.load(ConfigFactory.parseString(
                "fedsub.strategy.name = fedavg")));
        return new Experiment("cluster", Fixtures.SEED, ROUNDS, Participation.full(), 1, 0, new RawCodec(DataType.DOUBLE),
                new Mlp(List.of(data.train().featureDim(), 64, data.train().numClasses()), DataType.DOUBLE), data,
                TrainSettings.sgd(3, 10, 0.05, ROUNDS), s);
    }

    @Test
    void serverAndClientsOnThreeNodes_runCompletes_withTheReferenceEnginesModel() throws Exception {
        Experiment exp = experiment();
        ActorSettings settings = Fixtures.settings(Duration.ofSeconds(20));
        Strategy strategy = ActorSimulation.newStrategy(exp);
        CompletableFuture<Finished> done = new CompletableFuture<>();

        ClusterSettings cluster = ClusterSettings.fromConfig(ConfigFactory.parseString("fedsub.cluster.open = true")
                .withFallback(ConfigFactory.load("application-test")));
        ActorSystem<ClusterNodes.ServerCommand> server = ActorSystem.create(
                ClusterNodes.serverNode(exp, strategy, settings, cluster, RoundListener.NONE, done), "fedsub", node(null));
        systems.add(server);
        Address seed = Cluster.get(server).selfMember().address();
        Cluster.get(server).manager().tell(Join.create(seed));
        systems.add(ActorSystem.create(ClusterNodes.clientNode(exp, settings, cluster, new int[] {0, 2, 4},
                new CompletableFuture<>()), "fedsub", node(seed.toString())));
        systems.add(ActorSystem.create(ClusterNodes.clientNode(exp, settings, cluster, new int[] {1, 3, 5},
                new CompletableFuture<>()), "fedsub", node(seed.toString())));

        Finished finished = done.get(60, TimeUnit.SECONDS);
        awaitUp(server, 3);

        assertNull(finished.error());
        RunResult expected = new ReferenceEngine(exp).run(RoundListener.NONE);
        RunResult actual = ActorSimulation.outcome(exp, strategy, finished).result();
        assertSameModel(expected.finalModel(), actual.finalModel());
        for (RoundReport r : finished.rounds()) {
            assertEquals(6, r.metrics().used(), "round " + r.round() + ": every client across the nodes counted");
            assertTrue(r.metrics().maxClientUplink() > 32 * 1024, "an update is above the ordinary frame size");
        }
    }

    @Test
    void fedBuffOverThreeNodes_runsEveryVersion() throws Exception {
        Experiment exp = experiment();
        ActorSettings settings = ActorSettings.fromConfig(org.fedsub.runtime.engine.Experiments.load(
                ConfigFactory.parseString("fedsub.actors.async { mode = fedbuff, buffer-size = 2, concurrency = 3 }")))
                .withRoundDeadline(Duration.ofSeconds(20));
        Strategy strategy = ActorSimulation.newStrategy(exp);
        CompletableFuture<Finished> done = new CompletableFuture<>();
        ClusterSettings cluster = ClusterSettings.fromConfig(ConfigFactory.parseString("fedsub.cluster.open = true")
                .withFallback(ConfigFactory.load("application-test")));
        ActorSystem<ClusterNodes.ServerCommand> server = ActorSystem.create(
                ClusterNodes.serverNode(exp, strategy, settings, cluster, RoundListener.NONE, done), "fedsub", node(null));
        systems.add(server);
        Address seed = Cluster.get(server).selfMember().address();
        Cluster.get(server).manager().tell(Join.create(seed));
        systems.add(ActorSystem.create(ClusterNodes.clientNode(exp, settings, cluster, new int[] {0, 2, 4},
                new CompletableFuture<>()), "fedsub", node(seed.toString())));
        systems.add(ActorSystem.create(ClusterNodes.clientNode(exp, settings, cluster, new int[] {1, 3, 5},
                new CompletableFuture<>()), "fedsub", node(seed.toString())));

        Finished finished = done.get(60, TimeUnit.SECONDS);

        assertNull(finished.error());
        assertEquals(ROUNDS, finished.rounds().size(), "every version aggregated across the nodes");
        for (RoundReport r : finished.rounds()) {
            assertEquals(2, r.metrics().used(), "version " + r.round());
        }
    }
}
