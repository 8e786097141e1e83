package org.fedsub.runtime.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class DatasetGatherTest {

    private static Dataset dataset(DataType t) {
        INDArray x = Nd4j.linspace(t, 0, 30, 1).reshape(10, 3);
        INDArray y = Nd4j.eye(10).castTo(t).get(org.nd4j.linalg.indexing.NDArrayIndex.all(),
                org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 4)).dup();
        return new Dataset("d", x, y, new int[10], 4);
    }

    @Test
    void gather_equalsNd4jPullRows_andReusesTheBatchItIsGiven() {
        for (DataType t : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
            Dataset d = dataset(t);
            int[] rows = {7, 0, 3, 3};
            Batch first = d.gather(rows, null);
            assertEquals(Nd4j.pullRows(d.features(), 1, rows), first.features());
            assertEquals(Nd4j.pullRows(d.targets(), 1, rows), first.targets());

            int[] next = {9, 1, 2, 8};
            Batch second = d.gather(next, first);
            assertSame(first, second, "same size: the arrays are reused");
            assertEquals(Nd4j.pullRows(d.features(), 1, next), second.features());

            Batch other = d.gather(new int[] {5}, second);
            assertNotSame(second, other, "another size gets its own batch");
            assertEquals(d.features().getRow(5).reshape(1, 3), other.features());
        }
    }

    @Test
    void gather_ofARowOutsideTheDataset_namesTheRowAndTheDataset() {
        IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class,
                () -> dataset(DataType.FLOAT).gather(new int[] {2, 10}, null));
        assertTrue(e.getMessage().contains("row 10 of dataset 'd' with 10 rows"), e.getMessage());
    }
}
