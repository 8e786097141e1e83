package org.fedsub.runtime.compute;

import java.lang.reflect.Field;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.nd4j.linalg.api.ndarray.INDArray;
import sun.misc.Unsafe;

/**
 * Raw access to the off-heap memory behind ND4J arrays: its address, copies between it and Java
 * arrays, and JavaCPP pointers to it for BLAS calls. Each of ND4J's own ways to these
 * ({@code addressPointer()}, {@code asNioFloat()}) makes one or two JNI calls and a few objects;
 * at a few hundred nanoseconds apiece they were, with the ops themselves, most of the cost of
 * a logistic-regression step. {@code DataBuffer.address()} is a field read, and
 * {@code Unsafe.copyMemory} is what {@code FloatBuffer.get(int, float[], int, int)} itself does.
 *
 * <p>Callers check bounds (row and column counts against the array's shape) before copying:
 * nothing here does, so keep every use next to its check.
 */
final class Mem {

    private static final Unsafe UNSAFE = unsafe();
    private static final long FLOATS = UNSAFE.arrayBaseOffset(float[].class);
    private static final long DOUBLES = UNSAFE.arrayBaseOffset(double[].class);
    private static final long BYTES = UNSAFE.arrayBaseOffset(byte[].class);

    private Mem() {}

    /** The address of {@code a}'s first element (its offset into a shared buffer included). */
    static long address(INDArray a) {
        return a.data().address() + a.offset() * a.dataType().width();
    }

    static void read(long address, float[] dst, int n) {
        UNSAFE.copyMemory(null, address, dst, FLOATS, 4L * n);
    }

    static void read(long address, double[] dst, int n) {
        UNSAFE.copyMemory(null, address, dst, DOUBLES, 8L * n);
    }

    static void write(float[] src, int n, long address) {
        UNSAFE.copyMemory(src, FLOATS, null, address, 4L * n);
    }

    static void write(double[] src, int n, long address) {
        UNSAFE.copyMemory(src, DOUBLES, null, address, 8L * n);
    }

    /** Sets {@code bytes} bytes of off-heap memory from {@code address} on to zero. */
    static void zero(long address, long bytes) {
        UNSAFE.setMemory(address, bytes, (byte) 0);
    }

    /** Copies {@code bytes} bytes between two off-heap addresses. */
    static void copy(long from, long to, long bytes) {
        UNSAFE.copyMemory(null, from, null, to, bytes);
    }

    /** Copies {@code bytes} bytes of {@code src} from {@code offset} to {@code address}. */
    static void copyIn(byte[] src, int offset, long bytes, long address) {
        UNSAFE.copyMemory(src, BYTES + offset, null, address, bytes);
    }

    /** Copies {@code bytes} bytes from {@code address} into {@code dst} at {@code offset}. */
    static void copyOut(long address, byte[] dst, int offset, long bytes) {
        UNSAFE.copyMemory(null, address, dst, BYTES + offset, bytes);
    }

    /** A JavaCPP pointer to {@code a}'s first element, for a native call made while {@code a} is in use. */
    static FloatPointer floats(INDArray a) {
        return new FloatAt(address(a));
    }

    static DoublePointer doubles(INDArray a) {
        return new DoubleAt(address(a));
    }

    // JavaCPP pointers made from an address: the JNI side reads only the address (position 0).
    private static final class FloatAt extends FloatPointer {
        FloatAt(long at) {
            address = at;
        }
    }

    private static final class DoubleAt extends DoublePointer {
        DoubleAt(long at) {
            address = at;
        }
    }

    private static Unsafe unsafe() {
        try {
            Field f = Unsafe.class.getDeclaredField("theUnsafe");
            f.setAccessible(true);
            return (Unsafe) f.get(null);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
