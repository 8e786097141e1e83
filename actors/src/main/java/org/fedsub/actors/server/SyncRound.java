package org.fedsub.actors.server;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.fedsub.actors.protocol.FederatedProtocol.DeclineReason;
import org.fedsub.actors.protocol.FederatedProtocol.Declined;
import org.fedsub.actors.protocol.FederatedProtocol.NeedModel;
import org.fedsub.actors.protocol.FederatedProtocol.ToClient;
import org.fedsub.actors.protocol.FederatedProtocol.ToServer;
import org.fedsub.actors.protocol.FederatedProtocol.TrainRound;
import org.fedsub.actors.protocol.FederatedProtocol.TrainingFailed;
import org.fedsub.actors.protocol.FederatedProtocol.UpdateReady;
import org.fedsub.runtime.codec.EncodedPayload;
import org.fedsub.runtime.engine.Rejection;
import org.fedsub.runtime.strategy.ClientFailure;

/**
 * One synchronous round (Pekko IoT's {@code DeviceGroupQuery} shape): sends each sampled client
 * its task, watches it (or, under {@link SyncServer}, is told when one stops), keeps one deadline
 * timer, and collects updates until every client has
 * answered or failed, the round has its target of updates, or the deadline passes. It then hands
 * what it has to the coordinator and stops, so a late update finds no one and is discarded. Under
 * {@link SyncServer} one actor ({@link #collector}) runs the rounds one after the other instead,
 * and drops a late update itself.
 *
 * <p>Each task carries its own reply address, a message adapter of the round (of the collector:
 * one a client, kept) that knows which client it was sent to: an answer that names another
 * client through it is refused ({@code wrong-sender}), so a node can only ever answer for the
 * clients it was asked to train.
 *
 * <p>On the virtual clock ({@link Timing} given) the round instead waits, in wall-clock time,
 * for every client's answer (dropouts announce themselves there), places each answer at its
 * modelled arrival time, and cuts at the deadline in simulated time; its timer is then only a
 * wall-clock safety net. The outcome is the same whatever order the answers come in.
 */
public final class SyncRound extends AbstractBehavior<SyncRound.Command> {

    /** The round actor's protocol; all of it private. */
    public sealed interface Command {}

    /** An answer that came through the reply inbox of the task sent to client {@code to}. */
    private record FromClient(int to, ToServer msg) implements Command, NoSerializationVerificationNeeded {}

    private record ClientStopped(int clientId) implements Command, NoSerializationVerificationNeeded {}

    /** The deadline of round {@code round} has passed (a collector ignores one of an earlier round). */
    private record DeadlinePassed(int round) implements Command, NoSerializationVerificationNeeded {}

    /**
     * A collector's next round ({@link #collector}): send {@code plan}'s tasks to {@code clients};
     * {@code stopped} as {@link #create(Plan, Map, Duration, ActorRef, java.util.Set)} says.
     */
    record Next(Plan plan, Map<Integer, ActorRef<ToClient>> clients, java.util.Set<Integer> stopped)
            implements Command, NoSerializationVerificationNeeded {}

    /**
     * What a collector keeps from round to round: how its rounds are cut, and the reply inbox of
     * each client it has sent a task, made at the first and kept for the rest of the run.
     */
    private record Collector(Timing timing, double deadlineSeconds, Duration timeout,
            Inboxes inboxes) {}

    /**
     * A collector's reply inboxes by client id: an array, not a map (a lookup per task of a
     * client not touched for rounds was two or three cache misses in a {@code HashMap}).
     */
    private static final class Inboxes {
        @SuppressWarnings("unchecked")
        private ActorRef<Object>[] byId = new ActorRef[0];

        ActorRef<Object> get(int id, java.util.function.IntFunction<ActorRef<Object>> make) {
            if (id >= byId.length) {
                byId = java.util.Arrays.copyOf(byId, Math.max(id + 1, 2 * byId.length));
            }
            ActorRef<Object> r = byId[id];
            if (r == null) {
                r = make.apply(id);
                byId[id] = r;
            }
            return r;
        }
    }

    /** A collector between rounds: make the reply inboxes of clients {@code ids} now, before their first task. */
    record Prepare(int[] ids) implements Command, NoSerializationVerificationNeeded {}

    /** Something not for a round that came through a reply inbox: ignored. */
    private record Unexpected(Object msg) implements Command, NoSerializationVerificationNeeded {}

    private enum Drained implements Command, NoSerializationVerificationNeeded { INSTANCE }

    /**
     * What a round asks for.
     *
     * @param target updates that complete the round early (the participation target; fewer than
     *               the tasks under over-selection)
     * @param tasks  the encoded task of each sampled client
     */
    /**
     * @param sent  what is sent each client ({@code ServerStep#sent}): on a delta downlink maybe
     *              the task without the model followed by the logged changes since the client's
     *              model version; a client absent here is sent its task
     */
    public record Plan(int round, int target, SortedMap<Integer, EncodedPayload> tasks,
            Map<Integer, List<EncodedPayload>> sent) {

        public Plan {
            sent = Map.copyOf(sent);
        }

        /** A plan that sends each client its task. */
        public Plan(int round, int target, SortedMap<Integer, EncodedPayload> tasks) {
            this(round, target, tasks, Map.of());
        }

        /** The message that gives client {@code id} its task. */
        TrainRound message(int id, ActorRef<ToServer> replyTo) {
            List<EncodedPayload> s = sent.get(id);
            return s == null || s.isEmpty() ? new TrainRound(round, id, tasks.get(id), replyTo)
                    : new TrainRound(round, id, s.get(0), s.subList(1, s.size()), replyTo);
        }
    }

    private final Plan plan;
    private final ActorRef<SyncServer.Command> coordinator;
    private final Map<Integer, ActorRef<ToClient>> clients;
    private final Timing timing;
    private final double deadlineSeconds;
    /** The clients sent a task that have not answered yet, by id (a tree of boxed ids cost each answer a rebalance). */
    private final java.util.BitSet pending = new java.util.BitSet();
    private int pendingCount;
    private final SortedMap<Integer, UpdateReady> updates = new TreeMap<>();
    private final List<ClientFailure> failures = new ArrayList<>();
    /** Virtual clock: modelled arrival of each update, when each early failure became known, absent clients. */
    private final Map<Integer, Double> arrival = new HashMap<>();
    private final List<Double> failuresKnownAt = new ArrayList<>();
    private final TreeSet<Integer> absent = new TreeSet<>();
    private long downlink;
    /** The bytes sent each client this round (its task, and the full one after a {@link NeedModel}). */
    private final Map<Integer, Long> sentBytes = new HashMap<>();
    /**
     * Each task's reply inbox, by client (its own address: the only way to know which task an
     * answer came through; also where a client that asks for the full model is sent it).
     */
    private final Map<Integer, ActorRef<ToServer>> inboxOf = new HashMap<>();
    /** Clients sent the full model after a {@link NeedModel}. */
    private final java.util.Set<Integer> resent = new java.util.HashSet<>();
    /** Updates refused here, before the server step sees them, by reason. */
    private final SortedMap<String, Integer> refused = new TreeMap<>();
    /** The deadline's scheduled message, cancelled when the round stops. */
    private org.apache.pekko.actor.Cancellable deadline;
    /** 1 from the close until {@link Drained} comes back; -1 while the round is open. */
    private int draining = -1;

    /**
     * Sampled clients known to have stopped when the round starts, if whoever spawns the round
     * watches the clients itself and tells it of each that stops ({@link #clientStopped}); null:
     * the round watches each of its clients.
     */
    private final java.util.Set<Integer> stoppedBefore;
    /** Null for a round that stops when it has reported; else the collector this round is one round of. */
    private final Collector collector;
    /**
     * For the per-update debug line's level check: the logger {@code getContext().getLog()} gives
     * (named after this class), without its first call's cost, which showed in every round's
     * start, nor the MDC it sets at each call.
     */
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(SyncRound.class);

    /** A round on the real clock: cut at {@code deadline} of wall-clock time. */
    public static Behavior<Command> create(Plan plan, Map<Integer, ActorRef<ToClient>> clients, Duration deadline,
            ActorRef<SyncServer.Command> replyTo) {
        return create(plan, clients, deadline, replyTo, null);
    }

    /**
     * As above; with {@code stopped} non-null the caller watches the clients (once for a whole
     * run, where a round's own watch would cost each sampled client two system messages a
     * round), {@code stopped} are those known to have stopped, and the caller tells the round
     * {@link #clientStopped} of any other that stops while it runs.
     */
    static Behavior<Command> create(Plan plan, Map<Integer, ActorRef<ToClient>> clients, Duration deadline,
            ActorRef<SyncServer.Command> replyTo, java.util.Set<Integer> stopped) {
        return Behaviors.setup(ctx -> new SyncRound(ctx, plan, clients, replyTo, null, 0, stopped).start(deadline));
    }

    /**
     * A round on the virtual clock: cut at {@code deadlineSeconds} of simulated time as {@code timing}
     * places the answers; {@code realTimeout} of wall-clock time is the safety net.
     */
    public static Behavior<Command> virtual(Plan plan, Map<Integer, ActorRef<ToClient>> clients, Timing timing,
            double deadlineSeconds, Duration realTimeout, ActorRef<SyncServer.Command> replyTo) {
        return virtual(plan, clients, timing, deadlineSeconds, realTimeout, replyTo, null);
    }

    /** As above, with the clients watched by the caller as {@link #create(Plan, Map, Duration, ActorRef, java.util.Set)} says. */
    static Behavior<Command> virtual(Plan plan, Map<Integer, ActorRef<ToClient>> clients, Timing timing,
            double deadlineSeconds, Duration realTimeout, ActorRef<SyncServer.Command> replyTo,
            java.util.Set<Integer> stopped) {
        return Behaviors.setup(ctx -> new SyncRound(ctx, plan, clients, replyTo, timing, deadlineSeconds, stopped)
                .start(realTimeout));
    }

    /** What the caller that watches the clients tells a round when client {@code clientId} has stopped. */
    static Command clientStopped(int clientId) {
        return new ClientStopped(clientId);
    }

    /**
     * A collector of the rounds of one run: idle until told {@link Next}, it then runs that round as
     * {@link #create(Plan, Map, Duration, ActorRef, java.util.Set)} (real clock, {@code timing}
     * null) or {@link #virtual} would, reports it, and waits for the next, instead of a round
     * actor started and stopped each round. Each client's reply inbox is made with its first task
     * and kept (at 100 tasks a round, making and stopping them, and the round's actor, was about a
     * tenth of the actor runtime's own work). An answer for an earlier round, which would have found
     * its round stopped, is dropped without a word, as that round's dead letter would have been;
     * one for another round than the current one's is refused as before.
     */
    static Behavior<Command> collector(ActorRef<SyncServer.Command> replyTo, Timing timing, double deadlineSeconds,
            Duration timeout) {
        Collector c = new Collector(timing, deadlineSeconds, timeout, new Inboxes());
        return Behaviors.setup(ctx -> idle(ctx, replyTo, c));
    }

    /** A collector between rounds: starts the next when told, drops what was meant for a round that is over. */
    private static Behavior<Command> idle(ActorContext<Command> ctx, ActorRef<SyncServer.Command> replyTo, Collector c) {
        return Behaviors.receive(Command.class)
                .onMessage(Next.class, n -> new SyncRound(ctx, n.plan(), n.clients(), replyTo, c.timing(),
                        c.deadlineSeconds(), n.stopped(), c).start(c.timeout()))
                .onMessage(Prepare.class, p -> {
                    for (int id : p.ids()) {
                        c.inboxes().get(id, i -> replyInbox(ctx, i));
                    }
                    return Behaviors.same();
                })
                .onAnyMessage(m -> {
                    if (log.isDebugEnabled()) {
                        ctx.getLog().debug("between rounds: dropped {}", m);
                    }
                    return Behaviors.same();
                })
                .build();
    }

    private SyncRound(ActorContext<Command> context, Plan plan, Map<Integer, ActorRef<ToClient>> clients,
            ActorRef<SyncServer.Command> replyTo, Timing timing, double deadlineSeconds,
            java.util.Set<Integer> stoppedBefore) {
        this(context, plan, clients, replyTo, timing, deadlineSeconds, stoppedBefore, null);
    }

    private SyncRound(ActorContext<Command> context, Plan plan, Map<Integer, ActorRef<ToClient>> clients,
            ActorRef<SyncServer.Command> replyTo, Timing timing, double deadlineSeconds,
            java.util.Set<Integer> stoppedBefore, Collector collector) {
        super(context);
        this.collector = collector;
        this.plan = plan;
        this.clients = clients;
        this.coordinator = replyTo;
        this.timing = timing;
        this.deadlineSeconds = deadlineSeconds;
        this.stoppedBefore = stoppedBefore == null ? null : java.util.Set.copyOf(stoppedBefore);
    }

    private Behavior<Command> start(Duration timeout) {
        plan.tasks().forEach((id, task) -> {
            ActorRef<ToClient> client = clients.get(id);
            if (client == null) {
                fail(id, "client " + id + " is not registered with the server");
                return;
            }
            if (!pending.get(id)) {
                pending.set(id);
                pendingCount++;
            }
            if (stoppedBefore == null) {
                getContext().watchWith(client, new ClientStopped(id));
            } else if (stoppedBefore.contains(id)) {
                // As the round's own watch of a stopped client would: it learns after the task went out.
                getContext().getSelf().tell(new ClientStopped(id));
            }
            ActorRef<ToServer> reply = replyInbox(id).narrow();
            inboxOf.put(id, reply);
            send(client, plan.message(id, reply));
        });
        // scheduleOnce rather than a timer scheduler, whose interceptor every answer would pass
        // through; cancelled when the round stops, as a timer would be.
        deadline = getContext().scheduleOnce(timeout, getContext().getSelf(), new DeadlinePassed(plan.round()));
        return pendingCount == 0 ? close() : this;
    }

    /**
     * The reply address of the task sent to client {@code id}: a message adapter of this round
     * (Pekko's own lightweight reference, the kind {@code context.ask} uses, with an address of
     * its own that remote clients reach too), not a child actor, so a task costs no actor to
     * start and stop. What a client tells it is wrapped as {@link FromClient} and queued in this
     * round's mailbox at once, in the order sent. The public javadsl offers one adapter per
     * message class only, so this uses the internal API behind {@code ask}.
     */
    private ActorRef<Object> replyInbox(int id) {
        return collector != null ? collector.inboxes().get(id, i -> replyInbox(getContext(), i))
                : replyInbox(getContext(), id);
    }

    @SuppressWarnings("unchecked")
    private static ActorRef<Object> replyInbox(ActorContext<Command> ctx, int id) {
        scala.Function1<Object, Command> wrap = msg -> msg instanceof ToServer m ? new FromClient(id, m)
                : new Unexpected(msg);
        return ((org.apache.pekko.actor.typed.internal.ActorContextImpl<Command>) (Object) ctx)
                .spawnMessageAdapter(wrap, "reply-" + id);
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(FromClient.class, this::onFromClient)
                .onMessage(Unexpected.class, m -> this)
                .onMessage(ClientStopped.class, this::onClientStopped)
                .onMessage(DeadlinePassed.class, d -> d.round() == plan.round() ? onDeadline() : this)
                .onMessageEquals(Drained.INSTANCE, this::onDrained)
                .onSignal(PostStop.class, s -> {
                    if (deadline != null) {
                        deadline.cancel(); // no dead letter from a round that ended before its deadline
                    }
                    return this;
                })
                .build();
    }

    private Behavior<Command> onFromClient(FromClient m) {
        if (collector != null && roundOf(m.msg()) < plan.round()) {
            // Through a kept inbox, for a round that is over: what a stopped round's inbox would
            // have dropped as a dead letter.
            if (log.isDebugEnabled()) {
                getContext().getLog().debug("round {}: dropped a late answer {}", plan.round(), m.msg());
            }
            return this;
        }
        int claimed = m.msg() instanceof UpdateReady u ? u.clientId() : m.msg() instanceof TrainingFailed f ? f.clientId()
                : m.msg() instanceof Declined d ? d.clientId() : m.msg() instanceof NeedModel n ? n.clientId() : m.to();
        if (claimed != m.to()) {
            getContext().getLog().warn("round {}: refused an answer for client {} through the task of client {} ({})",
                    plan.round(), claimed, m.to(), Rejection.WRONG_SENDER.label());
            if (m.msg() instanceof UpdateReady) {
                refused.merge(Rejection.WRONG_SENDER.label(), 1, Integer::sum);
            }
            return this;
        }
        if (draining >= 0) {
            // Closed: what it used is decided; a late answer of a pending client is not used, the rest is refused.
            if (m.msg() instanceof UpdateReady u && !(u.round() == plan.round() && isPending(u.clientId()))) {
                answered(u.round(), u.clientId(), "update");
            }
            return this;
        }
        if (m.msg() instanceof UpdateReady u) {
            if (!answered(u.round(), u.clientId(), "update")) {
                return this;
            }
            updates.put(u.clientId(), u);
            if (timing != null) {
                arrival.put(u.clientId(), timing.updateSeconds(u.clientId(), taskBytes(u.clientId()), u.update().size()));
            }
            if (log.isDebugEnabled()) {
                getContext().getLog().debug("round {}: update from client {}, {} bytes", plan.round(), u.clientId(),
                        u.update().size());
            }
        } else if (m.msg() instanceof TrainingFailed f) {
            if (!answered(f.round(), f.clientId(), "failure")) {
                return this;
            }
            fail(f.clientId(), "training failed: " + f.reason());
            getContext().getLog().debug("round {}: client {} failed: {}", plan.round(), f.clientId(), f.reason());
        } else if (m.msg() instanceof NeedModel n) {
            return onNeedModel(n);
        } else if (m.msg() instanceof Declined d) {
            if (!answered(d.round(), d.clientId(), "decline")) {
                return this;
            }
            if (d.reason() == DeclineReason.DROPPED_OUT) {
                absent.add(d.clientId()); // the server itself would only notice at the deadline
            } else {
                fail(d.clientId(), "declined: unavailable");
            }
        }
        return pendingCount == 0 || (timing == null && updates.size() >= plan.target()) ? close() : this;
    }

    /**
     * A client that could not rebuild the model from its delta task: sent the task with the full
     * model, once; a client that asks again (or was sent the full model) fails the round.
     */
    private Behavior<Command> onNeedModel(NeedModel n) {
        int id = n.clientId();
        if (n.round() != plan.round() || !isPending(id)) {
            getContext().getLog().warn("round {}: ignored a request of client {} for the model of round {}",
                    plan.round(), id, n.round());
            return this;
        }
        EncodedPayload full = plan.tasks().get(id);
        List<EncodedPayload> first = plan.sent().get(id);
        if (first == null || first.equals(List.of(full)) || !resent.add(id)) {
            answered(n.round(), id, "request");
            fail(id, "needs the full model: " + n.reason());
            return pendingCount == 0 || (timing == null && updates.size() >= plan.target()) ? close() : this;
        }
        getContext().getLog().info("round {}: client {} cannot use the delta ({}); sent it the full model",
                plan.round(), id, n.reason());
        send(clients.get(id), new TrainRound(plan.round(), id, full, inboxOf.get(id)));
        return this;
    }

    /** Sends {@code task} and counts its bytes: what goes over the wire is what the downlink reports. */
    private void send(ActorRef<ToClient> client, TrainRound task) {
        client.tell(task);
        downlink += task.bytes();
        sentBytes.merge(task.clientId(), task.bytes(), Long::sum);
    }

    /**
     * Closes the round: what it uses is fixed now, but it reports only after the answers already
     * queued in its mailbox (a reply inbox queues what it is told at once), so that an answer sent
     * before the round closed (a duplicate, one for another client) is counted.
     */
    private Behavior<Command> close() {
        if (draining >= 0) {
            return this;
        }
        if (inboxOf.isEmpty()) {
            return finish();
        }
        draining = 1;
        getContext().getSelf().tell(Drained.INSTANCE);
        return this;
    }

    private Behavior<Command> onDrained() {
        if (draining < 0) {
            return this; // not closing (a collector's round never sees another round's)
        }
        return --draining == 0 ? finish() : this;
    }

    /** True if this answer is the first from a pending client of this round (and stops watching it). */
    private boolean answered(int round, int clientId, String what) {
        if (round != plan.round() || !unpend(clientId)) {
            Rejection why = !plan.tasks().containsKey(clientId) ? Rejection.UNSAMPLED
                    : round != plan.round() ? Rejection.WRONG_ROUND : Rejection.DUPLICATE;
            getContext().getLog().warn("round {}: refused {} of client {} for round {} ({})", plan.round(), what,
                    clientId, round, why.label());
            if (what.equals("update")) {
                refused.merge(why.label(), 1, Integer::sum);
            }
            return false;
        }
        if (stoppedBefore == null) {
            getContext().unwatch(clients.get(clientId));
        }
        return true;
    }

    private Behavior<Command> onClientStopped(ClientStopped m) {
        if (draining < 0 && unpend(m.clientId())) {
            getContext().getLog().warn("round {}: client {} stopped before it answered", plan.round(), m.clientId());
            fail(m.clientId(), ClientFailure.STOPPED);
        }
        return pendingCount == 0 ? close() : this;
    }

    private Behavior<Command> onDeadline() {
        if (timing != null) {
            getContext().getLog().warn("round {}: wall-clock safety timeout with {} clients silent {}; this round is no "
                    + "longer reproducible", plan.round(), pendingCount, pendingIds());
        } else {
            getContext().getLog().info("round {}: deadline passed, {} of {} clients late {}", plan.round(),
                    pendingCount, plan.tasks().size(), pendingIds());
        }
        return finish();
    }

    /** Takes {@code clientId} off the pending clients; false if it was not among them. */
    private boolean unpend(int clientId) {
        if (!isPending(clientId)) {
            return false;
        }
        pending.clear(clientId);
        pendingCount--;
        return true;
    }

    private boolean isPending(int clientId) {
        return clientId >= 0 && pending.get(clientId);
    }

    /** The pending clients, in id order. */
    private List<Integer> pendingIds() {
        return pending.stream().boxed().toList();
    }

    private void fail(int clientId, String reason) {
        failures.add(new ClientFailure(clientId, plan.round(), reason));
        failuresKnownAt.add(timing == null ? 0.0 : timing.declineSeconds(clientId, taskBytes(clientId)));
    }

    private long taskBytes(int clientId) {
        return sentBytes.getOrDefault(clientId, 0L);
    }

    private Behavior<Command> finish() {
        SyncCutoff cut = timing == null
                ? SyncCutoff.realClock(plan.round(), plan.target(), updates, pendingIds(), failures)
                : SyncCutoff.virtualClock(plan.round(), plan.target(), deadlineSeconds, updates, arrival, absent, pendingIds(),
                        failures, failuresKnownAt);
        coordinator.tell(new SyncServer.RoundCollected(plan.round(), cut.used(), cut.failures(), cut.late(), downlink,
                cut.seconds(), refused));
        if (collector == null) {
            return Behaviors.stopped();
        }
        if (deadline != null) {
            deadline.cancel(); // as when a round actor stops; one already queued is told apart by its round
        }
        return idle(getContext(), coordinator, collector);
    }

    /** The round an answer names (a {@code Quiesced} names none: the current one's). */
    private int roundOf(ToServer msg) {
        if (msg instanceof UpdateReady u) {
            return u.round();
        } else if (msg instanceof TrainingFailed f) {
            return f.round();
        } else if (msg instanceof Declined d) {
            return d.round();
        } else if (msg instanceof NeedModel n) {
            return n.round();
        }
        return plan.round();
    }
}
