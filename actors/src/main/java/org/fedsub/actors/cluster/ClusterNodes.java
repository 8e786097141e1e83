package org.fedsub.actors.cluster;

import java.util.HashMap;
import java.util.Map;
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
 * The guardians of a run spread over cluster nodes. A client node spawns its share of the
 * clients (as {@code /user/client-<id>}) and registers each with the Receptionist under
 * {@link #CLIENTS}; the server node waits until the Receptionist lists every client of the
 * experiment, then runs the coordinator of the configured round structure over them
 * ({@code /user/server}). Every node builds the same {@link Experiment} from the same config
 * and seed, so each client's data and behaviour are the ones a one-JVM simulation gives it.
 *
 * <p>Artery paths that receive tensors, for {@code large-message-destinations} on every node:
 * {@value #CLIENT_PATHS} (clients) and {@value #SERVER_PATHS} (the coordinator's and its round
 * actors' reply adapters).
 */
public final class ClusterNodes {

    /** Where every client actor is registered. */
    public static final ServiceKey<ToClient> CLIENTS = ServiceKey.create(ToClient.class, "fedsub-clients");

    /** Large-message destinations of the clients. */
    public static final String CLIENT_PATHS = "/user/*";

    /** Large-message destinations of the server: its adapter (FedBuff) and its round actors' adapters. */
    public static final String SERVER_PATHS = "/user/server/*, /user/server/*/*";

    private static final String CLIENT_PREFIX = "client-";

    private ClusterNodes() {}

    /** The guardian of a client node hosting {@code ids}: spawns and registers them, then idles. */
    public static Behavior<Void> clientNode(Experiment exp, ActorSettings settings, int[] ids) {
        return Behaviors.setup(ctx -> {
            ClientFactory clients = ActorSimulation.clientFactory(exp); // client halves only, no server
            ClientProfiles profiles = ActorSimulation.profiles(exp, settings);
            for (int id : ids) {
                ActorRef<ToClient> client = ctx.spawn(ActorSimulation.client(exp, clients, settings, profiles, id),
                        CLIENT_PREFIX + id);
                ctx.getSystem().receptionist().tell(Receptionist.register(CLIENTS, client));
            }
            ctx.getLog().info("client node: {} clients registered", ids.length);
            return Behaviors.empty();
        });
    }

    /** What the server node's guardian receives. */
    public sealed interface ServerCommand {}

    private record Listed(Receptionist.Listing listing) implements ServerCommand, NoSerializationVerificationNeeded {}

    private record Done(Finished finished) implements ServerCommand, NoSerializationVerificationNeeded {}

    /**
     * The guardian of the server node: once every client of {@code exp} is listed, runs
     * {@code strategy}'s server over them and completes {@code done} with the run's end. It
     * does not stop afterwards (that would terminate the node): the node's owner does.
     *
     * @throws org.fedsub.runtime.config.ConfigError if the strategy cannot run in the configured round structure
     */
    public static Behavior<ServerCommand> serverNode(Experiment exp, Strategy strategy, ActorSettings settings,
            RoundListener listener, CompletableFuture<Finished> done) {
        ServerStep work = new ServerStep(exp, settings.async().serverStrategy(strategy, exp));
        return Behaviors.setup(ctx -> {
            ActorRef<Receptionist.Listing> listings = ctx.messageAdapter(Receptionist.Listing.class, Listed::new);
            ctx.getSystem().receptionist().tell(Receptionist.subscribe(CLIENTS, listings));
            return waiting(exp, work, settings, listener, done);
        });
    }

    private static Behavior<ServerCommand> waiting(Experiment exp, ServerStep work, ActorSettings settings,
            RoundListener listener, CompletableFuture<Finished> done) {
        return Behaviors.receive(ServerCommand.class)
                .onMessage(Listed.class, m -> {
                    Map<Integer, ActorRef<ToClient>> clients = new HashMap<>();
                    for (ActorRef<ToClient> ref : m.listing().getServiceInstances(CLIENTS)) {
                        clients.put(clientId(ref), ref);
                    }
                    if (clients.size() < exp.data().numClients()) {
                        return Behaviors.same();
                    }
                    return Behaviors.setup(ctx -> {
                        // Tasks, acknowledgements and replies of any size: through the chunked transport.
                        clients.replaceAll((id, ref) -> ChunkedTransport.get(ctx.getSystem()).outbound(ctx, ref));
                        return running(ctx, exp, work, settings, clients, listener, done);
                    });
                })
                .build();
    }

    private static Behavior<ServerCommand> running(ActorContext<ServerCommand> ctx, Experiment exp, ServerStep work,
            ActorSettings settings, Map<Integer, ActorRef<ToClient>> clients, RoundListener listener,
            CompletableFuture<Finished> done) {
        ctx.getLog().info("server node: all {} clients listed, starting run {}", clients.size(), exp.name());
        ClientProfiles profiles = ActorSimulation.profiles(exp, settings);
        ActorRef<Finished> finished = ctx.messageAdapter(Finished.class, Done::new);
        if (settings.async().asynchronous()) {
            ActorRef<AsyncServer.Command> server = ctx.spawn(
                    AsyncServer.create(work, clients, settings, profiles, listener), "server");
            ctx.watch(server);
            server.tell(new AsyncServer.Run(finished));
        } else {
            ActorRef<SyncServer.Command> server = ctx.spawn(
                    SyncServer.create(work, clients, settings, profiles, listener), "server");
            ctx.watch(server);
            server.tell(new SyncServer.Run(finished));
        }
        return Behaviors.receive(ServerCommand.class)
                .onMessage(Listed.class, m -> Behaviors.same()) // clients that leave now are DeathWatch's business
                .onMessage(Done.class, d -> {
                    done.complete(d.finished());
                    // Stay: a stopped guardian would terminate the node's system, which then
                    // leaves the cluster on its own; the node's owner decides when it goes.
                    return Behaviors.ignore();
                })
                .onSignal(Terminated.class, t -> {
                    done.completeExceptionally(new IllegalStateException("the federated server stopped without finishing"));
                    return Behaviors.ignore();
                })
                .build();
    }

    /** The client id in a client's actor name, {@code client-<id>}. */
    static int clientId(ActorRef<?> ref) {
        String name = ref.path().name();
        if (!name.startsWith(CLIENT_PREFIX)) {
            throw new IllegalArgumentException("not a fedsub client (expected a name client-<id>): " + ref.path());
        }
        return Integer.parseInt(name.substring(CLIENT_PREFIX.length()));
    }
}
