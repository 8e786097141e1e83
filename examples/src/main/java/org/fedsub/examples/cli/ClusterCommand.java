package org.fedsub.examples.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.pekko.actor.typed.ActorSystem;
import org.fedsub.actors.ActorSettings;
import org.fedsub.actors.cluster.ClusterNodes;
import org.fedsub.actors.cluster.ClusterSettings;
import org.fedsub.actors.server.Finished;
import org.fedsub.actors.server.ServerCheckpoint;
import org.fedsub.actors.sim.ActorSimulation;
import org.fedsub.actors.transport.ClusterTransport;
import org.fedsub.examples.results.MetricsEndpoint;
import org.fedsub.examples.results.MetricsFiles;
import org.fedsub.examples.results.RunRecord;
import org.fedsub.runtime.config.ConfigError;
import org.fedsub.runtime.config.Settings;
import org.fedsub.runtime.engine.Checkpoint;
import org.fedsub.runtime.engine.Experiment;
import org.fedsub.runtime.engine.Experiments;
import org.fedsub.runtime.engine.RunFailedException;
import org.fedsub.runtime.strategy.Strategy;

/**
 * {@code fedsub server <conf-file> [--data DIR]} and {@code fedsub client <conf-file> --clients IDS
 * --data DIR}: the two kinds of node of a federation on a Pekko cluster (docs/deploy.md). Both
 * read the client folders {@code fedsub partition} writes ({@code fedsub.data.type = folders}):
 * the server only the test file and the manifest of example counts, a client node only its own
 * clients' shards. The server writes the results folder {@code run} writes.
 */
public final class ClusterCommand {

    private ClusterCommand() {}

    /**
     * The parsed command line.
     *
     * @param args    config file, --set, --out, --overwrite, --threads, --help
     * @param data    --data DIR (null: the config's fedsub.data.folders.dir)
     * @param clients client: the ids of --clients, sorted; server: empty
     * @param resume  server: --resume DIR, the results folder of the run to continue (null: a new run)
     */
    public record Request(Args args, Path data, List<Integer> clients, Path resume) {

        public Request(Args args, Path data, List<Integer> clients) {
            this(args, data, clients, null);
        }
    }

    /** Parses the arguments after {@code server} or {@code client}. */
    public static Request parse(String command, List<String> argv) {
        List<String> rest = new ArrayList<>();
        Path data = null;
        Path resume = null;
        String clients = null;
        for (int i = 0; i < argv.size(); i++) {
            String a = argv.get(i);
            String name = a;
            String value = null;
            int eq = a.indexOf('=');
            if (a.startsWith("--") && eq > 0) {
                name = a.substring(0, eq);
                value = a.substring(eq + 1);
            }
            if (name.equals("--data") || name.equals("--clients") || name.equals("--resume")) {
                if (name.equals("--resume") && !command.equals("server")) {
                    throw new UsageError("unknown option '--resume' for " + command + " (the server takes it: a "
                            + "client node keeps its clients' state in fedsub.cluster.state-dir)");
                }
                if (value == null) {
                    if (++i >= argv.size()) {
                        throw new UsageError(name + " needs a value: " + (name.equals("--data") ? "--data DIR"
                                : name.equals("--resume") ? "--resume DIR, the results folder of the server's run"
                                : "--clients 0,1,2 (or a range, 0-2)"));
                    }
                    value = argv.get(i);
                }
                if (name.equals("--resume")) {
                    resume = Path.of(value);
                } else if (name.equals("--data")) {
                    data = Path.of(value);
                } else if (command.equals("client")) {
                    clients = value;
                } else {
                    throw new UsageError("unknown option '--clients' for server (client nodes host clients)");
                }
            } else {
                rest.add(a);
            }
        }
        Args args = Args.parse(command, rest);
        if (args.help()) {
            return new Request(args, data, List.of());
        }
        if (command.equals("client")) {
            if (args.out() != null) {
                throw new UsageError("--out is the server's: a client node writes no results folder");
            }
            if (clients == null) {
                throw new UsageError("client needs --clients IDS, the client ids this node hosts, e.g. --clients 0,1,2");
            }
            if (data == null) {
                throw new UsageError("client needs --data DIR, the folder ./fedsub partition wrote (only the folders of "
                        + "this node's clients need be there)");
            }
            return new Request(args, data, ids(clients));
        }
        if (resume != null && args.out() != null) {
            throw new UsageError("--resume DIR continues the run in DIR and writes there: drop --out");
        }
        return new Request(args, data, List.of(), resume);
    }

    /** "0,2,5-7" as sorted ids. */
    static List<Integer> ids(String text) {
        TreeSet<Integer> ids = new TreeSet<>();
        for (String part : text.split(",")) {
            String p = part.trim();
            try {
                int dash = p.indexOf('-', 1);
                if (dash > 0) {
                    int from = Integer.parseInt(p.substring(0, dash).trim());
                    int to = Integer.parseInt(p.substring(dash + 1).trim());
                    if (from < 0 || to < from || to - from > 1_000_000) {
                        throw new NumberFormatException();
                    }
                    for (int id = from; id <= to; id++) {
                        ids.add(id);
                    }
                } else {
                    int id = Integer.parseInt(p);
                    if (id < 0) {
                        throw new NumberFormatException();
                    }
                    ids.add(id);
                }
            } catch (NumberFormatException e) {
                throw new UsageError("--clients " + text + ": '" + p + "' is not a client id (an integer >= 0) or a "
                        + "range such as 0-4");
            }
        }
        return List.copyOf(ids);
    }

    /** The config with the data read from the folders as this node may: {@code hosted} ids only. */
    private static Config nodeConfig(Request r, List<Integer> hosted, String command) {
        Config root = ConfigFiles.load(r.args().file(), r.args().sets());
        if (r.data() != null) {
            root = root.withValue("fedsub.data.type", ConfigValueFactory.fromAnyRef("folders"))
                    .withValue("fedsub.data.folders.dir", ConfigValueFactory.fromAnyRef(r.data().toString()));
        }
        String type = Settings.stringAt(root.getConfig("fedsub.data"), "fedsub.data", "type");
        if (!type.equals("folders")) {
            throw new Refused(command + ": fedsub.data.type is " + type + ", but a cluster node reads the client "
                    + "folders ./fedsub partition writes: give --data DIR or run on the DIR/config.conf it wrote");
        }
        return root.withValue("fedsub.data.folders.hosted", ConfigValueFactory.fromIterable(hosted));
    }

    /**
     * The actor system's config: the node's cluster settings and transport (TLS with mutual
     * authentication unless fedsub.cluster.tls.enabled = off) over the process's, the compute pool sized.
     */
    private static Config systemConfig(Config root, ClusterSettings cluster, ActorSettings settings, boolean server) {
        return cluster.pekkoConfig(server)
                .withFallback(ClusterTransport.pekkoConfig(root))
                .withFallback(ConfigFactory.parseMap(Map.of(ActorSettings.COMPUTE_DISPATCHER
                        + ".thread-pool-executor.fixed-pool-size", settings.computePoolSize())))
                .withFallback(root);
    }

    private static ActorSettings actorSettings(Config root, Args a) {
        ActorSettings read = ActorSettings.fromConfig(root);
        return a.threads() > 0 ? read.withComputePoolSize(a.threads()) : read;
    }

    /** {@code fedsub server}: the coordinator; its results folder as {@code run} writes it. */
    public static Path server(Request r, PrintStream out, PrintStream terminal, StopSignal stop) throws IOException {
        Args a = r.args();
        if (a.out() != null) {
            OutputFolder.check(a.out(), a.overwrite());
        }
        Config root = nodeConfig(r, List.of(), "server");
        Experiment exp = Experiments.fromConfig(root);
        ClusterSettings cluster = ClusterSettings.fromConfig(root);
        cluster.checkServer(exp.data().numClients());
        ActorSettings settings = actorSettings(root, a);
        Strategy strategy = ActorSimulation.newStrategy(exp);
        settings.async().serverStrategy(strategy, exp); // fails now, naming the key, if the mode does not fit
        ServerCheckpoint.Recovery recovery = r.resume() == null ? null : recovery(r, root, exp, settings, strategy);
        Config system = systemConfig(root, cluster, settings, true);
        boolean checkpoints = Settings.boolAt(root.getConfig(Runs.CHECKPOINT), Runs.CHECKPOINT, "enabled")
                && !settings.async().asynchronous();
        Path[] into = new Path[1]; // the results folder, known once made
        Runs.Trainer trainer = (listener, checkpointing) -> {
            CompletableFuture<Finished> done = new CompletableFuture<>();
            ServerCheckpoint.Target target = checkpoints
                    ? new ServerCheckpoint.Target(into[0].resolve(Checkpoint.FILE_NAME), fingerprint(root)) : null;
            ActorSystem<ClusterNodes.ServerCommand> node = start(() -> ActorSystem.create(
                    ClusterNodes.serverNode(exp, strategy, settings, cluster, listener, done, target, recovery),
                    ClusterSettings.SYSTEM, system), cluster.serverHost() + ":" + cluster.serverPort());
            node.getWhenTerminated().thenRun(() -> done.completeExceptionally(
                    new RunFailedException("the server node's actor system stopped before the run finished", List.of())));
            try {
                ActorSimulation.Outcome o = ActorSimulation.outcome(exp, strategy, done.join());
                return new Runs.Trained(o.result(), o.rounds(), settings.async().asynchronous());
            } catch (java.util.concurrent.CompletionException e) {
                throw e.getCause() instanceof RuntimeException re ? re : e;
            } finally {
                node.terminate(); // leaves the cluster: the client nodes see the server go and exit
                node.getWhenTerminated().toCompletableFuture().join();
            }
        };
        MetricsEndpoint endpoint = null;
        RunRecord run;
        Path dir;
        try {
            endpoint = Runs.metricsEndpoint(root, out);
            if (recovery != null) {
                dir = r.resume(); // config.conf stays the one the run started with
            } else {
                dir = a.out() != null ? OutputFolder.prepare(a.out(), a.overwrite())
                        : Runs.newResultsDir(Path.of("results"), exp.name());
                Files.writeString(dir.resolve(Runs.CONFIG_CONF), ConfigFiles.render(root.withoutPath("fedsub.compare"),
                        header(a, r)), StandardCharsets.UTF_8);
            }
            into[0] = dir;
            out.println(exp.name() + ": " + Runs.describe(exp) + ", on a cluster (server " + cluster.seedNode()
                    + ", rounds start with " + cluster.minClients(exp.data().numClients()) + " clients registered"
                    + (cluster.open() ? ", open registration" : ", " + cluster.nodes().size() + " nodes allowed") + ")");
            if (recovery != null) {
                out.println(exp.name() + ": resuming at round " + (recovery.nextRound() + 1) + " of " + exp.rounds()
                        + " from " + dir.resolve(Checkpoint.FILE_NAME));
            }
            out.println("results -> " + dir);
            stop.arm();
            try (MetricsFiles.Appender metrics = recovery != null ? MetricsFiles.resumedOnActors(dir, recovery.reports())
                    : MetricsFiles.appender(dir, true)) {
                run = Runs.train(exp, trainer, terminal, exp.name(), metrics, stop, endpoint, null);
            }
        } finally {
            if (endpoint != null) {
                endpoint.close();
            }
        }
        Runs.writeResults(dir, run, Runs.target(root));
        out.println(Runs.finished(run));
        out.println("results in " + dir);
        if (run.interrupted()) {
            throw new RunInterrupted("interrupted at " + Runs.stoppedAt(run) + "; results in " + dir
                    + (checkpoints ? "; continue with: ./fedsub server " + Runs.shellWord(a.file().toString())
                            + " --resume " + Runs.shellWord(dir.toString()) + " (and the same --data and --set)" : ""));
        }
        return dir;
    }

    /**
     * The settings a server checkpoint is tied to: those that decide the numbers, without the
     * deployment's (fedsub.cluster: addresses, certificates, credentials, timeouts), which a
     * restarted server may change.
     */
    static String fingerprint(Config root) {
        return Runs.fingerprint(root.withoutPath(ClusterSettings.PATH));
    }

    /**
     * The run in {@code --resume DIR} to continue, checked before anything starts.
     *
     * @throws Refused in one line naming the folder or file: no checkpoint, one that does not
     *         read, of other settings, of a finished run, of asynchronous rounds
     */
    private static ServerCheckpoint.Recovery recovery(Request r, Config root, Experiment exp, ActorSettings settings,
            Strategy strategy) throws IOException {
        Path dir = r.resume();
        Path file = dir.resolve(Checkpoint.FILE_NAME);
        if (!Files.isDirectory(dir)) {
            throw new Refused("--resume: " + dir + " is not a folder; give the results folder of the server's run");
        }
        if (settings.async().asynchronous()) {
            throw new Refused("--resume: asynchronous runs (fedsub.actors.async.mode = "
                    + settings.async().mode().name().toLowerCase(java.util.Locale.ROOT) + ") cannot be resumed yet; "
                    + "only synchronous rounds are checkpointed");
        }
        if (!Files.isRegularFile(file)) {
            throw new Refused("--resume: no checkpoint " + file + " (the server writes it after every round unless "
                    + "fedsub.checkpoint.enabled = false)");
        }
        Checkpoint c;
        try {
            c = Checkpoint.read(file);
        } catch (Checkpoint.CorruptCheckpointException e) {
            throw new Refused("--resume: " + e.getMessage());
        }
        if (!c.fingerprint().equals(fingerprint(root))) {
            throw new Refused("--resume: the checkpoint " + file + " was written with other settings than "
                    + r.args().file() + " and the --set options give now; resume with the run's own settings (its "
                    + dir.resolve(Runs.CONFIG_CONF) + ")");
        }
        if (c.nextRound() >= exp.rounds()) {
            throw new Refused("--resume: the run in " + dir + " finished all its " + exp.rounds() + " rounds; nothing "
                    + "to resume");
        }
        try {
            ServerCheckpoint.Recovery recovery = ServerCheckpoint.recovery(c, strategy.name());
            strategy.restoreServerState(recovery.serverState()); // checks it fits, before anything starts
            return recovery;
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            throw new Refused("--resume: cannot continue from " + file + ": " + e.getMessage());
        }
    }

    /** {@code fedsub client}: hosts the clients of --clients until the server leaves. */
    public static void client(Request r, PrintStream out) {
        Args a = r.args();
        Config root = nodeConfig(r, r.clients(), "client");
        Experiment exp;
        try {
            exp = Experiments.fromConfig(root);
        } catch (ConfigError e) {
            if (e.path().equals("fedsub.data.folders.hosted")) {
                throw new UsageError("--clients: " + e.getMessage().replaceFirst("^fedsub\\.data\\.folders\\.hosted"
                        + "( = [^:]*)?: ", ""));
            }
            throw e;
        }
        ClusterSettings cluster = ClusterSettings.fromConfig(root);
        ActorSettings settings = actorSettings(root, a);
        if (cluster.stateDir() != null) {
            try {
                Files.createDirectories(cluster.stateDir());
            } catch (IOException e) {
                throw new Refused("cannot create fedsub.cluster.state-dir " + cluster.stateDir() + ": " + e);
            }
        }
        int[] ids = r.clients().stream().mapToInt(Integer::intValue).toArray();
        ClusterNodes.Hosting hosting;
        try {
            hosting = ClusterNodes.host(exp, cluster, ids);
        } catch (ClusterNodes.StateUnusable e) {
            throw new Refused(e.getMessage());
        }
        // One actor system per membership: a node the split brain resolver downed (the server
        // was lost) cannot join again, so the process starts another, keeping its clients.
        ClusterSettings joining = cluster;
        boolean rejoin = false;
        while (true) {
            Config system = systemConfig(root, joining, settings, false);
            CompletableFuture<String> done = new CompletableFuture<>();
            ClusterSettings now = joining;
            ActorSystem<ClusterNodes.NodeCommand> node = start(() -> ActorSystem.create(
                    ClusterNodes.clientNode(exp, settings, now, hosting, done), ClusterSettings.SYSTEM, system),
                    cluster.clientHost() + ":" + cluster.clientPort());
            AtomicBoolean up = new AtomicBoolean();
            org.apache.pekko.cluster.Cluster member = org.apache.pekko.cluster.Cluster.get(
                    org.apache.pekko.actor.typed.javadsl.Adapter.toClassic(node));
            member.registerOnMemberUp(() -> up.set(true));
            // Downed (the server lost): go on at once. The old system's own termination can take
            // a minute (its transport gives up on the dead server slowly), and the new one does
            // not need it gone (another port; the clients' steps take one call at a time).
            member.registerOnMemberRemoved(() -> {
                if (up.get()) {
                    done.completeExceptionally(new ServerLost());
                }
            });
            boolean rejoining = rejoin;
            node.getWhenTerminated().thenRun(() -> done.completeExceptionally(up.get() ? new ServerLost()
                    : new RunFailedException(rejoining
                            ? "lost the server and it did not come back within "
                                    + cluster.serverLostTimeout().toSeconds() + " s (fedsub.cluster.server-lost-timeout)"
                                    + "; restart it with ./fedsub server <conf> --resume <its results folder>"
                            : "could not join the server at " + cluster.seedNode() + " within "
                                    + cluster.joinTimeout().toSeconds() + " s (fedsub.cluster.join-timeout); is "
                                    + "./fedsub server running there and reachable?", List.of())));
            out.println("client node: clients " + r.clients() + " of " + exp.data().numClients() + ", "
                    + (rejoin ? "joining again " : "joining ") + cluster.seedNode());
            boolean lost = false;
            try {
                out.println("client node: " + done.join());
                return;
            } catch (java.util.concurrent.CompletionException e) {
                if (e.getCause() instanceof ServerLost) {
                    if (cluster.serverLostTimeout().isZero()) {
                        throw new RunFailedException("this node left the cluster before the server did (downed as "
                                + "unreachable, or stopped); fedsub.cluster.server-lost-timeout = 0, so it does not "
                                + "wait for the server to come back", List.of());
                    }
                    out.println("client node: lost the server (this node was downed: the server is unreachable); "
                            + "keeping the clients' state and trying to join again for up to "
                            + cluster.serverLostTimeout().toSeconds() + " s (fedsub.cluster.server-lost-timeout)");
                    joining = cluster.withJoinTimeout(cluster.serverLostTimeout());
                    rejoin = true;
                    lost = true;
                    continue;
                }
                if (e.getCause() instanceof ClusterNodes.StateUnusable unusable) {
                    throw new Refused(unusable.getMessage());
                }
                if (e.getCause() instanceof ClusterNodes.RegistrationRefused refused) {
                    throw new RunFailedException("the server refused this node's registration: " + refused.getMessage(),
                            List.of());
                }
                throw e.getCause() instanceof RuntimeException re ? re : e;
            } finally {
                node.terminate();
                if (!lost || cluster.clientPort() != 0) { // a fixed port is free only once it has gone
                    node.getWhenTerminated().toCompletableFuture().join();
                }
            }
        }
    }

    /** A client node's actor system ended after it had joined: downed, the server being unreachable. */
    private static final class ServerLost extends RuntimeException {
        private static final long serialVersionUID = 1L;

        ServerLost() {
            super("the server was lost", null, false, false);
        }
    }

    private interface Start<T> {
        ActorSystem<T> create();
    }

    /** Starts a node, turning a port that cannot be bound into one line. */
    private static <T> ActorSystem<T> start(Start<T> start, String address) {
        try {
            return start.create();
        } catch (RuntimeException e) {
            Throwable cause = e;
            while (cause.getCause() != null) {
                cause = cause.getCause();
            }
            if (cause instanceof java.net.BindException || String.valueOf(e.getMessage()).contains("bind")) {
                throw new Refused("cannot listen on " + address + " (fedsub.cluster.*.hostname, *.port): "
                        + cause.getMessage());
            }
            throw e;
        }
    }

    private static String header(Args a, Request r) {
        StringBuilder b = new StringBuilder("# The resolved settings of this run: ./fedsub server ").append(a.file());
        if (r.data() != null) {
            b.append(" --data ").append(r.data());
        }
        for (ConfigFiles.Override o : a.sets()) {
            b.append(" --set ").append(o.text());
        }
        return b.append('\n').toString();
    }
}
