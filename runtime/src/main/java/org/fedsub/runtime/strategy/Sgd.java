package org.fedsub.runtime.strategy;

import java.util.HashMap;
import java.util.Map;
import org.fedsub.runtime.compute.Blas;
import org.fedsub.runtime.compute.HostArrays;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Local SGD with PyTorch's momentum semantics, keyed by tensor name:
 * {@code buf = mu*buf + (1-dampening)*g} (the first step sets {@code buf = g});
 * the direction is {@code g + mu*buf} with nesterov, else {@code buf}.
 */
final class Sgd {

    private final TrainSettings s;
    private final Map<String, INDArray> buffers = new HashMap<>();

    Sgd(TrainSettings settings) {
        this.s = settings;
    }

    /**
     * Applies momentum to {@code g} (in place where possible) and returns the direction: {@code g}
     * itself, or (without Nesterov) a copy of the buffer in {@link HostArrays} memory, which the
     * caller may give back.
     */
    INDArray direction(String key, INDArray g) {
        if (s.momentum() == 0) {
            return g;
        }
        INDArray buf = buffers.get(key);
        if (buf == null) {
            buf = HostArrays.copyOf(g);
            buffers.put(key, buf);
        } else {
            Blas.muli(buf, s.momentum());
            if (s.dampening() == 0) {
                Blas.addi(buf, g);
            } else {
                Blas.addScaled(buf, g, 1 - s.dampening());
            }
        }
        if (s.nesterov()) {
            return Blas.addScaled(g, buf, s.momentum());
        }
        return HostArrays.copyOf(buf);
    }

    /** {@code w -= lr * direction(g + wd * w)}; {@code g} may be overwritten. */
    void step(String key, INDArray w, INDArray g, double lr) {
        if (s.momentum() == 0 && Blas.dense(w) && Blas.dense(g) && w.dataType() == g.dataType()) {
            // Plain SGD: one BLAS pass per term instead of ND4J ops that allocate their results.
            if (s.weightDecay() != 0) {
                Blas.axpy(s.weightDecay(), w, g);
            }
            Blas.axpy(-lr, g, w);
            return;
        }
        // With momentum: the roundings of ND4J's element-wise ops (g += wd w; w -= lr d), through
        // BLAS calls and recycled buffers (Blas): ND4J's ops cost more than a small model's step.
        if (s.weightDecay() != 0) {
            Blas.addScaled(g, w, s.weightDecay());
        }
        INDArray d = direction(key, g);
        Blas.subi(w, Blas.muli(d, lr));
        if (d != g) {
            HostArrays.recycle(d);
        }
    }

    void reset() {
        buffers.clear();
    }

    /** The momentum buffers by key (live views: for exporting a client's state). */
    Map<String, INDArray> buffers() {
        return java.util.Collections.unmodifiableMap(buffers);
    }

    /** Sets the momentum buffer of {@code key} (restoring a client's state). */
    void restore(String key, INDArray buffer) {
        buffers.put(key, buffer);
    }

    /** Bytes held in momentum buffers. */
    long bytes() {
        long b = 0;
        for (INDArray a : buffers.values()) {
            b += a.length() * a.dataType().width();
        }
        return b;
    }
}
