package org.fedsub.actors.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.apache.pekko.actor.testkit.typed.javadsl.ManualTime;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.fedsub.actors.ActorSettings;
import org.fedsub.actors.Fixtures;
import org.fedsub.actors.device.DeviceDispatchers;
import org.fedsub.actors.protocol.FederatedProtocol.Quiesce;
import org.fedsub.actors.protocol.FederatedProtocol.Quiesced;
import org.fedsub.actors.protocol.FederatedProtocol.ToClient;
import org.fedsub.actors.protocol.FederatedProtocol.ToServer;
import org.fedsub.actors.protocol.FederatedProtocol.TrainRound;
import org.fedsub.actors.protocol.FederatedProtocol.TrainingFailed;
import org.fedsub.actors.protocol.FederatedProtocol.UpdateReady;
import org.fedsub.runtime.codec.Codec;
import org.fedsub.runtime.codec.EncodedPayload;
import org.fedsub.runtime.codec.Payload;
import org.fedsub.runtime.codec.RawCodec;
import org.fedsub.runtime.data.ClientData;
import org.fedsub.runtime.data.FederatedData;
import org.fedsub.runtime.engine.ClientStep;
import org.fedsub.runtime.engine.Participation;
import org.fedsub.runtime.strategy.ClientAlgorithm;
import org.fedsub.runtime.strategy.ClientUpdate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.nd4j.linalg.api.buffer.DataType;

/** Clients hosted by one actor behave, each through its own address, as client actors do. */
@ExtendWith(LogCapturingExtension.class)
class ClientHostTest {

    private static final ActorTestKit testKit =
            ActorTestKit.create(ManualTime.config().withFallback(ConfigFactory.load("application-test")));
    private static final ManualTime manualTime = ManualTime.get(testKit.system());
    private static final Codec codec = new RawCodec(DataType.DOUBLE);
    private static final FederatedData data = Fixtures.experiment("fedavg", 1, Participation.full()).data();
    private static final ActorSettings.Backoff BACKOFF =
            new ActorSettings.Backoff(Duration.ofSeconds(10), Duration.ofSeconds(20), 0.2, Duration.ofMinutes(10));

    @AfterAll
    static void cleanup() {
        testKit.shutdownTestKit();
    }

    /** Echoes the task's "x" back as "y", or throws in the rounds listed. */
    private record Echo(List<Integer> failIn) implements ClientAlgorithm {
        @Override
        public ClientUpdate train(int round, Payload task, ClientData d) {
            if (failIn.contains(round)) {
                throw new IllegalStateException("simulated crash in round " + round);
            }
            return new ClientUpdate(d.clientId(), round, d.numExamples(), 0.5, new Payload().field("y", task.field("x")));
        }
    }

    private static ClientHost.Guest guest(int id, ClientAlgorithm algorithm, ClientBehaviour behaviour) {
        return ClientHost.guest(new ClientStep(algorithm, data.client(id), codec, DataType.DOUBLE, null), behaviour);
    }

    /** Spawns a host of {@code guests} under an owner of their addresses; the addresses by client. */
    private static Map<Integer, ActorRef<ToClient>> host(List<ClientHost.Guest> guests, ActorSettings settings) {
        // Handed over outside any message: the test config verifies that every message serializes.
        java.util.concurrent.CompletableFuture<Map<Integer, ActorRef<ToClient>>> addresses =
                new java.util.concurrent.CompletableFuture<>();
        testKit.spawn(Behaviors.setup(ctx -> {
            var placement = DeviceDispatchers.get(ctx.getSystem()).placement(settings);
            ActorRef<ClientHost.Command> host = ctx.spawn(ClientHost.create(guests, settings, placement), "host");
            Map<Integer, ActorRef<ToClient>> m = new HashMap<>();
            for (ClientHost.Guest g : guests) {
                m.put(g.clientId(), ClientHost.address(ctx, host, g, "client-" + g.clientId()));
            }
            addresses.complete(m);
            return Behaviors.empty();
        }));
        return addresses.orTimeout(30, java.util.concurrent.TimeUnit.SECONDS).join();
    }

    private static TrainRound task(int round, int client, long x, ActorRef<ToServer> replyTo) {
        return new TrainRound(round, client, new EncodedPayload(codec.name(), codec.encode(new Payload().field("x", x))),
                replyTo);
    }

    private static EncodedPayload y(long v) {
        return new EncodedPayload(codec.name(), codec.encode(new Payload().field("y", v)));
    }

    @Test
    void eachClientAnswersThroughItsOwnAddress_namedAfterIt() {
        Map<Integer, ActorRef<ToClient>> clients = host(List.of(guest(1, new Echo(List.of()), ClientBehaviour.RELIABLE),
                guest(2, new Echo(List.of()), ClientBehaviour.RELIABLE)), ActorSettings.defaults());
        TestProbe<ToServer> round = testKit.createTestProbe();

        clients.get(2).tell(task(0, 2, 7, round.ref()));
        clients.get(1).tell(task(0, 1, 5, round.ref()));

        assertEquals(new UpdateReady(0, 2, data.client(2).numExamples(), 0.5, y(7), false), round.receiveMessage());
        assertEquals(new UpdateReady(0, 1, data.client(1).numExamples(), 0.5, y(5), false), round.receiveMessage());
        // Pekko prefixes a function reference's name ("$$b-client-2"): logs and dead letters still name the client.
        assertTrue(clients.get(2).path().name().endsWith("client-2"), clients.get(2).path().name());
    }

    @Test
    void aFailingClient_isRestartedAfterItsBackoff_thenGivenUp_whileItsNeighbourGoesOn() {
        ActorSettings settings = ActorSettings.defaults().withClientRestarts(1, BACKOFF);
        Map<Integer, ActorRef<ToClient>> clients = host(List.of(guest(1, new Echo(List.of(0, 2)), ClientBehaviour.RELIABLE),
                guest(2, new Echo(List.of()), ClientBehaviour.RELIABLE)), settings);
        TestProbe<ToServer> round = testKit.createTestProbe();
        TestProbe<Object> watcher = testKit.createTestProbe();

        clients.get(1).tell(task(0, 1, 1, round.ref()));
        assertEquals(0, round.expectMessageClass(TrainingFailed.class).round());
        // Backing off: its next task waits; its neighbour on the same host is answered at once.
        clients.get(1).tell(task(1, 1, 3, round.ref()));
        clients.get(2).tell(task(1, 2, 4, round.ref()));
        assertEquals(2, round.expectMessageClass(UpdateReady.class).clientId());
        round.expectNoMessage(Duration.ofMillis(100));

        manualTime.timePasses(Duration.ofSeconds(13)); // past the first back-off (10 s, at most 20% more)
        UpdateReady restarted = round.expectMessageClass(UpdateReady.class);
        assertEquals(1, restarted.clientId());
        assertEquals(y(3), restarted.update());

        // Its second failure is past its one restart: it stops, and whoever watches it learns of it.
        clients.get(1).tell(task(2, 1, 5, round.ref()));
        assertEquals(2, round.expectMessageClass(TrainingFailed.class).round());
        watcher.expectTerminated(clients.get(1), Duration.ofSeconds(5));
        clients.get(1).tell(task(3, 1, 6, round.ref()));
        clients.get(2).tell(task(3, 2, 8, round.ref()));
        UpdateReady after = round.expectMessageClass(UpdateReady.class);
        assertEquals(2, after.clientId());
        round.expectNoMessage(Duration.ofMillis(100));
    }

    @Test
    void quiesce_whileAnUpdateIsHeldBack_isAnsweredAfterIt() {
        ClientBehaviour slow = SlowBehaviour.holdingEachUpdateFor(Duration.ofSeconds(60));
        Map<Integer, ActorRef<ToClient>> clients = host(List.of(guest(3, new Echo(List.of()), slow)),
                ActorSettings.defaults());
        TestProbe<Object> answers = testKit.createTestProbe();

        clients.get(3).tell(task(0, 3, 1, answers.ref().narrow()));
        clients.get(3).tell(new Quiesce(answers.ref().narrow()));
        answers.expectNoMessage(Duration.ofMillis(100));
        manualTime.timePasses(Duration.ofSeconds(60));

        assertTrue(answers.receiveMessage() instanceof UpdateReady);
        assertEquals(new Quiesced(3), answers.receiveMessage());
    }

    @Test
    void aMalformedTask_isAnsweredAsFailed_andCostsNoRestart() {
        // No restarts at all: a failure of the client would stop it.
        ActorSettings settings = ActorSettings.defaults().withClientRestarts(0, BACKOFF);
        Map<Integer, ActorRef<ToClient>> clients = host(List.of(guest(4, new Echo(List.of()), ClientBehaviour.RELIABLE)),
                settings);
        TestProbe<ToServer> round = testKit.createTestProbe();

        clients.get(4).tell(new TrainRound(0, 4, new EncodedPayload(codec.name(), new byte[41]), round.ref()));
        assertEquals(0, round.expectMessageClass(TrainingFailed.class).round());
        clients.get(4).tell(task(1, 4, 9, round.ref()));
        assertEquals(y(9), round.expectMessageClass(UpdateReady.class).update());
    }
}
