package org.fedsub.runtime.strategy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.typesafe.config.ConfigFactory;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import org.fedsub.runtime.codec.RawCodec;
import org.fedsub.runtime.data.FederatedData;
import org.fedsub.runtime.data.SyntheticData;
import org.fedsub.runtime.engine.Experiment;
import org.fedsub.runtime.engine.Experiments;
import org.fedsub.runtime.engine.Participation;
import org.fedsub.runtime.engine.ReferenceEngine;
import org.fedsub.runtime.engine.RoundListener;
import org.fedsub.runtime.engine.RoundMetrics;
import org.fedsub.runtime.engine.RunResult;
import org.fedsub.runtime.model.LogisticRegression;
import org.fedsub.runtime.model.Mlp;
import org.fedsub.runtime.model.Model;
import org.fedsub.runtime.model.Params;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Every strategy's numbers are pinned bit for bit: the final model, each round's client loss and
 * every client's exported state of small runs hash to values recorded before the client halves
 * were factored out of the strategies. A change that reorders any floating-point operation of
 * local training or aggregation, or renames a state tensor, changes a hash.
 *
 * <p>The hashes are those of the ND4J CPU backend on the machine that recorded them (they do not
 * depend on the thread count). Should another CPU or backend round differently, re-record them by
 * running this test at the commit that introduced it, never from the code under suspicion.
 */
class GoldenRunsTest {

    private static final long SEED = 7;
    private static final int ROUNDS = 6;

    /** Plain SGD; or momentum, nesterov, weight decay and a cosine schedule with warm-up. */
    private static TrainSettings train(boolean plain) {
        return plain ? TrainSettings.sgd(5, 10, 0.05, ROUNDS)
                : new TrainSettings(5, 10, 0.05, "cosine", 1, 0.1, 0.9, 0, true, 1e-3, ROUNDS);
    }

    private static Experiment experiment(String strategy, String fedsub, DataType dtype, String model, boolean plain,
            boolean partial) {
        FederatedData data = SyntheticData.generate(
                SyntheticData.Spec.fedProx(1, 1).withUsers(6).withMaxSamplesPerUser(60), dtype, SEED);
        int in = data.train().featureDim();
        int classes = data.train().numClasses();
        Model m = model.equals("mlp") ? new Mlp(List.of(in, 8, classes), dtype) : new LogisticRegression(in, classes, dtype);
        StrategySettings s = StrategySettings.fromConfig(Experiments.load(ConfigFactory.parseString(
                "fedsub.strategy { name = " + strategy + ", fedsub { update-cp-freq = 10, " + fedsub.replace(';', ',')
                        + " } }")));
        return new Experiment("golden-" + strategy, SEED, ROUNDS,
                partial ? new Participation(3, 1.0, 1) : Participation.full(), ROUNDS, 0, new RawCodec(dtype), m, data,
                train(plain), s);
    }

    private static String fingerprint(Experiment exp) throws NoSuchAlgorithmException {
        ReferenceEngine e = new ReferenceEngine(exp);
        RunResult result = e.run(RoundListener.NONE);
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        Params model = result.finalModel();
        for (String n : model.names()) {
            md.update(n.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            for (double v : model.get(n).dup().data().asDouble()) {
                md.update(ByteBuffer.allocate(8).putDouble(v).array());
            }
        }
        for (RoundMetrics r : result.rounds()) {
            md.update(ByteBuffer.allocate(8).putDouble(r.clientLoss()).array());
        }
        for (int id = 0; id < exp.data().numClients(); id++) {
            md.update(e.client(id).exportState());
        }
        return HexFormat.of().formatHex(md.digest(), 0, 8);
    }

    // SCAFFOLD's three values were re-recorded when its server control variate moved to the
    // strategy's weighting (examples by default) instead of a uniform mean (ScaffoldWeightingTest).
    @ParameterizedTest(name = "{0} [{1}] {2} {3} plain={4} partial={5}")
    @CsvSource({
        "fedavg,   '',                            DOUBLE, logreg, true,  false, 7551b925cd417a6b",
        "fedavg,   '',                            FLOAT,  mlp,    false, true,  371ac307e66fec98",
        "fedprox,  '',                            DOUBLE, logreg, true,  true,  c8dbc61a8ea411f9",
        "fedprox,  '',                            FLOAT,  logreg, false, false, acb65c833aaa4e3d",
        "fedavgm,  '',                            DOUBLE, logreg, true,  true,  4c80f67ce7fbb611",
        "fedadam,  '',                            DOUBLE, mlp,    false, true,  b5444ab1c4571171",
        "scaffold, '',                            DOUBLE, logreg, true,  false, ba2729a9ec0e3a44",
        "scaffold, '',                            DOUBLE, logreg, true,  true,  cbd99422a119eea4",
        "scaffold, '',                            FLOAT,  mlp,    false, true,  0c4194ab9939fde8",
        "fedsub,   generator = cd,                DOUBLE, logreg, true,  false, 6107fc3ca7c8fa90",
        "fedsub,   generator = cd,                DOUBLE, logreg, true,  true,  59d8143081fd0d05",
        "fedsub,   generator = cd,                FLOAT,  mlp,    true,  true,  c2ad72eca072c283",
        "fedsub,   generator = cd,                DOUBLE, logreg, false, true,  4c907ccf0c274cbc",
        "fedsub,   generator = svd,               DOUBLE, logreg, true,  true,  253fc0b0fceb92f4",
        "fedsub,   generator = svd,               FLOAT,  mlp,    false, true,  26178284ac42b68f",
        "fedsub,   generator = rd,                DOUBLE, mlp,    true,  true,  1f9793aed8c43ef4",
        "fedsub,   generator = ss; layers = \".*weight\", DOUBLE, mlp, false, true, f2670a4b6fbea8e6",
        "fedsub,   duals = false; scale-by-rank = false, DOUBLE, logreg, true, true, d33f105fa39d0986",
    })
    void run_fixedExperiment_matchesRecordedFingerprint(String strategy, String fedsub, DataType dtype, String model,
            boolean plain, boolean partial, String expected) throws NoSuchAlgorithmException {
        assertEquals(expected, fingerprint(experiment(strategy, fedsub, dtype, model, plain, partial)));
    }
}
