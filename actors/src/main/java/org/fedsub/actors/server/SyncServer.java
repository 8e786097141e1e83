package org.fedsub.actors.server;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.fedsub.actors.ActorSettings;
import org.fedsub.actors.device.ComputePlacement;
import org.fedsub.actors.device.DeviceDispatchers;
import org.fedsub.actors.protocol.CborSerializable;
import org.fedsub.actors.protocol.FederatedProtocol.Aggregated;
import org.fedsub.actors.protocol.FederatedProtocol.ToClient;
import org.fedsub.actors.protocol.FederatedProtocol.UpdateReady;
import org.fedsub.runtime.codec.EncodedPayload;
import org.fedsub.runtime.engine.EncodedUpdate;
import org.fedsub.runtime.engine.RoundListener;
import org.fedsub.runtime.engine.RoundMetrics;
import org.fedsub.runtime.engine.ServerStep;
import org.fedsub.runtime.strategy.ClientFailure;

/**
 * The coordinator of a synchronous run. It outlives rounds: for each round it samples clients,
 * has the strategy configure their tasks, has its round collector ({@link SyncRound#collector},
 * one actor for the whole run, a new one only after one crashed) collect the updates,
 * and then aggregates what came back in time, acknowledges the used clients, evaluates, reports
 * the round and starts the next. All strategy work runs on the first device's dispatcher, one step at a
 * time, so the strategy is only ever used by one thread at once.
 *
 * <p>With a {@link ServerCheckpoint.Target} it writes a checkpoint after aggregating each round
 * and before that round's acknowledgements go out; a coordinator given a
 * {@link ServerCheckpoint.Recovery} sends the acknowledgements it holds to their clients as they
 * register, then goes on from its next round.
 *
 * <p>A round whose completion rate is below {@code min-completion} is dropped (model kept); a
 * round whose actor crashes loses that round only. An exception from the strategy itself ends
 * the run with an error in {@link Finished}.
 */
public final class SyncServer extends AbstractBehavior<SyncServer.Command> {

    /** The coordinator's protocol. */
    public sealed interface Command {}

    /** Runs every round of the experiment, then replies {@link Finished} and stops. */
    public record Run(ActorRef<Finished> replyTo) implements Command, CborSerializable {}

    /**
     * Cluster: the clients registered now (sampled from the next round on), and the registrations
     * refused since the last such message (counted in the current round's refusals).
     */
    public record Membership(Map<Integer, ActorRef<ToClient>> clients, int refusedRegistrations)
            implements Command, NoSerializationVerificationNeeded {

        public Membership {
            clients = Map.copyOf(clients);
        }
    }

    /** How long a round waits for {@code minClients} registered clients before the run fails. */
    public record Pool(int minClients, java.time.Duration timeout) {

        /** A simulation: every client is there from the start, no round waits. */
        public static final Pool FIXED = new Pool(0, java.time.Duration.ofDays(1));
    }

    private record WaitTimedOut(int round) implements Command, NoSerializationVerificationNeeded {}

    /** A round actor's harvest: the updates that arrived in time, sorted by client id, and the failures. */
    record RoundCollected(int round, List<UpdateReady> updates, List<ClientFailure> failures, int late,
            long downlinkBytes, double virtualSeconds, java.util.SortedMap<String, Integer> refused)
            implements Command, NoSerializationVerificationNeeded {}

    /** {@code sent}: what goes to each client ({@link ServerStep#sent}: on a delta downlink maybe changes). */
    private record TasksReady(int round, SortedMap<Integer, EncodedPayload> tasks,
            Map<Integer, List<EncodedPayload>> sent, Throwable failure)
            implements Command, NoSerializationVerificationNeeded {}

    private record Tasks(SortedMap<Integer, EncodedPayload> tasks, Map<Integer, List<EncodedPayload>> sent) {}

    /** {@code serverState}, {@code idleState}: the step's state after the round, for a checkpoint (null: none). */
    private record RoundDone(RoundCollected collected, boolean dropped, ServerStep.Outcome outcome,
            ServerStep.Scores scores, Throwable failure, byte[] serverState, byte[] idleState)
            implements Command, NoSerializationVerificationNeeded {}

    private record RoundActorStopped(ActorRef<SyncRound.Command> collector)
            implements Command, NoSerializationVerificationNeeded {}

    /** A client actor the coordinator watches has stopped. */
    private record ClientGone(ActorRef<ToClient> client) implements Command, NoSerializationVerificationNeeded {}

    /** Every client the run used is idle (or was waited for long enough): {@code finished} may go out. */
    private record Quiet(Finished finished) implements Command, NoSerializationVerificationNeeded {}

    private final ServerStep work;
    private Map<Integer, ActorRef<ToClient>> clients;
    /** {@code clients} in an array by id, for the lookups of each task and acknowledgement. */
    private ActorRef<ToClient>[] clientById;
    private final Pool pool;
    /** The round waiting for min-clients registered clients, or -1. */
    private int waitingRound = -1;
    private int refusedRegistrations;
    private final ActorSettings settings;
    private final RoundListener listener;
    private final Timing timing;
    private final Executor compute;
    private final List<RoundReport> reports = new ArrayList<>();
    /** The ids of every client asked to train in this run (a bit each: a tree of 10,000 boxed ids showed in profiles). */
    private final java.util.BitSet asked = new java.util.BitSet();
    private ActorRef<Finished> replyTo;
    private int round = -1;
    private int[] sampled = new int[0];
    private boolean collected;
    private RoundTally tally = new RoundTally();
    private double virtualNow;
    /** Where checkpoints go (null: none), and a resumed run's starting point (null: a new run). */
    private ServerCheckpoint.Target checkpoints;
    private final ServerCheckpoint.Recovery recovery;
    /** A resumed run's acknowledgements of its last round, not yet sent again, and that round. */
    private final java.util.SortedMap<Integer, EncodedPayload> pendingAcks = new java.util.TreeMap<>();
    private int pendingAckRound = -1;
    /**
     * The client actors watched, each from its first task on for the rest of the run (not by each
     * round: that would cost every sampled client two system messages a round), and those that
     * have stopped.
     */
    @SuppressWarnings("unchecked")
    private ActorRef<ToClient>[] watched = new ActorRef[0];
    private final java.util.Set<ActorRef<ToClient>> stopped = new java.util.HashSet<>();
    /** The round collecting now and the clients it was given; null between rounds. */
    private ActorRef<SyncRound.Command> roundActor;
    /** The actor that collects the rounds ({@link SyncRound#collector}); null before the first or after one failed. */
    private ActorRef<SyncRound.Command> collector;
    private Map<Integer, ActorRef<ToClient>> roundClients;

    /**
     * @param clients  every client the server may sample, by id
     * @param listener called with each round's metrics, on the coordinator's thread
     */
    public static Behavior<Command> create(ServerStep work, Map<Integer, ActorRef<ToClient>> clients,
            ActorSettings settings, RoundListener listener) {
        return create(work, clients, settings, Timing.INSTANT, listener);
    }

    /**
     * @param timing the virtual clock's model of the clients (used when {@code settings.clock()} is virtual)
     */
    public static Behavior<Command> create(ServerStep work, Map<Integer, ActorRef<ToClient>> clients,
            ActorSettings settings, Timing timing, RoundListener listener) {
        return create(work, clients, settings, timing, listener, Pool.FIXED);
    }

    /**
     * A coordinator whose clients come and go ({@link Membership}): each round starts once
     * {@code pool.minClients()} are registered.
     */
    public static Behavior<Command> create(ServerStep work, Map<Integer, ActorRef<ToClient>> clients,
            ActorSettings settings, Timing timing, RoundListener listener, Pool pool) {
        return create(work, clients, settings, timing, listener, pool, null, null);
    }

    /**
     * As above, checkpointing to {@code checkpoints} (null: no checkpoints) and continuing from
     * {@code recovery} (null: from round 0), whose server state is already in {@code work}.
     */
    public static Behavior<Command> create(ServerStep work, Map<Integer, ActorRef<ToClient>> clients,
            ActorSettings settings, Timing timing, RoundListener listener, Pool pool,
            ServerCheckpoint.Target checkpoints, ServerCheckpoint.Recovery recovery) {
        return Behaviors.setup(ctx -> new SyncServer(ctx, work, Map.copyOf(clients), settings, timing, listener, pool,
                checkpoints, recovery));
    }

    private SyncServer(ActorContext<Command> context, ServerStep work, Map<Integer, ActorRef<ToClient>> clients,
            ActorSettings settings, Timing timing, RoundListener listener, Pool pool,
            ServerCheckpoint.Target checkpoints, ServerCheckpoint.Recovery recovery) {
        super(context);
        this.checkpoints = checkpoints;
        this.recovery = recovery;
        this.work = work;
        setClients(clients);
        this.pool = pool;
        this.settings = settings;
        this.timing = timing;
        this.listener = listener;
        ComputePlacement placement = DeviceDispatchers.get(context.getSystem()).placement(settings);
        this.compute = placement.executor(placement.server());
    }

    /**
     * Watches client {@code id}'s actor {@code client} (null: none) unless it is watched
     * already; from then on for the whole run, also once it has left a cluster's membership. A
     * node that registers again gets its new actors watched too. Kept in an array by id, not in
     * a map by actor reference: hashing a reference walks its path, and with 10,000 clients most
     * tasks go to one not touched for rounds (a map's entry and boxed key are then two more
     * cache misses).
     */
    private void watch(int id, ActorRef<ToClient> client) {
        if (client == null) {
            return;
        }
        if (id >= watched.length) {
            watched = java.util.Arrays.copyOf(watched, Math.max(id + 1, Math.max(work.numClients(), 2 * watched.length)));
        }
        ActorRef<ToClient> before = watched[id];
        if (before == client) {
            return; // watched since an earlier round: nothing written
        }
        watched[id] = client;
        if (!client.equals(before)) {
            getContext().watchWith(client, new ClientGone(client));
        }
    }

    @SuppressWarnings("unchecked")
    private void setClients(Map<Integer, ActorRef<ToClient>> clients) {
        this.clients = clients;
        int n = clients.keySet().stream().mapToInt(Integer::intValue).max().orElse(-1) + 1;
        clientById = new ActorRef[n];
        clients.forEach((id, ref) -> {
            if (id >= 0) {
                clientById[id] = ref;
            }
        });
    }

    /** Client {@code id}'s actor, null if there is none. */
    private ActorRef<ToClient> client(int id) {
        return id >= 0 && id < clientById.length ? clientById[id] : null;
    }

    /** Tells the round collecting now of each of its clients that is {@code gone}. */
    private Behavior<Command> onClientGone(ClientGone m) {
        stopped.add(m.client());
        if (roundActor != null) {
            roundClients.forEach((id, ref) -> {
                if (ref.equals(m.client())) {
                    roundActor.tell(SyncRound.clientStopped(id));
                }
            });
        }
        return this;
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Run.class, this::onRun)
                .onMessage(TasksReady.class, this::onTasksReady)
                .onMessage(RoundCollected.class, this::onRoundCollected)
                .onMessage(RoundActorStopped.class, this::onRoundActorStopped)
                .onMessage(RoundDone.class, this::onRoundDone)
                .onMessage(Quiet.class, this::onQuiet)
                .onMessage(Membership.class, this::onMembership)
                .onMessage(WaitTimedOut.class, this::onWaitTimedOut)
                .onMessage(ClientGone.class, this::onClientGone)
                .build();
    }

    private Behavior<Command> onRun(Run cmd) {
        if (replyTo != null) {
            getContext().getLog().warn("ignoring a second Run: the run is already going (round {})", round);
            return this;
        }
        replyTo = cmd.replyTo();
        getContext().getLog().info("run {}: {} rounds of {} over {} clients", work.experiment().name(), work.rounds(),
                work.strategyName(), work.numClients());
        if (recovery != null) {
            reports.addAll(recovery.reports());
            virtualNow = recovery.virtualNow();
            pendingAcks.putAll(recovery.acks());
            pendingAckRound = recovery.nextRound() - 1;
            getContext().getLog().info("run {}: resumed after {} rounds; the acknowledgements of round {} go out again "
                    + "({} clients) as their clients register", work.experiment().name(), recovery.nextRound(),
                    pendingAckRound, pendingAcks.size());
            prepare(recovery.nextRound());
            return startRound(recovery.nextRound());
        }
        prepare(0);
        return startRound(0);
    }

    private Behavior<Command> onMembership(Membership m) {
        setClients(m.clients());
        sendPendingAcks();
        refusedRegistrations += m.refusedRegistrations();
        if (waitingRound >= 0 && clients.size() >= pool.minClients()) {
            int r = waitingRound;
            waitingRound = -1;
            getContext().getLog().info("round {}: {} clients registered, starting", r, clients.size());
            return startRound(r);
        }
        return this;
    }

    private Behavior<Command> onWaitTimedOut(WaitTimedOut m) {
        if (m.round() != waitingRound) {
            return this;
        }
        waitingRound = -1;
        return finishRun("only " + clients.size() + " of " + work.numClients() + " clients registered after waiting "
                + pool.timeout().toSeconds() + " s for " + pool.minClients() + " (fedsub.cluster.min-clients, "
                + "fedsub.cluster.min-clients-timeout)");
    }

    /**
     * A resumed run: sends the acknowledgements of the round before it to those of their clients
     * that are registered, before any task of the new round (through the same reference, so in
     * order); a client that folded one already ignores it.
     */
    private void sendPendingAcks() {
        var it = pendingAcks.entrySet().iterator();
        while (it.hasNext()) {
            var e = it.next();
            ActorRef<ToClient> client = client(e.getKey());
            if (client != null) {
                client.tell(new Aggregated(pendingAckRound, e.getKey(), e.getValue()));
                it.remove();
            }
        }
    }

    private Behavior<Command> startRound(int r) {
        sendPendingAcks();
        if (clients.size() < pool.minClients()) {
            round = r;
            waitingRound = r;
            getContext().getLog().warn("round {}: waiting for clients: {} registered, {} needed", r, clients.size(),
                    pool.minClients());
            getContext().scheduleOnce(pool.timeout(), getContext().getSelf(), new WaitTimedOut(r));
            return this;
        }
        round = r;
        collected = false;
        tally = new RoundTally();
        // Among the clients there are: all of them in a simulation, the registered ones on a cluster.
        int[] ids = work.sample(r, settings.selected(work.target(), work.numClients()), id -> client(id) != null);
        sampled = ids;
        for (int id : ids) {
            asked.set(id);
        }
        getContext().pipeToSelf(CompletableFuture.supplyAsync(() -> {
            SortedMap<Integer, EncodedPayload> tasks = work.tasks(r, ids);
            Map<Integer, List<EncodedPayload>> sent = new java.util.HashMap<>();
            tasks.keySet().forEach(id -> sent.put(id, work.sent(id)));
            return new Tasks(tasks, sent);
        }, compute), (t, failure) -> failure == null ? new TasksReady(r, t.tasks(), t.sent(), null)
                : new TasksReady(r, null, Map.of(), failure));
        return this;
    }

    private Behavior<Command> onTasksReady(TasksReady m) {
        if (m.failure() != null) {
            return finishRun("round " + m.round() + ": the strategy failed to configure tasks: " + unwrap(m.failure()));
        }
        SyncRound.Plan plan = new SyncRound.Plan(m.round(), work.target(), m.tasks(), m.sent());
        java.util.Set<Integer> gone = new java.util.HashSet<>();
        // The round gets only its own clients: a small map it looks up in while it is in cache,
        // rather than the map of every client (with 10,000, a cache miss or two a task).
        Map<Integer, ActorRef<ToClient>> mine = new java.util.HashMap<>(2 * m.tasks().size());
        m.tasks().keySet().forEach(id -> {
            // Watched from its first task on: a client never sampled costs the coordinator nothing.
            ActorRef<ToClient> client = client(id);
            watch(id, client);
            if (client != null) {
                mine.put(id, client);
            }
            if (!stopped.isEmpty() && stopped.contains(client)) {
                gone.add(id);
            }
        });
        collector(m.round()).tell(new SyncRound.Next(plan, mine, gone));
        roundActor = collector;
        roundClients = mine;
        return this;
    }

    /**
     * The collector of the rounds, spawned if there is none: one runs every round (each client's
     * reply inbox made once); a new one only after one failed (named after the round it starts at).
     */
    private ActorRef<SyncRound.Command> collector(int round) {
        if (collector == null) {
            Behavior<SyncRound.Command> rounds = settings.clock() == ActorSettings.Clock.VIRTUAL
                    ? SyncRound.collector(getContext().getSelf(), timing, settings.deadlineSeconds(),
                            settings.realTimeout())
                    : SyncRound.collector(getContext().getSelf(), null, 0, settings.roundDeadline());
            collector = getContext().spawn(rounds, "rounds-" + round,
                    DispatcherSelector.sameAsParent()); // the coordinator's dispatcher: its server device's in a simulation
            getContext().watchWith(collector, new RoundActorStopped(collector));
        }
        return collector;
    }

    /**
     * At the start of the run, the clients there are (in a simulation, all of them) are watched
     * and their reply inboxes made, as each later one is at its first task: making them at the
     * first task put that work into the first rounds, until each client had been sampled once
     * (with 10,000 clients and 100 a round, about 900 rounds).
     */
    private void prepare(int round) {
        int[] ids = clients.keySet().stream().mapToInt(Integer::intValue).sorted().toArray();
        if (ids.length == 0) {
            return;
        }
        for (int id : ids) {
            watch(id, client(id));
        }
        collector(round).tell(new SyncRound.Prepare(ids));
    }

    private Behavior<Command> onRoundCollected(RoundCollected c) {
        if (c.round() != round || collected) {
            return this;
        }
        collected = true;
        roundActor = null;
        roundClients = null;
        return finishRound(c, false);
    }

    private Behavior<Command> onRoundActorStopped(RoundActorStopped m) {
        if (m.collector().equals(collector)) {
            collector = null; // the next round starts a new one
        }
        if (collected || !m.collector().equals(roundActor)) {
            return this; // it failed between rounds: nothing is lost
        }
        collected = true;
        roundActor = null;
        roundClients = null;
        getContext().getLog().error("round {}: its round actor failed; the round is lost, the model kept", round);
        List<ClientFailure> failures = new ArrayList<>();
        for (int id : sampled) {
            failures.add(new ClientFailure(id, round, "the round actor failed"));
        }
        return finishRound(new RoundCollected(round, List.of(), failures, 0, 0, settings.deadlineSeconds(),
                new java.util.TreeMap<>()), true);
    }

    /** Aggregates what was collected; a round whose actor crashed ({@code lost}) aggregates nothing. */
    private Behavior<Command> finishRound(RoundCollected c, boolean lost) {
        int r = c.round();
        // min-completion counts the valid updates: fewer and the round is dropped, the model kept.
        double minValid = lost ? Double.POSITIVE_INFINITY : settings.minCompletion() * work.target();
        List<EncodedUpdate> updates = c.updates().stream().map(UpdateReady::encoded).toList();
        boolean checkpoint = checkpoints != null;
        getContext().pipeToSelf(CompletableFuture.supplyAsync(() -> {
            ServerStep.Outcome outcome = work.aggregate(r, updates, c.failures(), minValid);
            ServerStep.Scores scores = work.evaluate(r);
            byte[] state = checkpoint ? work.strategy().exportServerState().orElse(null) : null;
            return new RoundDone(c, outcome.dropped(), outcome, scores, null, state,
                    state == null ? null : work.exportIdle());
        }, compute), (done, failure) -> failure == null ? done
                : new RoundDone(c, lost, null, null, failure, null, null));
        return this;
    }

    private Behavior<Command> onRoundDone(RoundDone d) {
        RoundCollected c = d.collected();
        if (d.failure() != null) {
            return finishRun("round " + c.round() + ": aggregation or evaluation failed: " + unwrap(d.failure()));
        }
        ServerStep.Outcome o = d.outcome();
        tally.asked(sampled.length);
        tally.sent(c.downlinkBytes());
        for (int id : o.used()) {
            EncodedPayload ack = o.ackFor(id);
            tally.sent(ack == null ? 0 : ack.size());
        }
        for (UpdateReady u : c.updates()) {
            tally.received(u.update().size());
        }
        if (settings.clock() == ActorSettings.Clock.VIRTUAL) {
            virtualNow += c.virtualSeconds();
        }
        tally.lateCount(c.late());
        tally.failed(c.failures());
        tally.refused(o);
        c.refused().forEach(tally::refusedBefore);
        if (refusedRegistrations > 0) {
            tally.refusedBefore(org.fedsub.runtime.engine.Rejection.REGISTRATION.label(), refusedRegistrations);
            refusedRegistrations = 0;
        }
        if (d.dropped()) {
            getContext().getLog().warn("round {}: dropped, {} valid of {} wanted (min-completion {}); model kept",
                    c.round(), o.rejectedBy().getOrDefault("round-dropped", 0), work.target(),
                    settings.minCompletion());
        }
        RoundReport report = tally.report(c.round(), o, sampled.length - o.used().size(), d.scores(), virtualNow,
                d.dropped());
        RoundMetrics m = report.metrics();
        reports.add(report);
        if (checkpoints != null) {
            // On disk before the acknowledgements go out: a resumed run sends them again.
            java.util.Optional<String> failed = writeCheckpoint(d, o);
            if (failed.isPresent()) {
                return finishRun(failed.get());
            }
        }
        java.util.BitSet unwanted = new java.util.BitSet();
        for (UpdateReady u : c.updates()) {
            if (!u.foldsEmptyAck()) {
                unwanted.set(u.clientId()); // its client changes nothing for an empty acknowledgement
            }
        }
        for (int id : o.used()) {
            EncodedPayload ack = o.ackFor(id);
            ActorRef<ToClient> client = ack == null && unwanted.get(id) ? null : client(id);
            if (client != null) { // a cluster node may have gone since it answered
                client.tell(new Aggregated(c.round(), id, ack));
            }
        }
        getContext().getLog().info("round {}: used {} of {} sampled ({} late, {} failed){}{}", c.round(), m.used(),
                m.sampled(), c.late(), m.failed(), d.dropped() ? ", dropped" : "",
                m.evaluated() ? String.format(java.util.Locale.ROOT, ", test accuracy %.4f", m.testAccuracy()) : "");
        RoundReport.tell(listener, report);
        java.util.Optional<String> stalled = work.stalled();
        if (stalled.isPresent()) {
            return finishRun(stalled.get());
        }
        // A stop request ends the run here, with the rounds it has (Ctrl-C in the launcher).
        return c.round() + 1 < work.rounds() && !listener.stopRequested() ? startRound(c.round() + 1)
                : finishRun(null);
    }

    /** Writes the checkpoint after the round {@code d} finished; the error that ends the run, if it cannot. */
    private java.util.Optional<String> writeCheckpoint(RoundDone d, ServerStep.Outcome o) {
        if (d.serverState() == null) {
            getContext().getLog().warn("strategy {} does not export its server state: the run is not checkpointed "
                    + "and cannot be resumed", work.strategyName());
            checkpoints = null;
            return java.util.Optional.empty();
        }
        Map<Integer, EncodedPayload> acks = new java.util.HashMap<>();
        for (int id : o.used()) {
            acks.put(id, o.ackFor(id));
        }
        long t0 = System.nanoTime();
        try {
            ServerCheckpoint.of(checkpoints.fingerprint(), work.strategyName(), d.serverState(), d.idleState(), reports,
                    virtualNow, acks).write(checkpoints.file());
        } catch (java.io.IOException | java.io.UncheckedIOException e) {
            return java.util.Optional.of("cannot write the checkpoint " + checkpoints.file() + ": " + e.getMessage());
        }
        getContext().getLog().debug("round {}: checkpoint written in {} ms", d.collected().round(),
                (System.nanoTime() - t0) / 1_000_000);
        return java.util.Optional.empty();
    }

    private Behavior<Command> finishRun(String error) {
        if (error != null) {
            getContext().getLog().error("run {} stopped: {}", work.experiment().name(), error);
        }
        Finished finished = new Finished(reports, error);
        // Finished goes out once no client is still training or folding an acknowledgement.
        getContext().spawn(QuiesceQuery.create(asked.stream().boxed().toList(), clients, settings.quiesceTimeout(),
                getContext().getSelf(), new Quiet(finished)), "quiesce");
        return this;
    }

    private Behavior<Command> onQuiet(Quiet q) {
        replyTo.tell(q.finished());
        return Behaviors.stopped();
    }

    private static Throwable unwrap(Throwable t) {
        return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    }
}
