package org.fedsub.actors.cluster;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;
import org.fedsub.actors.ActorSettings;
import org.fedsub.actors.cluster.Registration.Hosted;
import org.fedsub.actors.cluster.Registration.Register;
import org.fedsub.actors.cluster.Registration.Result;
import org.fedsub.actors.device.DeviceDispatchers;
import org.fedsub.actors.protocol.FederatedProtocol.ToClient;
import org.fedsub.actors.server.AsyncServer;
import org.fedsub.actors.server.Finished;
import org.fedsub.actors.server.SyncServer;
import org.fedsub.actors.sim.ActorSimulation;
import org.fedsub.actors.sim.ClientProfiles;
import org.fedsub.actors.transport.ChunkedTransport;
import org.fedsub.runtime.engine.Experiment;
import org.fedsub.runtime.engine.RoundListener;
import org.fedsub.runtime.engine.ServerStep;
import org.fedsub.runtime.strategy.ClientFactory;
import org.fedsub.runtime.strategy.Strategy;

/**
 * The guardians of a run spread over cluster nodes. A client node spawns the clients it hosts
 * (as {@code /user/client-<id>}), finds the server's registrar through the Receptionist and
 * registers them with an explicit claim ({@link Registration.Register}: node name, credential,
 * ids and actors), again whenever a new server appears. The server node checks each claim
 * against {@code fedsub.cluster.nodes} ({@link #refusal}), watches the clients it accepted, and
 * keeps its coordinator's pool up to date: clients that register during a run are sampled from
 * the next round on; clients whose node is downed (the split brain resolver) fail the round that
 * waits for them and leave the pool. A round starts once {@code min-clients} are registered.
 *
 * <p>Artery paths that receive tensors, for {@code large-message-destinations} on every node:
 * {@value #CLIENT_PATHS} (clients) and {@value #SERVER_PATHS} (the coordinator's and its round
 * actors' reply inboxes).
 */
public final class ClusterNodes {

    /** Where the server's registrar is listed. */
    public static final ServiceKey<Register> SERVER = ServiceKey.create(Register.class, "fedsub-server");

    /** Large-message destinations of the clients. */
    public static final String CLIENT_PATHS = "/user/*";

    /** Large-message destinations of the server: its adapter (FedBuff) and its round actors' reply inboxes. */
    public static final String SERVER_PATHS = "/user/server/*, /user/server/*/*";

    private static final String CLIENT_PREFIX = "client-";

    /** How often a client node repeats its registration until the server answers. */
    static final Duration REGISTER_RETRY = Duration.ofSeconds(2);

    private ClusterNodes() {}

    // ---------------------------------------------------------------- client node

    /** What a client node's guardian receives. */
    public sealed interface NodeCommand {}

    private record ServerListed(Receptionist.Listing listing) implements NodeCommand, NoSerializationVerificationNeeded {}

    private record Answered(Result result) implements NodeCommand, NoSerializationVerificationNeeded {}

    private record MemberGone(org.apache.pekko.cluster.ClusterEvent.MemberRemoved event)
            implements NodeCommand, NoSerializationVerificationNeeded {}

    private enum Retry implements NodeCommand, NoSerializationVerificationNeeded { INSTANCE }

    /** Why a client node stopped: the server refused its registration. */
    public static final class RegistrationRefused extends RuntimeException {
        private static final long serialVersionUID = 1L;

        RegistrationRefused(String reason) {
            super(reason);
        }
    }

    /** Why a client node did not start: a saved client state it cannot use. */
    public static final class StateUnusable extends RuntimeException {
        private static final long serialVersionUID = 1L;

        StateUnusable(String reason) {
            super(reason);
        }
    }

    /**
     * The clients a node hosts, built once for the node's process: a node that lost the server
     * and joins again in a new actor system keeps them, their state with them.
     */
    public static final class Hosting {
        private final int[] ids;
        private final org.fedsub.runtime.engine.ClientStep[] steps;
        private List<Integer> restored;

        private Hosting(int[] ids, org.fedsub.runtime.engine.ClientStep[] steps, List<Integer> restored) {
            this.ids = ids;
            this.steps = steps;
            this.restored = restored;
        }

        /** The restored clients, the first time only (one log line per process). */
        private List<Integer> takeRestored() {
            List<Integer> r = restored;
            restored = List.of();
            return r;
        }
    }

    /**
     * Builds the clients {@code ids} of {@code exp}, each restored from its saved state in
     * {@code fedsub.cluster.state-dir} if there is one.
     *
     * @throws StateUnusable if a saved state is not of this run and client, or does not read
     */
    public static Hosting host(Experiment exp, ClusterSettings cluster, int[] ids) {
        ClientFactory clients = ActorSimulation.clientFactory(exp); // client halves only, no server
        org.fedsub.runtime.engine.ClientStep[] steps = new org.fedsub.runtime.engine.ClientStep[ids.length];
        List<Integer> restored = new ArrayList<>();
        for (int i = 0; i < ids.length; i++) {
            int id = ids[i];
            steps[i] = org.fedsub.runtime.engine.ClientStep.of(exp, clients.newClient(id), id, null);
            // A resumed server sends the round it was killed in again: train it from the same state.
            steps[i].replayable();
            try {
                if (cluster.stateDir() != null && steps[i].persistTo(cluster.stateDir().resolve(stateFile(id)),
                        stateOwner(exp, id))) {
                    restored.add(id);
                }
            } catch (IllegalArgumentException | java.io.UncheckedIOException e) {
                throw new StateUnusable("fedsub.cluster.state-dir: " + e.getMessage());
            }
        }
        return new Hosting(ids.clone(), steps, restored);
    }

    /**
     * The guardian of a client node hosting {@code ids}: spawns them and registers them with the
     * server; completes {@code done} with a line once the server it registered with has left
     * (the run is over), or exceptionally with {@link RegistrationRefused}.
     */
    public static Behavior<NodeCommand> clientNode(Experiment exp, ActorSettings settings, ClusterSettings cluster,
            int[] ids, CompletableFuture<String> done) {
        Hosting hosting;
        try {
            hosting = host(exp, cluster, ids);
        } catch (StateUnusable e) {
            done.completeExceptionally(e);
            return Behaviors.stopped();
        }
        return clientNode(exp, settings, cluster, hosting, done);
    }

    /** As above, with clients already built (and kept from an earlier actor system of this process). */
    public static Behavior<NodeCommand> clientNode(Experiment exp, ActorSettings settings, ClusterSettings cluster,
            Hosting hosting, CompletableFuture<String> done) {
        return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
            ClientProfiles profiles = ActorSimulation.profiles(exp, settings);
            List<Hosted> hosted = new ArrayList<>();
            int[] ids = hosting.ids;
            for (int i = 0; i < ids.length; i++) {
                hosted.add(new Hosted(ids[i], ctx.spawn(org.fedsub.actors.client.ClientActor.supervised(
                        hosting.steps[i], profiles.behaviour(ids[i]), settings), CLIENT_PREFIX + ids[i],
                        org.fedsub.actors.client.ClientActor.onItsDevice(ctx.getSystem(), settings, ids[i]))));
            }
            List<Integer> restored = hosting.takeRestored();
            if (!restored.isEmpty()) {
                ctx.getLog().warn("client node: restored the saved state of clients {} from {}", restored,
                        cluster.stateDir());
            }
            String name = cluster.nodeName().isEmpty() ? ctx.getSystem().address().toString() : cluster.nodeName();
            ActorRef<Result> answers = ctx.messageAdapter(Result.class, Answered::new);
            Register claim = new Register(name, cluster.credential(), List.copyOf(hosted), answers);
            ctx.getSystem().receptionist().tell(Receptionist.subscribe(SERVER,
                    ctx.messageAdapter(Receptionist.Listing.class, ServerListed::new)));
            org.apache.pekko.cluster.typed.Cluster.get(ctx.getSystem()).subscriptions().tell(
                    org.apache.pekko.cluster.typed.Subscribe.create(ctx.messageAdapter(
                            org.apache.pekko.cluster.ClusterEvent.MemberRemoved.class, MemberGone::new),
                            org.apache.pekko.cluster.ClusterEvent.MemberRemoved.class));
            ctx.getLog().info("client node {}: hosting clients {}, looking for the server", name,
                    java.util.Arrays.toString(ids));
            return new ClientNode(ctx, claim, done).behavior(timers);
        }));
    }

    private static final class ClientNode {
        private final ActorContext<NodeCommand> ctx;
        private final Register claim;
        private final CompletableFuture<String> done;
        private ActorRef<Register> server;
        private boolean registered;
        private boolean everRegistered;

        ClientNode(ActorContext<NodeCommand> ctx, Register claim, CompletableFuture<String> done) {
            this.ctx = ctx;
            this.claim = claim;
            this.done = done;
        }

        Behavior<NodeCommand> behavior(org.apache.pekko.actor.typed.javadsl.TimerScheduler<NodeCommand> timers) {
            return Behaviors.receive(NodeCommand.class)
                    .onMessage(MemberGone.class, m -> {
                        // The run is over (or the server gave up before this node registered) when
                        // the server's node has left on purpose (Exiting, then Removed). A server
                        // that is only unreachable (killed) has not left: the split brain resolver
                        // then downs this node, and the process joins again
                        // (fedsub.cluster.server-lost-timeout).
                        org.apache.pekko.cluster.Member gone = m.event().member();
                        if (gone.hasRole(ClusterSettings.SERVER_ROLE)
                                && m.event().previousStatus() == org.apache.pekko.cluster.MemberStatus.exiting()) {
                            ctx.getLog().info("client node {}: the server left; done", claim.node());
                            done.complete("the server " + gone.address() + " left"
                                    + (everRegistered ? "" : " before this node's clients were registered"));
                        }
                        return Behaviors.same();
                    })
                    .onMessage(ServerListed.class, m -> {
                        Set<ActorRef<Register>> found = m.listing().getAllServiceInstances(SERVER);
                        if (found.isEmpty()) {
                            server = null; // gone from the listing: wait for the next one (or the end, above)
                            registered = false;
                            return Behaviors.same();
                        }
                        ActorRef<Register> now = found.iterator().next();
                        if (!now.equals(server)) {
                            server = now;
                            registered = false;
                            ctx.getLog().info("client node {}: registering {} clients with the server at {}",
                                    claim.node(), claim.clients().size(), now.path().address());
                            now.tell(claim);
                            timers.startTimerWithFixedDelay(Retry.INSTANCE, REGISTER_RETRY);
                        }
                        return Behaviors.same();
                    })
                    .onMessageEquals(Retry.INSTANCE, () -> {
                        if (!registered && server != null) {
                            server.tell(claim);
                        } else {
                            timers.cancel(Retry.INSTANCE);
                        }
                        return Behaviors.same();
                    })
                    .onMessage(Answered.class, m -> {
                        Result r = m.result();
                        if (r.accepted()) {
                            if (!registered) {
                                ctx.getLog().info("client node {}: registered clients {}", claim.node(), r.clients());
                            }
                            registered = true;
                            everRegistered = true;
                            timers.cancel(Retry.INSTANCE);
                        } else {
                            ctx.getLog().error("client node {}: the server refused the registration: {}", claim.node(),
                                    r.reason());
                            done.completeExceptionally(new RegistrationRefused(r.reason()));
                        }
                        return Behaviors.same();
                    })
                    .build();
        }
    }

    /** The file of client {@code id}'s saved state in {@code fedsub.cluster.state-dir}. */
    public static String stateFile(int id) {
        return CLIENT_PREFIX + id + ".state";
    }

    /** Whose state a state file holds: the run (name, strategy, seed) and the client. */
    static String stateOwner(Experiment exp, int id) {
        return "run " + exp.name() + " (" + exp.strategy().name() + ", seed " + exp.seed() + "), client " + id;
    }

    // ---------------------------------------------------------------- server node

    /** What the server node's guardian receives. */
    public sealed interface ServerCommand {}

    private record FromNode(Register claim) implements ServerCommand, NoSerializationVerificationNeeded {}

    private record ClientGone(int clientId, ActorRef<ToClient> client)
            implements ServerCommand, NoSerializationVerificationNeeded {}

    private record Done(Finished finished) implements ServerCommand, NoSerializationVerificationNeeded {}

    /**
     * The guardian of the server node: lists its registrar, runs {@code strategy}'s server over
     * the clients that register and completes {@code done} with the run's end. It does not stop
     * afterwards (that would terminate the node): the node's owner does.
     *
     * @throws org.fedsub.runtime.config.ConfigError if the strategy cannot run in the configured round structure
     */
    public static Behavior<ServerCommand> serverNode(Experiment exp, Strategy strategy, ActorSettings settings,
            ClusterSettings cluster, RoundListener listener, CompletableFuture<Finished> done) {
        return serverNode(exp, strategy, settings, cluster, listener, done, null, null);
    }

    /**
     * As above, writing a checkpoint after every round to {@code checkpoints} (null: none) and
     * continuing the run {@code recovery} holds (null: from round 0). Synchronous rounds only.
     *
     * @throws IllegalArgumentException if {@code recovery} is given for asynchronous rounds, or
     *         its server state does not restore into the strategy
     */
    public static Behavior<ServerCommand> serverNode(Experiment exp, Strategy strategy, ActorSettings settings,
            ClusterSettings cluster, RoundListener listener, CompletableFuture<Finished> done,
            org.fedsub.actors.server.ServerCheckpoint.Target checkpoints,
            org.fedsub.actors.server.ServerCheckpoint.Recovery recovery) {
        ServerStep work = new ServerStep(exp, settings.async().serverStrategy(strategy, exp));
        if (recovery != null) {
            if (settings.async().asynchronous()) {
                throw new IllegalArgumentException("asynchronous runs (fedsub.actors.async.mode) cannot be resumed");
            }
            recovery.restoreInto(work);
        }
        return Behaviors.setup(ctx -> {
            ActorRef<Register> registrar = ctx.messageAdapter(Register.class, FromNode::new);
            ctx.getSystem().receptionist().tell(Receptionist.register(SERVER, registrar));
            return new ServerNode(ctx, exp, work, settings, cluster, listener, done, checkpoints, recovery).behavior();
        });
    }

    private static final class ServerNode {
        private final ActorContext<ServerCommand> ctx;
        private final Experiment exp;
        private final ServerStep work;
        private final ActorSettings settings;
        private final ClusterSettings cluster;
        private final RoundListener listener;
        private final CompletableFuture<Finished> done;
        /** The registered clients as the server sends to them (through the chunked transport). */
        private final Map<Integer, ActorRef<ToClient>> clients = new TreeMap<>();
        /** The same clients' own actors, as registered: what is watched and compared. */
        private final Map<Integer, ActorRef<ToClient>> remote = new TreeMap<>();
        private final int minClients;
        private ActorRef<SyncServer.Command> sync;
        private ActorRef<AsyncServer.Command> async;
        private int refusedSinceStart;

        ServerNode(ActorContext<ServerCommand> ctx, Experiment exp, ServerStep work, ActorSettings settings,
                ClusterSettings cluster, RoundListener listener, CompletableFuture<Finished> done,
                org.fedsub.actors.server.ServerCheckpoint.Target checkpoints,
                org.fedsub.actors.server.ServerCheckpoint.Recovery recovery) {
            this.ctx = ctx;
            this.exp = exp;
            this.work = work;
            this.settings = settings;
            this.cluster = cluster;
            this.listener = listener;
            this.done = done;
            this.minClients = cluster.minClients(exp.data().numClients());
            ctx.getLog().info("server node: run {} over {} clients, rounds start with {} registered", exp.name(),
                    exp.data().numClients(), minClients);
            if (!settings.async().asynchronous()) {
                // The synchronous coordinator waits for min-clients itself, before every round.
                sync = ctx.spawn(SyncServer.create(work, Map.of(), settings, ActorSimulation.profiles(exp, settings),
                        listener, new SyncServer.Pool(minClients, cluster.minClientsTimeout()), checkpoints, recovery),
                        "server", DeviceDispatchers.get(ctx.getSystem()).onServerDevice(settings));
                ctx.watch(sync);
                sync.tell(new SyncServer.Run(ctx.messageAdapter(Finished.class, Done::new)));
            } else {
                ctx.scheduleOnce(cluster.minClientsTimeout(), ctx.getSelf(), new Done(null));
            }
        }

        Behavior<ServerCommand> behavior() {
            return Behaviors.receive(ServerCommand.class)
                    .onMessage(FromNode.class, this::onClaim)
                    .onMessage(ClientGone.class, this::onGone)
                    .onMessage(Done.class, this::onDone)
                    .onSignal(Terminated.class, t -> {
                        done.completeExceptionally(new IllegalStateException(
                                "the federated server stopped without finishing"));
                        return Behaviors.ignore();
                    })
                    .build();
        }

        private Behavior<ServerCommand> onClaim(FromNode m) {
            Register r = m.claim();
            Optional<String> refused = refusal(r, exp.data().numClients(), cluster);
            if (refused.isPresent()) {
                ctx.getLog().warn("server node: refused a registration: {}", refused.get());
                if (r != null && r.replyTo() != null) {
                    r.replyTo().tell(new Result(false, List.of(), refused.get()));
                }
                refusedSinceStart++;
                if (sync != null) {
                    sync.tell(new SyncServer.Membership(clients, 1));
                }
                return Behaviors.same();
            }
            List<Integer> ids = new ArrayList<>();
            boolean changed = false;
            for (Hosted h : r.clients()) {
                ActorRef<ToClient> old = remote.put(h.clientId(), h.client());
                if (!h.client().equals(old)) {
                    changed = true;
                    if (old != null) {
                        ctx.unwatch(old);
                    }
                    ctx.watchWith(h.client(), new ClientGone(h.clientId(), h.client()));
                    // Tasks and acknowledgements of any size: through the chunked transport.
                    clients.put(h.clientId(), ChunkedTransport.get(ctx.getSystem()).outbound(ctx, h.client()));
                }
                ids.add(h.clientId());
            }
            r.replyTo().tell(new Result(true, ids, null));
            if (changed) {
                ctx.getLog().info("server node: node {} registered clients {}; {} of {} clients registered", r.node(),
                        ids, clients.size(), exp.data().numClients());
                membershipChanged();
            }
            return Behaviors.same();
        }

        private Behavior<ServerCommand> onGone(ClientGone m) {
            if (m.client().equals(remote.get(m.clientId()))) {
                remote.remove(m.clientId());
                clients.remove(m.clientId());
                ctx.getLog().warn("server node: client {} is gone ({}: its node left or was downed); {} of {} clients "
                        + "registered", m.clientId(), m.client().path().address(), clients.size(),
                        exp.data().numClients());
                membershipChanged();
            }
            return Behaviors.same();
        }

        private void membershipChanged() {
            if (sync != null) {
                sync.tell(new SyncServer.Membership(clients, 0));
            } else if (async == null && clients.size() >= minClients) {
                // Asynchronous rounds keep the pool they start with (a node that goes fails its clients' tasks).
                async = ctx.spawn(AsyncServer.create(work, clients, settings, ActorSimulation.profiles(exp, settings),
                        listener), "server", DeviceDispatchers.get(ctx.getSystem()).onServerDevice(settings));
                ctx.watch(async);
                async.tell(new AsyncServer.Run(ctx.messageAdapter(Finished.class, Done::new)));
            }
        }

        private Behavior<ServerCommand> onDone(Done d) {
            if (d.finished() == null) { // the asynchronous run's wait for min-clients timed out
                if (async == null) {
                    done.complete(new Finished(List.of(), "only " + clients.size() + " of " + exp.data().numClients()
                            + " clients registered after waiting " + cluster.minClientsTimeout().toSeconds() + " s for "
                            + minClients + " (fedsub.cluster.min-clients, fedsub.cluster.min-clients-timeout)"));
                }
                return Behaviors.same();
            }
            if (refusedSinceStart > 0) {
                ctx.getLog().warn("server node: {} registrations refused during the run", refusedSinceStart);
            }
            done.complete(d.finished());
            // Stay: a stopped guardian would terminate the node's system, which then leaves the
            // cluster on its own; the node's owner decides when it goes.
            return Behaviors.receive(ServerCommand.class)
                    .onMessage(FromNode.class, f -> {
                        if (f.claim() != null && f.claim().replyTo() != null) {
                            f.claim().replyTo().tell(new Result(false, List.of(), "the run is over"));
                        }
                        return Behaviors.same();
                    })
                    .onAnyMessage(x -> Behaviors.same())
                    .onSignal(Terminated.class, t -> Behaviors.same())
                    .build();
        }
    }

    /**
     * Why the server refuses {@code r}, or empty when it accepts it: a malformed claim, a client
     * id outside the experiment, and (unless {@code open}) an unknown node, a wrong credential or
     * a client id the node may not host.
     */
    static Optional<String> refusal(Register r, int numClients, ClusterSettings cluster) {
        if (r == null || r.node() == null || r.clients() == null || r.replyTo() == null || r.clients().isEmpty()) {
            return Optional.of("malformed: a registration names its node, at least one client and a reply address");
        }
        Set<Integer> seen = new HashSet<>();
        List<Integer> ids = new ArrayList<>();
        for (Hosted h : r.clients()) {
            if (h == null || h.client() == null) {
                return Optional.of("malformed: node '" + r.node() + "' lists a client without its actor");
            }
            if (h.clientId() < 0 || h.clientId() >= numClients) {
                return Optional.of("node '" + r.node() + "': client id " + h.clientId() + " out of range (the experiment"
                        + " has clients 0 to " + (numClients - 1) + ")");
            }
            if (!seen.add(h.clientId())) {
                return Optional.of("malformed: node '" + r.node() + "' lists client " + h.clientId() + " twice");
            }
            ids.add(h.clientId());
        }
        if (cluster.open()) {
            return Optional.empty();
        }
        ClusterSettings.NodeGrant grant = cluster.nodes().get(r.node());
        if (grant == null) {
            return Optional.of("unknown node '" + r.node() + "' (not in fedsub.cluster.nodes)");
        }
        byte[] given = (r.credential() == null ? "" : r.credential()).getBytes(StandardCharsets.UTF_8);
        if (!MessageDigest.isEqual(given, grant.credential().getBytes(StandardCharsets.UTF_8))) {
            return Optional.of("node '" + r.node() + "': wrong credential");
        }
        List<Integer> notAllowed = ids.stream().filter(id -> !grant.clients().contains(id)).sorted().toList();
        if (!notAllowed.isEmpty()) {
            return Optional.of("node '" + r.node() + "' may not host clients " + notAllowed + " (fedsub.cluster.nodes."
                    + r.node() + ".clients = " + grant.clients() + ")");
        }
        return Optional.empty();
    }
}
