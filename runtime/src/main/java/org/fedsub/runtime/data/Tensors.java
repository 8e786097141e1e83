package org.fedsub.runtime.data;

import org.fedsub.runtime.compute.HostArrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Java arrays to INDArrays in the requested floating type, in one copy. */
final class Tensors {

    private Tensors() {}

    static DataType checkFloating(DataType dtype) {
        if (dtype != DataType.FLOAT && dtype != DataType.DOUBLE) {
            throw new IllegalArgumentException("data type " + dtype + " is not supported; expected FLOAT or DOUBLE");
        }
        return dtype;
    }

    /** A row-major {@code [rows, cols]} matrix from {@code flat} (length rows * cols). */
    static INDArray matrix(double[] flat, int rows, int cols, DataType dtype) {
        checkFloating(dtype);
        if ((long) rows * cols != flat.length) {
            throw new IllegalArgumentException(flat.length + " values for a " + rows + " x " + cols + " matrix");
        }
        if (dtype == DataType.DOUBLE) {
            return HostArrays.of(flat, rows, cols);
        }
        float[] f = new float[flat.length];
        for (int i = 0; i < flat.length; i++) {
            f[i] = (float) flat[i];
        }
        return HostArrays.of(f, rows, cols);
    }

    static INDArray matrix(float[] flat, int rows, int cols, DataType dtype) {
        checkFloating(dtype);
        if ((long) rows * cols != flat.length) {
            throw new IllegalArgumentException(flat.length + " values for a " + rows + " x " + cols + " matrix");
        }
        if (dtype == DataType.FLOAT) {
            return HostArrays.of(flat, rows, cols);
        }
        double[] d = new double[flat.length];
        for (int i = 0; i < flat.length; i++) {
            d[i] = flat[i];
        }
        return HostArrays.of(d, rows, cols);
    }

    /** One-hot rows {@code [labels.length, classes]}. */
    static INDArray oneHot(int[] labels, int classes, DataType dtype) {
        double[] flat = new double[labels.length * classes];
        for (int i = 0; i < labels.length; i++) {
            flat[i * classes + labels[i]] = 1;
        }
        return matrix(flat, labels.length, classes, dtype);
    }

    /** Rounds every value to what {@code dtype} stores, so that sums computed in double match the stored data. */
    static void roundTo(double[] values, DataType dtype) {
        if (dtype == DataType.FLOAT) {
            for (int i = 0; i < values.length; i++) {
                values[i] = (float) values[i];
            }
        }
    }

    /** The values of {@code a} in row-major order, as doubles (one bulk copy, not element by element). */
    static double[] flatDoubles(INDArray a) {
        return a.dup('c').data().asDouble();
    }
}
