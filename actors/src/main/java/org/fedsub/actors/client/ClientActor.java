package org.fedsub.actors.client;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.StashBuffer;
import org.fedsub.actors.ActorSettings;
import org.fedsub.actors.protocol.FederatedProtocol.Aggregated;
import org.fedsub.actors.protocol.FederatedProtocol.ClientSelfMessage;
import org.fedsub.actors.protocol.FederatedProtocol.ToClient;
import org.fedsub.actors.protocol.FederatedProtocol.TrainRound;
import org.fedsub.actors.protocol.FederatedProtocol.TrainingFailed;
import org.fedsub.actors.protocol.FederatedProtocol.UpdateReady;

/**
 * One federated client. It trains when asked ({@link TrainRound}) and folds acknowledgements
 * into its state ({@link Aggregated}), one at a time: the work runs on the compute dispatcher
 * and comes back with {@code pipeToSelf}, and whatever arrives meanwhile waits in a stash.
 *
 * <p>A training that throws is answered with {@link TrainingFailed} (so the round need not wait
 * for its deadline) and then fails the actor with a {@link ClientTrainingException}; see
 * {@link #supervised}.
 */
public final class ClientActor extends AbstractBehavior<ToClient> {

    // One task and one acknowledgement per round at most are ever queued in synchronous rounds;
    // the bound only guards against a runaway sender.
    private static final int STASH_CAPACITY = 1_000;

    private record Trained(TrainRound cmd, UpdateReady update, Throwable failure) implements ClientSelfMessage {}

    private record Acknowledged(Aggregated msg, Throwable failure) implements ClientSelfMessage {}

    private final ClientWork work;
    private final StashBuffer<ToClient> stash;
    private final Executor compute;
    private boolean busy;

    /** An unsupervised client: its first failing training stops it. */
    public static Behavior<ToClient> create(ClientWork work) {
        return Behaviors.withStash(STASH_CAPACITY, stash -> Behaviors.setup(ctx -> new ClientActor(ctx, stash, work)));
    }

    /**
     * A client restarted with jittered back-off when its training throws (our own
     * {@link ClientTrainingException} only), at most {@code settings.clientRestarts()} times;
     * then it stops, and the rounds that watch it count it as failed.
     */
    public static Behavior<ToClient> supervised(ClientWork work, ActorSettings settings) {
        if (settings.clientRestarts() == 0) {
            return create(work); // the default for a typed actor: stop on failure
        }
        ActorSettings.Backoff b = settings.backoff();
        return Behaviors.supervise(create(work)).onFailure(ClientTrainingException.class,
                SupervisorStrategy.restartWithBackoff(b.min(), b.max(), b.randomFactor())
                        .withMaxRestarts(settings.clientRestarts())
                        .withResetBackoffAfter(b.resetAfter()));
    }

    private ClientActor(ActorContext<ToClient> context, StashBuffer<ToClient> stash, ClientWork work) {
        super(context);
        this.work = work;
        this.stash = stash;
        this.compute = context.getSystem().dispatchers().lookup(DispatcherSelector.fromConfig(ActorSettings.COMPUTE_DISPATCHER));
    }

    @Override
    public Receive<ToClient> createReceive() {
        return newReceiveBuilder()
                .onMessage(TrainRound.class, this::onTrainRound)
                .onMessage(Aggregated.class, this::onAggregated)
                .onMessage(Trained.class, this::onTrained)
                .onMessage(Acknowledged.class, this::onAcknowledged)
                .build();
    }

    private Behavior<ToClient> onTrainRound(TrainRound cmd) {
        if (busy) {
            stash.stash(cmd);
            return this;
        }
        busy = true;
        getContext().getLog().debug("client {}: training round {}", work.clientId(), cmd.round());
        getContext().pipeToSelf(CompletableFuture.supplyAsync(() -> work.train(cmd), compute),
                (update, failure) -> new Trained(cmd, update, failure));
        return this;
    }

    private Behavior<ToClient> onAggregated(Aggregated msg) {
        if (busy) {
            stash.stash(msg);
            return this;
        }
        busy = true;
        getContext().pipeToSelf(CompletableFuture.runAsync(() -> work.acknowledge(msg), compute),
                (ok, failure) -> new Acknowledged(msg, failure));
        return this;
    }

    private Behavior<ToClient> onTrained(Trained t) {
        busy = false;
        ActorRef<?> round = t.cmd().replyTo();
        if (t.failure() == null) {
            getContext().getLog().debug("client {}: round {} update ready, {} bytes", work.clientId(), t.cmd().round(),
                    t.update().update().size());
            t.cmd().replyTo().tell(t.update());
            return stash.unstashAll(this);
        }
        Throwable cause = unwrap(t.failure());
        t.cmd().replyTo().tell(new TrainingFailed(t.cmd().round(), work.clientId(), cause.toString()));
        getContext().getLog().debug("client {}: round {} failed, told {}", work.clientId(), t.cmd().round(), round);
        throw fail(t.cmd().round(), cause);
    }

    private Behavior<ToClient> onAcknowledged(Acknowledged a) {
        busy = false;
        if (a.failure() == null) {
            return stash.unstashAll(this);
        }
        throw fail(a.msg().round(), unwrap(a.failure()));
    }

    private RuntimeException fail(int round, Throwable cause) {
        // Queued work goes back to the mailbox: the supervisor keeps it through the back-off and
        // the next incarnation (which reuses the same ClientWork) handles it.
        stash.forEach(m -> getContext().getSelf().tell(m));
        if (cause instanceof Error e) {
            throw e;
        }
        return new ClientTrainingException(work.clientId(), round, cause);
    }

    private static Throwable unwrap(Throwable t) {
        return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    }
}
