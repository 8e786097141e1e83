package org.fedsub.runtime.strategy;

import java.util.HashMap;
import java.util.Map;
import org.fedsub.runtime.compute.Blas;
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

    /** Applies momentum to {@code g} (in place where possible) and returns the direction. */
    INDArray direction(String key, INDArray g) {
        if (s.momentum() == 0) {
            return g;
        }
        INDArray buf = buffers.get(key);
        if (buf == null) {
            buf = g.dup();
            buffers.put(key, buf);
        } else {
            buf.muli(s.momentum()).addi(s.dampening() == 0 ? g : g.mul(1 - s.dampening()));
        }
        return s.nesterov() ? g.addi(buf.mul(s.momentum())) : buf.dup();
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
        if (s.weightDecay() != 0) {
            g.addi(w.mul(s.weightDecay()));
        }
        w.subi(direction(key, g).muli(lr));
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
