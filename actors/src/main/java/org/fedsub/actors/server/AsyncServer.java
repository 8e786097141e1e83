package org.fedsub.actors.server;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.SplittableRandom;
import java.util.TreeMap;
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
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.fedsub.actors.ActorSettings;
import org.fedsub.actors.device.ComputePlacement;
import org.fedsub.actors.device.DeviceDispatchers;
import org.fedsub.actors.protocol.CborSerializable;
import org.fedsub.actors.protocol.FederatedProtocol.Aggregated;
import org.fedsub.actors.protocol.FederatedProtocol.DeclineReason;
import org.fedsub.actors.protocol.FederatedProtocol.Declined;
import org.fedsub.actors.protocol.FederatedProtocol.ToClient;
import org.fedsub.actors.protocol.FederatedProtocol.ToServer;
import org.fedsub.actors.protocol.FederatedProtocol.TrainRound;
import org.fedsub.actors.protocol.FederatedProtocol.TrainingFailed;
import org.fedsub.actors.protocol.FederatedProtocol.UpdateReady;
import org.fedsub.runtime.Seeds;
import org.fedsub.runtime.codec.EncodedPayload;
import org.fedsub.runtime.engine.EncodedUpdate;
import org.fedsub.runtime.engine.Rejection;
import org.fedsub.runtime.engine.RoundListener;
import org.fedsub.runtime.engine.RoundMetrics;
import org.fedsub.runtime.engine.ServerStep;
import org.fedsub.runtime.strategy.ClientFailure;

/**
 * The coordinator of an asynchronous FedBuff run (Nguyen et al., 2022): {@code concurrency}
 * clients train at once, each on the model version current when it was asked; every
 * {@code buffer-size} arrivals are aggregated with staleness weights, which makes a new version.
 * FedAsync (Xie et al., 2019) is the same coordinator with a buffer of one and FedAsync's weight
 * {@code alpha * s(staleness)} ({@link ActorSettings.Async#weight}). The arithmetic is the run's
 * {@link org.fedsub.runtime.strategy.AsyncAggregation}, reached through the server step; this
 * actor only decides who trains when. Each aggregation is reported as one "round" (FedAsync:
 * each applied update; one it discards makes no version). A client is asked again only once its
 * previous update has been aggregated or discarded, so that its acknowledgement always meets the
 * state it belongs to.
 *
 * <p>On the virtual clock the coordinator is a conservative discrete-event simulation: each
 * answer is placed at its modelled time, and it is processed only when no client still
 * working could answer earlier ({@link Timing#earliestAnswerSeconds}); runs are then
 * reproducible from the seed whatever the thread scheduling. On the real clock answers are
 * processed as they come and a per-client deadline catches silent clients.
 */
public final class AsyncServer extends AbstractBehavior<AsyncServer.Command> {

    /** The coordinator's protocol. */
    public sealed interface Command {}

    /** Runs until {@code fedsub.rounds} aggregations, then replies and stops. */
    public record Run(ActorRef<Finished> replyTo) implements Command, CborSerializable {}

    /** An answer that came through the reply inbox of a task sent to client {@code to}. */
    private record FromClient(int to, ToServer msg) implements Command, NoSerializationVerificationNeeded {}

    private record ClientStopped(int clientId) implements Command, NoSerializationVerificationNeeded {}

    private record ClientTimedOut(int clientId, long dispatch) implements Command, NoSerializationVerificationNeeded {}

    private record TasksReady(List<Integer> ids, SortedMap<Integer, EncodedPayload> tasks, Throwable failure)
            implements Command, NoSerializationVerificationNeeded {}

    private record Quiet(Finished finished) implements Command, NoSerializationVerificationNeeded {}

    private record BufferDone(List<UpdateReady> taken, ServerStep.Outcome outcome, ServerStep.Scores scores,
            Throwable failure) implements Command, NoSerializationVerificationNeeded {}

    /** A client at work: the version it was asked on, when (virtual seconds), its task's size. */
    private static final class Flight {
        final int version;
        final double start;
        final long dispatch;
        long taskBytes;

        Flight(int version, double start, long dispatch) {
            this.version = version;
            this.start = start;
            this.dispatch = dispatch;
        }
    }

    private enum Kind { UPDATE, LATE, FAILED, STOPPED }

    /** An answer placed in (virtual) time. */
    private record Event(double time, int clientId, Kind kind, UpdateReady update, String reason) {}

    private final ServerStep work;
    private final Map<Integer, ActorRef<ToClient>> clients;
    private final ActorSettings settings;
    private final Timing timing;
    private final RoundListener listener;
    private final TimerScheduler<Command> timers;
    private final Executor compute;
    private final boolean virtual;
    /**
     * Each client's reply inbox for its current task (a child that knows the client it serves):
     * an answer naming another client through it is refused as wrong-sender. Replaced, and the
     * old one stopped, when the client gets its next task.
     */
    private final Map<Integer, ActorRef<ToServer>> inboxes = new java.util.HashMap<>();
    private final SplittableRandom rng;
    private final int concurrency;
    private final int bufferSize;

    private final Map<Integer, Flight> inFlight = new TreeMap<>();
    private final ArrivalQueue<Event> answered = new ArrivalQueue<>(); // virtual clock: answers not yet processed
    private final List<UpdateReady> buffer = new ArrayList<>();
    private final Set<Integer> awaitingAck = new HashSet<>();
    private final Set<Integer> dead = new HashSet<>();
    private final Set<Integer> everAsked = new java.util.TreeSet<>();
    private final int[] coolUntil;
    private final List<RoundReport> reports = new ArrayList<>();
    private ActorRef<Finished> replyTo;
    private int version;
    private double now;
    private long dispatches;
    private boolean busy;
    private boolean done;
    private final RoundTally tally = new RoundTally(); // what happened since the last aggregation

    /**
     * @param work the run's server step, over the strategy as {@link ActorSettings.Async#serverStrategy}
     *             made it asynchronous
     */
    public static Behavior<Command> create(ServerStep work, Map<Integer, ActorRef<ToClient>> clients,
            ActorSettings settings, Timing timing, RoundListener listener) {
        if (!(work.strategy() instanceof org.fedsub.runtime.strategy.AsyncAggregation)) {
            throw new IllegalArgumentException("AsyncServer needs a server step over an AsyncAggregation, got "
                    + work.strategy().getClass().getName() + " (see ActorSettings.Async.serverStrategy)");
        }
        return Behaviors.setup(ctx -> Behaviors.withTimers(
                timers -> new AsyncServer(ctx, timers, work, Map.copyOf(clients), settings, timing, listener)));
    }

    private AsyncServer(ActorContext<Command> context, TimerScheduler<Command> timers, ServerStep work,
            Map<Integer, ActorRef<ToClient>> clients, ActorSettings settings, Timing timing, RoundListener listener) {
        super(context);
        this.work = work;
        this.clients = clients;
        this.settings = settings;
        this.timing = timing;
        this.listener = listener;
        this.timers = timers;
        ComputePlacement placement = DeviceDispatchers.get(context.getSystem()).placement(settings);
        this.compute = placement.executor(placement.server());
        this.virtual = settings.clock() == ActorSettings.Clock.VIRTUAL;
        this.rng = new SplittableRandom(Seeds.derive(work.experiment().seed(), Seeds.tag("fedbuff")));
        this.concurrency = settings.async().effectiveConcurrency(work.target(), work.numClients());
        this.bufferSize = settings.async().effectiveBufferSize();
        this.coolUntil = new int[work.numClients()];
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Run.class, this::onRun)
                .onMessage(TasksReady.class, this::onTasksReady)
                .onMessage(FromClient.class, this::onFromClient)
                .onMessage(ClientStopped.class, this::onClientStopped)
                .onMessage(ClientTimedOut.class, this::onClientTimedOut)
                .onMessage(BufferDone.class, this::onBufferDone)
                .onMessage(Quiet.class, q -> {
                    replyTo.tell(q.finished());
                    return Behaviors.stopped();
                })
                .build();
    }

    private Behavior<Command> onRun(Run cmd) {
        if (replyTo != null) {
            return this;
        }
        replyTo = cmd.replyTo();
        getContext().getLog().info("run {}: {} {} to {} versions, {} clients at once, buffer {}, over {} clients",
                work.experiment().name(), settings.async().mode().configName(), work.strategyName(), work.rounds(),
                concurrency, bufferSize, work.numClients());
        return advance();
    }

    /** Does whatever can be done now; returns when it must wait for clients or the compute dispatcher. */
    private Behavior<Command> advance() {
        while (!busy && !done) {
            if (version >= work.rounds()) {
                return finishRun(null);
            }
            if (buffer.size() >= bufferSize) {
                return aggregate(new ArrayList<>(buffer.subList(0, bufferSize)));
            }
            List<Integer> picks = pick(concurrency - inFlight.size());
            if (!picks.isEmpty()) {
                return dispatch(picks);
            }
            Event next = virtual ? nextProcessable() : null;
            if (next != null) {
                now = Math.max(now, next.time());
                process(next);
                continue;
            }
            if (inFlight.isEmpty()) {
                // Nothing at work and no one to ask: aggregate what there is, or give up.
                return buffer.isEmpty()
                        ? finishRun(settings.async().mode().configName() + " stalled at version " + version + ": no client can train (all stopped, "
                                + "unavailable or dropped out)")
                        : aggregate(new ArrayList<>(buffer));
            }
            return this;
        }
        return this;
    }

    /** Up to {@code n} idle clients, drawn from the run's seeded generator. */
    private List<Integer> pick(int n) {
        List<Integer> idle = new ArrayList<>();
        for (int id = 0; id < work.numClients(); id++) {
            if (!inFlight.containsKey(id) && !awaitingAck.contains(id) && !dead.contains(id) && coolUntil[id] <= version) {
                idle.add(id);
            }
        }
        List<Integer> picks = new ArrayList<>();
        while (picks.size() < n && !idle.isEmpty()) {
            picks.add(idle.remove(rng.nextInt(idle.size())));
        }
        picks.sort(null);
        return picks;
    }

    private Behavior<Command> dispatch(List<Integer> ids) {
        for (int id : ids) {
            inFlight.put(id, new Flight(version, now, dispatches++));
            everAsked.add(id);
        }
        tally.asked(ids.size());
        busy = true;
        int v = version;
        int[] arr = ids.stream().mapToInt(Integer::intValue).toArray();
        getContext().pipeToSelf(CompletableFuture.supplyAsync(() -> work.tasks(v, arr), compute),
                (tasks, failure) -> new TasksReady(ids, tasks, failure));
        return this;
    }

    private Behavior<Command> onTasksReady(TasksReady m) {
        busy = false;
        if (m.failure() != null) {
            return finishRun("version " + version + ": the strategy failed to configure tasks: " + unwrap(m.failure()));
        }
        for (int id : m.ids()) {
            Flight f = inFlight.get(id);
            EncodedPayload task = m.tasks().get(id);
            f.taskBytes = task.size();
            tally.sent(task.size());
            ActorRef<ToClient> client = clients.get(id);
            getContext().watchWith(client, new ClientStopped(id));
            ActorRef<Command> self = getContext().getSelf();
            ActorRef<ToServer> inbox = getContext().spawn(Behaviors.receive(ToServer.class)
                    .onAnyMessage(msg -> {
                        self.tell(new FromClient(id, msg));
                        return Behaviors.same();
                    }).build(), "reply-" + id + "-" + f.dispatch, DispatcherSelector.sameAsParent());
            ActorRef<ToServer> old = inboxes.put(id, inbox);
            if (old != null) {
                getContext().stop(old);
            }
            client.tell(new TrainRound(f.version, id, task, inbox));
            if (!virtual) {
                timers.startSingleTimer(id, new ClientTimedOut(id, f.dispatch), settings.roundDeadline());
            }
        }
        return advance();
    }

    private Behavior<Command> onFromClient(FromClient m) {
        ToServer msg = m.msg();
        int id;
        int round;
        if (msg instanceof UpdateReady u) {
            id = u.clientId();
            round = u.round();
        } else if (msg instanceof TrainingFailed f) {
            id = f.clientId();
            round = f.round();
        } else if (msg instanceof Declined d) {
            id = d.clientId();
            round = d.round();
        } else {
            return this;
        }
        if (id != m.to()) {
            getContext().getLog().warn("refused an answer for client {} through the task of client {} ({})", id, m.to(),
                    Rejection.WRONG_SENDER.label());
            if (msg instanceof UpdateReady) {
                tally.refusedBefore(Rejection.WRONG_SENDER.label(), 1);
            }
            return this;
        }
        Flight f = inFlight.get(id);
        if (f == null || f.version != round || answered.holds(id)) {
            // An answer to an earlier task of this client (it timed out, and may be at work again)
            // is late, not hostile; the rest cannot come from an honest client.
            Rejection why = f == null ? (everAsked.contains(id) ? null : Rejection.UNSAMPLED)
                    : answered.holds(id) ? Rejection.DUPLICATE : round > f.version ? Rejection.WRONG_ROUND : null;
            if (why == null) {
                getContext().getLog().debug("ignoring a late answer of client {} for version {}", id, round);
            } else {
                getContext().getLog().warn("refused an answer of client {} for version {} ({})", id, round,
                        why.label());
                if (msg instanceof UpdateReady) {
                    tally.refusedBefore(why.label(), 1);
                }
            }
            return this;
        }
        getContext().unwatch(clients.get(id));
        timers.cancel(id);
        return arrived(eventOf(id, f, msg));
    }

    private Event eventOf(int id, Flight f, ToServer msg) {
        double deadline = settings.deadlineSeconds();
        if (msg instanceof UpdateReady u) {
            double t = timing.updateSeconds(id, f.taskBytes, u.update().size());
            return t <= deadline ? new Event(f.start + t, id, Kind.UPDATE, u, null)
                    : new Event(f.start + deadline, id, Kind.LATE, null, "late: its update would arrive after the deadline");
        } else if (msg instanceof TrainingFailed tf) {
            return new Event(f.start + Math.min(timing.updateSeconds(id, f.taskBytes, 0), deadline), id, Kind.FAILED,
                    null, "training failed: " + tf.reason());
        }
        Declined d = (Declined) msg;
        return d.reason() == DeclineReason.DROPPED_OUT
                ? new Event(f.start + deadline, id, Kind.LATE, null, "late: dropped out, no update before the deadline")
                : new Event(f.start + timing.declineSeconds(id, f.taskBytes), id, Kind.FAILED, null, "declined: unavailable");
    }

    private Behavior<Command> arrived(Event e) {
        if (virtual) {
            answered.add(e.time(), e.clientId(), e);
        } else {
            process(e);
        }
        return advance();
    }

    private Behavior<Command> onClientStopped(ClientStopped m) {
        Flight f = inFlight.get(m.clientId());
        if (f == null || answered.holds(m.clientId())) {
            dead.add(m.clientId());
            return this;
        }
        getContext().getLog().warn("client {} stopped while training version {}", m.clientId(), f.version);
        timers.cancel(m.clientId());
        double t = Math.min(timing.updateSeconds(m.clientId(), f.taskBytes, 0), settings.deadlineSeconds());
        return arrived(new Event(f.start + t, m.clientId(), Kind.STOPPED, null, ClientFailure.STOPPED));
    }

    private Behavior<Command> onClientTimedOut(ClientTimedOut m) {
        Flight f = inFlight.get(m.clientId());
        if (f == null || f.dispatch != m.dispatch()) {
            return this;
        }
        getContext().unwatch(clients.get(m.clientId()));
        return arrived(new Event(now, m.clientId(), Kind.LATE, null, "late: no answer before the deadline"));
    }

    /** The earliest answer, if no client still working could answer before it. */
    private Event nextProcessable() {
        ArrivalQueue.Arrival<Event> a = answered.poll(inFlight.keySet(), id -> {
            Flight f = inFlight.get(id);
            return f.start + Math.min(timing.earliestAnswerSeconds(id, f.version), settings.deadlineSeconds());
        });
        return a == null ? null : a.answer();
    }

    private void process(Event e) {
        int id = e.clientId();
        inFlight.remove(id);
        switch (e.kind()) {
            case UPDATE -> {
                buffer.add(e.update());
                awaitingAck.add(id);
                tally.received(e.update().update().size());
                getContext().getLog().debug("version {}: update from client {} (version {})", version, id,
                        e.update().round());
            }
            case LATE -> {
                coolUntil[id] = version + 1;
                tally.late(new ClientFailure(id, version, e.reason()));
            }
            case FAILED -> {
                coolUntil[id] = version + 1;
                tally.failed(new ClientFailure(id, version, e.reason()));
            }
            case STOPPED -> {
                dead.add(id);
                tally.failed(new ClientFailure(id, version, e.reason()));
            }
        }
    }

    private Behavior<Command> aggregate(List<UpdateReady> taken) {
        busy = true;
        buffer.subList(0, taken.size()).clear();
        int v = version;
        List<EncodedUpdate> updates = taken.stream().map(UpdateReady::encoded).toList();
        getContext().pipeToSelf(CompletableFuture.supplyAsync(() -> {
            ServerStep.Outcome o = work.aggregate(v, updates, List.of());
            return new BufferDone(taken, o, work.evaluate(v), null);
        }, compute), (d, failure) -> failure == null ? d : new BufferDone(taken, null, null, failure));
        return this;
    }

    private Behavior<Command> onBufferDone(BufferDone d) {
        busy = false;
        if (d.failure() != null) {
            return finishRun("version " + version + ": aggregation or evaluation failed: " + unwrap(d.failure()));
        }
        ServerStep.Outcome o = d.outcome();
        for (UpdateReady u : d.taken()) {
            awaitingAck.remove(u.clientId());
        }
        for (int id : o.used()) {
            EncodedPayload ack = o.ackFor(id);
            UpdateReady used = d.taken().stream().filter(u -> u.clientId() == id).findFirst().orElseThrow();
            if (used.wants(ack)) {
                clients.get(id).tell(new Aggregated(used.round(), id, ack));
            }
            tally.sent(ack == null ? 0 : ack.size());
        }
        tally.refused(o);
        if (o.used().isEmpty() && settings.async().mode() == ActorSettings.Async.Mode.FEDASYNC) {
            // FedAsync: a discarded update (too stale, or refused) changes nothing, so it makes no
            // version, and staleness keeps counting model changes; its failure goes in the next report.
            java.util.Optional<String> stalled = work.stalled();
            return stalled.isPresent() ? finishRun(stalled.get()) : advance();
        }
        RoundReport report = tally.report(version, o, tally.failures().size(), d.scores(), virtual ? now : 0.0, false);
        RoundMetrics m = report.metrics();
        reports.add(report);
        getContext().getLog().info("version {}: aggregated {} updates ({} asked, {} late, {} failed){}", version,
                m.used(), m.sampled(), report.late(), m.failed(),
                m.evaluated() ? String.format(java.util.Locale.ROOT, ", test accuracy %.4f", m.testAccuracy()) : "");
        RoundReport.tell(listener, report);
        version++;
        tally.reset();
        java.util.Optional<String> stalled = work.stalled();
        if (stalled.isPresent()) {
            return finishRun(stalled.get());
        }
        if (listener.stopRequested()) {
            // Ends with the versions made so far; updates in the buffer or in flight are not used.
            return finishRun(null);
        }
        return advance();
    }

    private Behavior<Command> finishRun(String error) {
        done = true;
        if (error != null) {
            getContext().getLog().error("run {} stopped: {}", work.experiment().name(), error);
        }
        Finished finished = new Finished(reports, error);
        // Finished goes out once no client is still training or folding an acknowledgement.
        getContext().spawn(QuiesceQuery.create(everAsked, clients, settings.quiesceTimeout(), getContext().getSelf(),
                new Quiet(finished)), "quiesce");
        return this;
    }

    private static Throwable unwrap(Throwable t) {
        return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    }

    @Override
    public String toString() {
        return "AsyncServer[version " + version + ", in flight " + inFlight.keySet() + ", buffer " + buffer.size()
                + ", dead " + Arrays.toString(dead.toArray()) + "]";
    }
}
