package org.fedsub.actors.sim;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.fedsub.actors.ActorSettings;
import org.fedsub.actors.client.ClientActor;
import org.fedsub.actors.client.ClientHost;
import org.fedsub.actors.device.ComputePlacement;
import org.fedsub.actors.device.Device;
import org.fedsub.actors.device.DeviceDispatchers;
import org.fedsub.actors.protocol.FederatedProtocol.ToClient;
import org.fedsub.actors.server.AsyncServer;
import org.fedsub.actors.server.Finished;
import org.fedsub.actors.server.RoundReport;
import org.fedsub.actors.server.SyncServer;
import org.fedsub.runtime.config.ConfigError;
import org.fedsub.runtime.engine.ClientStep;
import org.fedsub.runtime.engine.Experiment;
import org.fedsub.runtime.engine.RoundListener;
import org.fedsub.runtime.engine.RoundMetrics;
import org.fedsub.runtime.engine.RunFailedException;
import org.fedsub.runtime.engine.RunResult;
import org.fedsub.runtime.engine.ServerStep;
import org.fedsub.runtime.state.ClientStateStore;
import org.fedsub.runtime.state.StateSettings;
import org.fedsub.runtime.strategy.ClientFactory;
import org.fedsub.runtime.strategy.Strategies;
import org.fedsub.runtime.strategy.Strategy;
import org.fedsub.runtime.strategy.StrategyContext;

/**
 * Runs an experiment on actors in this JVM: its clients hosted by a few {@link ClientHost}s per
 * device ({@code fedsub.actors.client-hosting = hosted}, the default) or one supervised
 * {@link ClientActor} per client ({@code actors}), one
 * {@link SyncServer} (synchronous rounds) or {@link AsyncServer} (asynchronous: FedBuff or
 * FedAsync). With full participation and no faults the result equals the reference engine's for
 * the same experiment and seed.
 */
public final class ActorSimulation {

    private ActorSimulation() {}

    /** A finished run: what the reference engine returns, plus the runtime's view of each round. */
    public record Outcome(RunResult result, List<RoundReport> rounds) {}

    /** Runs {@code exp} on a fresh actor system configured from the classpath, and terminates it. */
    public static RunResult run(Experiment exp, ActorSettings settings) {
        return run(exp, settings, ConfigFactory.load(), RoundListener.NONE).result();
    }

    /**
     * Runs {@code exp} on a fresh actor system configured by {@code systemConfig} (a resolved
     * config; the compute pool is sized by {@code settings}), and terminates it.
     *
     * @throws RunFailedException if the run ended with an error
     */
    public static Outcome run(Experiment exp, ActorSettings settings, Config systemConfig, RoundListener listener) {
        Strategy strategy = newStrategy(exp);
        StateSettings.fromConfig(systemConfig); // a bad fedsub.state fails here, before any actor exists
        CompletableFuture<Finished> done = new CompletableFuture<>();
        Config config = ConfigFactory.parseMap(Map.of(
                ActorSettings.COMPUTE_DISPATCHER + ".thread-pool-executor.fixed-pool-size", settings.computePoolSize()))
                .withFallback(systemConfig);
        ActorSystem<Finished> system = ActorSystem.create(
                behavior(exp, strategy, settings, Map.of(), listener, done), "fedsub", config);
        system.getWhenTerminated().thenRun(() -> done.completeExceptionally(
                new IllegalStateException("the actor system terminated before run " + exp.name() + " finished")));
        try {
            return outcome(exp, strategy, done.join());
        } finally {
            system.terminate();
            system.getWhenTerminated().toCompletableFuture().join();
        }
    }

    /** The server half of the experiment's strategy, with the initial model of its seed. */
    public static Strategy newStrategy(Experiment exp) {
        return Strategies.create(exp.strategy(), new StrategyContext(exp.model(), exp.train(), exp.seed(),
                exp.data().numClients(), exp.model().init(exp.seed())));
    }

    /** The simulated clients of {@code exp} under {@code settings} (speeds, links, faults). */
    public static ClientProfiles profiles(Experiment exp, ActorSettings settings) {
        return new ClientProfiles(settings.clients(), exp.seed(), exp.data().numClients(), exp.train().localSteps(),
                settings.clock() == ActorSettings.Clock.VIRTUAL);
    }

    /**
     * The client actor of {@code clientId} as a simulation runs it: supervised, over its data
     * view, behaving as its profile says.
     */
    public static Behavior<ToClient> client(Experiment exp, ClientFactory clients, ActorSettings settings,
            ClientProfiles profiles, int clientId) {
        return client(exp, clients, settings, profiles, null, clientId);
    }

    /**
     * The client halves of {@code exp}'s strategy, built without a server (no global model, no
     * server state): what a node that only hosts clients needs.
     */
    public static ClientFactory clientFactory(Experiment exp) {
        return Strategies.clients(exp.strategy(), new StrategyContext(exp.model(), exp.train(), exp.seed(),
                exp.data().numClients(), null));
    }

    /** As above, with the client's state dormant in {@code store} between its calls ({@code null}: kept live). */
    public static Behavior<ToClient> client(Experiment exp, ClientFactory clients, ActorSettings settings,
            ClientProfiles profiles, ClientStateStore store, int clientId) {
        return ClientActor.supervised(ClientStep.of(exp, clients.newClient(clientId), clientId, store),
                profiles.behaviour(clientId), settings);
    }

    /**
     * The simulation as a behavior (the guardian of {@link #run}; tests spawn it in their own
     * system): spawns the clients, with {@code overrides} standing in for some of them, and the
     * server, runs, completes {@code done} and stops.
     */
    public static Behavior<Finished> behavior(Experiment exp, Strategy strategy, ActorSettings settings,
            Map<Integer, Behavior<ToClient>> overrides, RoundListener listener, CompletableFuture<Finished> done) {
        return behavior(exp, strategy, settings, overrides, listener, done, null);
    }

    /**
     * As above, with the clients' dormant state in {@code states}, which the caller owns;
     * {@code null} for a store of the run's own, sized by the actor system's {@code fedsub.state}
     * (a setting of the process, like its heap) and closed when the run stops.
     */
    public static Behavior<Finished> behavior(Experiment exp, Strategy strategy, ActorSettings settings,
            Map<Integer, Behavior<ToClient>> overrides, RoundListener listener, CompletableFuture<Finished> done,
            ClientStateStore states) {
        // Before any actor exists: a strategy that cannot run in the configured mode fails here.
        ServerStep work = new ServerStep(exp, settings.async().serverStrategy(strategy, exp));
        boolean async = settings.async().asynchronous();
        return Behaviors.setup(ctx -> {
            ClientStateStore store;
            try {
                store = states != null ? states
                        : ClientStateStore.open(StateSettings.fromConfig(ctx.getSystem().settings().config()));
            } catch (ConfigError e) {
                done.completeExceptionally(e);
                return Behaviors.stopped();
            }
            ClientProfiles profiles = profiles(exp, settings);
            Map<Integer, ActorRef<ToClient>> clients = new HashMap<>();
            if (settings.clientHosting() == ActorSettings.ClientHosting.HOSTED) {
                hostClients(ctx, exp, strategy, settings, profiles, store, overrides, clients);
            }
            for (int id = 0; id < exp.data().numClients(); id++) {
                if (clients.containsKey(id)) {
                    continue;
                }
                Behavior<ToClient> b = overrides.containsKey(id) ? overrides.get(id)
                        : client(exp, strategy::newClient, settings, profiles, store, id);
                clients.put(id, ctx.spawn(b, "client-" + id, ClientActor.onItsDevice(ctx.getSystem(), settings, id)));
            }
            Props onServerDevice = DeviceDispatchers.get(ctx.getSystem()).onServerDevice(settings);
            if (async) {
                ActorRef<AsyncServer.Command> server = ctx.spawn(
                        AsyncServer.create(work, clients, settings, profiles, listener), "server", onServerDevice);
                ctx.watch(server);
                server.tell(new AsyncServer.Run(ctx.getSelf()));
            } else {
                ActorRef<SyncServer.Command> server = ctx.spawn(
                        SyncServer.create(work, clients, settings, profiles, listener), "server", onServerDevice);
                ctx.watch(server);
                server.tell(new SyncServer.Run(ctx.getSelf()));
            }
            return Behaviors.receive(Finished.class)
                    .onMessage(Finished.class, f -> {
                        done.complete(f);
                        return Behaviors.stopped();
                    })
                    .onSignal(Terminated.class, t -> {
                        done.completeExceptionally(new IllegalStateException("the federated server stopped without finishing"));
                        return Behaviors.stopped();
                    })
                    .onSignal(PostStop.class, s -> {
                        if (states == null) {
                            store.close(); // deletes its spill files
                        }
                        return Behaviors.same();
                    })
                    .build();
        });
    }

    /**
     * Hosts per device thread. A host works off its clients one at a time, so a round's clients
     * are shared out over the threads only as evenly as over the hosts: with 16 a thread, 10
     * clients a round on two threads rarely put more than two on one host.
     */
    static final int HOSTS_PER_THREAD = 16;

    /**
     * Hosts the clients of {@code exp} that {@code overrides} does not stand in for
     * ({@link ClientHost}): each on the device its placement gives it, shared out over
     * {@link #HOSTS_PER_THREAD} hosts per thread of that device; their addresses, named
     * {@code client-<id>} under the simulation's actor, go into {@code clients}.
     */
    private static void hostClients(org.apache.pekko.actor.typed.javadsl.ActorContext<?> ctx, Experiment exp,
            Strategy strategy, ActorSettings settings, ClientProfiles profiles, ClientStateStore store,
            Map<Integer, Behavior<ToClient>> overrides, Map<Integer, ActorRef<ToClient>> clients) {
        DeviceDispatchers devices = DeviceDispatchers.get(ctx.getSystem());
        ComputePlacement placement = devices.placement(settings);
        Map<Device, List<ClientHost.Guest>> byDevice = new java.util.LinkedHashMap<>();
        for (int id = 0; id < exp.data().numClients(); id++) {
            if (!overrides.containsKey(id)) {
                ClientHost.Guest g = ClientHost.guest(ClientStep.of(exp, strategy.newClient(id), id, store),
                        profiles.behaviour(id));
                byDevice.computeIfAbsent(placement.place(id), d -> new java.util.ArrayList<>()).add(g);
            }
        }
        byDevice.forEach((device, guests) -> {
            int hosts = Math.min(guests.size(), HOSTS_PER_THREAD * device.threads());
            for (int h = 0; h < hosts; h++) {
                List<ClientHost.Guest> mine = new java.util.ArrayList<>();
                for (int i = h; i < guests.size(); i += hosts) {
                    mine.add(guests.get(i));
                }
                ActorRef<ClientHost.Command> host = ctx.spawn(ClientHost.create(mine, settings, placement),
                        "clients-" + device.label() + "-" + h, devices.onDevice(settings, device));
                for (ClientHost.Guest g : mine) {
                    clients.put(g.clientId(), ClientHost.address(ctx, host, g, "client-" + g.clientId()));
                }
            }
        });
    }

    /** The run's result once {@code finished}: the strategy's final model and each round's metrics. */
    public static Outcome outcome(Experiment exp, Strategy strategy, Finished finished) {
        List<RoundMetrics> metrics = finished.rounds().stream().map(RoundReport::metrics).toList();
        if (finished.error() != null) {
            throw new RunFailedException("run " + exp.name() + " failed after " + metrics.size() + " rounds: "
                    + finished.error(), metrics);
        }
        return new Outcome(new RunResult(exp.name(), strategy.name(), metrics, strategy.globalModel()), finished.rounds());
    }
}
