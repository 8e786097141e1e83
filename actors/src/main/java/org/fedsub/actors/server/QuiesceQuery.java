package org.fedsub.actors.server;

import java.time.Duration;
import java.util.Map;
import java.util.TreeSet;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.fedsub.actors.protocol.FederatedProtocol.Quiesce;
import org.fedsub.actors.protocol.FederatedProtocol.Quiesced;
import org.fedsub.actors.protocol.FederatedProtocol.ToClient;
import org.fedsub.actors.protocol.FederatedProtocol.ToServer;

/**
 * The end of a run (Pekko IoT's {@code DeviceGroupQuery} shape): asks every client the run has
 * used to finish what it was sent ({@link Quiesce}), watches them, and reports once each has
 * answered {@link Quiesced} or stopped, so that a run reports finished only when no client is
 * still training or folding an acknowledgement and every client's state is back where it
 * sleeps. A client that stays busy past {@code timeout} (hung on the real clock) is logged by id
 * instead of holding the run forever.
 */
final class QuiesceQuery<T> extends AbstractBehavior<QuiesceQuery.Command> {

    sealed interface Command {}

    private record FromClient(ToServer msg) implements Command, NoSerializationVerificationNeeded {}

    private record ClientStopped(int clientId) implements Command, NoSerializationVerificationNeeded {}

    private enum TimedOut implements Command, NoSerializationVerificationNeeded { INSTANCE }

    private final TreeSet<Integer> waiting = new TreeSet<>();
    private final ActorRef<T> replyTo;
    private final T whenQuiet;

    /**
     * A query over those of {@code ids} that are in {@code clients} (the clients a run used).
     *
     * @param replyTo gets {@code whenQuiet} once every one of them is idle or stopped, or once
     *                {@code timeout} has passed (the clients still busy are then logged); then the
     *                query stops
     */
    static <T> Behavior<Command> create(java.util.Collection<Integer> ids, Map<Integer, ActorRef<ToClient>> clients,
            Duration timeout, ActorRef<T> replyTo, T whenQuiet) {
        return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
            QuiesceQuery<T> q = new QuiesceQuery<>(ctx, replyTo, whenQuiet);
            ActorRef<ToServer> self = ctx.messageAdapter(ToServer.class, FromClient::new);
            for (int id : ids) {
                ActorRef<ToClient> client = clients.get(id);
                if (client != null && q.waiting.add(id)) {
                    ctx.watchWith(client, new ClientStopped(id));
                    client.tell(new Quiesce(self));
                }
            }
            timers.startSingleTimer(TimedOut.INSTANCE, timeout);
            return q.finishIfDone();
        }));
    }

    private QuiesceQuery(ActorContext<Command> context, ActorRef<T> replyTo, T whenQuiet) {
        super(context);
        this.replyTo = replyTo;
        this.whenQuiet = whenQuiet;
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(FromClient.class, this::onFromClient)
                .onMessage(ClientStopped.class, m -> {
                    waiting.remove(m.clientId());
                    return finishIfDone();
                })
                .onMessageEquals(TimedOut.INSTANCE, this::onTimedOut)
                .build();
    }

    private Behavior<Command> onFromClient(FromClient m) {
        if (m.msg() instanceof Quiesced q && waiting.remove(q.clientId())) {
            return finishIfDone();
        }
        return this; // a late answer of a round that has closed: nothing to wait for
    }

    private Behavior<Command> onTimedOut() {
        getContext().getLog().warn("{} clients still busy when the run ended, not waited for: {}", waiting.size(),
                waiting);
        return finish();
    }

    private Behavior<Command> finishIfDone() {
        return waiting.isEmpty() ? finish() : this;
    }

    private Behavior<Command> finish() {
        replyTo.tell(whenQuiet);
        return Behaviors.stopped();
    }
}
