package org.fedsub.actors.protocol;

import java.util.Objects;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.fedsub.runtime.codec.EncodedPayload;
import org.fedsub.runtime.engine.EncodedUpdate;

/**
 * Every message between the federated server and its clients. Commands are imperative
 * ({@link TrainRound}), events past tense ({@link UpdateReady}, {@link Aggregated},
 * {@link TrainingFailed}, {@link Declined}); each carries its round and client id so that a late or misrouted
 * message is recognised and dropped, never mistaken for a current one.
 *
 * <p>Messages with tensors ({@link PayloadMessage}) go through the binary
 * {@link PayloadSerializer}; the others are {@link CborSerializable}.
 */
public final class FederatedProtocol {

    private FederatedProtocol() {}

    /** What a client receives. */
    public sealed interface ToClient permits TrainRound, Aggregated, Quiesce, ClientSelfMessage {}

    /** What a client sends back to the round that asked it. */
    public sealed interface ToServer permits UpdateReady, TrainingFailed, Declined, NeedModel, Quiesced {}

    /** The messages that carry an {@link EncodedPayload}: bound to the binary serializer. */
    public sealed interface PayloadMessage permits TrainRound, Aggregated, UpdateReady {}

    /**
     * A message a client actor sends to itself (its {@code pipeToSelf} results). It never
     * crosses the wire and is exempt from serialization checks; only the client actor's own
     * private records implement it.
     */
    public non-sealed interface ClientSelfMessage extends ToClient, NoSerializationVerificationNeeded {}

    /**
     * Train on the round's task and reply to {@code replyTo} with {@link UpdateReady} or
     * {@link TrainingFailed}. On a delta downlink ({@code fedsub.downlink.mode = delta}) the task
     * may come without the model (field {@code since}, the model version the server believes the
     * client holds) followed by {@code changes}, the logged changes since that version, oldest
     * first; a client that cannot rebuild the model from them answers {@link NeedModel}.
     */
    public record TrainRound(int round, int clientId, EncodedPayload task, java.util.List<EncodedPayload> changes,
            ActorRef<ToServer> replyTo) implements ToClient, PayloadMessage {

        public TrainRound {
            Objects.requireNonNull(task, "task");
            changes = java.util.List.copyOf(changes);
            Objects.requireNonNull(replyTo, "replyTo");
        }

        /** A task that carries the model (or the whole of whatever the strategy sends). */
        public TrainRound(int round, int clientId, EncodedPayload task, ActorRef<ToServer> replyTo) {
            this(round, clientId, task, java.util.List.of(), replyTo);
        }

        /** The encoded bytes this message carries (the task and the changes): what it costs on the downlink. */
        public long bytes() {
            long n = task.size();
            for (EncodedPayload c : changes) {
                n += c.size();
            }
            return n;
        }
    }

    /**
     * The server used this client's update of {@code round}; {@code ack} is what the strategy
     * sends every used client (FedSub: the mean subspace update), or null when it sends nothing.
     * One with a null {@code ack} goes only to a client whose update asked for it
     * ({@link UpdateReady#foldsEmptyAck}).
     */
    public record Aggregated(int round, int clientId, EncodedPayload ack) implements ToClient, PayloadMessage {}

    /**
     * The client's encoded update of {@code round}. {@code foldsEmptyAck}: whether the client
     * wants an {@link Aggregated} that carries nothing if the update is used; false when folding
     * one would not change it ({@link org.fedsub.runtime.engine.ClientStep#foldsEmptyAcknowledgements}),
     * which spares the server a message to each used client of a strategy that acknowledges
     * with nothing (FedAvg).
     */
    public record UpdateReady(int round, int clientId, long numExamples, double trainLoss, EncodedPayload update,
            boolean foldsEmptyAck) implements ToServer, PayloadMessage {

        public UpdateReady {
            Objects.requireNonNull(update, "update");
        }

        /** An update whose client wants every acknowledgement, empty or not. */
        public UpdateReady(int round, int clientId, long numExamples, double trainLoss, EncodedPayload update) {
            this(round, clientId, numExamples, trainLoss, update, true);
        }

        /** The message that carries {@code u}, from a client that wants every acknowledgement. */
        public static UpdateReady of(EncodedUpdate u) {
            return of(u, true);
        }

        /** The message that carries {@code u}; {@code foldsEmptyAck} as the record says. */
        public static UpdateReady of(EncodedUpdate u, boolean foldsEmptyAck) {
            return new UpdateReady(u.round(), u.clientId(), u.numExamples(), u.trainLoss(), u.update(), foldsEmptyAck);
        }

        /** Whether the server sends this client {@code ack} (null: an acknowledgement that carries nothing). */
        public boolean wants(EncodedPayload ack) {
            return ack != null || foldsEmptyAck;
        }

        /** The update this message carries, as the server step takes it. */
        public EncodedUpdate encoded() {
            return new EncodedUpdate(round, clientId, numExamples, trainLoss, update);
        }
    }

    /** The client's training of {@code round} threw; the client restarts (or gives up) by itself. */
    public record TrainingFailed(int round, int clientId, String reason) implements ToServer, CborSerializable {}

    /**
     * The client cannot rebuild the model of {@code round} from a task without the model (it holds
     * no model, another version, or the changes do not apply) and trained nothing; the round
     * sends it the task with the full model instead.
     */
    public record NeedModel(int round, int clientId, String reason) implements ToServer, CborSerializable {}

    /** Why a client took no part in a round it was asked to train. */
    public enum DeclineReason {
        /** The client was not available when asked; known to the server at once. */
        UNAVAILABLE,
        /**
         * The client dropped out mid-round and will never report. Only a simulated client on the
         * virtual clock says so, so that the round need not wait in wall-clock time; on the real
         * clock a dropout is silent and the round's deadline catches it.
         */
        DROPPED_OUT
    }

    /** The client did not train for {@code round}. */
    public record Declined(int round, int clientId, DeclineReason reason) implements ToServer, CborSerializable {}

    /**
     * The run is over: finish what was sent before this (a training, the folding of an
     * acknowledgement), put the state away, then reply {@link Quiesced}. A client handles
     * messages from one sender in the order sent, so the reply means that everything the
     * server sent it earlier is done.
     */
    public record Quiesce(ActorRef<ToServer> replyTo) implements ToClient, CborSerializable {

        public Quiesce {
            Objects.requireNonNull(replyTo, "replyTo");
        }
    }

    /** The client has done everything sent before {@link Quiesce} and holds no work in progress. */
    public record Quiesced(int clientId) implements ToServer, CborSerializable {}
}
