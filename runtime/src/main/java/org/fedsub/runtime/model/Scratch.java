package org.fedsub.runtime.model;

import java.util.ArrayList;
import java.util.List;
import org.fedsub.runtime.compute.Blas;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * One thread's working arrays for a model's passes, reused from step to step: a fresh off-heap
 * buffer costs 100-300 us to allocate, zero and page in (benchmarks/README.md), more than the
 * arithmetic of a small layer. Slots are numbered by the model. A slot keeps the largest buffer
 * it was asked for and hands out a {@code [rows, cols]} array over its start, so alternating
 * shapes (training batches, then an evaluation's chunks and its shorter last chunk) allocate
 * nothing once the largest has been seen. Never shared between threads: a model keeps one per
 * thread.
 */
final class Scratch {

    /** Each slot's buffer, flat, of the most elements asked of it. */
    private final List<INDArray> buffers = new ArrayList<>();
    /** Each slot's last array handed out, over the start of its buffer. */
    private final List<INDArray> shaped = new ArrayList<>();

    /** Slot {@code slot} as a dense {@code [rows, cols]} row-major array; its contents are whatever was left there. */
    INDArray get(int slot, DataType dtype, long rows, long cols) {
        while (shaped.size() <= slot) {
            shaped.add(null);
            buffers.add(null);
        }
        INDArray a = shaped.get(slot);
        if (a != null && a.dataType() == dtype && a.rows() == rows && a.columns() == cols) {
            return a;
        }
        long need = rows * cols;
        if (need == 0) {
            return Nd4j.create(dtype, rows, cols);
        }
        INDArray flat = buffers.get(slot);
        if (flat == null || flat.dataType() != dtype || flat.length() < need) {
            flat = Nd4j.createUninitialized(dtype, new long[] {need}, 'c');
            buffers.set(slot, flat);
        }
        a = flat.length() == need ? flat.reshape('c', rows, cols)
                : flat.get(NDArrayIndex.interval(0, need)).reshape('c', rows, cols);
        if (!Blas.dense(a)) {
            // Not expected: ND4J reshapes a contiguous prefix in place. A fresh array is always dense.
            a = Nd4j.createUninitialized(dtype, new long[] {rows, cols}, 'c');
        }
        shaped.set(slot, a);
        return a;
    }
}
