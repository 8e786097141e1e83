package org.fedsub.runtime.model;

import java.util.Arrays;

/**
 * Name and shape of one trainable parameter tensor.
 *
 * <p>Convention used everywhere in fedsub: a weight matrix is stored as {@code [in, out]}
 * ({@code n x m}), so a dense layer computes {@code y = a W + bias} for a row-major batch
 * {@code a} of shape {@code [batch, in]}. A convolution kernel is stored in the same way as
 * {@code [inChannels * kh * kw, outChannels]}: the weight of a dense layer over im2col patches.
 * FedSub compresses the first ({@code in}, {@code n}) axis of every {@link #isMatrix() matrix}.
 *
 * @param name   unique, stable name, e.g. {@code "fc1.weight"}
 * @param shape  the tensor's shape
 * @param matrix true for a weight matrix FedSub may compress; false for biases and other vectors
 */
public record ParamSpec(String name, long[] shape, boolean matrix) {

    public ParamSpec {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("parameter name must not be blank");
        }
        if (shape == null || shape.length == 0 || Arrays.stream(shape).anyMatch(d -> d <= 0)) {
            throw new IllegalArgumentException("parameter '" + name + "' has an invalid shape " + Arrays.toString(shape));
        }
        shape = shape.clone();
        if (matrix && shape.length != 2) {
            throw new IllegalArgumentException("matrix parameter '" + name + "' must be 2-D, got " + Arrays.toString(shape));
        }
    }

    public static ParamSpec matrix(String name, long in, long out) {
        return new ParamSpec(name, new long[] {in, out}, true);
    }

    public static ParamSpec vector(String name, long size) {
        return new ParamSpec(name, new long[] {1, size}, false);
    }

    /** A 2-D weight that FedSub may compress (vectors stored as {@code [1, k]} are not). */
    public boolean isMatrix() {
        return matrix;
    }

    /** In-dimension {@code n}: the axis FedSub projects. */
    public long in() {
        return shape[0];
    }

    /** Out-dimension {@code m}. */
    public long out() {
        return shape[shape.length - 1];
    }

    public long size() {
        long s = 1;
        for (long d : shape) {
            s *= d;
        }
        return s;
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ParamSpec p && p.name.equals(name) && Arrays.equals(p.shape, shape) && p.matrix == matrix;
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(shape);
    }

    @Override
    public String toString() {
        return name + Arrays.toString(shape);
    }
}
