package org.fedsub.actors.sim;

import static org.fedsub.actors.Fixtures.assertSameModel;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.fedsub.actors.ActorSettings;
import org.fedsub.actors.Fixtures;
import org.fedsub.actors.client.ClientActor;
import org.fedsub.actors.protocol.FederatedProtocol.Aggregated;
import org.fedsub.actors.protocol.FederatedProtocol.DeclineReason;
import org.fedsub.actors.protocol.FederatedProtocol.Declined;
import org.fedsub.actors.protocol.FederatedProtocol.Quiesce;
import org.fedsub.actors.protocol.FederatedProtocol.Quiesced;
import org.fedsub.actors.protocol.FederatedProtocol.ToClient;
import org.fedsub.actors.protocol.FederatedProtocol.TrainRound;
import org.fedsub.actors.protocol.FederatedProtocol.UpdateReady;
import org.fedsub.actors.server.Finished;
import org.fedsub.actors.server.RoundReport;
import org.fedsub.runtime.codec.EncodedPayload;
import org.fedsub.runtime.codec.Payload;
import org.fedsub.runtime.data.ClientData;
import org.fedsub.runtime.engine.ClientStep;
import org.fedsub.runtime.engine.Experiment;
import org.fedsub.runtime.engine.Participation;
import org.fedsub.runtime.engine.ReferenceEngine;
import org.fedsub.runtime.engine.RoundListener;
import org.fedsub.runtime.engine.RunResult;
import org.fedsub.runtime.strategy.ClientAlgorithm;
import org.fedsub.runtime.strategy.ClientUpdate;
import org.fedsub.runtime.strategy.Strategy;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A client that answers every task with a bad update, through the actor runtime: the run
 * completes, every bad update is refused and counted under its reason, and the model is exactly
 * what it would be without the bad update.
 */
@ExtendWith(LogCapturingExtension.class)
class HostileClientTest {

    private static final ActorTestKit testKit = ActorTestKit.create();
    private static final int HOSTILE = 5;
    private static final int ROUNDS = 4;

    @AfterAll
    static void cleanup() {
        testKit.shutdownTestKit();
    }

    /** What the hostile client sends for its honest update {@code u}: one or more messages. */
    private static List<UpdateReady> attack(String kind, Experiment exp, UpdateReady u) {
        Function<Function<Payload, Payload>, UpdateReady> tamper = change -> {
            Payload p = u.update().read(b -> exp.codec().decode(b, exp.model().dtype()));
            return new UpdateReady(u.round(), u.clientId(), u.numExamples(), u.trainLoss(),
                    new EncodedPayload(exp.codec().name(), exp.codec().encode(change.apply(p))));
        };
        return switch (kind) {
            case "malformed" -> List.of(new UpdateReady(u.round(), u.clientId(), u.numExamples(), u.trainLoss(),
                    new EncodedPayload(exp.codec().name(), new byte[41])));
            case "non-finite" -> List.of(tamper.apply(p -> {
                p.tensors().values().forEach(t -> t.putScalar(0, Double.NaN));
                return p;
            }));
            case "norm" -> List.of(tamper.apply(p -> {
                p.tensors().values().forEach(t -> t.assign(1e17));
                return p;
            }));
            case "example-count" -> List.of(new UpdateReady(u.round(), u.clientId(), Long.MAX_VALUE, u.trainLoss(),
                    u.update()));
            case "duplicate" -> List.of(u, u);
            case "wrong-round" -> List.of(new UpdateReady(u.round() + 1, u.clientId(), u.numExamples(),
                    u.trainLoss(), u.update()), u);
            // Answering as another client (0, honest and sampled; or 99, no client at all) through its own task.
            case "wrong-sender" -> List.of(u, new UpdateReady(u.round(), 0, u.numExamples(), u.trainLoss(), u.update()),
                    new UpdateReady(u.round(), 99, u.numExamples(), u.trainLoss(), u.update()));
            default -> throw new IllegalArgumentException(kind);
        };
    }

    /**
     * Trains honestly, then sends what {@link #attack} makes of its update ({@code kind} null:
     * declines every round instead), and lets client 0 answer only after that, so that the round
     * is still open when every message of the hostile client arrives.
     */
    private static Behavior<ToClient> hostile(String kind, Experiment exp, Strategy strategy, Semaphore sent) {
        ClientStep step = ClientStep.of(exp, strategy.newClient(HOSTILE), HOSTILE, null);
        return Behaviors.receive(ToClient.class)
                .onMessage(TrainRound.class, t -> {
                    if (kind == null) {
                        t.replyTo().tell(new Declined(t.round(), HOSTILE, DeclineReason.UNAVAILABLE));
                    } else {
                        UpdateReady honest = UpdateReady.of(step.train(t.round(), t.task()));
                        attack(kind, exp, honest).forEach(m -> t.replyTo().tell(m));
                    }
                    sent.release();
                    return Behaviors.same();
                })
                .onMessage(Aggregated.class, a -> {
                    step.acknowledge(a.round(), a.ack());
                    return Behaviors.same();
                })
                .onMessage(Quiesce.class, q -> {
                    q.replyTo().tell(new Quiesced(HOSTILE));
                    return Behaviors.same();
                })
                .build();
    }

    /** Runs {@code exp} on actors with the hostile client ({@code kind} null: it declines every round). */
    private static ActorSimulation.Outcome run(Experiment exp, String kind) throws Exception {
        Strategy strategy = ActorSimulation.newStrategy(exp);
        ActorSettings settings = Fixtures.settings(Duration.ofSeconds(30));
        Semaphore sent = new Semaphore(0);
        ClientAlgorithm first = strategy.newClient(0);
        ClientAlgorithm gated = new ClientAlgorithm() {
            @Override
            public ClientUpdate train(int round, Payload task, ClientData data) {
                sent.acquireUninterruptibly();
                return first.train(round, task, data);
            }

            @Override
            public void onAggregated(int round, Payload ack) {
                first.onAggregated(round, ack);
            }
        };
        CompletableFuture<Finished> done = new CompletableFuture<>();
        testKit.spawn(ActorSimulation.behavior(exp, strategy, settings, Map.of(
                HOSTILE, hostile(kind, exp, strategy, sent),
                0, ClientActor.supervised(ClientStep.of(exp, gated, 0, null), settings)), RoundListener.NONE, done));
        return ActorSimulation.outcome(exp, strategy, done.get(60, TimeUnit.SECONDS));
    }

    @ParameterizedTest
    @ValueSource(strings = {"malformed", "non-finite", "norm", "example-count"})
    void aClientWhoseUpdatesAreBad_isRefusedEveryRound_andTheModelIsAsIfItHadNotTakenPart(String kind)
            throws Exception {
        Experiment exp = Fixtures.experiment("fedavg", ROUNDS, Participation.full());
        ActorSimulation.Outcome absent = run(exp, null);

        ActorSimulation.Outcome out = run(exp, kind);

        assertEquals(ROUNDS, out.rounds().size());
        for (RoundReport r : out.rounds()) {
            assertEquals(Map.of(kind, 1), r.metrics().rejected(), "round " + r.round() + ": " + r.failures());
            assertEquals(5, r.metrics().used());
        }
        assertSameModel(absent.result().finalModel(), out.result().finalModel());
    }

    @ParameterizedTest
    @ValueSource(strings = {"duplicate", "wrong-round", "wrong-sender"})
    void extraMessagesBesideAnHonestUpdate_areRefusedEveryRound_andTheModelIsTheCleanRunsExactly(String kind)
            throws Exception {
        Experiment exp = Fixtures.experiment("fedavg", ROUNDS, Participation.full());
        RunResult clean = new ReferenceEngine(exp).run(RoundListener.NONE);

        ActorSimulation.Outcome out = run(exp, kind);

        for (RoundReport r : out.rounds()) {
            assertEquals(Map.of(kind, kind.equals("wrong-sender") ? 2 : 1), r.metrics().rejected(),
                    "round " + r.round() + ": " + r.failures());
            assertEquals(6, r.metrics().used());
        }
        assertSameModel(clean.finalModel(), out.result().finalModel());
    }
}
