package org.fedsub.examples;

import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.fedsub.examples.results.Units;
import org.fedsub.runtime.data.Batch;
import org.fedsub.runtime.engine.Experiment;
import org.fedsub.runtime.engine.Experiments;
import org.fedsub.runtime.engine.ReferenceEngine;
import org.fedsub.runtime.engine.RunResult;
import org.fedsub.runtime.model.Model;
import org.fedsub.runtime.model.ParamSpec;
import org.fedsub.runtime.model.Params;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * A user's own model trained with FedSub: {@link TanhNet}, a two-layer network with a tanh hidden
 * layer and a softmax output, forward and backward pass written by hand.
 *
 * <p>This is the fedsub counterpart of the reference implementation's usage, where a PyTorch
 * model's {@code nn.Linear} layers are replaced with FedSub's: here a model only declares its
 * weight matrices as {@link ParamSpec#matrix} ({@code [in, out]}), and FedSub compresses every
 * matrix whose name matches {@code fedsub.strategy.fedsub.layers} along its in-dimension, while
 * biases ({@link ParamSpec#vector}) are trained and averaged as they are. Nothing else needs to
 * know the architecture.
 *
 * <pre>./fedsub example CustomModel [rounds]</pre>
 */
public final class CustomModel {

    private CustomModel() {}

    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 40;
        // Everything but the model from configuration: the defaults of reference.conf plus these.
        Experiment base = Experiments.parse("""
                fedsub {
                  name = custom-model
                  rounds = %d
                  model.type = logreg          # replaced below
                  data.type = synthetic        # FedProx Synthetic(1,1), 30 clients
                  train { local-steps = 20, batch-size = 10, lr = 0.05 }
                  strategy { name = fedsub, fedsub.rank-rate = 0.5 }
                }
                """.formatted(rounds));
        TanhNet net = new TanhNet(base.data().train().featureDim(), 32, base.data().train().numClasses(),
                base.model().dtype());
        Experiment exp = base.withModel(net);

        System.out.println("FedSub with a hand-written model " + net.name() + " on " + base.data().name());
        RunResult r = new ReferenceEngine(exp).run(m -> {
            if ((m.round() + 1) % 5 == 0 || m.round() == 0) {
                System.out.printf(Locale.ROOT, "round %3d  client loss %.4f  test accuracy %s  uplink %s%n",
                        m.round() + 1, m.clientLoss(), Units.percent(m.testAccuracy()), Units.bytes(m.uplinkBytes()));
            }
        });
        System.out.printf(Locale.ROOT, "final test accuracy %s, total uplink %s%n",
                Units.percent(r.lastEvaluated().testAccuracy()), Units.bytes(r.totalUplinkBytes()));
    }

    /**
     * {@code softmax(tanh(x W1 + b1) W2 + b2)} with cross-entropy loss. Stateless: parameters come
     * in, so one instance serves every client and thread.
     */
    public static final class TanhNet implements Model {

        private final int inputs;
        private final int hidden;
        private final int classes;
        private final DataType dtype;
        private final List<ParamSpec> specs;

        public TanhNet(int inputs, int hidden, int classes, DataType dtype) {
            this.inputs = inputs;
            this.hidden = hidden;
            this.classes = classes;
            this.dtype = dtype;
            // Matrices are [in, out]: FedSub projects their first axis. Biases are vectors [1, out].
            this.specs = List.of(ParamSpec.matrix("hidden.weight", inputs, hidden), ParamSpec.vector("hidden.bias", hidden),
                    ParamSpec.matrix("out.weight", hidden, classes), ParamSpec.vector("out.bias", classes));
        }

        @Override
        public String name() {
            return "tanh-net[" + inputs + "-" + hidden + "-" + classes + "]";
        }

        @Override
        public List<ParamSpec> params() {
            return specs;
        }

        @Override
        public DataType dtype() {
            return dtype;
        }

        /** Glorot-uniform weights and zero biases, from a random stream of {@code seed} alone. */
        @Override
        public Params init(long seed) {
            SplittableRandom rnd = new SplittableRandom(seed);
            return Params.empty()
                    .put("hidden.weight", glorot(rnd, inputs, hidden))
                    .put("hidden.bias", Nd4j.zeros(dtype, 1, hidden))
                    .put("out.weight", glorot(rnd, hidden, classes))
                    .put("out.bias", Nd4j.zeros(dtype, 1, classes));
        }

        private INDArray glorot(SplittableRandom rnd, int in, int out) {
            double a = Math.sqrt(6.0 / (in + out));
            double[] w = new double[in * out];
            for (int i = 0; i < w.length; i++) {
                w[i] = (2 * rnd.nextDouble() - 1) * a;
            }
            return Nd4j.create(w, new long[] {in, out}, DataType.DOUBLE).castTo(dtype);
        }

        @Override
        public double lossAndGradient(Params p, Batch batch, Params gradOut) {
            INDArray x = batch.features();
            INDArray y = batch.targets();
            double n = batch.size();
            // Forward.
            INDArray h = Transforms.tanh(x.mmul(p.get("hidden.weight")).addiRowVector(p.get("hidden.bias")), false);
            INDArray logits = h.mmul(p.get("out.weight")).addiRowVector(p.get("out.bias"));
            INDArray logSoftmax = logSoftmax(logits);
            double loss = -y.mul(logSoftmax).sumNumber().doubleValue() / n;
            // Backward: d loss / d logits = (softmax - y) / n for one-hot rows.
            INDArray dLogits = Transforms.exp(logSoftmax, true).subi(y).divi(n);
            write(gradOut, "out.weight", h.transpose().mmul(dLogits));
            write(gradOut, "out.bias", dLogits.sum(true, 0));
            // tanh' = 1 - tanh^2.
            INDArray dPre = dLogits.mmul(p.get("out.weight").transpose()).muli(h.mul(h).rsubi(1.0));
            write(gradOut, "hidden.weight", x.transpose().mmul(dPre));
            write(gradOut, "hidden.bias", dPre.sum(true, 0));
            return loss;
        }

        @Override
        public double loss(Params p, Batch batch) {
            INDArray logSoftmax = logSoftmax(predict(p, batch.features()));
            return -batch.targets().mul(logSoftmax).sumNumber().doubleValue() / batch.size();
        }

        @Override
        public INDArray predict(Params p, INDArray features) {
            INDArray h = Transforms.tanh(features.mmul(p.get("hidden.weight")).addiRowVector(p.get("hidden.bias")),
                    false);
            return h.mmul(p.get("out.weight")).addiRowVector(p.get("out.bias"));
        }

        @Override
        public boolean isClassifier() {
            return true;
        }

        private static INDArray logSoftmax(INDArray logits) {
            INDArray shifted = logits.subColumnVector(logits.max(true, 1));
            INDArray logSum = Transforms.log(Transforms.exp(shifted, true).sum(true, 1), false);
            return shifted.subiColumnVector(logSum);
        }

        /** gradOut is overwritten, not accumulated (the Model contract). */
        private static void write(Params gradOut, String name, INDArray g) {
            if (gradOut.contains(name)) {
                gradOut.get(name).assign(g);
            } else {
                gradOut.put(name, g);
            }
        }

        @Override
        public String toString() {
            return name();
        }
    }
}
