package org.fedsub.runtime.compute;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

class RowsTest {

    @Test
    void readAndWrite_ofARowView_touchOnlyThatRowOfTheView() {
        for (DataType t : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
            INDArray whole = Nd4j.linspace(t, 0, 20, 1).reshape(5, 4);
            INDArray view = whole.get(NDArrayIndex.interval(1, 4), NDArrayIndex.all()); // rows 1..3
            Rows rows = Rows.of(view);
            double[] row = new double[4];
            rows.read(1, row); // whole's row 2
            assertArrayEquals(new double[] {8, 9, 10, 11}, row, 0);

            rows.write(2, new double[] {-1, -2, -3, -4.5}); // whole's row 3
            assertEquals(Nd4j.create(new double[] {-1, -2, -3, -4.5}).castTo(t), whole.getRow(3));
            assertEquals(Nd4j.create(new double[] {16, 17, 18, 19}).castTo(t), whole.getRow(4), "the next row is untouched");
            assertEquals(Nd4j.create(new double[] {8, 9, 10, 11}).castTo(t), whole.getRow(2));
        }
    }

    @Test
    void rowsOutsideTheMatrix_orTooShortAJavaArray_areRefused() {
        Rows rows = Rows.of(Nd4j.zeros(DataType.FLOAT, 2, 3));
        assertThrows(IndexOutOfBoundsException.class, () -> rows.read(2, new double[3]));
        assertThrows(IndexOutOfBoundsException.class, () -> rows.read(-1, new double[3]));
        assertThrows(IndexOutOfBoundsException.class, () -> rows.write(0, new double[2]));
        assertThrows(IllegalArgumentException.class, () -> Rows.of(Nd4j.zeros(DataType.FLOAT, 3, 2).transpose()));
    }

    @Test
    void floatRows_copyExactly_andOnlyFromFloatArrays() {
        INDArray whole = Nd4j.linspace(DataType.FLOAT, 0, 12, 1).reshape(3, 4).divi(3);
        Rows rows = Rows.of(whole);
        float[] row = new float[4];
        rows.read(1, row);
        assertArrayEquals(whole.getRow(1).toFloatVector(), row, 0);
        rows.write(2, new float[] {Float.MIN_VALUE, -0f, 1e30f, 7});
        assertArrayEquals(new float[] {Float.MIN_VALUE, -0f, 1e30f, 7}, whole.getRow(2).toFloatVector(), 0);
        assertThrows(IllegalStateException.class, () -> Rows.of(Nd4j.zeros(DataType.DOUBLE, 2, 2)).read(0, new float[2]));
        assertThrows(IndexOutOfBoundsException.class, () -> rows.write(0, new float[3]));
    }

    @Test
    void gather_copiesTheChosenRowsInOrder_andRefusesRowsOutside() {
        for (DataType t : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
            INDArray src = Nd4j.linspace(t, 0, 15, 1).reshape(5, 3);
            INDArray dst = Nd4j.zeros(t, 4, 3);
            Rows.gather(src, new int[] {4, 0, 4}, dst);
            assertEquals(src.getRow(4), dst.getRow(0));
            assertEquals(src.getRow(0), dst.getRow(1));
            assertEquals(src.getRow(4), dst.getRow(2));
            assertEquals(Nd4j.zeros(t, 3), dst.getRow(3), "rows past the gathered ones are untouched");
            assertThrows(IndexOutOfBoundsException.class, () -> Rows.gather(src, new int[] {5}, dst));
            assertThrows(IllegalArgumentException.class, () -> Rows.gather(src, new int[] {0}, Nd4j.zeros(t, 1, 2)));
        }
    }

    @Test
    void sumOfSquares_ofAnyShapeOrView_andNonFiniteValuesShowThrough() {
        assertEquals(1 + 4 + 9 + 16, Rows.sumOfSquares(Nd4j.createFromArray(1f, -2f, 3f, 4f)), 0);
        INDArray cube = Nd4j.linspace(DataType.DOUBLE, 1, 8, 1).reshape(2, 2, 2);
        assertEquals(204, Rows.sumOfSquares(cube), 0); // 1 + 4 + ... + 64
        INDArray m = Nd4j.linspace(DataType.FLOAT, 1, 6, 1).reshape(2, 3);
        assertEquals(1 + 4 + 9 + 16 + 25 + 36, Rows.sumOfSquares(m.transpose()), 0);
        assertEquals(0, Rows.sumOfSquares(Nd4j.create(DataType.FLOAT, 0)), 0);
        INDArray bad = Nd4j.zeros(DataType.FLOAT, 3, 3);
        bad.putScalar(4, Float.NaN);
        assertTrue(Double.isNaN(Rows.sumOfSquares(bad)));
        bad.putScalar(4, Float.NEGATIVE_INFINITY);
        assertEquals(Double.POSITIVE_INFINITY, Rows.sumOfSquares(bad), 0);
    }
}
