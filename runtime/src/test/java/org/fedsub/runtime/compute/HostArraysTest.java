package org.fedsub.runtime.compute;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

class HostArraysTest {

    @Test
    void of_holdsTheValuesInRowMajorOrder_likeCreateFromArray() {
        float[] f = {1.5f, -2, 3, Float.MIN_VALUE, Float.NaN, 6};
        INDArray fa = HostArrays.of(f, 2, 3);
        assertArrayEquals(f, fa.data().asFloat(), 0); // NaN included, bit for bit
        assertEquals(Nd4j.createFromArray(f).reshape('c', 2, 3).getRow(0), fa.getRow(0));
        assertArrayEquals(new long[] {2, 3}, fa.shape());
        double[] d = {1e-300, -2, 3, 4, 5, Math.PI};
        INDArray a = HostArrays.of(d, 3, 2);
        assertEquals(DataType.DOUBLE, a.dataType());
        assertArrayEquals(d, a.data().asDouble(), 0);
        assertArrayEquals(new long[] {3, 2}, a.shape());
        assertEquals(0, HostArrays.of(new float[0], 0, 4).length());
        assertThrows(IllegalArgumentException.class, () -> HostArrays.of(new float[5], 2, 3));
    }

    @Test
    void littleEndianRoundTrip_ofViewsAndCasts_isExact_andMovesThePosition() {
        INDArray whole = Nd4j.linspace(DataType.DOUBLE, -3, 20, 1).reshape(4, 5).divi(7);
        INDArray view = whole.get(NDArrayIndex.interval(1, 3), NDArrayIndex.interval(1, 4)); // 2 x 3, strided
        for (DataType wire : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
            int width = wire == DataType.FLOAT ? 4 : 8;
            ByteBuffer buf = ByteBuffer.allocate(3 + 6 * width + 2).order(ByteOrder.LITTLE_ENDIAN);
            buf.put(new byte[3]);
            HostArrays.writeLittleEndian(view, wire, buf);
            assertEquals(3 + 6 * width, buf.position());
            // The bytes are what ByteBuffer itself writes, little-endian in row-major order.
            double first = wire == DataType.FLOAT ? buf.getFloat(3) : buf.getDouble(3);
            assertEquals(view.getDouble(0, 0), first, wire == DataType.FLOAT ? 1e-7 : 0);
            double last = wire == DataType.FLOAT ? buf.getFloat(3 + 5 * width) : buf.getDouble(3 + 5 * width);
            assertEquals(view.getDouble(1, 2), last, wire == DataType.FLOAT ? 1e-7 : 0);

            buf.position(3);
            INDArray back = HostArrays.readLittleEndian(buf, wire, new long[] {2, 3});
            assertEquals(3 + 6 * width, buf.position());
            assertEquals(view.castTo(wire), back);
        }
        assertThrows(IllegalArgumentException.class,
                () -> HostArrays.writeLittleEndian(view, DataType.HALF, ByteBuffer.allocate(64)));
    }

    @Test
    void fromUnsignedBytes_dividesInFloat_acrossBlocks_asTheLoopItReplaces() {
        byte[] raw = new byte[40_000]; // more than one conversion block
        for (int i = 0; i < raw.length; i++) {
            raw[i] = (byte) (i * 7);
        }
        float[] f = new float[raw.length];
        double[] d = new double[raw.length];
        for (int i = 0; i < raw.length; i++) {
            f[i] = (raw[i] & 0xff) / 255f;
            d[i] = f[i];
        }
        INDArray fa = HostArrays.fromUnsignedBytes(raw, 255f, DataType.FLOAT, 100, 400);
        assertArrayEquals(new long[] {100, 400}, fa.shape());
        assertArrayEquals(f, fa.data().asFloat(), 0);
        assertArrayEquals(d, HostArrays.fromUnsignedBytes(raw, 255f, DataType.DOUBLE, 400, 100).data().asDouble(), 0);
        assertEquals(0, HostArrays.fromUnsignedBytes(new byte[0], 255f, DataType.FLOAT, 0, 784).length());
    }

    @Test
    void aRecycledArray_givesItsMemoryToTheNextOfItsShape_andZerosAreZero() {
        INDArray a = HostArrays.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
        long at = Mem.address(a);
        HostArrays.recycle(a);
        INDArray other = HostArrays.of(new double[] {1, 2, 3, 4, 5, 6}, 2, 3); // another type: fresh
        assertNotEquals(at, Mem.address(other));
        INDArray z = HostArrays.zeros(DataType.FLOAT, 2, 3);
        assertEquals(at, Mem.address(z), "the recycled memory");
        assertEquals(Nd4j.zeros(DataType.FLOAT, 2, 3), z);
        INDArray fresh = HostArrays.zeros(DataType.FLOAT, 2, 3); // nothing left to reuse
        assertNotEquals(at, Mem.address(fresh));
        assertEquals(Nd4j.zeros(DataType.FLOAT, 2, 3), fresh);
    }

    @Test
    void sparesAreBoundedByBytes_andAnArrayOverTheBoundIsFreedAtOnce() {
        long per = HostArrays.SPARE_BYTES / 3 + 8; // three of them pass the bound
        INDArray[] big = new INDArray[3];
        for (int i = 0; i < big.length; i++) {
            big[i] = HostArrays.zeros(DataType.FLOAT, 1, per / 4);
        }
        for (INDArray b : big) {
            HostArrays.recycle(b);
        }
        assertTrue(big[0].wasClosed(), "the oldest is freed to stay within the bytes");
        assertFalse(big[1].wasClosed());
        assertFalse(big[2].wasClosed());
        HostArrays.zeros(DataType.FLOAT, 1, per / 4);
        HostArrays.zeros(DataType.FLOAT, 1, per / 4);
        INDArray huge = HostArrays.zeros(DataType.FLOAT, 1, HostArrays.SPARE_BYTES / 4 + 1);
        HostArrays.recycle(huge);
        assertTrue(huge.wasClosed());
    }

    @Test
    void views_areNotRecycled_andSparesBeyondTheLimitAreFreed() {
        INDArray whole = Nd4j.linspace(DataType.FLOAT, 1, 12, 1).reshape(3, 4);
        HostArrays.recycle(whole.get(NDArrayIndex.interval(0, 2), NDArrayIndex.all())); // a view: its memory is whole's
        assertNotEquals(Mem.address(whole), Mem.address(HostArrays.zeros(DataType.FLOAT, 2, 4)));
        assertEquals(1f, whole.getFloat(0, 0), "the viewed array is untouched");

        assertTrue(HostArrays.SPARES * 5 * 7 * 8 < HostArrays.SPARE_BYTES, "the count bounds these");
        INDArray[] kept = new INDArray[HostArrays.SPARES + 1];
        for (int i = 0; i < kept.length; i++) {
            kept[i] = HostArrays.zeros(DataType.DOUBLE, 5, 7);
        }
        for (INDArray k : kept) {
            HostArrays.recycle(k);
        }
        assertTrue(kept[0].wasClosed(), "the oldest spare is freed");
        for (int i = 1; i < kept.length; i++) {
            assertFalse(kept[i].wasClosed());
            HostArrays.zeros(DataType.DOUBLE, 5, 7); // takes the spares back, so later tests start with none
        }
    }

    @Test
    void freeSpares_freesThisThreadsSpareMemoryNow() {
        INDArray a = HostArrays.zeros(DataType.FLOAT, 3, 7);
        HostArrays.recycle(a);
        HostArrays.freeSpares();
        assertTrue(a.wasClosed(), "freed at once, not at a later collection");
        INDArray next = HostArrays.zeros(DataType.FLOAT, 3, 7);
        assertFalse(next == a, "a fresh array: nothing is spare any more");
        assertEquals(Nd4j.zeros(DataType.FLOAT, 3, 7), next);
    }
}
