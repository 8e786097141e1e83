package org.fedsub.examples.plugins;

import java.util.List;
import java.util.SplittableRandom;
import org.fedsub.runtime.data.Batch;
import org.fedsub.runtime.model.Model;
import org.fedsub.runtime.model.ParamSpec;
import org.fedsub.runtime.model.Params;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * A wide-and-deep classifier (Cheng et al., 2016) in its smallest form: a linear-softmax model
 * (the wide part) plus one hidden layer of tanh or sigmoid units (the deep part), added before
 * the softmax: {@code logits = x Ww + act(x Wd + bd) Wo + bo}, cross-entropy loss. The wide part
 * learns what logistic regression can from the first round; the hidden layer adds what it cannot.
 * Every weight is an {@code [in, out]} matrix, so FedSub compresses all three; the biases are
 * averaged. Stateless, so one instance serves every client and thread.
 */
public final class WideDeep implements Model {

    /** The hidden layer's activation. */
    public enum Activation {
        TANH, SIGMOID;

        INDArray apply(INDArray z) {
            return this == TANH ? Transforms.tanh(z, false) : Transforms.sigmoid(z, false);
        }

        /** The derivative from the activation's output {@code h}: {@code 1 - h^2} or {@code h (1 - h)}. */
        INDArray derivative(INDArray h) {
            return this == TANH ? h.mul(h).rsubi(1.0) : h.rsub(1.0).muli(h);
        }
    }

    private final int inputs;
    private final int hidden;
    private final int classes;
    private final Activation activation;
    private final DataType dtype;
    private final List<ParamSpec> specs;

    public WideDeep(int inputs, int hidden, int classes, Activation activation, DataType dtype) {
        if (inputs < 1 || hidden < 1 || classes < 2) {
            throw new IllegalArgumentException("wide-deep needs inputs >= 1, hidden >= 1 and classes >= 2, got "
                    + inputs + ", " + hidden + ", " + classes);
        }
        this.inputs = inputs;
        this.hidden = hidden;
        this.classes = classes;
        this.activation = activation;
        this.dtype = dtype;
        this.specs = List.of(ParamSpec.matrix("wide.weight", inputs, classes),
                ParamSpec.matrix("deep.weight", inputs, hidden), ParamSpec.vector("deep.bias", hidden),
                ParamSpec.matrix("out.weight", hidden, classes), ParamSpec.vector("out.bias", classes));
    }

    @Override
    public String name() {
        return "wide-deep[" + inputs + "-" + hidden + "-" + classes + "," + activation.name().toLowerCase(java.util.Locale.ROOT)
                + "]";
    }

    @Override
    public List<ParamSpec> params() {
        return specs;
    }

    @Override
    public DataType dtype() {
        return dtype;
    }

    /** Glorot-uniform weights (the wide part starting at zero, as logistic regression does) and zero biases. */
    @Override
    public Params init(long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        return Params.empty()
                .put("wide.weight", Nd4j.zeros(dtype, inputs, classes))
                .put("deep.weight", glorot(rnd, inputs, hidden))
                .put("deep.bias", Nd4j.zeros(dtype, 1, hidden))
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
        INDArray h = hidden(p, x);
        INDArray logSoftmax = logSoftmax(logits(p, x, h));
        double loss = -y.mul(logSoftmax).sumNumber().doubleValue() / n;
        // d loss / d logits = (softmax - y) / n for one-hot rows.
        INDArray dLogits = Transforms.exp(logSoftmax, true).subi(y).divi(n);
        write(gradOut, "wide.weight", x.transpose().mmul(dLogits));
        write(gradOut, "out.weight", h.transpose().mmul(dLogits));
        write(gradOut, "out.bias", dLogits.sum(true, 0));
        INDArray dPre = dLogits.mmul(p.get("out.weight").transpose()).muli(activation.derivative(h));
        write(gradOut, "deep.weight", x.transpose().mmul(dPre));
        write(gradOut, "deep.bias", dPre.sum(true, 0));
        return loss;
    }

    @Override
    public double loss(Params p, Batch batch) {
        INDArray logSoftmax = logSoftmax(predict(p, batch.features()));
        return -batch.targets().mul(logSoftmax).sumNumber().doubleValue() / batch.size();
    }

    @Override
    public INDArray predict(Params p, INDArray features) {
        return logits(p, features, hidden(p, features));
    }

    @Override
    public boolean isClassifier() {
        return true;
    }

    private INDArray hidden(Params p, INDArray x) {
        return activation.apply(x.mmul(p.get("deep.weight")).addiRowVector(p.get("deep.bias")));
    }

    private static INDArray logits(Params p, INDArray x, INDArray h) {
        return x.mmul(p.get("wide.weight")).addi(h.mmul(p.get("out.weight"))).addiRowVector(p.get("out.bias"));
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
