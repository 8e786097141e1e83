package org.fedsub.benchmarks;

import java.util.List;
import java.util.SplittableRandom;
import org.fedsub.runtime.codec.Payload;
import org.fedsub.runtime.data.ClientData;
import org.fedsub.runtime.data.Dataset;
import org.fedsub.runtime.model.LogisticRegression;
import org.fedsub.runtime.model.Mlp;
import org.fedsub.runtime.model.Model;
import org.fedsub.runtime.model.SmallCnn;
import org.fedsub.runtime.strategy.ClientAlgorithm;
import org.fedsub.runtime.strategy.Strategies;
import org.fedsub.runtime.strategy.Strategy;
import org.fedsub.runtime.strategy.StrategyContext;
import org.fedsub.runtime.strategy.TrainSettings;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Microseconds per local SGD step of one fedsub client, through the public API (a client's
 * {@code train()}), on random data in memory: the counterpart of
 * {@code benchmarks/pytorch/step_cost.py}, which {@code benchmarks/vs-pytorch} runs beside it.
 * Rounds of 1 and of 20 steps alternate; a step costs {@code (t(20) - t(1)) / 19}, and what a
 * round costs besides its steps (taking the model in, sending the update) is {@code t(1)} minus
 * one step.
 *
 * <pre>StepCost MODEL BATCH STRATEGY [STEPS]   MODEL: logreg (60x10), mlp (784-200-10), mlp2, cnn</pre>
 *
 * Prints {@code MODEL BATCH STRATEGY step_us round_fixed_us train_per_step_us} (the last:
 * a 20-step round's time / 20), each the best of three timed blocks of {@code STEPS} steps
 * (default 3000) after a warm-up of a tenth of that.
 */
public final class StepCost {

    private static final int EXAMPLES = 2048;
    private static final int TAU = 20;
    private static final long SEED = 1;

    private StepCost() {}

    public static void main(String[] args) {
        if (args.length < 3) {
            System.err.println("usage: StepCost MODEL BATCH STRATEGY [STEPS]   (MODEL: logreg, mlp, mlp2, cnn;"
                    + " STRATEGY: fedavg, fedsub)");
            System.exit(2);
        }
        String name = args[0];
        int batch = Integer.parseInt(args[1]);
        String strategy = args[2];
        int steps = args.length > 3 ? Integer.parseInt(args[3]) : 3000;
        Model model = switch (name) {
            case "logreg" -> new LogisticRegression(60, 10, DataType.FLOAT);
            case "mlp" -> new Mlp(List.of(784, 200, 10), DataType.FLOAT);
            case "mlp2" -> new Mlp(List.of(784, 200, 200, 10), DataType.FLOAT);
            case "cnn" -> new SmallCnn(new SmallCnn.Geometry(1, 28, 28, List.of(16, 32), 5, 2, 2), 10, DataType.FLOAT);
            default -> throw new IllegalArgumentException("unknown model '" + name + "': logreg, mlp, mlp2 or cnn");
        };
        int inputs = name.equals("logreg") ? 60 : 784;
        ClientData data = randomData(inputs);
        Client one = new Client(model, strategy, 1, batch);
        Client full = new Client(model, strategy, TAU, batch);
        int rounds = Math.max(1, steps / TAU);
        for (int k = 0; k < Math.max(1, rounds / 10); k++) {
            one.train(data);
            full.train(data);
        }
        // Rounds of 1 and of TAU steps alternate, so both see the same moments of a busy machine.
        double best1 = Double.POSITIVE_INFINITY;
        double bestTau = Double.POSITIVE_INFINITY;
        for (int k = 0; k < 3; k++) {
            long t1 = 0;
            long tTau = 0;
            for (int r = 0; r < rounds; r++) {
                long t0 = System.nanoTime();
                one.train(data);
                long t = System.nanoTime();
                full.train(data);
                tTau += System.nanoTime() - t;
                t1 += t - t0;
            }
            best1 = Math.min(best1, t1 / 1e3 / rounds);
            bestTau = Math.min(bestTau, tTau / 1e3 / rounds);
        }
        double perStep = (bestTau - best1) / (TAU - 1);
        System.out.printf("%s %d %s %.1f %.1f %.1f%n", name, batch, strategy, perStep, best1 - perStep, bestTau / TAU);
    }

    /** One client of a strategy with {@code tau} local steps a round, and its task. */
    private static final class Client {
        private final ClientAlgorithm client;
        private final Payload task;

        Client(Model model, String strategy, int tau, int batch) {
            StrategyContext ctx = new StrategyContext(model, TrainSettings.sgd(tau, batch, 0.01, 1000), SEED, 1,
                    model.init(SEED));
            Strategy s = Strategies.create(LocalStepBenchmark.settings(strategy), ctx);
            this.task = s.configure(0, 0);
            this.client = s.newClient(0);
        }

        void train(ClientData data) {
            client.train(0, task, data); // round 0 always: the task was configured for it
        }
    }

    /** {@code EXAMPLES} rows of uniform [0, 1) features with uniformly drawn labels, one client. */
    private static ClientData randomData(int inputs) {
        SplittableRandom rnd = new SplittableRandom(SEED);
        float[] x = new float[EXAMPLES * inputs];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rnd.nextDouble();
        }
        int[] labels = new int[EXAMPLES];
        float[] y = new float[EXAMPLES * 10];
        int[] rows = new int[EXAMPLES];
        for (int i = 0; i < EXAMPLES; i++) {
            labels[i] = rnd.nextInt(10);
            y[i * 10 + labels[i]] = 1f;
            rows[i] = i;
        }
        Dataset d = new Dataset("random", Nd4j.create(x, new long[] {EXAMPLES, inputs}, 'c'),
                Nd4j.create(y, new long[] {EXAMPLES, 10}, 'c'), labels, 10);
        return new ClientData(0, d, rows, null, null);
    }
}
