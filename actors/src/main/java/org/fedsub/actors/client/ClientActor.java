package org.fedsub.actors.client;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.Cancellable;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.ExtensibleBehavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.Signal;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.TypedActorContext;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.StashBuffer;
import org.fedsub.actors.ActorSettings;
import org.fedsub.actors.device.ComputePlacement;
import org.fedsub.actors.device.Device;
import org.fedsub.actors.device.DeviceDispatchers;
import org.fedsub.actors.protocol.FederatedProtocol.Aggregated;
import org.fedsub.actors.protocol.FederatedProtocol.ClientSelfMessage;
import org.fedsub.actors.protocol.FederatedProtocol.DeclineReason;
import org.fedsub.actors.protocol.FederatedProtocol.Declined;
import org.fedsub.actors.protocol.FederatedProtocol.NeedModel;
import org.fedsub.actors.protocol.FederatedProtocol.Quiesce;
import org.fedsub.actors.protocol.FederatedProtocol.Quiesced;
import org.fedsub.actors.protocol.FederatedProtocol.ToClient;
import org.fedsub.actors.protocol.FederatedProtocol.ToServer;
import org.fedsub.actors.protocol.FederatedProtocol.TrainRound;
import org.fedsub.actors.protocol.FederatedProtocol.TrainingFailed;
import org.fedsub.actors.protocol.FederatedProtocol.UpdateReady;
import org.fedsub.runtime.codec.MalformedPayloadException;
import org.fedsub.runtime.engine.ClientStep;
import org.fedsub.runtime.engine.NeedsFullModelException;

/**
 * One federated client. It trains when asked ({@link TrainRound}) and folds acknowledgements
 * into its state ({@link Aggregated}), one at a time, on the dispatcher of the device it is
 * placed on when it starts ({@link ComputePlacement}; it keeps the device across restarts and
 * frees it when it stops). Spawned on that dispatcher ({@link #onItsDevice}, as every
 * simulation and cluster node does), it runs the work in its message handler, on the thread
 * the work would be handed to anyway, and what arrives meanwhile waits in its mailbox, bounded
 * at {@code fedsub.client-mailbox.mailbox-capacity} messages (past it, dead letters). Spawned
 * anywhere else, it hands the work to the device's dispatcher and takes the result back with
 * {@code pipeToSelf}, and what arrives meanwhile waits in a stash.
 *
 * <p>A {@link ClientBehaviour} may make it decline a round, drop out of it silently, or hold its
 * answer back for the modelled time its compute and links would take.
 *
 * <p>A training that throws is answered with {@link TrainingFailed} (so the round need not wait
 * for its deadline) and then fails the actor with a {@link ClientTrainingException}; see
 * {@link #supervised}. Bad input is not the client's failure and costs no restart: a task or
 * acknowledgement that does not decode is dropped (a task is still answered with
 * {@link TrainingFailed}), and messages beyond a full stash are dropped; each is logged and
 * counted (past a full mailbox, a client on its device's dispatcher, Pekko sends them to dead
 * letters, which it logs). A delta task it cannot rebuild the model from is answered with {@link NeedModel}.
 */
public final class ClientActor extends ExtensibleBehavior<ToClient> {

    // One task and one acknowledgement per round at most are ever queued in synchronous rounds;
    // the bound only guards against a runaway sender: past it messages are dropped and counted.
    // (fedsub.client-mailbox bounds the mailbox of a client that works in its handler alike.)
    // A host's queue of each of its clients (ClientHost) is bounded alike.
    static final int STASH_CAPACITY = 1_000;

    private record Trained(TrainRound cmd, UpdateReady update, Throwable failure) implements ClientSelfMessage {}

    private record Acknowledged(Aggregated msg, Throwable failure) implements ClientSelfMessage {}

    private record Release(ActorRef<ToServer> replyTo, UpdateReady update) implements ClientSelfMessage {}

    private final ActorContext<ToClient> context;
    private final ClientStep step;
    private final ClientBehaviour behaviour;
    private final StashBuffer<ToClient> stash;
    private final ComputePlacement placement;
    private final Executor compute;
    /**
     * The actor runs on the dispatcher its work runs on ({@link #onItsDevice}): the work runs in
     * the handler, since handing it over and taking it back ({@code pipeToSelf}) would only add
     * two message deliveries on the same threads.
     */
    private final boolean inline;
    private boolean busy;
    /** The modelled delay of an update being held back ({@link Release}), cancelled if the client stops. */
    private Cancellable release;
    /**
     * For the per-update debug lines' level check: the logger {@code context.getLog()} gives
     * (named after this class), without its first call's cost at every client's start, nor the
     * MDC it sets at each call.
     */
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(ClientActor.class);
    /** Messages dropped: stash overflow, malformed tasks and acknowledgements. */
    private long dropped;
    /** Quiesce requests that found the stash full. */
    private final java.util.List<Quiesce> lateQuiesce = new java.util.ArrayList<>();

    /** An unsupervised, reliable client: its first failing training stops it. */
    public static Behavior<ToClient> create(ClientStep work) {
        return create(work, ClientBehaviour.RELIABLE);
    }

    /**
     * An unsupervised client that behaves as {@code behaviour} says, placed on the devices of its
     * actor system's own {@code fedsub.actors} settings.
     */
    public static Behavior<ToClient> create(ClientStep work, ClientBehaviour behaviour) {
        return create(work, behaviour, null);
    }

    /**
     * An unsupervised client placed on the devices of {@code settings} ({@code null}: its actor
     * system's own {@code fedsub.actors} settings).
     */
    public static Behavior<ToClient> create(ClientStep work, ClientBehaviour behaviour, ActorSettings settings) {
        // An ExtensibleBehavior of its own rather than AbstractBehavior's builder, and no timer
        // scheduler: each client then keeps no receive or timer objects of its own, and a message
        // goes through no matching loop or timer interceptor (benchmarks/SCALE.md).
        return Behaviors.withStash(STASH_CAPACITY, stash -> Behaviors.setup(ctx -> {
            DeviceDispatchers devices = DeviceDispatchers.get(ctx.getSystem());
            return new ClientActor(ctx, stash, work, behaviour,
                    settings != null ? devices.placement(settings) : devices.systemPlacement());
        }));
    }

    /**
     * Spawn options that run client {@code clientId}'s actor on the dispatcher of the device it is
     * placed on ({@code settings}' devices), where its tensor work runs too: its messages and its
     * work then share that dispatcher's threads instead of passing between the default
     * dispatcher's and the device's at every task and acknowledgement, and the actor runs its
     * work in its handler, its mailbox bounded by {@code fedsub.client-mailbox}; placement is the
     * same as at the actor's start.
     */
    public static org.apache.pekko.actor.typed.Props onItsDevice(org.apache.pekko.actor.typed.ActorSystem<?> system,
            ActorSettings settings, int clientId) {
        return DeviceDispatchers.get(system).onClientDevice(settings, clientId);
    }

    /** A supervised, reliable client (see {@link #supervised(ClientStep, ClientBehaviour, ActorSettings)}). */
    public static Behavior<ToClient> supervised(ClientStep work, ActorSettings settings) {
        return supervised(work, ClientBehaviour.RELIABLE, settings);
    }

    /**
     * A client restarted with jittered back-off when its training throws (our own
     * {@link ClientTrainingException} only), at most {@code settings.clientRestarts()} times;
     * then it stops, and the rounds that watch it count it as failed.
     */
    public static Behavior<ToClient> supervised(ClientStep work, ClientBehaviour behaviour, ActorSettings settings) {
        if (settings.clientRestarts() == 0) {
            return create(work, behaviour, settings); // the default for a typed actor: stop on failure
        }
        return Behaviors.supervise(create(work, behaviour, settings)).onFailure(ClientTrainingException.class,
                RESTARTS.computeIfAbsent(new Restarts(settings.backoff(), settings.clientRestarts()), Restarts::strategy));
    }

    /**
     * A restart strategy is immutable: the clients of one setting share one instead of holding
     * a copy each (its back-off and durations, about 200 B a client; benchmarks/SCALE.md (c)).
     */
    private record Restarts(ActorSettings.Backoff backoff, int max) {
        SupervisorStrategy strategy() {
            return SupervisorStrategy.restartWithBackoff(backoff.min(), backoff.max(), backoff.randomFactor())
                    .withMaxRestarts(max)
                    .withResetBackoffAfter(backoff.resetAfter());
        }
    }

    private static final java.util.Map<Restarts, SupervisorStrategy> RESTARTS =
            new java.util.concurrent.ConcurrentHashMap<>();

    private ClientActor(ActorContext<ToClient> context, StashBuffer<ToClient> stash, ClientStep work,
            ClientBehaviour behaviour, ComputePlacement placement) {
        this.context = context;
        this.step = work;
        this.behaviour = behaviour;
        this.stash = stash;
        this.placement = placement;
        Device device = placement.place(work.clientId());
        this.compute = placement.executor(device);
        this.inline = context.getExecutionContext() == compute;
        if (log.isDebugEnabled()) {
            context.getLog().debug("client {}: on device {}", work.clientId(), device.label());
        }
    }

    @Override
    public Behavior<ToClient> receive(TypedActorContext<ToClient> ctx, ToClient msg) {
        return handle(msg);
    }

    private Behavior<ToClient> handle(ToClient msg) {
        if (msg instanceof TrainRound t) {
            return onTrainRound(t);
        } else if (msg instanceof Aggregated a) {
            return onAggregated(a);
        } else if (msg instanceof Trained t) {
            return onTrained(t);
        } else if (msg instanceof Acknowledged a) {
            return onAcknowledged(a);
        } else if (msg instanceof Release r) {
            return onRelease(r);
        } else if (msg instanceof Quiesce q) {
            return onQuiesce(q);
        }
        return Behaviors.unhandled();
    }

    @Override
    public Behavior<ToClient> receiveSignal(TypedActorContext<ToClient> ctx, Signal signal) {
        if (signal instanceof PostStop) {
            if (release != null) {
                release.cancel(); // as a timer would be: no dead letter for a stopped client
            }
            placement.release(step.clientId());
            return Behaviors.same();
        }
        return Behaviors.unhandled();
    }

    private Behavior<ToClient> onTrainRound(TrainRound cmd) {
        if (busy) {
            return queue(cmd);
        }
        if (!accepts(behaviour, cmd, step.clientId())) {
            return Behaviors.same();
        }
        busy = true;
        return work(() -> UpdateReady.of(step.train(cmd.round(), cmd.task(), cmd.changes()),
                        step.foldsEmptyAcknowledgements()),
                (update, failure) -> new Trained(cmd, update, failure));
    }

    private Behavior<ToClient> onAggregated(Aggregated msg) {
        if (busy) {
            return queue(msg);
        }
        busy = true;
        // Returns msg rather than null: a null result reaching an actor that has stopped meanwhile
        // (the end of a run) becomes a dead letter wrapping null, on which Pekko's dead-letter
        // logger throws.
        return work(() -> {
            step.acknowledge(msg.round(), msg.ack());
            return msg;
        }, (ok, failure) -> new Acknowledged(msg, failure));
    }

    /**
     * Runs {@code job} and handles what {@code done} makes of its result or failure: in this
     * handler when the actor runs on its work's dispatcher ({@link #inline}), else on that
     * dispatcher, the result coming back with {@code pipeToSelf} (meanwhile the client is busy
     * and stashes what arrives).
     */
    private <T> Behavior<ToClient> work(java.util.function.Supplier<T> job,
            java.util.function.BiFunction<T, Throwable, ClientSelfMessage> done) {
        if (inline) {
            T result;
            try {
                result = job.get();
            } catch (RuntimeException | Error e) { // as supplyAsync would hand it over
                return handle(done.apply(null, e));
            }
            return handle(done.apply(result, null));
        }
        context.pipeToSelf(CompletableFuture.supplyAsync(job, compute), done::apply);
        return Behaviors.same();
    }

    private Behavior<ToClient> onQuiesce(Quiesce q) {
        if (busy) {
            return queue(q); // after the work in progress and whatever was queued before it
        }
        q.replyTo().tell(new Quiesced(step.clientId()));
        return Behaviors.same();
    }

    private Behavior<ToClient> onTrained(Trained t) {
        TrainRound cmd = t.cmd();
        if (t.failure() == null) {
            if (log.isDebugEnabled()) {
                context.getLog().debug("client {}: round {} update ready, {} bytes", step.clientId(), cmd.round(),
                        t.update().update().size());
            }
            Duration delay = behaviour.replyDelay(cmd.round(), cmd.bytes(), t.update().update().size());
            if (delay.isZero()) {
                return onRelease(new Release(cmd.replyTo(), t.update()));
            }
            // Still busy: the modelled compute and upload are not over yet.
            release = context.scheduleOnce(delay, context.getSelf(), new Release(cmd.replyTo(), t.update()));
            return Behaviors.same();
        }
        busy = false;
        Throwable cause = unwrap(t.failure());
        switch (answerFailure(cmd, step.clientId(), cause)) {
            case ASKED_FOR_MODEL -> {
                return resume();
            }
            case MALFORMED -> {
                dropped++;
                log.warn("client {}: dropped the malformed task of round {} ({} messages dropped): {}",
                        step.clientId(), cmd.round(), dropped, cause.getMessage());
                return resume();
            }
            default -> throw fail(cmd.round(), cause);
        }
    }

    /**
     * Whether a client behaving as {@code behaviour} trains for {@code cmd}; if not, it has
     * declined (or announced its drop-out) already. Shared with {@link ClientHost}.
     */
    static boolean accepts(ClientBehaviour behaviour, TrainRound cmd, int clientId) {
        switch (behaviour.fate(cmd.round())) {
            case DECLINE -> {
                log.debug("client {}: unavailable for round {}", clientId, cmd.round());
                cmd.replyTo().tell(new Declined(cmd.round(), clientId, DeclineReason.UNAVAILABLE));
                return false;
            }
            case DROP_OUT -> {
                log.debug("client {}: drops out of round {}", clientId, cmd.round());
                if (behaviour.announcesDropouts()) {
                    cmd.replyTo().tell(new Declined(cmd.round(), clientId, DeclineReason.DROPPED_OUT));
                }
                return false;
            }
            default -> {
                if (log.isDebugEnabled()) {
                    log.debug("client {}: training round {}", clientId, cmd.round());
                }
                return true;
            }
        }
    }

    /** What a training that threw leaves a client to do, once the round has been answered. */
    enum AfterFailure {
        /** It trained nothing on a delta it could not use and asked for the full model: go on. */
        ASKED_FOR_MODEL,
        /** The task's bytes were bad, not the client: drop the task, spend no restart. */
        MALFORMED,
        /** The client failed: restart it (or give up on it). */
        FAILED
    }

    /**
     * Answers the round of {@code cmd}, whose training threw {@code cause}: {@link NeedModel} for a
     * delta the client cannot rebuild the model from, else {@link TrainingFailed} (so the round
     * need not wait for its deadline). Shared with {@link ClientHost}.
     */
    static AfterFailure answerFailure(TrainRound cmd, int clientId, Throwable cause) {
        if (cause instanceof NeedsFullModelException e) {
            log.info("{}; asking for the full model", e.getMessage());
            cmd.replyTo().tell(new NeedModel(cmd.round(), clientId, e.getMessage()));
            return AfterFailure.ASKED_FOR_MODEL;
        }
        cmd.replyTo().tell(new TrainingFailed(cmd.round(), clientId, cause.toString()));
        return cause instanceof MalformedPayloadException ? AfterFailure.MALFORMED : AfterFailure.FAILED;
    }

    /**
     * Keeps {@code m} for when the work in progress is done; when the stash is full (a runaway
     * or hostile sender) the message is dropped and counted instead, and the client goes on.
     */
    private Behavior<ToClient> queue(ToClient m) {
        if (stash.isFull() && m instanceof Quiesce q) {
            lateQuiesce.add(q); // never dropped: answered once everything before it is done
            return Behaviors.same();
        }
        if (stash.isFull()) {
            dropped++;
            context.getLog().warn("client {}: busy with {} messages queued, dropped a {} ({} messages dropped)",
                    step.clientId(), stash.size(), m.getClass().getSimpleName(), dropped);
            return Behaviors.same();
        }
        stash.stash(m);
        return Behaviors.same();
    }

    private Behavior<ToClient> onRelease(Release r) {
        busy = false;
        release = null;
        r.replyTo().tell(r.update());
        return resume();
    }

    private Behavior<ToClient> onAcknowledged(Acknowledged a) {
        busy = false;
        Throwable cause = a.failure() == null ? null : unwrap(a.failure());
        if (cause == null || cause instanceof MalformedPayloadException) {
            if (cause != null) {
                dropped++;
                context.getLog().warn("client {}: dropped the malformed acknowledgement of round {} ({} messages "
                        + "dropped): {}", step.clientId(), a.msg().round(), dropped, cause.getMessage());
            }
            return resume();
        }
        throw fail(a.msg().round(), cause);
    }

    /** Works off the stash; once idle with nothing left, answers the Quiesce requests that did not fit in it. */
    private Behavior<ToClient> resume() {
        Behavior<ToClient> next = stash.isEmpty() ? Behaviors.same() : stash.unstashAll(this);
        if (!busy && stash.isEmpty() && !lateQuiesce.isEmpty()) {
            lateQuiesce.forEach(q -> q.replyTo().tell(new Quiesced(step.clientId())));
            lateQuiesce.clear();
        }
        return next;
    }

    private RuntimeException fail(int round, Throwable cause) {
        // Queued work goes back to the mailbox: the supervisor keeps it through the back-off and
        // the next incarnation (which reuses the same ClientStep) handles it.
        stash.forEach(m -> context.getSelf().tell(m));
        if (cause instanceof Error e) {
            throw e;
        }
        return new ClientTrainingException(step.clientId(), round, cause);
    }

    private static Throwable unwrap(Throwable t) {
        return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    }
}
