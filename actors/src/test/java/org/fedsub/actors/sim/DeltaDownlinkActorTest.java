package org.fedsub.actors.sim;

import static org.fedsub.actors.Fixtures.assertSameModel;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.SortedMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.fedsub.actors.ActorSettings;
import org.fedsub.actors.Fixtures;
import org.fedsub.actors.client.ClientActor;
import org.fedsub.actors.protocol.FederatedProtocol.Aggregated;
import org.fedsub.actors.protocol.FederatedProtocol.NeedModel;
import org.fedsub.actors.protocol.FederatedProtocol.Quiesce;
import org.fedsub.actors.protocol.FederatedProtocol.Quiesced;
import org.fedsub.actors.protocol.FederatedProtocol.ToClient;
import org.fedsub.actors.protocol.FederatedProtocol.ToServer;
import org.fedsub.actors.protocol.FederatedProtocol.TrainRound;
import org.fedsub.actors.protocol.FederatedProtocol.UpdateReady;
import org.fedsub.actors.server.Finished;
import org.fedsub.runtime.codec.Codec;
import org.fedsub.runtime.codec.EncodedPayload;
import org.fedsub.runtime.codec.Payload;
import org.fedsub.runtime.engine.ClientStep;
import org.fedsub.runtime.engine.DownlinkSettings;
import org.fedsub.runtime.engine.EncodedUpdate;
import org.fedsub.runtime.engine.Experiment;
import org.fedsub.runtime.engine.Experiments;
import org.fedsub.runtime.engine.NeedsFullModelException;
import org.fedsub.runtime.engine.Participation;
import org.fedsub.runtime.engine.ReferenceEngine;
import org.fedsub.runtime.engine.RoundListener;
import org.fedsub.runtime.engine.RoundMetrics;
import org.fedsub.runtime.engine.RunResult;
import org.fedsub.runtime.engine.ServerSettings;
import org.fedsub.runtime.engine.ServerStep;
import org.fedsub.runtime.strategy.ClientAlgorithm;
import org.fedsub.runtime.strategy.Strategy;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The delta downlink in the actor runtime ({@code fedsub.downlink.mode = delta}): the server
 * really sends tasks without the model followed by the logged changes, clients rebuild the model
 * from the one they keep, the run is the reference engine's bit for bit, and the downlink bytes
 * reported are those of the messages the clients received. A client that cannot rebuild the
 * model (it lost it, or holds another version) asks for it and never trains on a wrong one.
 */
@ExtendWith(LogCapturingExtension.class)
class DeltaDownlinkActorTest {

    private static final ActorTestKit testKit = ActorTestKit.create();
    private static final int ROUNDS = 12;

    @AfterAll
    static void cleanup() {
        testKit.shutdownTestKit();
    }

    /** Fixtures' 6 clients on a delta downlink keeping 4 versions, with {@code codec} for the changes (null: exact). */
    private static Experiment experiment(String strategy, String codec, Participation p) {
        Experiment e = Fixtures.experiment(strategy, ROUNDS, p).withServer(ServerSettings.defaults().withDownlink(
                new DownlinkSettings(DownlinkSettings.Mode.DELTA, 4)));
        return codec == null ? e : e.withCodecs(e.uplinkCodec(), Codec.named(codec, "fedsub.downlink-codec"));
    }

    private static ActorSettings settings() {
        return Fixtures.settings(Duration.ofSeconds(60));
    }

    /**
     * {@code client}, behind an actor that records each message sent to it (as it arrived, after
     * serialization) and shows it to {@code before} before handing it on.
     */
    private static Behavior<ToClient> recorded(Behavior<ToClient> client, Queue<ToClient> log,
            Consumer<ToClient> before) {
        return Behaviors.setup(ctx -> {
            ActorRef<ToClient> inner = ctx.spawn(client, "client");
            ctx.watch(inner);
            return Behaviors.receive(ToClient.class)
                    .onMessage(ToClient.class, m -> {
                        log.add(m);
                        before.accept(m);
                        inner.tell(m);
                        return Behaviors.same();
                    })
                    .onSignal(Terminated.class, t -> Behaviors.stopped())
                    .build();
        });
    }

    /** A run of {@code exp} whose every client is recorded into {@code log}; {@code steps} overrides some clients' steps. */
    private static RunResult run(Experiment exp, Queue<ToClient> log, Map<Integer, ClientStep> steps,
            Map<Integer, Consumer<ToClient>> before) throws Exception {
        Strategy strategy = ActorSimulation.newStrategy(exp);
        ActorSettings settings = settings();
        ClientProfiles profiles = ActorSimulation.profiles(exp, settings);
        Map<Integer, Behavior<ToClient>> clients = new HashMap<>();
        for (int id = 0; id < exp.data().numClients(); id++) {
            Behavior<ToClient> b = steps.containsKey(id)
                    ? ClientActor.supervised(steps.get(id), profiles.behaviour(id), settings)
                    : ActorSimulation.client(exp, strategy::newClient, settings, profiles, id);
            clients.put(id, recorded(b, log, before.getOrDefault(id, m -> {})));
        }
        CompletableFuture<Finished> done = new CompletableFuture<>();
        testKit.spawn(ActorSimulation.behavior(exp, strategy, settings, clients, RoundListener.NONE, done));
        return ActorSimulation.outcome(exp, strategy, done.get(120, TimeUnit.SECONDS)).result();
    }

    private static void assertSameTrajectory(RunResult expected, RunResult actual) {
        assertSameModel(expected.finalModel(), actual.finalModel());
        assertEquals(expected.rounds().size(), actual.rounds().size());
        for (int i = 0; i < expected.rounds().size(); i++) {
            RoundMetrics e = expected.rounds().get(i);
            RoundMetrics a = actual.rounds().get(i);
            String at = "round " + i;
            assertEquals(e.used(), a.used(), at);
            assertEquals(e.failed(), a.failed(), at);
            assertEquals(e.uplinkBytes(), a.uplinkBytes(), at);
            assertEquals(e.clientLoss(), a.clientLoss(), 0.0, at);
            assertEquals(e.trainLoss(), a.trainLoss(), 0.0, at);
            assertEquals(e.testLoss(), a.testLoss(), 0.0, at);
            assertEquals(e.testAccuracy(), a.testAccuracy(), 0.0, at);
            assertEquals(e.rejected(), a.rejected(), at);
        }
    }

    /** The bytes of round {@code r}'s tasks and acknowledgements, as the clients received them. */
    private static long receivedBytes(Queue<ToClient> log, int r) {
        long n = 0;
        for (ToClient m : log) {
            if (m instanceof TrainRound t && t.round() == r) {
                n += t.bytes();
            } else if (m instanceof Aggregated a && a.round() == r && a.ack() != null) {
                n += a.ack().size();
            }
        }
        return n;
    }

    /** Whether {@code t} is a task without the model (field since). */
    private static boolean withoutModel(Experiment exp, TrainRound t) {
        Codec c = Experiments.modelCodec(exp.downlinkCodec(), exp.model().dtype());
        Payload p = t.task().read(b -> c.decode(b, exp.model().dtype()));
        return p.fields().containsKey(ServerStep.SINCE);
    }

    @ParameterizedTest
    @ValueSource(strings = {"exact", "int8"})
    void deltaRun_equalsTheReferenceEngine_andCountsTheBytesTheClientsReceived(String codec) throws Exception {
        Experiment exp = experiment("fedsub", codec.equals("exact") ? null : codec, new Participation(3, 1.0, 1));
        RunResult expected = new ReferenceEngine(exp).run(RoundListener.NONE);
        Queue<ToClient> log = new ConcurrentLinkedQueue<>();

        RunResult actual = run(exp, log, Map.of(), Map.of());

        assertSameTrajectory(expected, actual);
        for (int r = 0; r < ROUNDS; r++) {
            assertEquals(expected.rounds().get(r).downlinkBytes(), actual.rounds().get(r).downlinkBytes(), "round " + r);
            assertEquals(receivedBytes(log, r), actual.rounds().get(r).downlinkBytes(), "round " + r
                    + ": the downlink reported is what the clients received");
        }
        List<TrainRound> tasks = log.stream().filter(TrainRound.class::isInstance).map(TrainRound.class::cast).toList();
        assertEquals(3 * ROUNDS, tasks.size(), "one task per sampled client, none sent twice");
        long withChanges = tasks.stream().filter(t -> !t.changes().isEmpty()).count();
        long withoutModel = tasks.stream().filter(t -> withoutModel(exp, t)).count();
        assertTrue(withChanges > 3 && withoutModel > withChanges, "tasks without the model really went out: "
                + withoutModel + ", " + withChanges + " of them with changes");
        long full = tasks.stream().filter(t -> !withoutModel(exp, t)).mapToLong(TrainRound::bytes).max().orElseThrow();
        assertTrue(tasks.stream().filter(t -> withoutModel(exp, t)).allMatch(t -> t.bytes() < full));
    }

    /** A client node restarted mid-run has lost the model it kept: it asks for it, gets it, and the run goes on unchanged. */
    @Test
    void clientThatLostItsModel_getsTheFullModel_andTheRunStillEqualsTheReference() throws Exception {
        Experiment exp = experiment("fedsub", null, Participation.full());
        RunResult expected = new ReferenceEngine(exp).run(RoundListener.NONE);
        Strategy clients = ActorSimulation.newStrategy(exp);
        ClientStep two = ClientStep.of(exp, clients.newClient(2), 2, null);
        Queue<ToClient> log = new ConcurrentLinkedQueue<>();
        int lostAt = 5;

        RunResult actual = run(exp, log, Map.of(2, two), Map.of(2, m -> {
            if (m instanceof TrainRound t && t.round() == lostAt && withoutModel(exp, t)) {
                two.forgetModel(); // the restart: whatever it held, and the acknowledgement it may be folding, is lost
            }
        }));

        assertSameTrajectory(expected, actual);
        List<TrainRound> toTwo = log.stream().filter(m -> m instanceof TrainRound t && t.clientId() == 2
                && t.round() == lostAt).map(TrainRound.class::cast).toList();
        assertEquals(2, toTwo.size(), "the delta, then the full model");
        assertTrue(withoutModel(exp, toTwo.get(0)));
        assertTrue(!withoutModel(exp, toTwo.get(1)) && toTwo.get(1).changes().isEmpty());
        for (int r = 0; r < ROUNDS; r++) {
            long extra = r == lostAt ? toTwo.get(1).bytes() : 0;
            assertEquals(expected.rounds().get(r).downlinkBytes() + extra, actual.rounds().get(r).downlinkBytes(),
                    "round " + r);
            assertEquals(receivedBytes(log, r), actual.rounds().get(r).downlinkBytes(), "round " + r);
        }
        assertEquals(ROUNDS, two.heldModelVersion(), "it kept up again after the full model");
    }

    /** A client that asks for the model whatever it is sent is sent it once a round, then counted as failed. */
    @Test
    void clientThatAsksForTheModelAgain_failsTheRound_andTheRunGoesOn() throws Exception {
        Experiment exp = experiment("fedsub", null, Participation.full());
        Queue<ToClient> log = new ConcurrentLinkedQueue<>();
        Behavior<ToClient> asker = Behaviors.receive(ToClient.class)
                .onMessage(TrainRound.class, t -> {
                    t.replyTo().tell(new NeedModel(t.round(), t.clientId(), "it asks whatever it gets"));
                    return Behaviors.same();
                })
                .onMessage(Quiesce.class, q -> {
                    q.replyTo().tell(new Quiesced(4));
                    return Behaviors.same();
                })
                .build();
        Strategy strategy = ActorSimulation.newStrategy(exp);
        ActorSettings settings = settings();
        CompletableFuture<Finished> done = new CompletableFuture<>();
        testKit.spawn(ActorSimulation.behavior(exp, strategy, settings, Map.of(4, recorded(asker, log, m -> {})),
                RoundListener.NONE, done));
        RunResult run = ActorSimulation.outcome(exp, strategy, done.get(120, TimeUnit.SECONDS)).result();

        assertEquals(ROUNDS, run.rounds().size());
        for (RoundMetrics m : run.rounds()) {
            assertEquals(1, m.failed(), "round " + m.round());
            assertEquals(5, m.used(), "round " + m.round());
        }
        // Round 0 sends every client the model: asked again, it fails; later rounds send the delta, then the model.
        assertEquals(1, log.stream().filter(m -> m instanceof TrainRound t && t.round() == 0).count());
        assertEquals(2, log.stream().filter(m -> m instanceof TrainRound t && t.round() == 1).count());
    }

    /** The tasks and acknowledgements of a run driven by hand: what a client that skips deliveries is sent. */
    private static final class Driver {
        final Experiment exp;
        final Strategy strategy;
        final ServerStep server;
        final int[] all;

        Driver(Experiment exp) {
            this.exp = exp;
            this.strategy = ActorSimulation.newStrategy(exp);
            this.server = new ServerStep(exp, strategy);
            this.all = new int[exp.data().numClients()];
            for (int i = 0; i < all.length; i++) {
                all[i] = i;
            }
        }

        /** Round {@code r} trained by {@code steps} (the others fail), its acknowledgements returned. */
        ServerStep.Outcome round(int r, Map<Integer, ClientStep> steps) {
            SortedMap<Integer, EncodedPayload> tasks = server.tasks(r, all);
            List<EncodedUpdate> updates = new ArrayList<>();
            for (int id : tasks.keySet()) {
                if (steps.containsKey(id)) {
                    updates.add(steps.get(id).train(r, tasks.get(id)));
                }
            }
            return server.aggregate(r, updates, List.of());
        }
    }

    @Test
    void deltaForAnotherModelVersion_isRefusedWithNeedModel_andNothingIsTrained() throws Exception {
        Experiment exp = experiment("fedsub", null, Participation.full());
        Driver d = new Driver(exp);
        Map<Integer, ClientStep> others = new HashMap<>();
        for (int id = 1; id < 6; id++) {
            others.put(id, ClientStep.of(exp, d.strategy.newClient(id), id, null));
        }
        ClientAlgorithm algorithm = d.strategy.newClient(0);
        ClientStep zero = ClientStep.of(exp, algorithm, 0, null);
        Map<Integer, ClientStep> withZero = new HashMap<>(others);
        withZero.put(0, zero);
        // Round 0: client 0 trains from the full model; its acknowledgement (the change to version 1) is lost.
        d.round(0, withZero);
        assertEquals(0, zero.heldModelVersion());
        // Round 1: client 0 is (believed to be) at version 1: it is sent no model, and does not get that task either.
        d.round(1, others);
        // Round 2: the changes from version 1, which client 0 does not hold.
        d.server.tasks(2, d.all);
        List<EncodedPayload> sent = d.server.sent(0);
        assertTrue(sent.size() == 2, "the task without the model and the change of round 1: " + sent);
        byte[] before = algorithm.exportState();
        ActorRef<ToClient> client = testKit.spawn(ClientActor.create(zero));
        TestProbe<ToServer> round = testKit.createTestProbe();

        client.tell(new TrainRound(2, 0, sent.get(0), sent.subList(1, 2), round.ref()));

        NeedModel need = round.expectMessageClass(NeedModel.class);
        assertEquals(2, need.round());
        assertTrue(need.reason().contains("holds model version 0, the changes start from version 1"), need.reason());
        assertArrayEquals(before, algorithm.exportState(), "nothing was trained");
        assertEquals(0, zero.heldModelVersion(), "the model it holds is kept");
        // The full task of the round: trained as any.
        client.tell(new TrainRound(2, 0, d.server.tasks(2, d.all).get(0), round.ref()));
        assertEquals(2, round.expectMessageClass(UpdateReady.class).round());
        assertEquals(2, zero.heldModelVersion());
        testKit.stop(client);
    }

    @Test
    void changeThatDoesNotFit_isRefused_andTheModelDropped() {
        Experiment exp = experiment("fedsub", null, Participation.full());
        Driver d = new Driver(exp);
        Map<Integer, ClientStep> steps = new HashMap<>();
        for (int id = 0; id < 6; id++) {
            steps.put(id, ClientStep.of(exp, d.strategy.newClient(id), id, null));
        }
        ServerStep.Outcome o = d.round(0, steps);
        for (int id : o.used()) {
            steps.get(id).acknowledge(0, o.ackFor(id));
        }
        ClientStep zero = steps.get(0);
        assertEquals(1, zero.heldModelVersion(), "the acknowledgement is the change to version 1");
        d.server.tasks(1, d.all);
        EncodedPayload header = d.server.sent(0).get(0);
        assertEquals(1, d.server.sent(0).size(), "client 0 holds the current version: only the fields are sent");
        // A change of the right round whose tensors do not have the model's shapes.
        Payload bad = new Payload().field("round", 1).field("basis", 0);
        for (var p : exp.model().params()) {
            bad.tensor("d:" + p.name(), Nd4j.zeros(exp.model().dtype(), 1, 3));
            bad.tensor("b:" + p.name(), Nd4j.zeros(exp.model().dtype(), 1, 3));
        }
        Codec down = exp.downlinkCodec();
        EncodedPayload change = new EncodedPayload(down.name(), down.encode(bad));

        NeedsFullModelException e = assertThrows(NeedsFullModelException.class, () -> zero.train(2, header,
                List.of(change)));
        assertTrue(e.getMessage().contains("do not apply"), e.getMessage());
        assertEquals(-1, zero.heldModelVersion(), "a model that may be half changed is dropped");
        NeedsFullModelException noModel = assertThrows(NeedsFullModelException.class, () -> zero.train(1, header,
                List.of()));
        assertTrue(noModel.getMessage().contains("holds no model"), noModel.getMessage());
        assertInstanceOf(EncodedUpdate.class, zero.train(1, d.server.tasks(1, d.all).get(0)));
        assertEquals(1, zero.heldModelVersion());
    }
}
