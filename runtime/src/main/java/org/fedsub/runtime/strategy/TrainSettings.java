package org.fedsub.runtime.strategy;

import static org.fedsub.runtime.config.Settings.atLeast;
import static org.fedsub.runtime.config.Settings.boolAt;
import static org.fedsub.runtime.config.Settings.doubleAt;
import static org.fedsub.runtime.config.Settings.intAt;
import static org.fedsub.runtime.config.Settings.nonNegative;
import static org.fedsub.runtime.config.Settings.oneOf;
import static org.fedsub.runtime.config.Settings.path;
import static org.fedsub.runtime.config.Settings.positive;

import com.typesafe.config.Config;
import java.util.List;
import org.fedsub.runtime.config.ConfigError;

/**
 * Client-side training settings ({@code fedsub.train}): local steps per round (tau), minibatch
 * size, learning rate and its schedule, SGD momentum and weight decay.
 *
 * @param localSteps   tau, local SGD steps per round
 * @param batchSize    minibatch size; 0 means the client's whole data (full-batch gradient)
 * @param totalRounds  rounds in the run (sets the length of the cosine schedule)
 */
public record TrainSettings(int localSteps, int batchSize, double lr, String schedule, int warmupRounds,
        double minLrRatio, double momentum, double dampening, boolean nesterov, double weightDecay, int totalRounds) {

    public static final List<String> SCHEDULES = List.of("constant", "cosine");

    public TrainSettings {
        String p = "fedsub.train";
        atLeast(path(p, "local-steps"), localSteps, 1);
        atLeast(path(p, "batch-size"), batchSize, 0);
        positive(path(p, "lr"), lr);
        if (!SCHEDULES.contains(schedule)) {
            throw new ConfigError(path(p, "lr-schedule"), schedule, "expected one of " + SCHEDULES);
        }
        atLeast(path(p, "warmup-rounds"), warmupRounds, 0);
        if (!(minLrRatio > 0 && minLrRatio <= 1)) {
            throw new ConfigError(path(p, "min-lr-ratio"), minLrRatio,
                    "expected a number in (0, 1]: the learning rate must stay > 0 because FedSub divides by it");
        }
        if (!(momentum >= 0 && momentum < 1)) {
            throw new ConfigError(path(p, "momentum"), momentum, "expected a number in [0, 1)");
        }
        if (!(dampening >= 0 && dampening <= 1)) {
            throw new ConfigError(path(p, "dampening"), dampening, "expected a number in [0, 1]");
        }
        if (nesterov && (momentum == 0 || dampening != 0)) {
            throw new ConfigError(path(p, "nesterov"), true, "nesterov needs momentum > 0 and dampening = 0");
        }
        nonNegative(path(p, "weight-decay"), weightDecay);
        atLeast("fedsub.rounds", totalRounds, 1);
    }

    /** Reads {@code fedsub.train} from the root config. */
    public static TrainSettings fromConfig(Config root) {
        String p = "fedsub.train";
        Config c = root.getConfig(p);
        return new TrainSettings(intAt(c, p, "local-steps"), intAt(c, p, "batch-size"), doubleAt(c, p, "lr"),
                oneOf(c, p, "lr-schedule", SCHEDULES), intAt(c, p, "warmup-rounds"), doubleAt(c, p, "min-lr-ratio"),
                doubleAt(c, p, "momentum"), doubleAt(c, p, "dampening"), boolAt(c, p, "nesterov"),
                doubleAt(c, p, "weight-decay"), intAt(root.getConfig("fedsub"), "fedsub", "rounds"));
    }

    /** The reference config's training settings (plain SGD at a constant rate), over {@code totalRounds}. */
    public static TrainSettings defaults(int totalRounds) {
        return fromConfig(com.typesafe.config.ConfigFactory.parseMap(java.util.Map.of("fedsub.rounds", totalRounds))
                .withFallback(com.typesafe.config.ConfigFactory.defaultReference()));
    }

    /**
     * The reference config's training settings with these steps, batch and rate: plain SGD at a
     * constant rate, the settings most tests and examples want.
     */
    public static TrainSettings sgd(int localSteps, int batchSize, double lr, int totalRounds) {
        TrainSettings d = defaults(totalRounds);
        return new TrainSettings(localSteps, batchSize, lr, d.schedule(), d.warmupRounds(), d.minLrRatio(),
                d.momentum(), d.dampening(), d.nesterov(), d.weightDecay(), totalRounds);
    }

    /** The learning rate of local step {@code step} (0-based) of round {@code round}. */
    public double lrAt(int round, int step) {
        if (schedule.equals("constant")) {
            return lr;
        }
        long total = (long) totalRounds * localSteps;
        long t = (long) round * localSteps + step;
        long warm = (long) warmupRounds * localSteps;
        if (t < warm) {
            return lr * (t + 1) / warm;
        }
        double progress = total == warm ? 1.0 : (double) (t - warm) / (total - warm);
        double min = lr * minLrRatio;
        return min + 0.5 * (lr - min) * (1 + Math.cos(Math.PI * Math.min(1.0, progress)));
    }

    public TrainSettings withBatchSize(int b) {
        return new TrainSettings(localSteps, b, lr, schedule, warmupRounds, minLrRatio, momentum, dampening, nesterov,
                weightDecay, totalRounds);
    }

    public TrainSettings withLr(double rate) {
        return new TrainSettings(localSteps, batchSize, rate, schedule, warmupRounds, minLrRatio, momentum, dampening,
                nesterov, weightDecay, totalRounds);
    }

    /** {@code "constant"}, or {@code "cosine"} (see {@link #withWarmupRounds} and {@link #withMinLrRatio}). */
    public TrainSettings withSchedule(String s) {
        return new TrainSettings(localSteps, batchSize, lr, s, warmupRounds, minLrRatio, momentum, dampening, nesterov,
                weightDecay, totalRounds);
    }

    public TrainSettings withWarmupRounds(int rounds) {
        return new TrainSettings(localSteps, batchSize, lr, schedule, rounds, minLrRatio, momentum, dampening, nesterov,
                weightDecay, totalRounds);
    }

    public TrainSettings withMinLrRatio(double ratio) {
        return new TrainSettings(localSteps, batchSize, lr, schedule, warmupRounds, ratio, momentum, dampening, nesterov,
                weightDecay, totalRounds);
    }

    public TrainSettings withMomentum(double mu) {
        return new TrainSettings(localSteps, batchSize, lr, schedule, warmupRounds, minLrRatio, mu, dampening, nesterov,
                weightDecay, totalRounds);
    }

    public TrainSettings withDampening(double d) {
        return new TrainSettings(localSteps, batchSize, lr, schedule, warmupRounds, minLrRatio, momentum, d, nesterov,
                weightDecay, totalRounds);
    }

    public TrainSettings withNesterov(boolean on) {
        return new TrainSettings(localSteps, batchSize, lr, schedule, warmupRounds, minLrRatio, momentum, dampening, on,
                weightDecay, totalRounds);
    }

    public TrainSettings withWeightDecay(double wd) {
        return new TrainSettings(localSteps, batchSize, lr, schedule, warmupRounds, minLrRatio, momentum, dampening,
                nesterov, wd, totalRounds);
    }

    public TrainSettings withLocalSteps(int tau) {
        return new TrainSettings(tau, batchSize, lr, schedule, warmupRounds, minLrRatio, momentum, dampening, nesterov,
                weightDecay, totalRounds);
    }

    public TrainSettings withTotalRounds(int rounds) {
        return new TrainSettings(localSteps, batchSize, lr, schedule, warmupRounds, minLrRatio, momentum, dampening,
                nesterov, weightDecay, rounds);
    }
}
