package org.fedsub.runtime.data;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * FedProx's Synthetic(alpha, beta) benchmark (Li et al., 2020), generated. User k draws
 * {@code u_k ~ N(0, alpha)} and {@code B_k ~ N(0, beta)} (standard deviations, as FedProx's
 * code), a model {@code W_k [dim, classes]}, {@code b_k [classes]} with entries {@code N(u_k, 1)},
 * a feature mean {@code v_k} with entries {@code N(B_k, 1)}, and
 * {@code floor(lognormal(4, 2)) + 50} examples {@code x ~ N(v_k, diag(j^-1.2))} labelled
 * {@code argmax(x W_k + b_k)}. Each user's examples are shuffled and split 90/10 into train and
 * test. The IID variant shares one {@code W, b ~ N(0, 1)} and sets every {@code v_k = 0}.
 *
 * <p>The result's train (test) table is the concatenation of all users' train (test) rows, and
 * client k is user k: its own train rows and its own test rows.
 */
public final class SyntheticData {

    /**
     * What to generate.
     *
     * @param alpha spread of the users' models (standard deviation of {@code u_k}); ignored when iid
     * @param beta spread of the users' feature means (standard deviation of {@code B_k}); ignored when iid
     * @param iid one shared model and zero feature means instead
     * @param users number of users (clients)
     * @param dim feature dimension
     * @param classes number of classes
     * @param maxSamplesPerUser cap on each user's examples (train + test) after the lognormal
     *     draw; 0 for no cap, otherwise at least 2 so that train and test are both non-empty
     */
    public record Spec(double alpha, double beta, boolean iid, int users, int dim, int classes,
            int maxSamplesPerUser) {

        public Spec {
            if (!(alpha >= 0) || !Double.isFinite(alpha) || !(beta >= 0) || !Double.isFinite(beta)) {
                throw new IllegalArgumentException("synthetic alpha and beta must be finite and >= 0, got "
                        + alpha + ", " + beta);
            }
            if (users < 1 || dim < 1 || classes < 2) {
                throw new IllegalArgumentException("synthetic needs users >= 1, dim >= 1, classes >= 2, got users "
                        + users + ", dim " + dim + ", classes " + classes);
            }
            if (maxSamplesPerUser != 0 && maxSamplesPerUser < 2) {
                throw new IllegalArgumentException("synthetic max samples per user must be 0 (no cap) or >= 2, got "
                        + maxSamplesPerUser);
            }
        }

        /** FedProx's Synthetic(alpha, beta): 30 users, 60 features, 10 classes, no cap. */
        public static Spec fedProx(double alpha, double beta) {
            return new Spec(alpha, beta, false, 30, 60, 10, 0);
        }

        /** FedProx's Synthetic IID: 30 users, 60 features, 10 classes, no cap. */
        public static Spec fedProxIid() {
            return new Spec(0, 0, true, 30, 60, 10, 0);
        }

        public Spec withUsers(int u) {
            return new Spec(alpha, beta, iid, u, dim, classes, maxSamplesPerUser);
        }

        public Spec withMaxSamplesPerUser(int cap) {
            return new Spec(alpha, beta, iid, users, dim, classes, cap);
        }

        String name() {
            return iid ? "synthetic-iid" : String.format(Locale.ROOT, "synthetic(%s,%s)", fmt(alpha), fmt(beta));
        }

        private static String fmt(double v) {
            return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
        }
    }

    /** Fraction of each user's examples that go to its train rows (FedProx: {@code int(0.9 n)}). */
    static final double TRAIN_FRACTION = 0.9;

    private SyntheticData() {}

    /** Generates the data set; the same spec, type and seed give the same arrays. */
    public static FederatedData generate(Spec spec, DataType dtype, long seed) {
        Tensors.checkFloating(dtype);
        SplittableRandom rng = new SplittableRandom(seed);
        int users = spec.users();
        int d = spec.dim();
        int c = spec.classes();

        int[] samples = new int[users];
        long total = 0;
        for (int k = 0; k < users; k++) {
            // lognormal(4, 2) can be very large (exp(4 + 2 z)); clamp before the int cast.
            double draw = Math.exp(Sampling.gaussian(rng, 4, 2));
            long n = (long) Math.min(draw, Integer.MAX_VALUE / 4.0) + 50;
            if (spec.maxSamplesPerUser() > 0) {
                n = Math.min(n, spec.maxSamplesPerUser());
            }
            samples[k] = (int) n;
            total += n;
        }
        if (total * d > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("synthetic data drew " + total + " examples of " + d
                    + " features, more than one array holds; set a max samples per user (cap)");
        }
        double[] meanW = new double[users];
        double[] meanX = new double[users];
        for (int k = 0; k < users; k++) {
            meanW[k] = spec.iid() ? 0 : Sampling.gaussian(rng, 0, spec.alpha());
        }
        for (int k = 0; k < users; k++) {
            meanX[k] = spec.iid() ? 0 : Sampling.gaussian(rng, 0, spec.beta());
        }
        double[] sd = new double[d];
        for (int j = 0; j < d; j++) {
            sd[j] = Math.sqrt(Math.pow(j + 1, -1.2));
        }
        double[][] v = new double[users][d];
        if (!spec.iid()) {
            for (int k = 0; k < users; k++) {
                for (int j = 0; j < d; j++) {
                    v[k][j] = Sampling.gaussian(rng, meanX[k], 1);
                }
            }
        }
        double[] sharedW = null;
        double[] sharedB = null;
        if (spec.iid()) {
            sharedW = gaussians(rng, d * c, 0);
            sharedB = gaussians(rng, c, 0);
        }

        List<double[]> userX = new ArrayList<>(users);
        List<int[]> userY = new ArrayList<>(users);
        for (int k = 0; k < users; k++) {
            double[] w = spec.iid() ? sharedW : gaussians(rng, d * c, meanW[k]);
            double[] b = spec.iid() ? sharedB : gaussians(rng, c, meanW[k]);
            int n = samples[k];
            double[] x = new double[n * d];
            int[] y = new int[n];
            double[] logits = new double[c];
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < d; j++) {
                    x[i * d + j] = v[k][j] + sd[j] * Sampling.gaussian(rng);
                }
                System.arraycopy(b, 0, logits, 0, c);
                for (int j = 0; j < d; j++) {
                    double xj = x[i * d + j];
                    for (int m = 0; m < c; m++) {
                        logits[m] += xj * w[j * c + m];
                    }
                }
                y[i] = argmax(logits); // softmax is monotone: its argmax is the logits' argmax
            }
            userX.add(x);
            userY.add(y);
        }

        int[] trainCount = new int[users];
        int nTrain = 0;
        int nTest = 0;
        for (int k = 0; k < users; k++) {
            trainCount[k] = (int) (TRAIN_FRACTION * samples[k]);
            nTrain += trainCount[k];
            nTest += samples[k] - trainCount[k];
        }
        double[] trainX = new double[nTrain * d];
        int[] trainY = new int[nTrain];
        double[] testX = new double[nTest * d];
        int[] testY = new int[nTest];
        int[][] trainRows = new int[users][];
        int[][] testRows = new int[users][];
        int tr = 0;
        int te = 0;
        for (int k = 0; k < users; k++) {
            int[] order = Sampling.range(samples[k]);
            Sampling.shuffle(order, rng);
            double[] x = userX.get(k);
            int[] y = userY.get(k);
            trainRows[k] = new int[trainCount[k]];
            testRows[k] = new int[samples[k] - trainCount[k]];
            for (int i = 0; i < order.length; i++) {
                int src = order[i];
                if (i < trainCount[k]) {
                    System.arraycopy(x, src * d, trainX, tr * d, d);
                    trainY[tr] = y[src];
                    trainRows[k][i] = tr++;
                } else {
                    System.arraycopy(x, src * d, testX, te * d, d);
                    testY[te] = y[src];
                    testRows[k][i - trainCount[k]] = te++;
                }
            }
        }

        String name = spec.name();
        Dataset train = new Dataset(name + "/train", Tensors.matrix(trainX, nTrain, d, dtype),
                Tensors.oneHot(trainY, c, dtype), trainY, c);
        Dataset test = new Dataset(name + "/test", Tensors.matrix(testX, nTest, d, dtype),
                Tensors.oneHot(testY, c, dtype), testY, c);
        List<ClientData> clients = new ArrayList<>(users);
        for (int k = 0; k < users; k++) {
            clients.add(new ClientData(k, train, trainRows[k], test, testRows[k]));
        }
        return new FederatedData(name, train, test, clients);
    }

    private static double[] gaussians(SplittableRandom rng, int n, double mean) {
        double[] a = new double[n];
        for (int i = 0; i < n; i++) {
            a[i] = Sampling.gaussian(rng, mean, 1);
        }
        return a;
    }

    private static int argmax(double[] a) {
        int best = 0;
        for (int i = 1; i < a.length; i++) {
            if (a[i] > a[best]) {
                best = i;
            }
        }
        return best;
    }
}
