package org.fedsub.runtime.engine;

import static org.fedsub.runtime.config.Settings.doubleAt;
import static org.fedsub.runtime.config.Settings.intAt;
import static org.fedsub.runtime.config.Settings.path;

import com.typesafe.config.Config;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.fedsub.runtime.Seeds;
import org.fedsub.runtime.config.ConfigError;

/**
 * Which clients take part in a round ({@code fedsub.participation}): a fixed count per round,
 * or else a fraction of all clients, never fewer than {@code minClients}; drawn without
 * replacement from a seed, so the same seed samples the same clients.
 */
public record Participation(int clientsPerRound, double fraction, int minClients) {

    public static final String PATH = "fedsub.participation";

    public Participation {
        if (clientsPerRound < 0) {
            throw new ConfigError(path(PATH, "clients-per-round"), clientsPerRound,
                    "expected an integer >= 1, or 0 to use fraction");
        }
        if (clientsPerRound == 0 && !(fraction > 0 && fraction <= 1)) {
            throw new ConfigError(path(PATH, "fraction"), fraction, "expected a number in (0, 1] (used because clients-per-round = 0)");
        }
        if (minClients < 1) {
            throw new ConfigError(path(PATH, "min-clients"), minClients, "expected an integer >= 1");
        }
    }

    public static Participation fromConfig(Config root) {
        Config c = root.getConfig(PATH);
        return new Participation(intAt(c, PATH, "clients-per-round"), doubleAt(c, PATH, "fraction"),
                intAt(c, PATH, "min-clients"));
    }

    /** The reference config's participation ({@code fedsub.participation}). */
    public static Participation defaults() {
        return fromConfig(com.typesafe.config.ConfigFactory.defaultReference());
    }

    /** {@code n} clients a round (all of them when there are fewer). */
    public static Participation perRound(int n) {
        return new Participation(n, 1.0, 1);
    }

    /** A fraction in (0, 1] of all clients a round, rounded up, and at least one. */
    public static Participation fractionOf(double fraction) {
        return new Participation(0, fraction, 1);
    }

    /** Never fewer than {@code n} clients a round (when there are that many). */
    public Participation withMinClients(int n) {
        return new Participation(clientsPerRound, fraction, n);
    }

    /** Every client, every round. */
    public static Participation full() {
        return new Participation(0, 1.0, 1);
    }

    /** Number of clients sampled from {@code numClients}. */
    public int count(int numClients) {
        int k = clientsPerRound > 0 ? clientsPerRound : (int) Math.ceil(fraction * numClients);
        return Math.min(numClients, Math.max(k, Math.min(minClients, numClients)));
    }

    /** The sorted client ids of {@code round}. */
    /**
     * The clients of {@code round} drawn among those {@code available}: the same draw as
     * {@link #sample(int, int, long)}, skipping unavailable clients and drawing on until it has
     * its count or has seen every client. With every client available it is that sample.
     */
    public int[] sample(int round, int numClients, long seed, java.util.function.IntPredicate available) {
        int k = count(numClients);
        int[] ids = new int[numClients];
        for (int i = 0; i < numClients; i++) {
            ids[i] = i;
        }
        int[] out = new int[k];
        int n = 0;
        if (k == numClients) {
            for (int id : ids) {
                if (available.test(id)) {
                    out[n++] = id;
                }
            }
            return Arrays.copyOf(out, n);
        }
        SplittableRandom rnd = new SplittableRandom(Seeds.derive(seed, Seeds.tag("sample"), round));
        for (int i = 0; i < numClients && n < k; i++) {
            int j = i + rnd.nextInt(numClients - i);
            int t = ids[i];
            ids[i] = ids[j];
            ids[j] = t;
            if (available.test(ids[i])) {
                out[n++] = ids[i];
            }
        }
        out = Arrays.copyOf(out, n);
        Arrays.sort(out);
        return out;
    }

    public int[] sample(int round, int numClients, long seed) {
        int k = count(numClients);
        int[] ids = new int[numClients];
        for (int i = 0; i < numClients; i++) {
            ids[i] = i;
        }
        if (k == numClients) {
            return ids;
        }
        SplittableRandom rnd = new SplittableRandom(Seeds.derive(seed, Seeds.tag("sample"), round));
        for (int i = 0; i < k; i++) {
            int j = i + rnd.nextInt(numClients - i);
            int t = ids[i];
            ids[i] = ids[j];
            ids[j] = t;
        }
        int[] out = Arrays.copyOf(ids, k);
        Arrays.sort(out);
        return out;
    }
}
