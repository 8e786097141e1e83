package org.fedsub.runtime.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.fedsub.runtime.compute.Blas;
import org.fedsub.runtime.compute.Rows;
import org.fedsub.runtime.data.Batch;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A stack of dense layers with ReLU between them and a loss head: the shared engine of
 * {@link LogisticRegression}, {@link LinearRegression} and {@link Mlp}, which extend it and only
 * choose names, widths, bias and head.
 */
abstract class DenseNet implements Model {

    private final String name;
    private final int[] widths;
    private final String[] layers;
    private final boolean bias;
    private final Layers.Head head;
    private final DataType dtype;
    private final List<ParamSpec> specs;
    private final ThreadLocal<Scratch> scratch = ThreadLocal.withInitial(Scratch::new);

    /** {@code layers[i]} names the layer from {@code widths[i]} to {@code widths[i + 1]}. */
    DenseNet(String name, int[] widths, String[] layers, boolean bias, Layers.Head head, DataType dtype) {
        if (widths.length < 2 || layers.length != widths.length - 1) {
            throw new IllegalArgumentException("need at least an input and an output width and one name per layer");
        }
        for (int i = 0; i < widths.length; i++) {
            Layers.checkPositive("width " + i + " of " + name, widths[i]);
        }
        this.name = name;
        this.widths = widths.clone();
        this.layers = layers.clone();
        this.bias = bias;
        this.head = head;
        this.dtype = Layers.checkDtype(dtype);
        List<ParamSpec> s = new ArrayList<>();
        for (int l = 0; l < layers.length; l++) {
            s.add(ParamSpec.matrix(layers[l] + ".weight", widths[l], widths[l + 1]));
            if (bias) {
                s.add(ParamSpec.vector(layers[l] + ".bias", widths[l + 1]));
            }
        }
        this.specs = List.copyOf(s);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public List<ParamSpec> params() {
        return specs;
    }

    @Override
    public DataType dtype() {
        return dtype;
    }

    @Override
    public Params init(long seed) {
        Params p = Params.empty();
        int last = layers.length - 1;
        for (int l = 0; l < layers.length; l++) {
            var r = Layers.rng(seed, l);
            // He scaling keeps ReLU activations' variance; the output layer has no ReLU after it.
            INDArray w = l < last
                    ? Layers.heNormal(r, widths[l], widths[l + 1], dtype)
                    : Layers.glorotUniform(r, widths[l], widths[l + 1], dtype);
            p.put(layers[l] + ".weight", w);
            if (bias) {
                p.put(layers[l] + ".bias", Nd4j.zeros(dtype, 1, widths[l + 1]));
            }
        }
        return p;
    }

    @Override
    public double lossAndGradient(Params params, Batch batch, Params gradOut) {
        return lossAndGradient(params, batch, gradOut, Map.of());
    }

    /**
     * Only the wanted rows of a weight's gradient are computed: row {@code i} of layer l's
     * {@code a^T dz} is column {@code i} of its input {@code a} times {@code dz}, so the input's
     * wanted columns are gathered and multiplied, {@code r/n} of the work (the values are those of
     * the whole product: each is the same sum over the batch).
     */
    @Override
    public double lossAndGradient(Params params, Batch batch, Params gradOut, Map<String, int[]> rows) {
        for (String n : rows.keySet()) {
            if (!n.endsWith(".weight")) {
                throw new IllegalArgumentException("rows of the gradient of '" + n + "': " + name
                        + " computes rows of its weights only");
            }
        }
        Layers.prepareGradOut(gradOut, specs, dtype, rows); // refuses names it does not have
        Scratch s = scratch.get();
        INDArray[] acts = forward(params, batch.features(), s);
        int last = layers.length;
        INDArray out = acts[last];
        INDArray dz = s.get(2 * last, dtype, out.rows(), out.columns());
        double loss = head.apply(out, targets(batch), batch.size(), dz);
        for (int l = last - 1; l >= 0; l--) {
            String weight = layers[l] + ".weight";
            int[] wanted = rows.get(weight);
            INDArray a = acts[l];
            if (wanted != null) {
                a = s.get(2 * last + 1 + l, dtype, a.rows(), wanted.length);
                Rows.gatherColumns(acts[l], wanted, a);
            }
            Layers.denseGrads(a, dz, gradOut, weight, bias ? layers[l] + ".bias" : null, false);
            if (l > 0) {
                INDArray dh = s.get(2 * l + 1, dtype, dz.rows(), widths[l]);
                Blas.gemm(dz, false, Blas.denseOrCopy(params.get(layers[l] + ".weight")), true, dh, 0);
                dz = Layers.reluBackwardInPlace(dh, acts[l]);
            }
        }
        return loss;
    }

    @Override
    public double loss(Params params, Batch batch) {
        INDArray[] acts = forward(params, batch.features(), scratch.get());
        return head.apply(acts[layers.length], targets(batch), batch.size(), null);
    }

    @Override
    public Scored score(Params params, Batch batch) {
        INDArray out = forward(params, batch.features(), scratch.get())[layers.length];
        return new Scored(head.apply(out, targets(batch), batch.size(), null), out);
    }

    @Override
    public INDArray predict(Params params, INDArray features) {
        // The outputs outlive the call: copy them out of this thread's scratch.
        return forward(params, features, scratch.get())[layers.length].dup();
    }

    @Override
    public boolean isClassifier() {
        return head == Layers.Head.SOFTMAX_CROSS_ENTROPY;
    }

    @Override
    public String toString() {
        return name;
    }

    /**
     * acts[0] is the input, acts[l] the ReLU output of layer l, acts[last] the raw outputs; all
     * but the input live in {@code s} (slot 2l for layer l's output).
     */
    private INDArray[] forward(Params params, INDArray features, Scratch s) {
        INDArray[] acts = new INDArray[layers.length + 1];
        acts[0] = Layers.matrixIn(name, "features", features, widths[0], dtype);
        for (int l = 0; l < layers.length; l++) {
            INDArray out = s.get(2 * l, dtype, acts[0].rows(), widths[l + 1]);
            acts[l + 1] = Layers.dense(acts[l], params.get(layers[l] + ".weight"),
                    bias ? params.get(layers[l] + ".bias") : null, l < layers.length - 1, out);
        }
        return acts;
    }

    private INDArray targets(Batch batch) {
        return Layers.matrixIn(name, "targets", batch.targets(), widths[widths.length - 1], dtype);
    }
}
