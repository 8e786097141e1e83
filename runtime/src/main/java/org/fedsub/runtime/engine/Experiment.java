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
 */
public record Experiment(String name, long seed, int rounds, Participation participation, int evalEvery,
        int evalTrainLimit, Codec codec, Model model, FederatedData data, TrainSettings train,
        StrategySettings strategy) {

    public Experiment withStrategy(StrategySettings s) {
        return new Experiment(name, seed, rounds, participation, evalEvery, evalTrainLimit, codec, model, data, train, s);
    }

    public Experiment withTrain(TrainSettings t) {
        return new Experiment(name, seed, rounds, participation, evalEvery, evalTrainLimit, codec, model, data, t, strategy);
    }

    public Experiment withRounds(int r) {
        return new Experiment(name, seed, r, participation, evalEvery, evalTrainLimit, codec, model, data,
                train.withTotalRounds(r), strategy);
    }
}
