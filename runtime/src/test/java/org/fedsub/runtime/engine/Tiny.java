package org.fedsub.runtime.engine;

import com.typesafe.config.ConfigFactory;
import org.fedsub.runtime.codec.RawCodec;
import org.fedsub.runtime.data.FederatedData;
import org.fedsub.runtime.data.SyntheticData;
import org.fedsub.runtime.model.LogisticRegression;
import org.fedsub.runtime.model.Model;
import org.fedsub.runtime.strategy.Strategies;
import org.fedsub.runtime.strategy.Strategy;
import org.fedsub.runtime.strategy.StrategyContext;
import org.fedsub.runtime.strategy.StrategySettings;
import org.fedsub.runtime.strategy.TrainSettings;
import org.nd4j.linalg.api.buffer.DataType;

/** Tiny experiments for the engine tests. */
final class Tiny {

    private Tiny() {}

    /** Synthetic(1,1) over 6 users, logistic regression in float64, a lossless codec. */
    static Experiment experiment(String strategy) {
        FederatedData data = SyntheticData.generate(
                SyntheticData.Spec.fedProx(1, 1).withUsers(6).withMaxSamplesPerUser(60), DataType.DOUBLE, 7);
        Model model = new LogisticRegression(data.train().featureDim(), data.train().numClasses(), DataType.DOUBLE);
        StrategySettings s = StrategySettings.fromConfig(Experiments.load(ConfigFactory.parseString(
                "fedsub.strategy { name = " + strategy + ", fedsub.update-cp-freq = 10 }")));
        return new Experiment("test-" + strategy, 7, 10, Participation.full(), 1, 0, new RawCodec(DataType.DOUBLE),
                model, data, TrainSettings.sgd(5, 10, 0.05, 10), s);
    }

    static Strategy strategy(Experiment exp) {
        return Strategies.create(exp.strategy(), new StrategyContext(exp.model(), exp.train(), exp.seed(),
                exp.data().numClients(), exp.model().init(exp.seed())));
    }

    /** As {@link #experiment(String)}, with extra {@code fedsub.strategy} settings in HOCON. */
    static Experiment experiment(String strategy, String extra) {
        Experiment e = experiment(strategy);
        return e.withStrategy(StrategySettings.fromConfig(Experiments.load(ConfigFactory.parseString(
                "fedsub.strategy { name = " + strategy + ", fedsub.update-cp-freq = 10, " + extra + " }"))));
    }
}
