package org.fedsub.runtime.compute;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Iterator;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * ND4J arrays made from, and copied into, Java memory in one block copy. ND4J's
 * {@code Nd4j.createFromArray} zeroes a fresh buffer and then stores the values one call per
 * element; for the 160,000-value layers of the study's MLP that made decoding an update, and
 * loading Fashion-MNIST, cost more than the training steps they fed (profile in
 * benchmarks/README.md). These make an uninitialised array and copy the values into its
 * off-heap memory with one {@code Unsafe.copyMemory}.
 *
 * <p>Wire formats are little-endian; on a big-endian machine the byte-buffer methods fall back
 * to ND4J's element-wise path, with the same results.
 */
public final class HostArrays {

    private static final boolean LITTLE = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;

    private HostArrays() {}

    /** A FLOAT array of {@code shape} holding {@code v} in row-major order. */
    public static INDArray of(float[] v, long... shape) {
        INDArray a = uninitialised(DataType.FLOAT, v.length, shape);
        if (v.length > 0) {
            Mem.write(v, v.length, Mem.address(a));
        }
        return a;
    }

    /** A DOUBLE array of {@code shape} holding {@code v} in row-major order. */
    public static INDArray of(double[] v, long... shape) {
        INDArray a = uninitialised(DataType.DOUBLE, v.length, shape);
        if (v.length > 0) {
            Mem.write(v, v.length, Mem.address(a));
        }
        return a;
    }

    /**
     * A {@code type} (FLOAT or DOUBLE) array of {@code shape} holding {@code (raw[i] & 0xff) / divisor}
     * (divided in float precision, then widened for DOUBLE), converted a block at a time so that no Java array
     * of the whole result is made: for an image dataset that copy was as large as the dataset.
     */
    public static INDArray fromUnsignedBytes(byte[] raw, float divisor, DataType type, long... shape) {
        width(type);
        INDArray a = uninitialised(type, raw.length, shape);
        long at = raw.length == 0 ? 0 : Mem.address(a);
        int block = 1 << 14;
        if (type == DataType.FLOAT) {
            float[] f = new float[Math.min(block, raw.length)];
            for (int from = 0; from < raw.length; from += block) {
                int n = Math.min(block, raw.length - from);
                for (int i = 0; i < n; i++) {
                    f[i] = (raw[from + i] & 0xff) / divisor;
                }
                Mem.write(f, n, at + 4L * from);
            }
        } else {
            double[] d = new double[Math.min(block, raw.length)];
            for (int from = 0; from < raw.length; from += block) {
                int n = Math.min(block, raw.length - from);
                for (int i = 0; i < n; i++) {
                    d[i] = (raw[from + i] & 0xff) / divisor;
                }
                Mem.write(d, n, at + 8L * from);
            }
        }
        return a;
    }

    /**
     * Reads a {@code type} (FLOAT or DOUBLE) array of {@code shape} from the little-endian values
     * at {@code buf}'s position, which moves past them. The caller has checked that {@code buf}
     * holds them.
     */
    public static INDArray readLittleEndian(ByteBuffer buf, DataType type, long[] shape) {
        int len = Math.toIntExact(length(shape));
        int width = width(type);
        if (!LITTLE || !buf.hasArray()) {
            ByteBuffer in = buf.slice().order(ByteOrder.LITTLE_ENDIAN);
            INDArray a;
            if (type == DataType.FLOAT) {
                float[] v = new float[len];
                in.asFloatBuffer().get(v);
                a = of(v, shape);
            } else {
                double[] v = new double[len];
                in.asDoubleBuffer().get(v);
                a = of(v, shape);
            }
            buf.position(buf.position() + len * width);
            return a;
        }
        INDArray a = uninitialised(type, len, shape);
        if (len > 0) {
            Mem.copyIn(buf.array(), buf.arrayOffset() + buf.position(), (long) len * width, Mem.address(a));
        }
        buf.position(buf.position() + len * width);
        return a;
    }

    /**
     * Writes the values of {@code t} (FLOAT or DOUBLE, any layout) in row-major order as
     * little-endian {@code type} values at {@code buf}'s position, which moves past them.
     */
    public static void writeLittleEndian(INDArray t, DataType type, ByteBuffer buf) {
        int width = width(type);
        INDArray c = t.dataType() == type && t.ordering() == 'c' && !t.isView() ? t : t.castTo(type).dup('c');
        int len = Math.toIntExact(c.length());
        if (!LITTLE || !buf.hasArray()) {
            ByteBuffer out = buf.slice().order(ByteOrder.LITTLE_ENDIAN);
            if (type == DataType.FLOAT) {
                out.asFloatBuffer().put(c.data().asFloat(), 0, len);
            } else {
                out.asDoubleBuffer().put(c.data().asDouble(), 0, len);
            }
        } else if (len > 0) {
            Mem.copyOut(Mem.address(c), buf.array(), buf.arrayOffset() + buf.position(), (long) len * width);
        }
        buf.position(buf.position() + len * width);
    }

    private static int width(DataType type) {
        if (type != DataType.FLOAT && type != DataType.DOUBLE) {
            throw new IllegalArgumentException("FLOAT or DOUBLE values only, got " + type);
        }
        return type == DataType.FLOAT ? 4 : 8;
    }

    /** The number of values of {@code shape} (a loop: this runs for every tensor decoded). */
    private static long length(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    private static INDArray uninitialised(DataType type, int len, long[] shape) {
        long n = length(shape);
        if (n != len) {
            throw new IllegalArgumentException(len + " values for shape " + Arrays.toString(shape));
        }
        if (len == 0) {
            return Nd4j.create(type, shape); // no memory to copy into
        }
        INDArray spare = takeSpare(type, shape);
        return spare != null ? spare : Nd4j.createUninitialized(type, shape, 'c');
    }

    /**
     * A {@code type} (FLOAT or DOUBLE) array of {@code shape} whose values are undefined until
     * written, in a {@link #recycle recycled} array's memory if one fits: for a caller that writes
     * every value.
     */
    public static INDArray uninitialised(DataType type, long... shape) {
        return uninitialised(type, Math.toIntExact(length(shape)), shape);
    }

    /** A zero-filled {@code type} (FLOAT or DOUBLE) array of {@code shape}, in a {@link #recycle recycled} array's memory if one fits. */
    public static INDArray zeros(DataType type, long... shape) {
        INDArray a = uninitialised(type, shape);
        long n = length(shape);
        if (n > 0) {
            Mem.zero(Mem.address(a), n * width(type));
        }
        return a;
    }

    /** A dense copy of {@code a} (FLOAT or DOUBLE, any layout), in a {@link #recycle recycled} array's memory if one fits. */
    public static INDArray copyOf(INDArray a) {
        if (!Blas.dense(a) || a.length() == 0) {
            return a.dup('c');
        }
        INDArray c = uninitialised(a.dataType(), Math.toIntExact(a.length()), a.shape());
        Mem.copy(Mem.address(a), Mem.address(c), a.length() * width(a.dataType()));
        return c;
    }

    /**
     * Arrays kept for reuse per thread, and their bytes; beyond either the oldest are freed. The
     * count holds a round's decoded updates of a small model (the server recycles them after
     * the round: 200 tensors with 100 clients of a two-tensor model); with 32, most of them were
     * freed and the next round's decoded into new buffers (benchmarks/SCALE.md).
     */
    static final int SPARES = 256;
    static final long SPARE_BYTES = 32L << 20;
    private static final ThreadLocal<ArrayDeque<INDArray>> SPARE = ThreadLocal.withInitial(ArrayDeque::new);
    private static final ThreadLocal<long[]> SPARE_HELD = ThreadLocal.withInitial(() -> new long[1]);

    private static long bytes(INDArray a) {
        return a.length() * a.dataType().width();
    }

    /**
     * Hands back an array its owner is done with: nothing may use or reference it afterwards.
     * The next array of the same type and shape that these methods make on this thread takes its
     * memory instead of a fresh buffer. A fresh off-heap buffer is freed only when the garbage
     * collector finds its Java object, so each one is new pages, and on the 2-core VMs a page
     * fault costs about 13 us: a 627 KB layer's 153 pages cost more to fault in than to decode
     * (benchmarks/README.md). Views and workspace arrays are ignored (their memory is not theirs).
     */
    public static void recycle(INDArray a) {
        if (a == null || a.isView() || a.isAttached() || !a.closeable() || !Blas.dense(a)) {
            return;
        }
        if (bytes(a) > SPARE_BYTES) {
            a.close();
            return;
        }
        ArrayDeque<INDArray> spare = SPARE.get();
        long[] held = SPARE_HELD.get();
        spare.addLast(a);
        held[0] += bytes(a);
        while (spare.size() > SPARES || held[0] > SPARE_BYTES) {
            INDArray old = spare.pollFirst();
            held[0] -= bytes(old);
            old.close();
        }
    }

    /**
     * Frees the spare arrays this thread holds (their memory now, not at a later collection),
     * so that what is left is what its owners hold: for a measurement of memory per client.
     */
    public static void freeSpares() {
        ArrayDeque<INDArray> spare = SPARE.get();
        for (INDArray a; (a = spare.pollFirst()) != null; ) {
            a.close();
        }
        SPARE_HELD.get()[0] = 0;
    }

    private static INDArray takeSpare(DataType type, long[] shape) {
        ArrayDeque<INDArray> spare = SPARE.get();
        if (spare.isEmpty()) {
            return null;
        }
        // The newest first: the memory most recently written is the likeliest still in cache.
        for (Iterator<INDArray> it = spare.descendingIterator(); it.hasNext(); ) {
            INDArray a = it.next();
            if (a.dataType() == type && Arrays.equals(a.shape(), shape)) {
                it.remove();
                SPARE_HELD.get()[0] -= bytes(a);
                return a;
            }
        }
        return null;
    }
}
