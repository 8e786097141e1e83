package org.fedsub.runtime.data;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** A row-major feature matrix being filled on the heap, in the data type it will have. */
final class Features {

    private final int rows;
    private final int columns;
    private final float[] floats;
    private final double[] doubles;

    Features(int rows, int columns, DataType dtype) {
        Tensors.checkFloating(dtype);
        this.rows = rows;
        this.columns = columns;
        int n = Math.multiplyExact(rows, columns);
        this.floats = dtype == DataType.FLOAT ? new float[n] : null;
        this.doubles = dtype == DataType.DOUBLE ? new double[n] : null;
    }

    int columns() {
        return columns;
    }

    void set(int row, int column, double value) {
        int i = row * columns + column;
        if (floats != null) {
            floats[i] = (float) value;
        } else {
            doubles[i] = value;
        }
    }

    /** Whether {@code value} stays finite in the data type ({@code 1e39} does not in float32). */
    static boolean fits(double value, DataType dtype) {
        return Double.isFinite(dtype == DataType.FLOAT ? (float) value : value);
    }

    INDArray matrix() {
        return floats != null ? Tensors.matrix(floats, rows, columns, DataType.FLOAT)
                : Tensors.matrix(doubles, rows, columns, DataType.DOUBLE);
    }
}
