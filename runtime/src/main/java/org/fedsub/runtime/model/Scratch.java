package org.fedsub.runtime.model;

import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One thread's working arrays for a model's passes, reused from step to step: a fresh off-heap
 * buffer costs 100-300 us to allocate, zero and page in (benchmarks/README.md), more than the
 * arithmetic of a small layer. Slots are numbered by the model; a slot is reallocated only
 * when the shape it is asked for changes (a batch-size change, the last chunk of an
 * evaluation). Never shared between threads: a model keeps one per thread.
 */
final class Scratch {

    private final List<INDArray> slots = new ArrayList<>();

    /** Slot {@code slot} as a {@code [rows, cols]} row-major array; its contents are whatever was left there. */
    INDArray get(int slot, DataType dtype, long rows, long cols) {
        while (slots.size() <= slot) {
            slots.add(null);
        }
        INDArray a = slots.get(slot);
        if (a == null || a.dataType() != dtype || a.rows() != rows || a.columns() != cols) {
            a = Nd4j.createUninitialized(dtype, new long[] {rows, cols}, 'c');
            slots.set(slot, a);
        }
        return a;
    }
}
