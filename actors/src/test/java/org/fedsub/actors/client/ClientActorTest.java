package org.fedsub.actors.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.apache.pekko.actor.testkit.typed.javadsl.LoggingTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ManualTime;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.eventstream.EventStream;
import org.apache.pekko.actor.DeadLetter;
import org.fedsub.actors.ActorSettings;
import org.fedsub.actors.Fixtures;
import org.fedsub.actors.protocol.FederatedProtocol.Aggregated;
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
import org.fedsub.runtime.engine.ClientStep;
import org.fedsub.runtime.engine.Participation;
import org.fedsub.runtime.strategy.ClientAlgorithm;
import org.fedsub.runtime.strategy.ClientUpdate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.nd4j.linalg.api.buffer.DataType;

@ExtendWith(LogCapturingExtension.class)
class ClientActorTest {

    private static final ActorTestKit testKit =
            ActorTestKit.create(ManualTime.config().withFallback(ConfigFactory.load("application-test")));
    private static final ManualTime manualTime = ManualTime.get(testKit.system());
    private static final Codec codec = new RawCodec(DataType.DOUBLE);
    private static final ClientData data = Fixtures.experiment("fedavg", 1, Participation.full()).data().client(3);

    @AfterAll
    static void cleanup() {
        testKit.shutdownTestKit();
    }

    /** Echoes the task's "x" field back as "y"; records acknowledgements; may wait for a gate. */
    private static class Echo implements ClientAlgorithm {
        final List<String> events = new CopyOnWriteArrayList<>();
        final CountDownLatch gate;

        Echo(CountDownLatch gate) {
            this.gate = gate;
        }

        @Override
        public ClientUpdate train(int round, Payload task, ClientData d) {
            try {
                gate.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            events.add("train " + round);
            return new ClientUpdate(d.clientId(), round, d.numExamples(), 0.5,
                    new Payload().field("y", task.field("x")));
        }

        @Override
        public void onAggregated(int round, Payload ack) {
            events.add("ack " + round + (ack == null ? "" : " " + ack.field("mean")));
        }
    }

    private static final class AlwaysThrows implements ClientAlgorithm {
        @Override
        public ClientUpdate train(int round, Payload task, ClientData d) {
            throw new IllegalStateException("simulated crash in round " + round);
        }
    }

    private static EncodedPayload encoded(Payload p) {
        return new EncodedPayload(codec.name(), codec.encode(p));
    }

    private static TrainRound train(int round, long x, ActorRef<ToServer> replyTo) {
        return new TrainRound(round, data.clientId(), encoded(new Payload().field("x", x)), replyTo);
    }

    @Test
    void trainRound_answersWithTheEncodedUpdate() {
        ActorRef<ToClient> client = testKit.spawn(ClientActor.create(
                new ClientStep(new Echo(new CountDownLatch(0)), data, codec, DataType.DOUBLE, null)));
        TestProbe<ToServer> round = testKit.createTestProbe();

        client.tell(train(4, 42, round.ref()));

        UpdateReady u = round.expectMessageClass(UpdateReady.class);
        assertEquals(new UpdateReady(4, data.clientId(), data.numExamples(), 0.5,
                encoded(new Payload().field("y", 42))), u);
    }

    @Test
    void workArrivingWhileBusy_waitsAndRunsInOrder() {
        CountDownLatch gate = new CountDownLatch(1);
        Echo echo = new Echo(gate);
        ActorRef<ToClient> client = testKit.spawn(ClientActor.create(new ClientStep(echo, data, codec, DataType.DOUBLE, null)));
        TestProbe<ToServer> round = testKit.createTestProbe();

        client.tell(train(0, 1, round.ref()));
        client.tell(new Aggregated(0, data.clientId(), encoded(new Payload().field("mean", 7))));
        client.tell(train(1, 2, round.ref()));
        client.tell(new Aggregated(1, data.clientId(), null));
        round.expectNoMessage(Duration.ofMillis(100));
        gate.countDown();

        assertEquals(0, round.expectMessageClass(UpdateReady.class).round());
        assertEquals(1, round.expectMessageClass(UpdateReady.class).round());
        round.awaitAssert(() -> {
            assertEquals(List.of("train 0", "ack 0 7", "train 1", "ack 1"), echo.events);
            return null;
        });
    }

    @Test
    void quiesce_isAnsweredOnlyAfterTheTrainingAndTheAcknowledgementSentBeforeIt() {
        CountDownLatch gate = new CountDownLatch(1);
        Echo echo = new Echo(gate);
        ActorRef<ToClient> client = testKit.spawn(ClientActor.create(new ClientStep(echo, data, codec, DataType.DOUBLE, null)));
        TestProbe<ToServer> round = testKit.createTestProbe();
        TestProbe<ToServer> end = testKit.createTestProbe();

        client.tell(train(0, 1, round.ref()));
        client.tell(new Aggregated(0, data.clientId(), encoded(new Payload().field("mean", 7))));
        client.tell(new Quiesce(end.ref()));
        gate.countDown();

        assertEquals(new Quiesced(data.clientId()), end.expectMessageClass(Quiesced.class));
        // The reply follows the fold: whatever was sent before Quiesce is in the client's state.
        assertEquals(List.of("train 0", "ack 0 7"), echo.events);
    }

    @Test
    void quiesce_ofAnIdleClient_isAnsweredAtOnce() {
        ActorRef<ToClient> client = testKit.spawn(ClientActor.create(
                new ClientStep(new Echo(new CountDownLatch(0)), data, codec, DataType.DOUBLE, null)));
        TestProbe<ToServer> end = testKit.createTestProbe();

        client.tell(new Quiesce(end.ref()));

        assertEquals(new Quiesced(data.clientId()), end.expectMessageClass(Quiesced.class));
    }

    @Test
    void aFloodOfTasksWhileBusy_overflowsTheStash_isDroppedAndCounted_andTheClientGoesOn() {
        CountDownLatch gate = new CountDownLatch(1);
        ActorRef<ToClient> client = testKit.spawn(ClientActor.create(
                new ClientStep(new Echo(gate), data, codec, DataType.DOUBLE, null)));
        TestProbe<ToServer> round = testKit.createTestProbe();
        TestProbe<ToServer> end = testKit.createTestProbe();

        LoggingTestKit.warn("messages dropped").withOccurrences(100).expect(testKit.system(), () -> {
            for (int r = 0; r < 1_101; r++) { // one in training, 1,000 stashed, 100 dropped
                client.tell(train(r, r, round.ref()));
            }
            return null;
        });
        gate.countDown();
        client.tell(new Quiesce(end.ref()));

        assertEquals(1_001, round.receiveSeveralMessages(1_001, Duration.ofSeconds(30)).size());
        end.expectMessageClass(Quiesced.class, Duration.ofSeconds(30)); // alive and idle
    }

    /** A client spawned as simulations and cluster nodes spawn it: on its device's dispatcher. */
    private static ActorRef<ToClient> onItsDevice(ClientAlgorithm algorithm, ClientBehaviour behaviour, String name) {
        ActorSettings settings = Fixtures.settings(Duration.ofSeconds(30));
        return testKit.spawn(ClientActor.create(new ClientStep(algorithm, data, codec, DataType.DOUBLE, null), behaviour,
                settings), name, ClientActor.onItsDevice(testKit.system(), settings, data.clientId()));
    }

    @Test
    void onItsDevice_theWorkRunsThere_inOrder_andQuiesceFollowsTheFold() {
        CountDownLatch gate = new CountDownLatch(1);
        List<String> threads = new CopyOnWriteArrayList<>();
        Echo echo = new Echo(gate) {
            @Override
            public ClientUpdate train(int round, Payload task, ClientData d) {
                threads.add(Thread.currentThread().getName());
                return super.train(round, task, d);
            }
        };
        ActorRef<ToClient> client = onItsDevice(echo, ClientBehaviour.RELIABLE, "on-device-order");
        TestProbe<ToServer> round = testKit.createTestProbe();
        TestProbe<ToServer> end = testKit.createTestProbe();

        client.tell(train(0, 1, round.ref()));
        client.tell(new Aggregated(0, data.clientId(), encoded(new Payload().field("mean", 7))));
        client.tell(train(1, 2, round.ref()));
        client.tell(new Quiesce(end.ref()));
        client.tell(new Aggregated(1, data.clientId(), null));
        gate.countDown();

        assertEquals(new UpdateReady(0, data.clientId(), data.numExamples(), 0.5, encoded(new Payload().field("y", 1))),
                round.expectMessageClass(UpdateReady.class));
        assertEquals(1, round.expectMessageClass(UpdateReady.class).round());
        end.expectMessageClass(Quiesced.class);
        round.awaitAssert(() -> {
            assertEquals(List.of("train 0", "ack 0 7", "train 1", "ack 1"), echo.events);
            return null;
        });
        assertEquals(2, threads.size());
        threads.forEach(t -> assertTrue(t.contains("fedsub-device-"), "trained on " + t + ", not its device's thread"));
    }

    /**
     * A probe subscribed to dead letters, returned once the subscription is in effect: the event
     * stream handles its commands in order, so a marker published after the subscription reaches
     * the probe only then (no dead letter of the test can come before it and be missed).
     */
    private static TestProbe<DeadLetter> deadLetters() {
        TestProbe<DeadLetter> dead = testKit.createTestProbe();
        testKit.system().eventStream().tell(new EventStream.Subscribe<>(DeadLetter.class, dead.ref()));
        org.apache.pekko.actor.ActorRef self = org.apache.pekko.actor.typed.javadsl.Adapter.toClassic(dead.ref());
        DeadLetter marker = new DeadLetter("subscribed", self, self);
        testKit.system().eventStream().tell(new EventStream.Publish<>(marker));
        dead.fishForMessage(Duration.ofSeconds(30), m -> marker.equals(m)
                ? org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes.complete()
                : org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes.continueAndIgnore());
        return dead;
    }

    @Test
    void onItsDevice_aFloodWhileBusy_overflowsTheMailboxIntoDeadLetters_andTheClientGoesOn() throws Exception {
        CountDownLatch gate = new CountDownLatch(1);
        CountDownLatch entered = new CountDownLatch(1);
        Echo echo = new Echo(gate) {
            @Override
            public ClientUpdate train(int round, Payload task, ClientData d) {
                entered.countDown();
                return super.train(round, task, d);
            }
        };
        ActorRef<ToClient> client = onItsDevice(echo, ClientBehaviour.RELIABLE, "on-device-flood");
        TestProbe<ToServer> round = testKit.createTestProbe();
        TestProbe<ToServer> end = testKit.createTestProbe();
        TestProbe<DeadLetter> dead = deadLetters();

        client.tell(train(0, 0, round.ref()));
        assertTrue(entered.await(30, TimeUnit.SECONDS), "the first task never reached its training");
        for (int r = 1; r <= 1_100; r++) { // while it trains: 1,000 fill the mailbox, 100 are dropped
            client.tell(train(r, r, round.ref()));
        }
        List<DeadLetter> dropped = dead.receiveSeveralMessages(100, Duration.ofSeconds(30));
        gate.countDown();

        assertEquals(1_001, round.receiveSeveralMessages(1_001, Duration.ofSeconds(60)).size());
        client.tell(new Quiesce(end.ref()));
        end.expectMessageClass(Quiesced.class, Duration.ofSeconds(30)); // alive and idle
        round.expectNoMessage(Duration.ofMillis(50));
        dead.expectNoMessage(Duration.ofMillis(100));
        assertEquals(java.util.stream.IntStream.rangeClosed(1_001, 1_100).boxed().toList(),
                dropped.stream().map(d -> ((TrainRound) d.message()).round()).toList(), "the last 100 tasks were dropped");
        testKit.system().eventStream().tell(new EventStream.Unsubscribe<>(dead.ref()));
    }

    @Test
    void onItsDevice_aStragglerStoppedWhileHoldingItsUpdate_leavesNoDeadLetter() {
        ClientBehaviour slow = SlowBehaviour.holdingEachUpdateFor(Duration.ofSeconds(60));
        Echo echo = new Echo(new CountDownLatch(0));
        ActorRef<ToClient> client = onItsDevice(echo, slow, "on-device-straggler");
        TestProbe<ToServer> round = testKit.createTestProbe();
        TestProbe<ToServer> end = testKit.createTestProbe();
        TestProbe<DeadLetter> dead = deadLetters();

        client.tell(train(0, 1, round.ref()));
        client.tell(new Quiesce(end.ref())); // answered once the update is released: then it has trained
        round.expectNoMessage(Duration.ofMillis(100));
        manualTime.timePasses(Duration.ofSeconds(60));
        round.expectMessageClass(UpdateReady.class);
        end.expectMessageClass(Quiesced.class);

        client.tell(train(1, 1, round.ref()));
        round.awaitAssert(() -> { // trained, its update held back
            assertEquals(List.of("train 0", "train 1"), echo.events);
            return null;
        });
        testKit.stop(client);
        manualTime.timePasses(Duration.ofSeconds(120));

        round.expectNoMessage(Duration.ofMillis(100));
        dead.expectNoMessage(Duration.ofMillis(200));
        testKit.system().eventStream().tell(new EventStream.Unsubscribe<>(dead.ref()));
    }

    @Test
    void malformedTaskAndAcknowledgement_areDropped_withoutFailingTheClient() {
        // Unsupervised: a failure would stop it.
        ActorRef<ToClient> client = testKit.spawn(ClientActor.create(
                new ClientStep(new Echo(new CountDownLatch(0)), data, codec, DataType.DOUBLE, null)));
        TestProbe<ToServer> round = testKit.createTestProbe();
        EncodedPayload garbage = new EncodedPayload(codec.name(), new byte[41]);

        client.tell(new TrainRound(0, data.clientId(), garbage, round.ref()));
        assertEquals(0, round.expectMessageClass(TrainingFailed.class).round());
        client.tell(new Aggregated(0, data.clientId(), garbage));
        client.tell(train(1, 5, round.ref()));

        assertEquals(1, round.expectMessageClass(UpdateReady.class).round(), "the client still trains");
    }

    @Test
    void failingClient_isRestartedWithBackoff_thenStopsWhenItsRestartsAreSpent() {
        Duration backoff = Duration.ofSeconds(1);
        ActorSettings settings = Fixtures.settings(Duration.ofSeconds(30))
                .withClientRestarts(2, new ActorSettings.Backoff(backoff, backoff, 0.0, Duration.ofMinutes(10)));
        ActorRef<ToClient> client = testKit.spawn(ClientActor.supervised(
                new ClientStep(new AlwaysThrows(), data, codec, DataType.DOUBLE, null), settings));
        TestProbe<ToServer> round = testKit.createTestProbe();
        TestProbe<Object> watcher = testKit.createTestProbe();

        // First failure: the round hears of it at once; the supervisor logs the exception.
        LoggingTestKit.error(ClientTrainingException.class).expect(testKit.system(), () -> {
            client.tell(train(0, 1, round.ref()));
            return round.expectMessageClass(TrainingFailed.class);
        });

        // During the back-off the task waits; it runs once the back-off has passed.
        client.tell(train(1, 1, round.ref()));
        round.expectNoMessage(Duration.ofMillis(200));
        TrainingFailed second = afterBackoff(round, backoff);
        assertEquals(1, second.round());

        client.tell(train(2, 1, round.ref()));
        TrainingFailed third = afterBackoff(round, backoff);
        assertEquals(2, third.round());

        // Initial run + 2 restarts all failed: the client is given up on.
        watcher.expectTerminated(client, Duration.ofSeconds(5));
    }

    /** Lets manual time pass in back-off steps until the round hears of the next failure. */
    private static TrainingFailed afterBackoff(TestProbe<ToServer> round, Duration backoff) {
        return round.awaitAssert(Duration.ofSeconds(10), Duration.ofMillis(10), () -> {
            manualTime.timePasses(backoff);
            return round.expectMessageClass(TrainingFailed.class, Duration.ofMillis(100));
        });
    }
}
