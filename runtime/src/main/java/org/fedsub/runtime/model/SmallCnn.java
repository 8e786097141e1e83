package org.fedsub.runtime.model;

import java.util.ArrayList;
import java.util.List;
import org.fedsub.runtime.compute.Blas;
import org.fedsub.runtime.compute.Rows;
import org.fedsub.runtime.data.Batch;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * A small convolutional classifier: square-kernel convolutions with ReLU (e.g. 16 then 32
 * channels, kernel 5, stride 2, padding 2), then one dense layer to the classes, softmax
 * cross-entropy.
 *
 * <p>Input rows are flattened images {@code [batch, c * h * w]} in channel-major (CHW) order.
 * Each convolution is a dense layer over im2col patches: its kernel {@code convL.weight} is a
 * matrix {@code [cIn * k * k, cOut]} whose rows run over (input channel, kernel row, kernel
 * column), so FedSub compresses it like any other weight. Between layers the activations stay in
 * the matmul's natural (position, channel) order, so no transposes are needed; {@code fc.weight}
 * therefore reads the last feature map in HWC order: row {@code (y * w + x) * c + channel}.
 *
 * <p>im2col and its adjoint are index gathers through a table built once per layer. Large
 * batches (whole test sets) are processed in chunks so that the patch matrices stay small.
 */
public final class SmallCnn implements Model {

    /** Patch-matrix elements per chunk: about 32 MB in DOUBLE. */
    static final int DEFAULT_MAX_PATCH_ELEMENTS = 1 << 22;

    /**
     * The network's shape.
     *
     * @param channels output channels of each convolution, in order (at least one)
     */
    public record Geometry(int inputChannels, int height, int width, List<Integer> channels, int kernel, int stride,
            int padding) {

        public Geometry {
            Layers.checkPositive("input channels", inputChannels);
            Layers.checkPositive("image height", height);
            Layers.checkPositive("image width", width);
            channels = List.copyOf(channels);
            if (channels.isEmpty()) {
                throw new IllegalArgumentException("a CNN needs at least one convolution");
            }
            channels.forEach(c -> Layers.checkPositive("convolution channels", c));
            Layers.checkPositive("kernel", kernel);
            Layers.checkPositive("stride", stride);
            if (padding < 0 || padding >= kernel) {
                throw new IllegalArgumentException("padding must be in [0, kernel - 1] = [0, " + (kernel - 1)
                        + "], got " + padding);
            }
            int h = height;
            int w = width;
            for (int l = 0; l < channels.size(); l++) {
                if (h + 2 * padding < kernel || w + 2 * padding < kernel) {
                    throw new IllegalArgumentException("conv" + (l + 1) + ": kernel " + kernel
                            + " is larger than its padded input " + h + "x" + w + " + 2 * " + padding);
                }
                h = outSize(h, kernel, stride, padding);
                w = outSize(w, kernel, stride, padding);
            }
        }

        /** Input features per example, {@code inputChannels * height * width}. */
        public int inputDim() {
            return inputChannels * height * width;
        }

        /** Output side of a convolution over {@code in} pixels (remainder pixels are dropped). */
        public static int outSize(int in, int kernel, int stride, int padding) {
            return (in + 2 * padding - kernel) / stride + 1;
        }
    }

    private final Geometry geometry;
    private final int classes;
    private final DataType dtype;
    private final ConvLayer[] convs;
    private final int fcIn;
    private final int chunk;
    private final String name;
    private final List<ParamSpec> specs;
    private final ThreadLocal<Scratch> scratch = ThreadLocal.withInitial(Scratch::new);

    public SmallCnn(Geometry geometry, int classes, DataType dtype) {
        this(geometry, classes, dtype, DEFAULT_MAX_PATCH_ELEMENTS);
    }

    /** {@code maxPatchElements}: chunk batches so that no patch matrix exceeds this many elements. */
    SmallCnn(Geometry geometry, int classes, DataType dtype, int maxPatchElements) {
        this.geometry = geometry;
        this.classes = Layers.checkPositive("classes", classes);
        this.dtype = Layers.checkDtype(dtype);
        List<Integer> ch = geometry.channels();
        this.convs = new ConvLayer[ch.size()];
        int c = geometry.inputChannels();
        int h = geometry.height();
        int w = geometry.width();
        int largest = 1;
        List<ParamSpec> s = new ArrayList<>();
        for (int l = 0; l < convs.length; l++) {
            convs[l] = new ConvLayer("conv" + (l + 1), c, h, w, ch.get(l), geometry.kernel(), geometry.stride(),
                    geometry.padding(), l > 0);
            largest = Math.max(largest, convs[l].positions * convs[l].patch);
            s.add(ParamSpec.matrix(convs[l].name + ".weight", convs[l].patch, convs[l].cOut));
            s.add(ParamSpec.vector(convs[l].name + ".bias", convs[l].cOut));
            c = ch.get(l);
            h = convs[l].outH;
            w = convs[l].outW;
        }
        this.fcIn = c * h * w;
        s.add(ParamSpec.matrix("fc.weight", fcIn, classes));
        s.add(ParamSpec.vector("fc.bias", classes));
        this.specs = List.copyOf(s);
        this.chunk = Math.max(1, maxPatchElements / largest);
        StringBuilder n = new StringBuilder("cnn[").append(geometry.inputChannels()).append('x')
                .append(geometry.height()).append('x').append(geometry.width());
        ch.forEach(x -> n.append('-').append(x));
        this.name = n.append("-k").append(geometry.kernel()).append('s').append(geometry.stride())
                .append('p').append(geometry.padding()).append('-').append(classes).append(']').toString();
    }

    public Geometry geometry() {
        return geometry;
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
        for (int l = 0; l < convs.length; l++) {
            ConvLayer c = convs[l];
            p.put(c.name + ".weight", Layers.heNormal(Layers.rng(seed, l), c.patch, c.cOut, dtype));
            p.put(c.name + ".bias", Nd4j.zeros(dtype, 1, c.cOut));
        }
        p.put("fc.weight", Layers.glorotUniform(Layers.rng(seed, convs.length), fcIn, classes, dtype));
        p.put("fc.bias", Nd4j.zeros(dtype, 1, classes));
        return p;
    }

    @Override
    public double lossAndGradient(Params params, Batch batch, Params gradOut) {
        Layers.prepareGradOut(gradOut, specs, dtype);
        INDArray x = Layers.matrixIn(name, "features", batch.features(), geometry.inputDim(), dtype);
        INDArray y = Layers.matrixIn(name, "targets", batch.targets(), classes, dtype);
        int b = batch.size();
        if (b <= chunk) {
            return backward(params, x, y, b, gradOut, false);
        }
        // Sum the chunks' gradients, each already divided by the whole batch size.
        Params acc = Params.zeros(specs, dtype);
        double loss = 0;
        for (int r = 0; r < b; r += chunk) {
            int e = Math.min(b, r + chunk);
            loss += backward(params, rows(x, r, e), rows(y, r, e), b, acc, true);
        }
        acc.asMap().forEach((k, v) -> Layers.write(gradOut, k, v));
        return loss;
    }

    @Override
    public double loss(Params params, Batch batch) {
        INDArray y = Layers.matrixIn(name, "targets", batch.targets(), classes, dtype);
        INDArray out = predict(params, batch.features());
        return Layers.Head.SOFTMAX_CROSS_ENTROPY.apply(out, y, batch.size(), null);
    }

    @Override
    public Scored score(Params params, Batch batch) {
        INDArray y = Layers.matrixIn(name, "targets", batch.targets(), classes, dtype);
        INDArray out = predict(params, batch.features());
        return new Scored(Layers.Head.SOFTMAX_CROSS_ENTROPY.apply(out, y, batch.size(), null), out);
    }

    @Override
    public INDArray predict(Params params, INDArray features) {
        INDArray x = Layers.matrixIn(name, "features", features, geometry.inputDim(), dtype);
        long b = x.rows();
        if (b <= chunk) {
            // The logits outlive the call: copy them out of this thread's scratch.
            return forward(params, x, scratch.get()).logits.dup();
        }
        INDArray out = Nd4j.create(dtype, b, classes);
        for (int r = 0; r < b; r += chunk) {
            int e = (int) Math.min(b, r + chunk);
            out.get(NDArrayIndex.interval(r, e), NDArrayIndex.all()).assign(forward(params, rows(x, r, e), scratch.get()).logits);
        }
        return out;
    }

    @Override
    public boolean isClassifier() {
        return true;
    }

    @Override
    public String toString() {
        return name;
    }

    private static INDArray rows(INDArray a, int from, int to) {
        return a.get(NDArrayIndex.interval(from, to), NDArrayIndex.all());
    }

    /** What the backward pass needs: each layer's patches and ReLU output, and the logits. */
    private record Forward(INDArray[] patches, INDArray[] acts, INDArray fcIn, INDArray logits) {}

    /**
     * Scratch slots: conv layer l's output is slot l, the logits slot L, then the backward pass's
     * (see there, at most L + 1 more), then each layer's patches and its input's gradient.
     */
    private Forward forward(Params params, INDArray x, Scratch s) {
        int b = Math.toIntExact(x.rows());
        INDArray[] patches = new INDArray[convs.length];
        INDArray[] acts = new INDArray[convs.length];
        INDArray in = x;
        for (int l = 0; l < convs.length; l++) {
            ConvLayer c = convs[l];
            patches[l] = c.im2col(in, b, s.get(patchSlot(l), dtype, (long) b * c.positions, c.patch));
            acts[l] = Layers.dense(patches[l], params.get(c.name + ".weight"), params.get(c.name + ".bias"), true,
                    s.get(l, dtype, patches[l].rows(), c.cOut)); // [b * positions, cOut]
            in = acts[l].reshape('c', b, (long) c.positions * c.cOut);
        }
        INDArray logits = Layers.dense(in, params.get("fc.weight"), params.get("fc.bias"), false,
                s.get(convs.length, dtype, b, classes));
        return new Forward(patches, acts, in, logits);
    }

    private int patchSlot(int l) {
        return 2 * convs.length + 2 + l;
    }

    private int inputGradSlot(int l) {
        return 3 * convs.length + 2 + l;
    }

    /** Loss of the rows {@code x} divided by {@code denom}; writes (or adds) their gradient. */
    private double backward(Params params, INDArray x, INDArray y, int denom, Params grads, boolean add) {
        int b = Math.toIntExact(x.rows());
        Scratch s = scratch.get();
        int slot = convs.length + 1; // the slots after the forward pass's
        Forward f = forward(params, x, s);
        INDArray dz = s.get(slot++, dtype, b, classes);
        double loss = Layers.Head.SOFTMAX_CROSS_ENTROPY.apply(f.logits, y, denom, dz);
        Layers.denseGrads(f.fcIn, dz, grads, "fc.weight", "fc.bias", add);
        INDArray dIn = s.get(slot++, dtype, b, f.fcIn.columns());
        Blas.gemm(dz, false, Blas.denseOrCopy(params.get("fc.weight")), true, dIn, 0);
        for (int l = convs.length - 1; l >= 0; l--) {
            ConvLayer c = convs[l];
            INDArray dAct = dIn.reshape('c', (long) b * c.positions, c.cOut);
            INDArray dPre = Layers.reluBackwardInPlace(dAct, f.acts[l]);
            Layers.denseGrads(f.patches[l], dPre, grads, c.name + ".weight", c.name + ".bias", add);
            if (l > 0) {
                INDArray dPatches = s.get(slot++, dtype, dPre.rows(), c.patch);
                Blas.gemm(dPre, false, Blas.denseOrCopy(params.get(c.name + ".weight")), true, dPatches, 0);
                dIn = c.col2im(dPatches, b, s.get(inputGradSlot(l), dtype, b, c.inSize));
            }
        }
        return loss;
    }

    /**
     * One convolution's geometry and its im2col table: {@code index[p * patch + k]} is the offset,
     * within one example's input row, of the pixel that patch column {@code k} reads at output
     * position {@code p}, or -1 where the kernel covers padding.
     */
    private static final class ConvLayer {
        final String name;
        final int cOut;
        final int outH;
        final int outW;
        final int positions;
        final int patch;
        final int inSize;
        final int[] index;

        ConvLayer(String name, int cIn, int h, int w, int cOut, int k, int stride, int pad, boolean hwcInput) {
            this.name = name;
            this.cOut = cOut;
            this.outH = Geometry.outSize(h, k, stride, pad);
            this.outW = Geometry.outSize(w, k, stride, pad);
            this.positions = outH * outW;
            this.patch = cIn * k * k;
            this.inSize = cIn * h * w;
            this.index = new int[Math.multiplyExact(positions, patch)];
            for (int oy = 0; oy < outH; oy++) {
                for (int ox = 0; ox < outW; ox++) {
                    int base = (oy * outW + ox) * patch;
                    for (int ci = 0; ci < cIn; ci++) {
                        for (int ky = 0; ky < k; ky++) {
                            for (int kx = 0; kx < k; kx++) {
                                int y = oy * stride - pad + ky;
                                int x = ox * stride - pad + kx;
                                int at = -1;
                                if (y >= 0 && y < h && x >= 0 && x < w) {
                                    at = hwcInput ? (y * w + x) * cIn + ci : (ci * h + y) * w + x;
                                }
                                index[base + (ci * k + ky) * k + kx] = at;
                            }
                        }
                    }
                }
            }
        }

        /** {@code [b, inSize]} to patches {@code [b * positions, patch]}, written into {@code out}. */
        INDArray im2col(INDArray in, int b, INDArray out) {
            Rows src = Rows.of(Blas.denseOrCopy(in));
            Rows dst = Rows.of(out);
            int per = index.length;
            if (dst.isFloat()) {
                float[] row = new float[inSize];
                float[] block = new float[per];
                for (int n = 0; n < b; n++) {
                    src.readRows(n, 1, row);
                    for (int i = 0; i < per; i++) {
                        int j = index[i];
                        block[i] = j < 0 ? 0 : row[j];
                    }
                    dst.writeRows(n * positions, positions, block);
                }
            } else {
                double[] row = new double[inSize];
                double[] block = new double[per];
                for (int n = 0; n < b; n++) {
                    src.readRows(n, 1, row);
                    for (int i = 0; i < per; i++) {
                        int j = index[i];
                        block[i] = j < 0 ? 0 : row[j];
                    }
                    dst.writeRows(n * positions, positions, block);
                }
            }
            return out;
        }

        /**
         * The adjoint of {@link #im2col}: the patches' gradient {@code [b * positions, patch]} to
         * {@code [b, inSize]}, written into {@code out}.
         */
        INDArray col2im(INDArray dPatches, int b, INDArray out) {
            Rows src = Rows.of(Blas.denseOrCopy(dPatches));
            Rows dst = Rows.of(out);
            int per = index.length;
            if (dst.isFloat()) {
                float[] block = new float[per];
                float[] row = new float[inSize];
                for (int n = 0; n < b; n++) {
                    src.readRows(n * positions, positions, block);
                    java.util.Arrays.fill(row, 0);
                    for (int i = 0; i < per; i++) {
                        int j = index[i];
                        if (j >= 0) {
                            row[j] += block[i];
                        }
                    }
                    dst.writeRows(n, 1, row);
                }
            } else {
                double[] block = new double[per];
                double[] row = new double[inSize];
                for (int n = 0; n < b; n++) {
                    src.readRows(n * positions, positions, block);
                    java.util.Arrays.fill(row, 0);
                    for (int i = 0; i < per; i++) {
                        int j = index[i];
                        if (j >= 0) {
                            row[j] += block[i];
                        }
                    }
                    dst.writeRows(n, 1, row);
                }
            }
            return out;
        }
    }
}
