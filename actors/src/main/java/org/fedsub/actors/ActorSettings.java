package org.fedsub.actors;

import static org.fedsub.runtime.config.Settings.doubleAt;
import static org.fedsub.runtime.config.Settings.intAt;
import static org.fedsub.runtime.config.Settings.oneOf;
import static org.fedsub.runtime.config.Settings.path;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import java.time.Duration;
import java.util.List;
import org.fedsub.runtime.config.ConfigError;

/**
 * Settings of the actor runtime ({@code fedsub.actors}; defaults and meanings in this module's
 * {@code reference.conf}).
 *
 * @param roundDeadline   how long a round waits for its clients; later updates are discarded and counted late
 * @param minCompletion   fraction of the round's target of clients that must report in time, in [0, 1];
 *                        below it the round is dropped and the model kept
 * @param overSelection   extra fraction of clients sampled on top of the target (>= 0); the round closes
 *                        when the target number of updates has arrived
 * @param computePoolSize threads of the compute dispatcher that runs all tensor work (>= 1)
 * @param clientRestarts  restarts of a client whose training throws before it is given up on (>= 0)
 * @param backoff         restart back-off of failing clients
 * @param clock           real: rounds run on the wall clock; virtual: on simulated time, reproducible from the seed
 * @param realTimeout     virtual clock only: wall-clock limit of a round (a client that never answers at all)
 * @param clients         simulated client behaviour: speed, network, availability, dropouts
 * @param async           synchronous rounds or FedBuff
 */
public record ActorSettings(Duration roundDeadline, double minCompletion, double overSelection, int computePoolSize,
        int clientRestarts, Backoff backoff, Clock clock, Duration realTimeout, Clients clients, Async async) {

    /** How time passes in a run. */
    public enum Clock {
        /** Wall-clock time; slow clients and links are emulated by holding replies back. */
        REAL,
        /** Simulated time advanced by modelled compute and transfer durations. */
        VIRTUAL
    }

    public static final String PATH = "fedsub.actors";

    /** The dispatcher that runs tensor work (configured in reference.conf). */
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
                Async.fromConfig(subtree(root, Async.PATH)));
    }

    public ActorSettings withRoundDeadline(Duration d) {
        return new ActorSettings(d, minCompletion, overSelection, computePoolSize, clientRestarts, backoff, clock,
                realTimeout, clients, async);
    }

    public ActorSettings withMinCompletion(double f) {
        return new ActorSettings(roundDeadline, f, overSelection, computePoolSize, clientRestarts, backoff, clock,
                realTimeout, clients, async);
    }

    public ActorSettings withOverSelection(double f) {
        return new ActorSettings(roundDeadline, minCompletion, f, computePoolSize, clientRestarts, backoff, clock,
                realTimeout, clients, async);
    }

    public ActorSettings withClientRestarts(int n, Backoff b) {
        return new ActorSettings(roundDeadline, minCompletion, overSelection, computePoolSize, n, b, clock, realTimeout,
                clients, async);
    }

    public ActorSettings withClock(Clock c) {
        return new ActorSettings(roundDeadline, minCompletion, overSelection, computePoolSize, clientRestarts, backoff, c,
                realTimeout, clients, async);
    }

    public ActorSettings withClients(Clients c) {
        return new ActorSettings(roundDeadline, minCompletion, overSelection, computePoolSize, clientRestarts, backoff,
                clock, realTimeout, c, async);
    }

    public ActorSettings withAsync(Async a) {
        return new ActorSettings(roundDeadline, minCompletion, overSelection, computePoolSize, clientRestarts, backoff,
                clock, realTimeout, clients, a);
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
        public static Clients ideal() {
            return new Clients(0, 0, 0, 1, Duration.ZERO, 0, 0, 1, 0);
        }

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
     * Round structure ({@code fedsub.actors.async}): synchronous rounds, or FedBuff (Nguyen et
     * al., 2022): clients train concurrently on whatever model version is current, the server
     * aggregates every {@code bufferSize} arrivals with staleness weight {@code 1/sqrt(1+s)}.
     *
     * @param fedbuff      true for FedBuff, false for synchronous rounds
     * @param bufferSize   K, arrivals per aggregation (>= 1)
     * @param concurrency  clients training at once (>= 1), or 0 for the participation target
     * @param maxStaleness updates more than this many versions old are discarded (>= 0)
     */
    public record Async(boolean fedbuff, int bufferSize, int concurrency, int maxStaleness) {

        public static final String PATH = ActorSettings.PATH + ".async";

        public Async {
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
        }

        static Async fromConfig(Config c) {
            return new Async(oneOf(c, PATH, "mode", List.of("sync", "fedbuff")).equals("fedbuff"),
                    intAt(c, PATH, "buffer-size"), intAt(c, PATH, "concurrency"), intAt(c, PATH, "max-staleness"));
        }

        public static Async sync() {
            return new Async(false, 10, 0, 20);
        }

        public static Async fedBuff(int bufferSize, int concurrency, int maxStaleness) {
            return new Async(true, bufferSize, concurrency, maxStaleness);
        }

        /** The staleness weight of an update {@code s} versions old. */
        public static double weight(int staleness) {
            return 1.0 / Math.sqrt(1.0 + staleness);
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

    private static void nonNegative(String path, double v) {
        if (!(v >= 0) || !Double.isFinite(v)) {
            throw new ConfigError(path, v, "expected a finite number >= 0");
        }
    }

    private static void fraction(String path, double v) {
        if (!(v >= 0 && v <= 1)) {
            throw new ConfigError(path, v, "expected a probability in [0, 1]");
        }
    }

    private static void positive(String path, Duration d) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new ConfigError(path, d, "expected a duration > 0, e.g. 30s or 500ms");
        }
    }

    private static Config subtree(Config root, String path) {
        try {
            return root.getConfig(path);
        } catch (ConfigException e) {
            throw new ConfigError(path, "missing or not an object; expected the " + path
                    + " block of fedsub-actors' reference.conf", e);
        }
    }

    private static Duration durationAt(Config c, String prefix, String key) {
        try {
            return c.getDuration(key);
        } catch (ConfigException e) {
            String found = c.hasPath(key) ? " (found " + c.getValue(key).render() + ")" : "";
            throw new ConfigError(path(prefix, key), "expected a duration such as 30s or 500ms" + found, e);
        }
    }
}
