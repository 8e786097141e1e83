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
 * {@code train()}: {@code tau} steps plus the round's fixed cost of taking the model in and
 * encoding its update, divided by {@code tau}), on random data in memory: the counterpart of
 * {@code benchmarks/pytorch/step_cost.py}, which {@code benchmarks/vs-pytorch} runs beside it.
 *
 * <pre>StepCost MODEL BATCH STRATEGY [STEPS]   MODEL: logreg (60x10), mlp (784-200-10), mlp2, cnn</pre>
 *
 * Prints {@code MODEL BATCH STRATEGY us_per_step}, the best of three timed blocks of
 * {@code STEPS} steps (default 3000) after a warm-up of a tenth of that.
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
        StrategyContext ctx = new StrategyContext(model, TrainSettings.sgd(TAU, batch, 0.01, 1000), SEED, 1,
                model.init(SEED));
        Strategy s = Strategies.create(LocalStepBenchmark.settings(strategy), ctx);
        Payload task = s.configure(0, 0);
        ClientAlgorithm client = s.newClient(0);
        ClientData data = randomData(inputs);
        int rounds = Math.max(1, steps / TAU);
        run(client, task, data, Math.max(1, rounds / 10));
        double best = Double.POSITIVE_INFINITY;
        for (int k = 0; k < 3; k++) {
            long t0 = System.nanoTime();
            run(client, task, data, rounds);
            best = Math.min(best, (System.nanoTime() - t0) / 1e3 / ((double) rounds * TAU));
        }
        System.out.printf("%s %d %s %.1f%n", name, batch, strategy, best);
    }

    private static void run(ClientAlgorithm client, Payload task, ClientData data, int rounds) {
        for (int r = 0; r < rounds; r++) {
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
