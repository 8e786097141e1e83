package org.fedsub.actors;

import static org.fedsub.runtime.config.Settings.doubleAt;
import static org.fedsub.runtime.config.Settings.durationAt;
import static org.fedsub.runtime.config.Settings.intAt;
import static org.fedsub.runtime.config.Settings.nonNegative;
import static org.fedsub.runtime.config.Settings.oneOf;
import static org.fedsub.runtime.config.Settings.path;
import static org.fedsub.runtime.config.Settings.positive;

import com.typesafe.config.Config;
import java.time.Duration;
import java.util.List;
import org.fedsub.actors.device.Devices;
import org.fedsub.runtime.config.ConfigError;
import org.fedsub.runtime.config.Settings;
import org.fedsub.runtime.engine.Experiment;
import org.fedsub.runtime.strategy.AsyncAggregation;
import org.fedsub.runtime.strategy.Strategy;

/**
 * Settings of the actor runtime ({@code fedsub.actors}; defaults and meanings in this module's
 * {@code reference.conf}).
 *
 * @param roundDeadline   how long a round waits for its clients; later updates are discarded and counted late
 * @param minCompletion   fraction of the round's target of clients that must report in time, in [0, 1];
 *                        below it the round is dropped and the model kept
 * @param overSelection   extra fraction of clients sampled on top of the target (>= 0); the round closes
 *                        when the target number of updates has arrived
 * @param computePoolSize threads of each device's dispatcher that does not set its own (>= 1)
 * @param clientRestarts  restarts of a client whose training throws before it is given up on (>= 0)
 * @param backoff         restart back-off of failing clients
 * @param clock           real: rounds run on the wall clock; virtual: on simulated time, reproducible from the seed
 * @param realTimeout     virtual clock only: wall-clock limit of a round (a client that never answers at all)
 * @param clients         simulated client behaviour: speed, network, availability, dropouts
 * @param async           synchronous rounds, FedBuff or FedAsync
 * @param devices         the compute devices and how clients are placed on them
 * @param clientHosting   how a simulation runs its clients: hosted by a few actors per device, or an actor each
 */
public record ActorSettings(Duration roundDeadline, double minCompletion, double overSelection, int computePoolSize,
        int clientRestarts, Backoff backoff, Clock clock, Duration realTimeout, Clients clients, Async async,
        Devices devices, ClientHosting clientHosting) {

    /** How time passes in a run. */
    public enum Clock {
        /** Wall-clock time; slow clients and links are emulated by holding replies back. */
        REAL,
        /** Simulated time advanced by modelled compute and transfer durations. */
        VIRTUAL
    }

    /** How a simulation in one JVM runs its clients ({@code fedsub.actors.client-hosting}). */
    public enum ClientHosting {
        /** Many clients as the state of one actor of their device ({@code ClientHost}): the default. */
        HOSTED,
        /** One supervised actor per client ({@code ClientActor}), as a cluster node runs its clients. */
        ACTORS
    }

    public static final String PATH = "fedsub.actors";

    /**
     * The template of every device's dispatcher (type, throughput; configured in reference.conf):
     * see {@link org.fedsub.actors.device.DeviceDispatchers}.
     */
    public static final String COMPUTE_DISPATCHER = "fedsub.compute-dispatcher";

    public ActorSettings {
        positive(path(PATH, "round-deadline"), roundDeadline);
        if (!(minCompletion >= 0 && minCompletion <= 1)) {
            throw new ConfigError(path(PATH, "min-completion"), minCompletion, "expected a fraction in [0, 1]");
        }
        if (!(overSelection >= 0) || !Double.isFinite(overSelection)) {
            throw new ConfigError(path(PATH, "over-selection"), overSelection,
                    "expected a finite fraction >= 0 (0.3 samples 30% more clients than the target)");
        }
        if (computePoolSize < 1) {
            throw new ConfigError(path(PATH, "compute-pool-size"), computePoolSize, "expected an integer >= 1");
        }
        if (clientRestarts < 0) {
            throw new ConfigError(path(PATH, "client-restarts"), clientRestarts,
                    "expected an integer >= 0 (0: a client whose training throws is given up on at once)");
        }
        positive(path(PATH, "real-timeout"), realTimeout);
        java.util.Objects.requireNonNull(devices, "devices");
        java.util.Objects.requireNonNull(clientHosting, "clientHosting");
    }

    private static ClientHosting hostingAt(Config c) {
        return oneOf(c, PATH, "client-hosting", List.of("hosted", "actors")).equals("actors") ? ClientHosting.ACTORS
                : ClientHosting.HOSTED;
    }

    /** These settings with a simulation's clients run as {@code h} says. */
    public ActorSettings withClientHosting(ClientHosting h) {
        return new ActorSettings(roundDeadline, minCompletion, overSelection, computePoolSize, clientRestarts, backoff,
                clock, realTimeout, clients, async, devices, h);
    }

    /**
     * The defaults: {@code fedsub.actors} of the reference config on the classpath (this
     * module's {@code reference.conf}, the one place where defaults are written). Programmatic
     * users start here and change what they need with the {@code with...} methods.
     */
    public static ActorSettings defaults() {
        return fromConfig(com.typesafe.config.ConfigFactory.defaultReference());
    }

    /** Reads {@code fedsub.actors} from a resolved root config. */
    public static ActorSettings fromConfig(Config root) {
        Config c = subtree(root, PATH);
        String b = path(PATH, "client-backoff");
        Config bc = subtree(root, b);
        return new ActorSettings(durationAt(c, PATH, "round-deadline"), doubleAt(c, PATH, "min-completion"),
                doubleAt(c, PATH, "over-selection"), intAt(c, PATH, "compute-pool-size"),
                intAt(c, PATH, "client-restarts"),
                new Backoff(durationAt(bc, b, "min"), durationAt(bc, b, "max"), doubleAt(bc, b, "random-factor"),
                        durationAt(bc, b, "reset-after")),
                oneOf(c, PATH, "clock", List.of("real", "virtual")).equals("virtual") ? Clock.VIRTUAL : Clock.REAL,
                durationAt(c, PATH, "real-timeout"), Clients.fromConfig(subtree(root, Clients.PATH)),
                Async.fromConfig(subtree(root, Async.PATH)), Devices.fromConfig(root),
                hostingAt(c));
    }

    public ActorSettings withRoundDeadline(Duration d) {
        return new ActorSettings(d, minCompletion, overSelection, computePoolSize, clientRestarts, backoff, clock,
                realTimeout, clients, async, devices, clientHosting);
    }

    public ActorSettings withMinCompletion(double f) {
        return new ActorSettings(roundDeadline, f, overSelection, computePoolSize, clientRestarts, backoff, clock,
                realTimeout, clients, async, devices, clientHosting);
    }

    public ActorSettings withOverSelection(double f) {
        return new ActorSettings(roundDeadline, minCompletion, f, computePoolSize, clientRestarts, backoff, clock,
                realTimeout, clients, async, devices, clientHosting);
    }

    public ActorSettings withComputePoolSize(int threads) {
        return new ActorSettings(roundDeadline, minCompletion, overSelection, threads, clientRestarts, backoff, clock,
                realTimeout, clients, async, devices, clientHosting);
    }

    public ActorSettings withClientRestarts(int n, Backoff b) {
        return new ActorSettings(roundDeadline, minCompletion, overSelection, computePoolSize, n, b, clock, realTimeout,
                clients, async, devices, clientHosting);
    }

    public ActorSettings withClock(Clock c) {
        return new ActorSettings(roundDeadline, minCompletion, overSelection, computePoolSize, clientRestarts, backoff, c,
                realTimeout, clients, async, devices, clientHosting);
    }

    public ActorSettings withClients(Clients c) {
        return new ActorSettings(roundDeadline, minCompletion, overSelection, computePoolSize, clientRestarts, backoff,
                clock, realTimeout, c, async, devices, clientHosting);
    }

    /** These settings with clients placed on {@code d}'s devices. */
    public ActorSettings withDevices(Devices d) {
        return new ActorSettings(roundDeadline, minCompletion, overSelection, computePoolSize, clientRestarts, backoff,
                clock, realTimeout, clients, async, d, clientHosting);
    }

    public ActorSettings withAsync(Async a) {
        return new ActorSettings(roundDeadline, minCompletion, overSelection, computePoolSize, clientRestarts, backoff,
                clock, realTimeout, clients, a, devices, clientHosting);
    }

    /**
     * How long the end of a run waits for a client still busy with what it was sent (a late
     * training, an acknowledgement to fold): a round's wall-clock limit on either clock.
     */
    public Duration quiesceTimeout() {
        return clock == Clock.VIRTUAL ? realTimeout : roundDeadline;
    }

    /** The round deadline in seconds (the virtual clock's unit). */
    public double deadlineSeconds() {
        return roundDeadline.toNanos() / 1e9;
    }

    /**
     * Simulated client behaviour ({@code fedsub.actors.clients}); every draw is a pure function
     * of the experiment seed, the client and the round.
     *
     * @param stepSeconds        modelled compute time of one local step on a client of speed 1 (>= 0)
     * @param speedSigma         sigma of the log of each client's slowdown (log-normal, median 1; >= 0)
     * @param slowFraction       fraction of clients that are stragglers, in [0, 1]
     * @param slowFactor         how many times slower a straggler is (>= 1), on top of its log-normal draw
     * @param latency            one-way message latency
     * @param uplinkBytesPerSec  client-to-server bandwidth in bytes/s (0: unlimited)
     * @param downlinkBytesPerSec server-to-client bandwidth in bytes/s (0: unlimited)
     * @param availability       probability that a sampled client is available for the round, in [0, 1]
     * @param dropout            probability that an available client drops out mid-round, in [0, 1]
     */
    public record Clients(double stepSeconds, double speedSigma, double slowFraction, double slowFactor,
            Duration latency, double uplinkBytesPerSec, double downlinkBytesPerSec, double availability,
            double dropout) {

        public static final String PATH = ActorSettings.PATH + ".clients";

        public Clients {
            nonNegative(path(PATH, "step-seconds"), stepSeconds);
            nonNegative(path(PATH, "speed.sigma"), speedSigma);
            fraction(path(PATH, "speed.slow-fraction"), slowFraction);
            if (!(slowFactor >= 1) || !Double.isFinite(slowFactor)) {
                throw new ConfigError(path(PATH, "speed.slow-factor"), slowFactor, "expected a finite number >= 1");
            }
            if (latency == null || latency.isNegative()) {
                throw new ConfigError(path(PATH, "latency"), latency, "expected a duration >= 0");
            }
            nonNegative(path(PATH, "uplink-bytes-per-second"), uplinkBytesPerSec);
            nonNegative(path(PATH, "downlink-bytes-per-second"), downlinkBytesPerSec);
            fraction(path(PATH, "availability"), availability);
            fraction(path(PATH, "dropout"), dropout);
        }

        static Clients fromConfig(Config c) {
            return new Clients(doubleAt(c, PATH, "step-seconds"), doubleAt(c, PATH, "speed.sigma"),
                    doubleAt(c, PATH, "speed.slow-fraction"), doubleAt(c, PATH, "speed.slow-factor"),
                    durationAt(c, PATH, "latency"), doubleAt(c, PATH, "uplink-bytes-per-second"),
                    doubleAt(c, PATH, "downlink-bytes-per-second"), doubleAt(c, PATH, "availability"),
                    doubleAt(c, PATH, "dropout"));
        }

        /** Every client equally fast, always there, on an instant network. */
        public Clients withFaults(double availability, double dropout) {
            return new Clients(stepSeconds, speedSigma, slowFraction, slowFactor, latency, uplinkBytesPerSec,
                    downlinkBytesPerSec, availability, dropout);
        }

        public Clients withSpeed(double stepSeconds, double sigma, double slowFraction, double slowFactor) {
            return new Clients(stepSeconds, sigma, slowFraction, slowFactor, latency, uplinkBytesPerSec,
                    downlinkBytesPerSec, availability, dropout);
        }

        public Clients withNetwork(Duration latency, double uplinkBytesPerSec, double downlinkBytesPerSec) {
            return new Clients(stepSeconds, speedSigma, slowFraction, slowFactor, latency, uplinkBytesPerSec,
                    downlinkBytesPerSec, availability, dropout);
        }
    }

    /**
     * Round structure ({@code fedsub.actors.async}): synchronous rounds, FedBuff (Nguyen et al.,
     * 2022: clients train concurrently on whatever model version is current, the server
     * aggregates every {@code bufferSize} arrivals with staleness weight {@code 1/sqrt(1+s)}), or
     * FedAsync (Xie et al., 2019): FedBuff with a buffer of one and the weight
     * {@code alpha * s(staleness)} of {@link FedAsync}.
     *
     * @param mode         sync, fedbuff or fedasync
     * @param bufferSize   FedBuff's K, arrivals per aggregation (>= 1); FedAsync applies every arrival alone
     * @param concurrency  clients training at once (>= 1), or 0 for the participation target
     * @param maxStaleness updates more than this many versions old are discarded (>= 0)
     * @param dualStep     FedBuff only, in (0, 1]: fedsub's duals move by this times their
     *                     staleness-weighted drift estimate (see {@link AsyncAggregation})
     * @param fedAsync     FedAsync's mixing weight and staleness function
     */
    public record Async(Mode mode, int bufferSize, int concurrency, int maxStaleness, double dualStep,
            FedAsync fedAsync) {

        public static final String PATH = ActorSettings.PATH + ".async";

        /** How rounds are structured. */
        public enum Mode {
            /** Synchronous rounds with a deadline. */
            SYNC,
            /** Buffered asynchronous aggregation, K arrivals at a time, weight 1/sqrt(1+s). */
            FEDBUFF,
            /** Every arrival applied at once with weight alpha * s(staleness). */
            FEDASYNC;

            /** The name used in configuration. */
            public String configName() {
                return name().toLowerCase(java.util.Locale.ROOT);
            }
        }

        public Async {
            java.util.Objects.requireNonNull(mode, "mode");
            java.util.Objects.requireNonNull(fedAsync, "fedAsync");
            if (bufferSize < 1) {
                throw new ConfigError(path(PATH, "buffer-size"), bufferSize, "expected an integer >= 1");
            }
            if (concurrency < 0) {
                throw new ConfigError(path(PATH, "concurrency"), concurrency,
                        "expected an integer >= 1, or 0 for the participation target");
            }
            if (maxStaleness < 0) {
                throw new ConfigError(path(PATH, "max-staleness"), maxStaleness, "expected an integer >= 0");
            }
            if (!(dualStep > 0 && dualStep <= 1)) {
                throw new ConfigError(path(PATH, "dual-step"), dualStep,
                        "expected a number in (0, 1]: 1 moves a client's dual by its whole last drift estimate");
            }
        }

        static Async fromConfig(Config c) {
            List<String> modes = java.util.Arrays.stream(Mode.values()).map(Mode::configName).toList();
            Mode mode = Mode.valueOf(oneOf(c, PATH, "mode", modes).toUpperCase(java.util.Locale.ROOT));
            return new Async(mode, intAt(c, PATH, "buffer-size"), intAt(c, PATH, "concurrency"),
                    intAt(c, PATH, "max-staleness"), doubleAt(c, PATH, "dual-step"), FedAsync.fromConfig(c));
        }

        /** These settings in FedBuff mode, with the given buffer, concurrency and staleness bound. */
        public Async fedBuff(int bufferSize, int concurrency, int maxStaleness) {
            return new Async(Mode.FEDBUFF, bufferSize, concurrency, maxStaleness, dualStep, fedAsync);
        }

        /** These settings with FedBuff's dual step {@code dualStep} (in (0, 1]). */
        public Async withDualStep(double dualStep) {
            return new Async(mode, bufferSize, concurrency, maxStaleness, dualStep, fedAsync);
        }

        /** These settings in FedAsync mode, with the given mixing rule, concurrency and staleness bound. */
        public Async fedAsync(FedAsync rule, int concurrency, int maxStaleness) {
            return new Async(Mode.FEDASYNC, bufferSize, concurrency, maxStaleness, dualStep, rule);
        }

        /** True for FedBuff and FedAsync: no rounds, a model version per aggregation. */
        public boolean asynchronous() {
            return mode != Mode.SYNC;
        }

        /** Clients training at once: {@code concurrency}, or the participation {@code target} when it is 0. */
        public int effectiveConcurrency(int target, int numClients) {
            return Math.min(concurrency > 0 ? concurrency : target, numClients);
        }

        /**
         * {@code strategy} as this mode runs it: itself in synchronous rounds, else wrapped in an
         * {@link AsyncAggregation} with this mode's staleness weights (FedAsync acknowledges with
         * the mean of as many recent updates as train at once). This is the one place where a
         * run checks that its strategy can run asynchronously.
         *
         * @throws ConfigError at {@code fedsub.actors.async.mode} if it cannot, naming why
         */
        public Strategy serverStrategy(Strategy strategy, Experiment exp) {
            if (!asynchronous()) {
                return strategy;
            }
            String label = mode == Mode.FEDASYNC ? "FedAsync" : "FedBuff";
            strategy.whyNotAsynchronous().ifPresent(why -> {
                throw new ConfigError(path(PATH, "mode"), mode.configName(), label + " cannot run "
                        + strategy.name() + ": " + why + " (use mode = \"sync\")");
            });
            int ackWindow = mode == Mode.FEDASYNC
                    ? effectiveConcurrency(exp.participation().count(exp.data().numClients()), exp.data().numClients())
                    : 1;
            return new AsyncAggregation(strategy, exp.strategy().byExamples(), maxStaleness, this::weight, ackWindow,
                    mode == Mode.FEDBUFF ? dualStep : 1.0);
        }

        /** Arrivals per aggregation: K for FedBuff, 1 for FedAsync. */
        public int effectiveBufferSize() {
            return mode == Mode.FEDASYNC ? 1 : bufferSize;
        }

        /** The weight of an update {@code staleness} versions old in an aggregation. */
        public double weight(int staleness) {
            return mode == Mode.FEDASYNC ? fedAsync.weight(staleness) : fedBuffWeight(staleness);
        }

        /** FedBuff's staleness weight {@code 1/sqrt(1+s)}. */
        public static double fedBuffWeight(int staleness) {
            return 1.0 / Math.sqrt(1.0 + staleness);
        }
    }

    /**
     * FedAsync's update rule ({@code fedsub.actors.async.fedasync}): an update {@code s}
     * versions old moves the global model by {@code alpha * s(staleness) * delta}.
     *
     * @param alpha     mixing weight, in (0, 1]
     * @param staleness the staleness function
     */
    public record FedAsync(double alpha, Staleness staleness) {

        public static final String PATH = Async.PATH + ".fedasync";

        /** alpha 0.6 with polynomial staleness, a = 0.5, as in reference.conf. */
        public FedAsync {
            if (!(alpha > 0 && alpha <= 1)) {
                throw new ConfigError(path(PATH, "alpha"), alpha, "expected a mixing weight in (0, 1]");
            }
            java.util.Objects.requireNonNull(staleness, "staleness");
        }

        static FedAsync fromConfig(Config async) {
            return new FedAsync(doubleAt(async, Async.PATH, "fedasync.alpha"), Staleness.fromConfig(async));
        }

        /** {@code alpha * s(staleness)}. */
        public double weight(int staleness) {
            return alpha * this.staleness.weight(staleness);
        }
    }

    /**
     * A staleness function {@code s(t)} of FedAsync (Xie et al., 2019), {@code t} the versions
     * an update is behind; every one gives 1 at {@code t = 0}.
     *
     * @param function constant ({@code 1}), polynomial ({@code (1+t)^-a}) or hinge
     *                 ({@code 1} if {@code t <= b}, else {@code 1/(a(t-b)+1)})
     * @param a        the decay exponent (polynomial) or slope (hinge), >= 0
     * @param b        the hinge's grace period in versions, >= 0
     */
    public record Staleness(Function function, double a, double b) {

        public static final String PATH = FedAsync.PATH + ".staleness";

        /** The shapes of staleness function. */
        public enum Function { CONSTANT, POLYNOMIAL, HINGE }

        public Staleness {
            java.util.Objects.requireNonNull(function, "function");
            nonNegative(path(PATH, "a"), a);
            nonNegative(path(PATH, "b"), b);
        }

        static Staleness fromConfig(Config async) {
            String f = oneOf(async, Async.PATH, "fedasync.staleness.function", List.of("constant", "polynomial", "hinge"));
            return new Staleness(Function.valueOf(f.toUpperCase(java.util.Locale.ROOT)),
                    doubleAt(async, Async.PATH, "fedasync.staleness.a"),
                    doubleAt(async, Async.PATH, "fedasync.staleness.b"));
        }

        public static Staleness constant() {
            return new Staleness(Function.CONSTANT, 0, 0);
        }

        public static Staleness polynomial(double a) {
            return new Staleness(Function.POLYNOMIAL, a, 0);
        }

        public static Staleness hinge(double a, double b) {
            return new Staleness(Function.HINGE, a, b);
        }

        /** {@code s(t)} for an update {@code t >= 0} versions old. */
        public double weight(int t) {
            if (t < 0) {
                throw new IllegalArgumentException("staleness must be >= 0, got " + t);
            }
            return switch (function) {
                case CONSTANT -> 1.0;
                case POLYNOMIAL -> Math.pow(1.0 + t, -a);
                case HINGE -> t <= b ? 1.0 : 1.0 / (a * (t - b) + 1.0);
            };
        }
    }

    /** How many clients a round samples to reach {@code target} updates. */
    public int selected(int target, int numClients) {
        return (int) Math.min(numClients, Math.ceil(target * (1 + overSelection) - 1e-9));
    }

    /**
     * Restart back-off of a client whose training throws ({@code fedsub.actors.client-backoff}).
     *
     * @param min          first back-off
     * @param max          back-off ceiling
     * @param randomFactor jitter: each back-off is stretched by up to this fraction, in [0, 1]
     * @param resetAfter   a client that has not crashed for this long has its restart count reset
     */
    public record Backoff(Duration min, Duration max, double randomFactor, Duration resetAfter) {

        public Backoff {
            String p = PATH + ".client-backoff";
            positive(path(p, "min"), min);
            positive(path(p, "max"), max);
            if (max.compareTo(min) < 0) {
                throw new ConfigError(path(p, "max"), max, "expected a duration >= client-backoff.min (" + min + ")");
            }
            if (!(randomFactor >= 0 && randomFactor <= 1)) {
                throw new ConfigError(path(p, "random-factor"), randomFactor, "expected a number in [0, 1]");
            }
            positive(path(p, "reset-after"), resetAfter);
        }
    }

    private static Config subtree(Config root, String path) {
        return Settings.subtree(root, path, "fedsub-actors' reference.conf");
    }

    private static void fraction(String path, double v) {
        Settings.unitInterval(path, v, true);
    }
}
