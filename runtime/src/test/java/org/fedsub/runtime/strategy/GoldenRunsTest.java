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
        return experiment(strategy, fedsub, dtype, model, plain, partial, 8, false);
    }

    /**
     * {@code hidden}: the MLP's hidden width; {@code wholeGradients}: the model computes every
     * gradient whole (its rows are copied out, as before issue 11's row path).
     */
    private static Experiment experiment(String strategy, String fedsub, DataType dtype, String model, boolean plain,
            boolean partial, int hidden, boolean wholeGradients) {
        FederatedData data = SyntheticData.generate(
                SyntheticData.Spec.fedProx(1, 1).withUsers(6).withMaxSamplesPerUser(60), dtype, SEED);
        int in = data.train().featureDim();
        int classes = data.train().numClasses();
        Model built = model.equals("mlp") ? new Mlp(List.of(in, hidden, classes), dtype)
                : new LogisticRegression(in, classes, dtype);
        Model m = hidden == 8 ? built : delegating(built, !wholeGradients);
        StrategySettings s = StrategySettings.fromConfig(Experiments.load(ConfigFactory.parseString(
                "fedsub.strategy { name = " + strategy + ", fedsub { update-cp-freq = 10, " + fedsub.replace(';', ',')
                        + " } }")));
        return new Experiment("golden-" + strategy, SEED, ROUNDS,
                partial ? new Participation(3, 1.0, 1) : Participation.full(), ROUNDS, 0, new RawCodec(dtype), m, data,
                train(plain), s);
    }

    /** Calls for some rows of the gradient that reached a model's own row path (see {@link #delegating}). */
    private static final java.util.concurrent.atomic.AtomicLong ROW_CALLS = new java.util.concurrent.atomic.AtomicLong();

    /**
     * {@code m}, with its own row path ({@code rows}: counted in {@link #ROW_CALLS}) or without it
     * ({@link Model}'s default computes the whole gradient and copies the rows).
     */
    private static Model delegating(Model m, boolean rows) {
        return new Model() {
            @Override
            public double lossAndGradient(Params params, org.fedsub.runtime.data.Batch batch, Params gradOut,
                    java.util.Map<String, int[]> wanted) {
                if (!rows) {
                    return Model.super.lossAndGradient(params, batch, gradOut, wanted);
                }
                if (!wanted.isEmpty()) {
                    ROW_CALLS.incrementAndGet();
                }
                return m.lossAndGradient(params, batch, gradOut, wanted);
            }

            @Override
            public String name() {
                return m.name();
            }

            @Override
            public List<org.fedsub.runtime.model.ParamSpec> params() {
                return m.params();
            }

            @Override
            public DataType dtype() {
                return m.dtype();
            }

            @Override
            public Params init(long seed) {
                return m.init(seed);
            }

            @Override
            public double lossAndGradient(Params params, org.fedsub.runtime.data.Batch batch, Params gradOut) {
                return m.lossAndGradient(params, batch, gradOut);
            }

            @Override
            public double loss(Params params, org.fedsub.runtime.data.Batch batch) {
                return m.loss(params, batch);
            }

            @Override
            public org.nd4j.linalg.api.ndarray.INDArray predict(Params params,
                    org.nd4j.linalg.api.ndarray.INDArray features) {
                return m.predict(params, features);
            }

            @Override
            public boolean isClassifier() {
                return m.isClassifier();
            }
        };
    }

    /**
     * FedSub under a coordinate basis has its models compute only the basis's rows of each large
     * weight gradient (here the 60 x 160 first layer; the golden runs' layers are below the size
     * where it pays). That changes no value in double precision; in float the BLAS may order the
     * smaller product's sums differently, so the run stays within float rounding of the
     * whole-gradient run.
     */
    @org.junit.jupiter.params.ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.EnumSource(value = DataType.class, names = {"FLOAT", "DOUBLE"})
    void fedSubWithTheGradientsRowsOnly_equalsItWithWholeGradients(DataType dtype) {
        long before = ROW_CALLS.get();
        RunResult rows = new ReferenceEngine(experiment("fedsub", "generator = cd", dtype, "mlp", true, true, 160,
                false)).run(RoundListener.NONE);
        org.junit.jupiter.api.Assertions.assertTrue(ROW_CALLS.get() > before, "the run took the row path");
        RunResult whole = new ReferenceEngine(experiment("fedsub", "generator = cd", dtype, "mlp", true, true, 160,
                true)).run(RoundListener.NONE);
        double tol = dtype == DataType.DOUBLE ? 0.0 : 1e-5;
        for (String n : rows.finalModel().names()) {
            org.nd4j.linalg.api.ndarray.INDArray a = rows.finalModel().get(n);
            org.nd4j.linalg.api.ndarray.INDArray b = whole.finalModel().get(n);
            double diff = a.sub(b).amaxNumber().doubleValue();
            assertEquals(0.0, diff, tol * Math.max(1.0, b.amaxNumber().doubleValue()), n);
        }
        for (int r = 0; r < rows.rounds().size(); r++) {
            assertEquals(whole.rounds().get(r).clientLoss(), rows.rounds().get(r).clientLoss(),
                    tol * Math.abs(whole.rounds().get(r).clientLoss()), "client loss of round " + r);
        }
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
    // All eighteen were re-recorded when the models' passes moved to BLAS calls into reused
    // buffers and one Java pass per element-wise step (runtime/.../compute, issue 11): products
    // and softmax sums now add in another order, and element-wise steps compute in double.
    @ParameterizedTest(name = "{0} [{1}] {2} {3} plain={4} partial={5}")
    @CsvSource({
        "fedavg,   '',                            DOUBLE, logreg, true,  false, 11ae36ecf4f545fe",
        "fedavg,   '',                            FLOAT,  mlp,    false, true,  e744308557f46aae",
        "fedprox,  '',                            DOUBLE, logreg, true,  true,  fde177b8a00febdb",
        "fedprox,  '',                            FLOAT,  logreg, false, false, 8b8f72a0dff4f425",
        "fedavgm,  '',                            DOUBLE, logreg, true,  true,  b2913ad8dbfa784f",
        "fedadam,  '',                            DOUBLE, mlp,    false, true,  e7a5ee203f7347eb",
        "scaffold, '',                            DOUBLE, logreg, true,  false, 7c7aef3cb13a64d4",
        "scaffold, '',                            DOUBLE, logreg, true,  true,  c6217e7361f43689",
        "scaffold, '',                            FLOAT,  mlp,    false, true,  ba53602cb996c0ee",
        "fedsub,   generator = cd,                DOUBLE, logreg, true,  false, e40afafdb8ff04cd",
        "fedsub,   generator = cd,                DOUBLE, logreg, true,  true,  5b9632ccac26620b",
        "fedsub,   generator = cd,                FLOAT,  mlp,    true,  true,  39e6a91192d8df6e",
        "fedsub,   generator = cd,                DOUBLE, logreg, false, true,  2e99cd74d6966f84",
        "fedsub,   generator = svd,               DOUBLE, logreg, true,  true,  65cff1727f7e7a40",
        "fedsub,   generator = svd,               FLOAT,  mlp,    false, true,  af1b5c17cc5e2d7b",
        "fedsub,   generator = rd,                DOUBLE, mlp,    true,  true,  ce6a616d4c2e2443",
        "fedsub,   generator = ss; layers = \".*weight\", DOUBLE, mlp, false, true, 181644571c4d0dd5",
        "fedsub,   duals = false; scale-by-rank = false, DOUBLE, logreg, true, true, b15246dd2397c4db",
    })
    void run_fixedExperiment_matchesRecordedFingerprint(String strategy, String fedsub, DataType dtype, String model,
            boolean plain, boolean partial, String expected) throws NoSuchAlgorithmException {
        assertEquals(expected, fingerprint(experiment(strategy, fedsub, dtype, model, plain, partial)));
    }
}
