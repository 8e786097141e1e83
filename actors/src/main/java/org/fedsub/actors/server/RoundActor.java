package org.fedsub.actors.server;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.fedsub.actors.protocol.EncodedPayload;
import org.fedsub.actors.protocol.FederatedProtocol.ToClient;
import org.fedsub.actors.protocol.FederatedProtocol.ToServer;
import org.fedsub.actors.protocol.FederatedProtocol.TrainRound;
import org.fedsub.actors.protocol.FederatedProtocol.TrainingFailed;
import org.fedsub.actors.protocol.FederatedProtocol.UpdateReady;
import org.fedsub.runtime.strategy.ClientFailure;

/**
 * One synchronous round (Pekko IoT's {@code DeviceGroupQuery} shape): sends each sampled client
 * its task, watches it, keeps one deadline timer, and collects updates until every client has
 * answered or failed, the round has its target of updates, or the deadline passes. It then hands
 * what it has to the coordinator and stops; a round never outlives itself, so a late update
 * finds no one and is discarded.
 */
public final class RoundActor extends AbstractBehavior<RoundActor.Command> {

    /** The round actor's protocol; all of it private. */
    public sealed interface Command {}

    private record FromClient(ToServer msg) implements Command, NoSerializationVerificationNeeded {}

    private record ClientStopped(int clientId) implements Command, NoSerializationVerificationNeeded {}

    private enum DeadlinePassed implements Command, NoSerializationVerificationNeeded { INSTANCE }

    /**
     * What a round asks for.
     *
     * @param target updates that complete the round early (the participation target; fewer than
     *               the tasks under over-selection)
     * @param tasks  the encoded task of each sampled client
     */
    public record Plan(int round, int target, SortedMap<Integer, EncodedPayload> tasks) {}

    private final Plan plan;
    private final ActorRef<FederatedServer.Command> replyTo;
    private final Map<Integer, ActorRef<ToClient>> clients;
    private final TreeSet<Integer> pending = new TreeSet<>();
    private final SortedMap<Integer, UpdateReady> updates = new TreeMap<>();
    private final List<ClientFailure> failures = new ArrayList<>();
    private long downlink;

    public static Behavior<Command> create(Plan plan, Map<Integer, ActorRef<ToClient>> clients, Duration deadline,
            ActorRef<FederatedServer.Command> replyTo) {
        return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
            RoundActor round = new RoundActor(ctx, plan, clients, replyTo);
            return round.start(timers, deadline);
        }));
    }

    private RoundActor(ActorContext<Command> context, Plan plan, Map<Integer, ActorRef<ToClient>> clients,
            ActorRef<FederatedServer.Command> replyTo) {
        super(context);
        this.plan = plan;
        this.clients = clients;
        this.replyTo = replyTo;
    }

    private Behavior<Command> start(TimerScheduler<Command> timers, Duration deadline) {
        ActorRef<ToServer> self = getContext().messageAdapter(ToServer.class, FromClient::new);
        plan.tasks().forEach((id, task) -> {
            ActorRef<ToClient> client = clients.get(id);
            if (client == null) {
                failures.add(new ClientFailure(id, plan.round(), "client " + id + " is not registered with the server"));
                return;
            }
            pending.add(id);
            getContext().watchWith(client, new ClientStopped(id));
            client.tell(new TrainRound(plan.round(), id, task, self));
            downlink += task.size();
        });
        timers.startSingleTimer(DeadlinePassed.INSTANCE, deadline);
        return pending.isEmpty() ? finish() : this;
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(FromClient.class, this::onFromClient)
                .onMessage(ClientStopped.class, this::onClientStopped)
                .onMessageEquals(DeadlinePassed.INSTANCE, this::onDeadline)
                .build();
    }

    private Behavior<Command> onFromClient(FromClient m) {
        if (m.msg() instanceof UpdateReady u) {
            if (!answered(u.round(), u.clientId(), "update")) {
                return this;
            }
            updates.put(u.clientId(), u);
            getContext().getLog().debug("round {}: update from client {}, {} bytes", plan.round(), u.clientId(),
                    u.update().size());
        } else if (m.msg() instanceof TrainingFailed f) {
            if (!answered(f.round(), f.clientId(), "failure")) {
                return this;
            }
            failures.add(new ClientFailure(f.clientId(), plan.round(), "training failed: " + f.reason()));
            getContext().getLog().debug("round {}: client {} failed: {}", plan.round(), f.clientId(), f.reason());
        }
        return pending.isEmpty() || updates.size() >= plan.target() ? finish() : this;
    }

    /** True if this answer is the first from a pending client of this round (and stops watching it). */
    private boolean answered(int round, int clientId, String what) {
        if (round != plan.round() || !pending.remove(clientId)) {
            getContext().getLog().debug("round {}: ignoring {} of client {} for round {}", plan.round(), what, clientId,
                    round);
            return false;
        }
        getContext().unwatch(clients.get(clientId));
        return true;
    }

    private Behavior<Command> onClientStopped(ClientStopped m) {
        if (pending.remove(m.clientId())) {
            getContext().getLog().warn("round {}: client {} stopped before it answered", plan.round(), m.clientId());
            failures.add(new ClientFailure(m.clientId(), plan.round(), "client stopped before it answered"));
        }
        return pending.isEmpty() ? finish() : this;
    }

    private Behavior<Command> onDeadline() {
        getContext().getLog().info("round {}: deadline passed, {} of {} clients late {}", plan.round(), pending.size(),
                plan.tasks().size(), pending);
        return finish();
    }

    private Behavior<Command> finish() {
        int late = pending.size();
        String why = updates.size() >= plan.target() && !pending.isEmpty()
                ? "late: the round already had its " + plan.target() + " updates"
                : "late: no answer before the round deadline";
        for (int id : pending) {
            failures.add(new ClientFailure(id, plan.round(), why));
        }
        failures.sort((a, b) -> Integer.compare(a.clientId(), b.clientId()));
        replyTo.tell(new FederatedServer.RoundCollected(plan.round(), List.copyOf(updates.values()), List.copyOf(failures), late,
                downlink));
        return Behaviors.stopped();
    }
}
