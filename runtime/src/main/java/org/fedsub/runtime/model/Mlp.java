package org.fedsub.runtime.model;

import java.util.Arrays;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * A multilayer perceptron classifier: dense layers of the given widths, e.g.
 * {@code [784, 200, 200, 10]}, ReLU between them, softmax cross-entropy on the last. Parameters
 * {@code fc1.weight [784, 200]}, {@code fc1.bias [1, 200]}, {@code fc2.weight}, ... in layer order.
 */
public final class Mlp extends DenseNet {

    private final int[] widths;

    /** {@code widths}: input dimension, hidden widths, number of classes (at least two entries). */
    public Mlp(List<Integer> widths, DataType dtype) {
        super("mlp[" + Layers.widths(checked(widths)) + "]", checked(widths), layerNames(widths.size() - 1), true,
                Layers.Head.SOFTMAX_CROSS_ENTROPY, dtype);
        this.widths = checked(widths);
    }

    private static int[] checked(List<Integer> widths) {
        if (widths.size() < 2) {
            throw new IllegalArgumentException("an MLP needs at least an input and an output width, got " + widths);
        }
        return widths.stream().mapToInt(Integer::intValue).toArray();
    }

    private static String[] layerNames(int count) {
        String[] names = new String[count];
        for (int i = 0; i < count; i++) {
            names[i] = "fc" + (i + 1);
        }
        return names;
    }

    /** Input dimension, hidden widths, number of classes. */
    public List<Integer> widths() {
        return Arrays.stream(widths).boxed().toList();
    }
}
