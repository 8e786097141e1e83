package org.fedsub.actors;

import static org.fedsub.runtime.config.Settings.doubleAt;
import static org.fedsub.runtime.config.Settings.intAt;
import static org.fedsub.runtime.config.Settings.path;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import java.time.Duration;
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
 */
public record ActorSettings(Duration roundDeadline, double minCompletion, double overSelection, int computePoolSize,
        int clientRestarts, Backoff backoff) {

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
                        durationAt(bc, b, "reset-after")));
    }

    public ActorSettings withRoundDeadline(Duration d) {
        return new ActorSettings(d, minCompletion, overSelection, computePoolSize, clientRestarts, backoff);
    }

    public ActorSettings withMinCompletion(double f) {
        return new ActorSettings(roundDeadline, f, overSelection, computePoolSize, clientRestarts, backoff);
    }

    public ActorSettings withOverSelection(double f) {
        return new ActorSettings(roundDeadline, minCompletion, f, computePoolSize, clientRestarts, backoff);
    }

    public ActorSettings withClientRestarts(int n, Backoff b) {
        return new ActorSettings(roundDeadline, minCompletion, overSelection, computePoolSize, n, b);
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
