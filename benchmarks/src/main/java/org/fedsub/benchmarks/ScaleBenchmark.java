package org.fedsub.benchmarks;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;
import java.util.function.IntFunction;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.bytedeco.javacpp.Pointer;
import org.fedsub.actors.ActorSettings;
import org.fedsub.actors.client.ClientActor;
import org.fedsub.actors.client.ClientHost;
import org.fedsub.actors.device.DeviceDispatchers;
import org.fedsub.actors.protocol.FederatedProtocol.ToClient;
import org.fedsub.actors.sim.ActorSimulation;
import org.fedsub.actors.sim.ClientProfiles;
import org.fedsub.runtime.codec.Codec;
import org.fedsub.runtime.compute.HostArrays;
import org.fedsub.runtime.data.FederatedData;
import org.fedsub.runtime.data.SyntheticData;
import org.fedsub.runtime.engine.ClientStep;
import org.fedsub.runtime.engine.Experiment;
import org.fedsub.runtime.engine.Experiments;
import org.fedsub.runtime.engine.Participation;
import org.fedsub.runtime.engine.ReferenceEngine;
import org.fedsub.runtime.engine.RoundListener;
import org.fedsub.runtime.model.LogisticRegression;
import org.fedsub.runtime.model.Model;
import org.fedsub.runtime.state.ClientStateStore;
import org.fedsub.runtime.state.StateSettings;
import org.fedsub.runtime.strategy.Aggregate;
import org.fedsub.runtime.strategy.ClientAlgorithm;
import org.fedsub.runtime.strategy.ClientUpdate;
import org.fedsub.runtime.strategy.Strategy;
import org.fedsub.runtime.strategy.StrategySettings;
import org.fedsub.runtime.strategy.TrainSettings;
import org.nd4j.linalg.api.buffer.DataType;
import org.slf4j.LoggerFactory;

/**
 * The scale figures of issue 3, from one command ({@code benchmarks/run-scale}; notes and the
 * last results in {@code benchmarks/SCALE.md}):
 *
 * <ol>
 *   <li>{@code throughput}: client updates per second of the actor runtime against the
 *       reference engine's sequential loop on the same work (logistic regression on
 *       Synthetic(1,1), a tiny model so that overhead shows), for 1,000 and 10,000 clients with
 *       a fixed number of clients per round;
 *   <li>{@code heap}: heap (and off-heap) per FedSub client with live duals and per dormant
 *       client (state in a {@link ClientStateStore}, as the actor runtime keeps it), against
 *       the size of its dual state, measured as the growth of used heap after full GCs;
 *   <li>{@code capacity}: dormant FedSub client actors are spawned in steps into this JVM's
 *       heap (run it with -Xmx4g) until it is nearly full.
 * </ol>
 */
public final class ScaleBenchmark {

    private static final long SEED = 1;
    private static final DataType DTYPE = DataType.FLOAT;
    /** {@code --thread-cpu on}: print each timed run's CPU time by thread group (a diagnosis of the actors' cost). */
    private static boolean threadCpu;
    /** {@code --client-hosting hosted|actors}: how the actor runtime runs its clients (default: fedsub.actors.client-hosting's). */
    private static String clientHosting;

    private ScaleBenchmark() {}

    /** Command-line options; every one has a default. */
    private record Options(List<String> sections, List<String> strategies, int[] clients, int[] threads, int rounds,
            int perRound, int reps, int heapClients, int capacityStep, double capacityFill) {

        static Options parse(String[] args) {
            List<String> sections = List.of("throughput", "heap", "capacity");
            List<String> strategies = List.of("fedavg", "fedsub");
            int[] clients = {1_000, 10_000};
            int[] threads = {1, 2};
            // Rounds 2..R-2 are timed: at 40 the windows were under a second, too short to read a
            // 10% difference (benchmarks/SCALE.md); on the serial collector 120 rounds were about a
            // second again; with the transient arrays recycled (2-3x the rate) 240 rounds were 0.9-1.5 s,
            // 600 give 2-4 s.
            int rounds = 600;
            int perRound = 100;
            int reps = 5;
            int heapClients = 2_000;
            int capacityStep = 200_000;
            double capacityFill = 0.92;
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                String v = i + 1 < args.length ? args[i + 1] : null;
                if (v == null) {
                    throw usage("missing value after " + a);
                }
                switch (a) {
                    case "--only" -> sections = List.of(v.split(","));
                    case "--strategies" -> strategies = List.of(v.split(","));
                    case "--clients" -> clients = Arrays.stream(v.split(",")).mapToInt(Integer::parseInt).toArray();
                    case "--threads" -> threads = Arrays.stream(v.split(",")).mapToInt(Integer::parseInt).toArray();
                    case "--rounds" -> rounds = Integer.parseInt(v);
                    case "--per-round" -> perRound = Integer.parseInt(v);
                    case "--reps" -> reps = Integer.parseInt(v);
                    case "--heap-clients" -> heapClients = Integer.parseInt(v);
                    case "--capacity-step" -> capacityStep = Integer.parseInt(v);
                    case "--capacity-fill" -> capacityFill = Double.parseDouble(v);
                    case "--thread-cpu" -> threadCpu = switch (v) {
                        case "on" -> true;
                        case "off" -> false;
                        default -> throw usage("--thread-cpu takes on or off, not " + v);
                    };
                    case "--client-hosting" -> clientHosting = switch (v) {
                        case "hosted", "actors" -> v;
                        default -> throw usage("--client-hosting takes hosted or actors, not " + v);
                    };
                    default -> throw usage("unknown option " + a);
                }
                i++;
            }
            if (rounds < 4) {
                throw usage("--rounds must be >= 4 (the first and last rounds are not timed)");
            }
            return new Options(sections, strategies, clients, threads, rounds, perRound, reps, heapClients, capacityStep,
                    capacityFill);
        }

        private static IllegalArgumentException usage(String why) {
            return new IllegalArgumentException(why + "; options (defaults): --only throughput,heap,capacity"
                    + "  --strategies fedavg,fedsub  --clients 1000,10000  --threads 1,2  --rounds 600  --per-round 100"
                    + "  --reps 5  --heap-clients 2000  --capacity-step 200000  --capacity-fill 0.92"
                    + "  --thread-cpu off (on: also print each timed run's CPU by thread group)"
                    + "  --client-hosting (fedsub.actors.client-hosting's default; hosted or actors)");
        }
    }

    public static void main(String[] args) throws Exception {
        Options o = Options.parse(args);
        ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME))
                .setLevel(ch.qos.logback.classic.Level.WARN);
        Runtime rt = Runtime.getRuntime();
        System.out.printf(Locale.ROOT, "# fedsub scale benchmark: Java %s, %d cores, max heap %.2f GiB, GC %s,"
                + " OMP_NUM_THREADS=%s, javacpp maxbytes %.2f GiB%n# args: %s%n", System.getProperty("java.version"),
                rt.availableProcessors(), gib(rt.maxMemory()), java.lang.management.ManagementFactory
                        .getGarbageCollectorMXBeans().stream().map(b -> b.getName()).toList(),
                System.getenv("OMP_NUM_THREADS"), gib(Pointer.maxBytes()), String.join(" ", args));
        if (o.sections().contains("throughput")) {
            throughput(o);
        }
        if (o.sections().contains("heap")) {
            heap(o);
        }
        if (o.sections().contains("capacity")) {
            capacity(o);
        }
    }

    // ---------------------------------------------------------------- throughput

    /** Synthetic(1,1) with {@code users} users of at most 20 examples, logistic regression, float32. */
    private static Experiment experiment(String strategy, int users, int dim, int classes, int rounds,
            Participation participation) {
        FederatedData data = SyntheticData.generate(new SyntheticData.Spec(1, 1, false, users, dim, classes, 20),
                DTYPE, SEED);
        Model model = new LogisticRegression(dim, classes, DTYPE);
        StrategySettings s = StrategySettings.fromConfig(
                Experiments.load(ConfigFactory.parseString("fedsub.strategy.name = " + strategy)));
        // Evaluate once, after the last round, which is not timed.
        return new Experiment("scale-" + strategy + "-" + users, SEED, rounds, participation, rounds, 1000,
                Codec.named("float32", "fedsub.codec"), model, data, TrainSettings.sgd(5, 10, 0.05, rounds), s);
    }

    /** Steady-state rate of a run: updates of rounds 2 .. R-2 over the time from the end of round 1 to the end of R-2. */
    private record Rate(double updatesPerSecond, double timedSeconds, double totalSeconds, double cpuMillisPerUpdate) {}

    /** CPU time of this whole process (every thread: compute, dispatchers, GC, JIT), in nanoseconds. */
    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime();
    }

    private static Rate time(Experiment exp, Function<RoundListener, ?> run) {
        int rounds = exp.rounds();
        long[] end = new long[rounds];
        long[] cpu = new long[rounds];
        int[] used = new int[rounds];
        long t0 = System.nanoTime();
        java.util.Map<String, Long> groups0 = new java.util.TreeMap<>();
        java.util.Map<String, Long> groups1 = new java.util.TreeMap<>();
        run.apply(m -> {
            end[m.round()] = System.nanoTime();
            cpu[m.round()] = processCpuNanos();
            used[m.round()] = m.used();
            if (threadCpu && (m.round() == 1 || m.round() == rounds - 2)) {
                java.util.Map<String, Long> g = m.round() == 1 ? groups0 : groups1;
                java.lang.management.ThreadMXBean tb = java.lang.management.ManagementFactory.getThreadMXBean();
                for (java.lang.management.ThreadInfo ti : tb.getThreadInfo(tb.getAllThreadIds())) {
                    if (ti != null) {
                        g.merge(ti.getThreadName().replaceAll("[0-9]+", "N"), tb.getThreadCpuTime(ti.getThreadId()), Long::sum);
                    }
                }
                g.merge("PROCESS", cpu[m.round()], Long::sum);
                for (var gc : java.lang.management.ManagementFactory.getGarbageCollectorMXBeans()) {
                    // GC-ms: collection time in ms; GC-count: collections. Scaled so that the listing's ns -> ms shows them.
                    g.merge("GC-ms", gc.getCollectionTime() * 1_000_000, Long::sum);
                    g.merge("GC-count", gc.getCollectionCount() * 1_000_000, Long::sum);
                }
            }
        });
        if (!groups1.isEmpty()) {
            // PROCESS less the threads listed is the JVM's own work (GC, JIT), which no Java thread shows.
            StringBuilder b = new StringBuilder("  cpu ms by thread group:");
            groups1.forEach((k, v) -> {
                long d = (v - groups0.getOrDefault(k, 0L)) / 1_000_000;
                if (d > 5 || k.startsWith("GC")) {
                    b.append(' ').append(k).append('=').append(d);
                }
            });
            System.out.println(b);
        }
        double total = (System.nanoTime() - t0) / 1e9;
        int first = 1;
        int last = rounds - 2;
        long updates = 0;
        for (int r = first + 1; r <= last; r++) {
            updates += used[r];
        }
        double timed = (end[last] - end[first]) / 1e9;
        return new Rate(updates / timed, timed, total, (cpu[last] - cpu[first]) / 1e6 / updates);
    }

    private static ActorSettings actorSettings(int pool) {
        return ActorSettings.fromConfig(Experiments.load(ConfigFactory.parseString(
                "fedsub.actors { compute-pool-size = " + pool + ", round-deadline = 10m"
                        + (clientHosting == null ? "" : ", client-hosting = " + clientHosting) + " }")));
    }

    private static Config systemConfig() {
        return ConfigFactory.parseString("pekko { loglevel = WARNING, stdout-loglevel = WARNING }")
                .withFallback(ConfigFactory.load());
    }

    private static void throughput(Options o) throws Exception {
        System.out.printf(Locale.ROOT, "%n## (a) client updates per second: logistic regression 60x10 on Synthetic(1,1),"
                + " <= 20 examples a client, 5 local steps of 10, %d clients a round, %d rounds (rounds 2..%d timed),"
                + " median of %d runs each, reference and actor runs interleaved (ABBA)%n", o.perRound(), o.rounds(),
                o.rounds() - 2, o.reps());
        System.out.println("| strategy | clients | threads | reference engine (updates/s) | actor runtime (updates/s)"
                + " | actors cost (ref rate / actor rate) | paired ratios: median (min-max)"
                + " | CPU ms per update, ref / actor | CPU cost (actor / ref) | timed s, actor / ref"
                + " | actor run incl. spawn, s | reference run, s |");
        System.out.println("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        Config sys = systemConfig();
        // Warm-up: JIT and ND4J for both paths, with each strategy of the table (a strategy's own
        // client and server code is otherwise compiled inside its first row's timed runs).
        for (String strategy : o.strategies()) {
            Experiment warm = experiment(strategy, 500, 60, 10, 12, new Participation(o.perRound(), 1.0, 1));
            for (int i = 0; i < 2; i++) {
                time(warm, l -> new ReferenceEngine(warm).run(l));
                time(warm, l -> ActorSimulation.run(warm, actorSettings(1), sys, l));
            }
        }
        for (String strategy : o.strategies()) {
            for (int n : o.clients()) {
                Experiment exp = experiment(strategy, n, 60, 10, o.rounds(), new Participation(o.perRound(), 1.0, 1));
                for (int threads : o.threads()) {
                    double[] ref = new double[o.reps()];
                    double[] act = new double[o.reps()];
                    double[] ratio = new double[o.reps()];
                    double[] refTotal = new double[o.reps()];
                    double[] actTotal = new double[o.reps()];
                    double[] refTimed = new double[o.reps()];
                    double[] actTimed = new double[o.reps()];
                    double[] refCpu = new double[o.reps()];
                    double[] actCpu = new double[o.reps()];
                    ActorSettings settings = actorSettings(threads);
                    for (int k = 0; k < o.reps(); k++) {
                        // ABBA: which engine runs first alternates, so a drift in the machine's load
                        // over a pair weighs on both alike.
                        Rate r = null;
                        Rate a = null;
                        for (int half = 0; half < 2; half++) {
                            System.gc(); // neither run inherits the other's garbage (or ND4J's freed buffers)
                            if ((half == 0) == (k % 2 == 0)) {
                                r = timeReference(exp, threads);
                            } else {
                                a = time(exp, l -> ActorSimulation.run(exp, settings, sys, l));
                            }
                        }
                        ref[k] = r.updatesPerSecond();
                        refTotal[k] = r.totalSeconds();
                        refTimed[k] = r.timedSeconds();
                        act[k] = a.updatesPerSecond();
                        actTotal[k] = a.totalSeconds();
                        actTimed[k] = a.timedSeconds();
                        refCpu[k] = r.cpuMillisPerUpdate();
                        actCpu[k] = a.cpuMillisPerUpdate();
                        ratio[k] = ref[k] / act[k];
                    }
                    double r = median(ref);
                    double a = median(act);
                    double[] sorted = ratio.clone();
                    Arrays.sort(sorted);
                    System.out.printf(Locale.ROOT, "| %s | %,d | %d | %,.0f | %,.0f | %.2fx | %.2fx (%.2f-%.2f)"
                            + " | %.3f / %.3f | %.2fx | %.1f / %.1f | %.1f | %.1f |%n", strategy, n, threads, r, a, r / a,
                            median(ratio), sorted[0], sorted[sorted.length - 1], median(refCpu), median(actCpu),
                            median(actCpu) / median(refCpu), median(actTimed), median(refTimed), median(actTotal),
                            median(refTotal));
                }
            }
        }
    }

    private static Rate timeReference(Experiment exp, int threads) {
        ExecutorService pool = threads == 1 ? null : Executors.newFixedThreadPool(threads);
        try {
            return time(exp, l -> (pool == null ? new ReferenceEngine(exp) : new ReferenceEngine(exp, pool)).run(l));
        } finally {
            if (pool != null) {
                pool.shutdown();
            }
        }
    }

    // ---------------------------------------------------------------- heap

    /**
     * Used heap (Runtime) after full GCs, repeated until two in a row agree to 256 KiB or 0.1%:
     * ND4J frees the native memory of collected tensors on its own threads, and until they have
     * caught up its bookkeeping (about 100 B a dead tensor) is still on the heap. If it never
     * settles (background allocation), the least of 40 measurements.
     */
    private static long usedHeap() throws InterruptedException {
        Runtime rt = Runtime.getRuntime();
        long previous = Long.MAX_VALUE;
        long least = Long.MAX_VALUE;
        for (int i = 0; i < 40; i++) {
            System.gc();
            Thread.sleep(200);
            long used = rt.totalMemory() - rt.freeMemory();
            if (Math.abs(previous - used) < Math.max(256 << 10, used / 1000)) {
                return used;
            }
            previous = used;
            least = Math.min(least, used);
        }
        System.err.println("ScaleBenchmark: used heap did not settle in 40 full GCs; taking the least");
        return least;
    }

    private static void heap(Options o) throws Exception {
        System.out.printf(Locale.ROOT, "%n## (b) memory per FedSub client (rank-rate 0.5, cd, no momentum) after one round"
                + " each: growth of used heap after System.gc() (Runtime) over a warmed-up base, divided by the"
                + " clients; a live client's off-heap part is its tensors' values (ND4J allocates them natively, unseen"
                + " by JavaCPP's counters)%n");
        System.out.println("| model | clients | dual state (r x m float32) | live client (algorithm with tensors):"
                + " heap + off-heap | dormant client (algorithm + store entry) | of which exported state |"
                + " dormant / dual state | live / dormant | dormant actor client (+ actor, ClientStep) |"
                + " actor client / dual state | dormant hosted client (+ address, ClientStep) | hosted client / dual state |");
        System.out.println("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        heapRow("logreg 60x10", 60, 10, o.heapClients());
        heapRow("logreg 1000x100", 1000, 100, Math.max(50, o.heapClients() / 8));
    }

    /** Trains clients {@code from} until {@code to} one round and acknowledges them. */
    private static void trainOneRound(Experiment exp, Strategy s, ClientAlgorithm[] clients, int from, int to) {
        for (int chunk = from; chunk < to; chunk += 500) {
            List<ClientUpdate> ups = new ArrayList<>();
            for (int i = chunk; i < Math.min(to, chunk + 500); i++) {
                clients[i] = s.newClient(i);
                ups.add(clients[i].train(0, s.configure(0, i), exp.data().client(i)));
            }
            Aggregate agg = s.aggregate(0, ups, List.of());
            for (int id : agg.used()) {
                clients[id].onAggregated(0, agg.ack());
            }
        }
    }

    /**
     * Used heap after a collection, without this thread's spare arrays: {@code HostArrays} keeps
     * up to 256 a thread for reuse (bounded per thread, not per client), which would otherwise
     * be counted as the clients' own.
     */
    private static long usedHeapWithoutSpares() throws InterruptedException {
        HostArrays.freeSpares();
        return usedHeap();
    }

    private static void heapRow(String label, int dim, int classes, int n) throws Exception {
        int warm = 50;
        Experiment exp = experiment("fedsub", n + warm, dim, classes, 1, Participation.full());
        Strategy s = ActorSimulation.newStrategy(exp);
        ClientAlgorithm[] clients = new ClientAlgorithm[n + warm];
        ClientStateStore store = ClientStateStore.open(StateSettings.unbounded());
        ActorSettings settings = actorSettings(1);
        ClientProfiles profiles = ActorSimulation.profiles(exp, settings);
        ActorSystem<Spawn> system = ActorSystem.create(spawner(), "heap", systemConfig());
        try {
            // Warm-up: every lazy initialisation, and ND4J's bookkeeping grown to this many clients' worth of
            // tensors, before the base. Clients n .. n+warm-1 stay, so the store and the actors are warm too.
            trainOneRound(exp, s, clients, 0, n);
            Arrays.fill(clients, null);
            trainOneRound(exp, s, clients, n, n + warm);
            for (int i = n; i < n + warm; i++) {
                store.checkOut(i);
                store.checkIn(i, clients[i].suspend());
            }
            spawn(system, n, n + warm, i -> ActorSimulation.client(exp, s::newClient, settings, profiles, store, i));
            long base = usedHeapWithoutSpares();

            trainOneRound(exp, s, clients, 0, n);
            long duals = clients[0].stateBytes();
            long live = usedHeapWithoutSpares();
            for (int i = 0; i < n; i++) {
                store.checkOut(i);
                store.checkIn(i, clients[i].suspend());
            }
            long dormant = usedHeapWithoutSpares();
            double exported = (double) store.stats().memoryBytes() / (n + warm);
            Arrays.fill(clients, null); // the actors and hosts hold their own (stateless) algorithms
            long stored = usedHeapWithoutSpares();
            // The clients hosted, then the same clients once more as actors (both read the same dormant states).
            spawn(system, new Spawn(0, n, null, i -> ClientHost.guest(ClientStep.of(exp, s.newClient(i), i, store),
                    profiles.behaviour(i)), settings, new CompletableFuture<>()));
            long hosted = usedHeapWithoutSpares();
            spawn(system, 0, n, i -> ActorSimulation.client(exp, s::newClient, settings, profiles, store, i));
            long actors = usedHeapWithoutSpares();

            double liveHeap = (double) (live - base) / n;
            double liveBytes = liveHeap + duals;
            double sleeping = (double) (dormant - base) / n;
            double hostedClient = (double) (hosted - base) / n;
            double actorClient = (double) (stored - base) / n + (double) (actors - hosted) / n;
            System.out.printf(Locale.ROOT, "| %s | %,d | %,d B | %,.0f B (%,.0f + %,d) | %,.0f B | %,.0f B | %.2fx | %.2fx"
                    + " | %,.0f B | %.2fx | %,.0f B | %.2fx |%n", label, n, duals, liveBytes, liveHeap, duals, sleeping,
                    exported, sleeping / duals, liveBytes / sleeping, actorClient, actorClient / duals, hostedClient,
                    hostedClient / duals);
        } finally {
            system.terminate();
            system.getWhenTerminated().toCompletableFuture().join();
            store.close();
        }
    }

    // ---------------------------------------------------------------- capacity

    /**
     * Spawns client actors {@code from} until {@code to} from {@code client}, or, with {@code guest},
     * one {@link ClientHost} of those clients and their addresses, and completes {@code done}.
     */
    private record Spawn(int from, int to, IntFunction<Behavior<ToClient>> client, IntFunction<ClientHost.Guest> guest,
            ActorSettings settings, CompletableFuture<Void> done) {}

    private static Behavior<Spawn> spawner() {
        return Behaviors.receive((ctx, s) -> {
            if (s.guest() == null) {
                for (int i = s.from(); i < s.to(); i++) {
                    ctx.spawn(s.client().apply(i), "client-" + i);
                }
            } else {
                List<ClientHost.Guest> guests = new ArrayList<>();
                for (int i = s.from(); i < s.to(); i++) {
                    guests.add(s.guest().apply(i));
                }
                ActorRef<ClientHost.Command> host = ctx.spawn(ClientHost.create(guests, s.settings(),
                        DeviceDispatchers.get(ctx.getSystem()).placement(s.settings())), "host-" + s.from());
                for (ClientHost.Guest g : guests) {
                    ClientHost.address(ctx, host, g, "hosted-" + g.clientId());
                }
            }
            s.done().complete(null);
            return Behaviors.same();
        });
    }

    private static void spawn(ActorSystem<Spawn> system, int from, int to, IntFunction<Behavior<ToClient>> client)
            throws InterruptedException {
        spawn(system, new Spawn(from, to, client, null, null, new CompletableFuture<>()));
    }

    private static void spawn(ActorSystem<Spawn> system, Spawn s) throws InterruptedException {
        system.tell(s);
        s.done().join();
        Thread.sleep(500); // the new actors run their setup on the default dispatcher
    }

    private static void capacity(Options o) throws Exception {
        Runtime rt = Runtime.getRuntime();
        System.out.printf(Locale.ROOT, "%n## (c) dormant FedSub client actors (logreg 60x10, every state in memory) in a"
                + " %.2f GiB heap: spawned in steps of up to %,d until used heap after GC reaches %.0f%%%n",
                gib(rt.maxMemory()), o.capacityStep(), 100 * o.capacityFill());
        // 100 real clients trained one round give real states; client i keeps a copy of state i % 100.
        int k = 100;
        Experiment exp = experiment("fedsub", k, 60, 10, 1, Participation.full());
        Strategy s = ActorSimulation.newStrategy(exp);
        byte[][] states = new byte[k][];
        List<ClientUpdate> ups = new ArrayList<>();
        ClientAlgorithm[] trained = new ClientAlgorithm[k];
        for (int i = 0; i < k; i++) {
            trained[i] = s.newClient(i);
            ups.add(trained[i].train(0, s.configure(0, i), exp.data().client(i)));
        }
        Aggregate agg = s.aggregate(0, ups, List.of());
        for (int id : agg.used()) {
            trained[id].onAggregated(0, agg.ack());
            states[id] = trained[id].suspend();
        }
        ups = null;
        agg = null;
        ActorSettings settings = actorSettings(1);
        ClientStateStore store = ClientStateStore.open(StateSettings.unbounded());
        ActorSystem<Spawn> system = ActorSystem.create(spawner(), "capacity", systemConfig());
        System.out.println("| clients | used heap, GiB | share of max | heap per client, B | state bytes per client |");
        System.out.println("|---:|---:|---:|---:|---:|");
        IntFunction<Behavior<ToClient>> client = i -> ClientActor.supervised(new ClientStep(s.newClient(i),
                exp.data().client(i % k), exp.codec(), exp.model().dtype(), store), settings);
        try {
            // Warm-up (ids far above the measured ones; they stay): lazy initialisation happens before the base.
            int warm = 1 << 30;
            spawn(system, warm, warm + 1000, client);
            long base = usedHeapWithoutSpares();
            int n = 0;
            double per = 0;
            long used = base;
            int step = o.capacityStep();
            while (true) {
                int from = n;
                int to = n + step;
                spawn(system, from, to, client);
                for (int i = from; i < to; i++) {
                    store.checkOut(i);
                    store.checkIn(i, states[i % k].clone());
                }
                n = to;
                used = usedHeap();
                per = (double) (used - base) / n;
                System.out.printf(Locale.ROOT, "| %,d | %.2f | %.0f%% | %,.0f | %,.0f |%n", n, gib(used),
                        100.0 * used / rt.maxMemory(), per, (double) store.stats().memoryBytes() / n);
                // Smaller steps near the end, so that the last one lands just under the fill target.
                double room = o.capacityFill() * rt.maxMemory() - used;
                step = (int) Math.min(step, room / per);
                if (step < o.capacityStep() / 20) {
                    break;
                }
            }
            long full = (long) ((rt.maxMemory() - base) / per);
            System.out.printf(Locale.ROOT, "%nMeasured: %,d dormant FedSub client actors in %.2f GiB of used heap"
                    + " (base %.2f GiB). At %,.0f B a client, the %.2f GiB heap holds about %,d (every state in"
                    + " memory).%n", n, gib(used), gib(base), per, gib(rt.maxMemory()), full);
            double exported = (double) store.stats().memoryBytes() / n;
            long spilling = (long) ((rt.maxMemory() - base - (256L << 20)) / (per - exported + 64));
            System.out.printf(Locale.ROOT, "With the default fedsub.state.memory-budget = 256MiB the rest spills to disk"
                    + " (%,.0f B a client on disk, ~64 B of index in heap): about %,d clients (extrapolated).%n",
                    exported + 16, spilling);
        } finally {
            system.terminate();
            system.getWhenTerminated().toCompletableFuture().join();
            store.close();
        }
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static double gib(long bytes) {
        return bytes / (double) (1L << 30);
    }
}
