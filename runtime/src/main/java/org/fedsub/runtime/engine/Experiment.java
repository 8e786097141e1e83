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
 * @param server        what the server accepts from clients, and how long it tolerates idle rounds
 */
public record Experiment(String name, long seed, int rounds, Participation participation, int evalEvery,
        int evalTrainLimit, Codec codec, Model model, FederatedData data, TrainSettings train,
        StrategySettings strategy, ServerSettings server) {

    /** An experiment with the server settings of the reference config. */
    public Experiment(String name, long seed, int rounds, Participation participation, int evalEvery,
            int evalTrainLimit, Codec codec, Model model, FederatedData data, TrainSettings train,
            StrategySettings strategy) {
        this(name, seed, rounds, participation, evalEvery, evalTrainLimit, codec, model, data, train, strategy,
                ServerSettings.defaults());
    }

    public Experiment withStrategy(StrategySettings s) {
        return new Experiment(name, seed, rounds, participation, evalEvery, evalTrainLimit, codec, model, data, train, s,
                server);
    }

    public Experiment withTrain(TrainSettings t) {
        return new Experiment(name, seed, rounds, participation, evalEvery, evalTrainLimit, codec, model, data, t,
                strategy, server);
    }

    public Experiment withRounds(int r) {
        return new Experiment(name, seed, r, participation, evalEvery, evalTrainLimit, codec, model, data,
                train.withTotalRounds(r), strategy, server);
    }

    public Experiment withServer(ServerSettings s) {
        return new Experiment(name, seed, rounds, participation, evalEvery, evalTrainLimit, codec, model, data, train,
                strategy, s);
    }
}
