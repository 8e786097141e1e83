package org.fedsub.runtime.engine;

import org.fedsub.runtime.codec.Codec;
import org.fedsub.runtime.data.FederatedData;
import org.fedsub.runtime.model.Model;
import org.fedsub.runtime.strategy.StrategySettings;
import org.fedsub.runtime.strategy.TrainSettings;

/**
 * Everything one federated run needs, resolved: built from a config file by
 * {@link Experiments#fromConfig}, or assembled in code.
 *
 * @param evalEvery     evaluate the global model every this many rounds (and after the last)
 * @param evalTrainLimit rows of the training data used for the global train loss (0 = all)
 * @param uplinkCodec   encodes the clients' updates ({@code fedsub.uplink-codec})
 * @param downlinkCodec encodes the server's tasks and acknowledgements ({@code fedsub.downlink-codec}); exact
 *                      (float32 or float64), so that clients hold the server's model, unless the downlink is
 *                      a delta one ({@link ServerSettings#downlink}), where it encodes the logged model changes
 * @param server        what the server accepts from clients, and how long it tolerates idle rounds
 */
public record Experiment(String name, long seed, int rounds, Participation participation, int evalEvery,
        int evalTrainLimit, Codec uplinkCodec, Codec downlinkCodec, Model model, FederatedData data,
        TrainSettings train, StrategySettings strategy, ServerSettings server) {

    public Experiment {
        Experiments.checkDownlink(downlinkCodec, server.downlink().delta(), "fedsub.downlink-codec");
    }

    /** An experiment with {@code codec} in both directions. */
    public Experiment(String name, long seed, int rounds, Participation participation, int evalEvery,
            int evalTrainLimit, Codec codec, Model model, FederatedData data, TrainSettings train,
            StrategySettings strategy, ServerSettings server) {
        this(name, seed, rounds, participation, evalEvery, evalTrainLimit, codec, codec, model, data, train, strategy,
                server);
    }

    /** An experiment with the server settings of the reference config. */
    public Experiment(String name, long seed, int rounds, Participation participation, int evalEvery,
            int evalTrainLimit, Codec codec, Model model, FederatedData data, TrainSettings train,
            StrategySettings strategy) {
        this(name, seed, rounds, participation, evalEvery, evalTrainLimit, codec, model, data, train, strategy,
                ServerSettings.defaults());
    }

    /**
     * An experiment of {@code model} on {@code data} with every other setting from reference.conf
     * (see {@link Experiments#of}); for example
     * {@code Experiment.of("mine", model, data).withRounds(30).withStrategy(StrategySettings.of("fedavg"))}.
     */
    public static Experiment of(String name, Model model, FederatedData data) {
        return Experiments.of(name, model, data);
    }

    public Experiment withName(String n) {
        return new Experiment(n, seed, rounds, participation, evalEvery, evalTrainLimit, uplinkCodec, downlinkCodec, model, data, train,
                strategy, server);
    }

    /** The seed of model initialisation, sampling, minibatches and projections (the data are already made). */
    public Experiment withSeed(long s) {
        return new Experiment(name, s, rounds, participation, evalEvery, evalTrainLimit, uplinkCodec, downlinkCodec, model, data, train,
                strategy, server);
    }

    public Experiment withModel(Model m) {
        return new Experiment(name, seed, rounds, participation, evalEvery, evalTrainLimit, uplinkCodec, downlinkCodec, m, data, train,
                strategy, server);
    }

    public Experiment withData(FederatedData d) {
        return new Experiment(name, seed, rounds, participation, evalEvery, evalTrainLimit, uplinkCodec, downlinkCodec, model, d, train,
                strategy, server);
    }

    public Experiment withParticipation(Participation p) {
        return new Experiment(name, seed, rounds, p, evalEvery, evalTrainLimit, uplinkCodec, downlinkCodec, model, data, train, strategy,
                server);
    }

    /** Evaluate every {@code n} rounds (and after the last); {@code trainLimit} rows for the train loss (0: all). */
    public Experiment withEvaluation(int n, int trainLimit) {
        return new Experiment(name, seed, rounds, participation, n, trainLimit, uplinkCodec, downlinkCodec, model, data, train, strategy,
                server);
    }

    /** {@code c} in both directions. */
    public Experiment withCodec(Codec c) {
        return new Experiment(name, seed, rounds, participation, evalEvery, evalTrainLimit, c, c, model, data, train,
                strategy, server);
    }

    /** {@code up} for the clients' updates, {@code down} (exact: float32 or float64) for the server's messages. */
    public Experiment withCodecs(Codec up, Codec down) {
        return new Experiment(name, seed, rounds, participation, evalEvery, evalTrainLimit, up, down, model, data, train,
                strategy, server);
    }

    /** The uplink codec (what {@code codec} meant before the two directions could differ). */
    public Codec codec() {
        return uplinkCodec;
    }

    public Experiment withStrategy(StrategySettings s) {
        return new Experiment(name, seed, rounds, participation, evalEvery, evalTrainLimit, uplinkCodec, downlinkCodec, model, data, train, s,
                server);
    }

    public Experiment withTrain(TrainSettings t) {
        return new Experiment(name, seed, rounds, participation, evalEvery, evalTrainLimit, uplinkCodec, downlinkCodec, model, data, t,
                strategy, server);
    }

    public Experiment withRounds(int r) {
        return new Experiment(name, seed, r, participation, evalEvery, evalTrainLimit, uplinkCodec, downlinkCodec, model, data,
                train.withTotalRounds(r), strategy, server);
    }

    public Experiment withServer(ServerSettings s) {
        return new Experiment(name, seed, rounds, participation, evalEvery, evalTrainLimit, uplinkCodec, downlinkCodec, model, data, train,
                strategy, s);
    }
}
