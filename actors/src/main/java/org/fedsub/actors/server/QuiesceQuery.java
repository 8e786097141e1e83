package org.fedsub.actors.server;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Function;
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
 * sleeps. A client that stays busy past {@code timeout} (hung on the real clock) is reported by
 * id instead of holding the run forever.
 */
final class QuiesceQuery<T> extends AbstractBehavior<QuiesceQuery.Command> {

    sealed interface Command {}

    private record FromClient(ToServer msg) implements Command, NoSerializationVerificationNeeded {}

    private record ClientStopped(int clientId) implements Command, NoSerializationVerificationNeeded {}

    private enum TimedOut implements Command, NoSerializationVerificationNeeded { INSTANCE }

    private final TreeSet<Integer> waiting = new TreeSet<>();
    private final Function<List<Integer>, T> report;
    private final ActorRef<T> replyTo;

    /**
     * The query over those of {@code ids} that are in {@code clients} (the clients a run used).
     *
     * @see #create(Map, Duration, ActorRef, Function)
     */
    static <T> Behavior<Command> over(java.util.Collection<Integer> ids, Map<Integer, ActorRef<ToClient>> clients,
            Duration timeout, ActorRef<T> replyTo, Function<List<Integer>, T> done) {
        Map<Integer, ActorRef<ToClient>> used = new java.util.TreeMap<>();
        for (int id : ids) {
            if (clients.containsKey(id)) {
                used.put(id, clients.get(id));
            }
        }
        return create(used, timeout, replyTo, done);
    }

    /**
     * @param clients the clients to wait for, by id
     * @param replyTo gets {@code done.apply(stillBusy)} once, then the query stops; {@code stillBusy}
     *                is empty unless the timeout cut the wait
     */
    static <T> Behavior<Command> create(Map<Integer, ActorRef<ToClient>> clients, Duration timeout,
            ActorRef<T> replyTo, Function<List<Integer>, T> done) {
        return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
            QuiesceQuery<T> q = new QuiesceQuery<>(ctx, replyTo, done);
            ActorRef<ToServer> self = ctx.messageAdapter(ToServer.class, FromClient::new);
            clients.forEach((id, client) -> {
                q.waiting.add(id);
                ctx.watchWith(client, new ClientStopped(id));
                client.tell(new Quiesce(self));
            });
            timers.startSingleTimer(TimedOut.INSTANCE, timeout);
            return q.finishIfDone();
        }));
    }

    private QuiesceQuery(ActorContext<Command> context, ActorRef<T> replyTo, Function<List<Integer>, T> report) {
        super(context);
        this.replyTo = replyTo;
        this.report = report;
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
        return finish(List.copyOf(waiting));
    }

    private Behavior<Command> finishIfDone() {
        return waiting.isEmpty() ? finish(List.of()) : this;
    }

    private Behavior<Command> finish(List<Integer> stillBusy) {
        replyTo.tell(report.apply(stillBusy));
        return Behaviors.stopped();
    }
}
