package org.fedsub.runtime.data;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Heterogeneous least squares with a closed-form answer: client i minimises
 * {@code 0.5 |A_i W - Y_i|^2} over {@code W [dim, outputs]} (no bias), and the global optimum of
 * the sum is {@code W* = (sum A_i^T A_i)^-1 sum A_i^T Y_i}. Each client has its own true model
 * {@code W_i = W0 + heterogeneity * N(0, 1)}, its own feature shift ({@code heterogeneity/2 *
 * N(0, 1)} per feature) and scale ({@code exp(heterogeneity/2 * N(0, 1))} per feature), and
 * noise-free targets {@code Y_i = A_i W_i}: the clients' own optima differ, so FedAvg with several
 * local steps stops at a biased point while SCAFFOLD-like methods reach {@code W*}.
 *
 * <p>Features are scaled down, if needed, so that every client's mean-loss curvature
 * {@code lambda_max(A_i^T A_i / rows)} is at most {@value #MAX_CURVATURE}: full-batch gradient
 * descent on the mean loss with lr 0.02 (stable up to 2 / 0.02 = 100) is then comfortably stable.
 * The test table is the train table: evaluation measures the global objective.
 */
public final class LeastSquaresData {

    /** Upper bound on each client's {@code lambda_max(A_i^T A_i / rows)} after scaling. */
    public static final double MAX_CURVATURE = 10;

    /**
     * What to generate.
     *
     * @param clients number of clients
     * @param rowsPerClient rows of each {@code A_i} (the same for every client)
     * @param dim feature dimension n (rows of W)
     * @param outputs number of outputs k (columns of W and Y)
     * @param heterogeneity spread of the clients' models, feature shifts and scales; 0 makes the
     *     clients identically distributed with one shared model
     */
    public record Spec(int clients, int rowsPerClient, int dim, int outputs, double heterogeneity) {

        public Spec {
            if (clients < 1 || rowsPerClient < 1 || dim < 1 || outputs < 1) {
                throw new IllegalArgumentException("least squares needs clients, rows per client, dim and outputs >= 1,"
                        + " got " + clients + ", " + rowsPerClient + ", " + dim + ", " + outputs);
            }
            if ((long) clients * rowsPerClient < dim) {
                throw new IllegalArgumentException("least squares with " + clients + " x " + rowsPerClient
                        + " rows and dim " + dim + " has no unique optimum; expected clients * rows per client >= dim");
            }
            if (!(heterogeneity >= 0) || !Double.isFinite(heterogeneity)) {
                throw new IllegalArgumentException("least squares heterogeneity must be finite and >= 0, got "
                        + heterogeneity);
            }
        }

        /** 8 clients of 50 rows, W 20 x 3, heterogeneity 1: the shape of docs/algorithm.md's small model. */
        public static Spec defaults() {
            return new Spec(8, 50, 20, 3, 1.0);
        }
    }

    private final FederatedData data;
    private final double[][] optimum;
    private final double maxCurvature;

    private LeastSquaresData(FederatedData data, double[][] optimum, double maxCurvature) {
        this.data = data;
        this.optimum = optimum;
        this.maxCurvature = maxCurvature;
    }

    /** Generates the problem; the same spec, type and seed give the same arrays. */
    public static LeastSquaresData generate(Spec spec, DataType dtype, long seed) {
        Tensors.checkFloating(dtype);
        SplittableRandom rng = new SplittableRandom(seed);
        int m = spec.rowsPerClient();
        int n = spec.dim();
        int k = spec.outputs();
        int rows = spec.clients() * m;
        double h = spec.heterogeneity();

        double[] w0 = new double[n * k];
        for (int i = 0; i < w0.length; i++) {
            w0[i] = Sampling.gaussian(rng);
        }
        double[] a = new double[rows * n];
        double[][] clientW = new double[spec.clients()][];
        for (int c = 0; c < spec.clients(); c++) {
            double[] wc = new double[n * k];
            for (int i = 0; i < wc.length; i++) {
                wc[i] = w0[i] + h * Sampling.gaussian(rng);
            }
            clientW[c] = wc;
            double[] shift = new double[n];
            double[] scale = new double[n];
            for (int j = 0; j < n; j++) {
                shift[j] = 0.5 * h * Sampling.gaussian(rng);
                scale[j] = Math.exp(0.5 * h * Sampling.gaussian(rng));
            }
            for (int r = c * m; r < (c + 1) * m; r++) {
                for (int j = 0; j < n; j++) {
                    a[r * n + j] = shift[j] + scale[j] * Sampling.gaussian(rng);
                }
            }
        }
        double curvature = 0;
        for (int c = 0; c < spec.clients(); c++) {
            curvature = Math.max(curvature, curvature(a, c * m, (c + 1) * m, n));
        }
        if (curvature > MAX_CURVATURE) {
            double f = Math.sqrt(MAX_CURVATURE / curvature);
            for (int i = 0; i < a.length; i++) {
                a[i] *= f;
            }
        }
        Tensors.roundTo(a, dtype);
        double[] y = new double[rows * k];
        for (int c = 0; c < spec.clients(); c++) {
            double[] wc = clientW[c];
            for (int r = c * m; r < (c + 1) * m; r++) {
                for (int j = 0; j < n; j++) {
                    double arj = a[r * n + j];
                    for (int o = 0; o < k; o++) {
                        y[r * k + o] += arj * wc[j * k + o];
                    }
                }
            }
        }
        Tensors.roundTo(y, dtype);

        String name = String.format(Locale.ROOT, "least-squares(%d x %d, n=%d, k=%d, h=%s)",
                spec.clients(), m, n, k, h);
        Dataset table = new Dataset(name, Tensors.matrix(a, rows, n, dtype), Tensors.matrix(y, rows, k, dtype), null, 0);
        List<ClientData> clients = new ArrayList<>(spec.clients());
        double stored = 0;
        for (int c = 0; c < spec.clients(); c++) {
            int[] own = new int[m];
            for (int i = 0; i < m; i++) {
                own[i] = c * m + i;
            }
            clients.add(new ClientData(c, table, own, null, null));
            stored = Math.max(stored, curvature(a, c * m, (c + 1) * m, n));
        }
        FederatedData data = new FederatedData(name, table, table, clients);
        return new LeastSquaresData(data, optimumOf(data), stored);
    }

    /** The clients and their shared table (train = test). */
    public FederatedData data() {
        return data;
    }

    /** The global optimum {@code W* [dim][outputs]} of the stored data, in double (a copy). */
    public double[][] optimum() {
        double[][] copy = new double[optimum.length][];
        for (int i = 0; i < optimum.length; i++) {
            copy[i] = optimum[i].clone();
        }
        return copy;
    }

    /** The global optimum as a {@code [dim, outputs]} array. */
    public INDArray optimum(DataType dtype) {
        int n = optimum.length;
        int k = optimum[0].length;
        double[] flat = new double[n * k];
        for (int i = 0; i < n; i++) {
            System.arraycopy(optimum[i], 0, flat, i * k, k);
        }
        return Tensors.matrix(flat, n, k, dtype);
    }

    /** The largest client curvature {@code lambda_max(A_i^T A_i / rows)}: lr below 2 / this is stable locally. */
    public double maxCurvature() {
        return maxCurvature;
    }

    /**
     * The closed-form optimum of {@code sum_i 0.5 |A_i W - Y_i|^2} over the clients' train rows of
     * any regression data set, solved in double by Cholesky.
     *
     * @throws IllegalArgumentException if {@code sum A_i^T A_i} is singular
     */
    public static double[][] optimumOf(FederatedData data) {
        int n = data.train().featureDim();
        int k = Math.toIntExact(data.train().targets().columns());
        double[] x = Tensors.flatDoubles(data.train().features());
        double[] t = Tensors.flatDoubles(data.train().targets());
        double[][] gram = new double[n][n];
        double[][] rhs = new double[n][k];
        for (ClientData c : data.clients()) {
            for (int r : c.trainRows()) {
                for (int i = 0; i < n; i++) {
                    double xi = x[r * n + i];
                    for (int j = 0; j <= i; j++) {
                        gram[i][j] += xi * x[r * n + j];
                    }
                    for (int o = 0; o < k; o++) {
                        rhs[i][o] += xi * t[r * k + o];
                    }
                }
            }
        }
        return choleskySolve(gram, rhs, data.name());
    }

    /** {@code sum_i A_i^T (A_i W - Y_i)} over the clients' train rows, in double: zero at the optimum. */
    public static double[][] totalGradient(FederatedData data, double[][] w) {
        int n = data.train().featureDim();
        int k = Math.toIntExact(data.train().targets().columns());
        if (w.length != n || w[0].length != k) {
            throw new IllegalArgumentException("W is " + w.length + " x " + w[0].length + ", expected " + n + " x " + k);
        }
        double[] x = Tensors.flatDoubles(data.train().features());
        double[] t = Tensors.flatDoubles(data.train().targets());
        double[][] g = new double[n][k];
        double[] res = new double[k];
        for (ClientData c : data.clients()) {
            for (int r : c.trainRows()) {
                for (int o = 0; o < k; o++) {
                    double p = -t[r * k + o];
                    for (int i = 0; i < n; i++) {
                        p += x[r * n + i] * w[i][o];
                    }
                    res[o] = p;
                }
                for (int i = 0; i < n; i++) {
                    for (int o = 0; o < k; o++) {
                        g[i][o] += x[r * n + i] * res[o];
                    }
                }
            }
        }
        return g;
    }

    /** Solves {@code G W = B} for symmetric positive definite G, of which only the lower triangle is read. */
    private static double[][] choleskySolve(double[][] g, double[][] b, String name) {
        int n = g.length;
        int k = b[0].length;
        double[][] l = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                double s = g[i][j];
                for (int p = 0; p < j; p++) {
                    s -= l[i][p] * l[j][p];
                }
                if (i == j) {
                    if (!(s > 1e-12 * Math.max(1, Math.abs(g[i][i])))) {
                        throw new IllegalArgumentException("least squares on '" + name
                                + "': sum of A_i^T A_i is singular (pivot " + i + " = " + s + ")");
                    }
                    l[i][i] = Math.sqrt(s);
                } else {
                    l[i][j] = s / l[j][j];
                }
            }
        }
        double[][] w = new double[n][k];
        for (int o = 0; o < k; o++) {
            double[] z = new double[n];
            for (int i = 0; i < n; i++) {
                double s = b[i][o];
                for (int p = 0; p < i; p++) {
                    s -= l[i][p] * z[p];
                }
                z[i] = s / l[i][i];
            }
            for (int i = n - 1; i >= 0; i--) {
                double s = z[i];
                for (int p = i + 1; p < n; p++) {
                    s -= l[p][i] * w[p][o];
                }
                w[i][o] = s / l[i][i];
            }
        }
        return w;
    }

    /** {@code lambda_max(A^T A / rows)} over rows [from, to) of the row-major {@code a}, by power iteration. */
    static double curvature(double[] a, int from, int to, int n) {
        double[][] g = new double[n][n];
        for (int r = from; r < to; r++) {
            for (int i = 0; i < n; i++) {
                double ai = a[r * n + i];
                for (int j = 0; j < n; j++) {
                    g[i][j] += ai * a[r * n + j];
                }
            }
        }
        int m = to - from;
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = 1 + 0.1 * i; // fixed for determinism; orthogonal to the top eigenvector only by accident
        }
        double lambda = 0;
        for (int it = 0; it < 500; it++) {
            double[] u = new double[n];
            for (int i = 0; i < n; i++) {
                double s = 0;
                for (int j = 0; j < n; j++) {
                    s += g[i][j] * v[j];
                }
                u[i] = s;
            }
            double norm = 0;
            for (double x : u) {
                norm += x * x;
            }
            norm = Math.sqrt(norm);
            if (norm == 0) {
                return 0;
            }
            double vn = 0;
            for (double x : v) {
                vn += x * x;
            }
            lambda = norm / Math.sqrt(vn);
            for (int i = 0; i < n; i++) {
                v[i] = u[i] / norm;
            }
        }
        return lambda / m;
    }
}
