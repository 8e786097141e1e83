package org.fedsub.runtime.io;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Objects;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One NumPy array as a value: its {@link NpyDtype}, its shape (C order, row-major) and its
 * elements as little-endian bytes, exactly what follows the header in a {@code .npy} file.
 * Immutable; equal when dtype, shape and bytes are. A 0-d array has shape {@code ()} and one
 * element; an array with a 0 in its shape has none.
 */
public final class NpyArray {

    /** Most bytes one array holds: the largest Java array the VM is sure to allocate. */
    public static final int MAX_BYTES = Integer.MAX_VALUE - 8;

    /** Most dimensions NumPy 2 allows (NumPy 1 allows 32). */
    public static final int MAX_DIMS = 64;

    private final NpyDtype dtype;
    private final long[] shape;
    private final byte[] data;

    private NpyArray(NpyDtype dtype, long[] shape, byte[] data) {
        this.dtype = dtype;
        this.shape = shape;
        this.data = data;
    }

    /**
     * An array over {@code data}, the elements' little-endian bytes in C order (not copied: the
     * caller gives it up).
     *
     * @throws IllegalArgumentException if a dimension is negative or the bytes do not match the shape
     */
    public static NpyArray of(NpyDtype dtype, byte[] data, long... shape) {
        long elements = elements(shape, dtype);
        if (elements * dtype.itemSize() != data.length) {
            throw new IllegalArgumentException(data.length + " bytes for " + elements + " elements of "
                    + dtype.descr() + " in shape " + shapeString(shape) + "; expected "
                    + elements * dtype.itemSize());
        }
        return new NpyArray(dtype, shape.clone(), data);
    }

    public static NpyArray ofFloats(float[] values, long... shape) {
        ByteBuffer b = buffer(values.length, 4);
        b.asFloatBuffer().put(values);
        return of(NpyDtype.FLOAT32, b.array(), shape);
    }

    public static NpyArray ofDoubles(double[] values, long... shape) {
        ByteBuffer b = buffer(values.length, 8);
        b.asDoubleBuffer().put(values);
        return of(NpyDtype.FLOAT64, b.array(), shape);
    }

    public static NpyArray ofInts(int[] values, long... shape) {
        ByteBuffer b = buffer(values.length, 4);
        b.asIntBuffer().put(values);
        return of(NpyDtype.INT32, b.array(), shape);
    }

    public static NpyArray ofLongs(long[] values, long... shape) {
        ByteBuffer b = buffer(values.length, 8);
        b.asLongBuffer().put(values);
        return of(NpyDtype.INT64, b.array(), shape);
    }

    /** Unsigned bytes ({@code |u1}): each byte read as 0..255. */
    public static NpyArray ofUint8(byte[] values, long... shape) {
        return of(NpyDtype.UINT8, values.clone(), shape);
    }

    /** Signed bytes ({@code |i1}). */
    public static NpyArray ofInt8(byte[] values, long... shape) {
        return of(NpyDtype.INT8, values.clone(), shape);
    }

    /**
     * The values and shape of an ND4J array: FLOAT as {@code <f4}, DOUBLE as {@code <f8}, INT as
     * {@code <i4}, LONG as {@code <i8}, UBYTE as {@code |u1}, BYTE as {@code |i1}.
     *
     * @throws IllegalArgumentException for any other ND4J type
     */
    public static NpyArray fromNd4j(INDArray a) {
        NpyDtype dtype = switch (a.dataType()) {
            case FLOAT -> NpyDtype.FLOAT32;
            case DOUBLE -> NpyDtype.FLOAT64;
            case INT -> NpyDtype.INT32;
            case LONG -> NpyDtype.INT64;
            case UBYTE -> NpyDtype.UINT8;
            case BYTE -> NpyDtype.INT8;
            default -> throw new IllegalArgumentException("ND4J type " + a.dataType()
                    + " has no NumPy dtype here; expected FLOAT, DOUBLE, INT, LONG, UBYTE or BYTE");
        };
        long[] shape = a.shape();
        if (a.isEmpty()) {
            return of(dtype, new byte[0], shape);
        }
        // A copy in C order: a view or a buffer with an offset would hand out the wrong elements.
        INDArray c = a.dup('c');
        return switch (dtype) {
            case FLOAT32 -> ofFloats(c.data().asFloat(), shape);
            case FLOAT64 -> ofDoubles(c.data().asDouble(), shape);
            case INT32 -> ofInts(c.data().asInt(), shape);
            case INT64 -> ofLongs(c.data().asLong(), shape);
            default -> of(dtype, c.data().asBytes(), shape);
        };
    }

    public NpyDtype dtype() {
        return dtype;
    }

    /** A copy of the shape. */
    public long[] shape() {
        return shape.clone();
    }

    public int ndim() {
        return shape.length;
    }

    /** Number of elements (the product of the shape; 1 for a 0-d array). */
    public int size() {
        return data.length / dtype.itemSize();
    }

    /** The elements' bytes, little-endian, C order, read-only. */
    public ByteBuffer data() {
        return ByteBuffer.wrap(data).asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Element {@code i} (in C order) as a double; exact for every dtype but large {@code <i8}. */
    public double getDouble(int i) {
        Objects.checkIndex(i, size());
        ByteBuffer b = data();
        int at = i * dtype.itemSize();
        return switch (dtype) {
            case FLOAT32 -> b.getFloat(at);
            case FLOAT64 -> b.getDouble(at);
            default -> getLong(i);
        };
    }

    /**
     * Element {@code i} (in C order) as a long: integers exactly (unsigned types as their
     * unsigned value), floating values truncated toward zero as a Java cast does.
     */
    public long getLong(int i) {
        Objects.checkIndex(i, size());
        ByteBuffer b = data();
        int at = i * dtype.itemSize();
        return switch (dtype) {
            case FLOAT32 -> (long) b.getFloat(at);
            case FLOAT64 -> (long) b.getDouble(at);
            case UINT8 -> b.get(at) & 0xffL;
            case INT8 -> b.get(at);
            case UINT16 -> b.getShort(at) & 0xffffL;
            case INT16 -> b.getShort(at);
            case UINT32 -> b.getInt(at) & 0xffffffffL;
            case INT32 -> b.getInt(at);
            case INT64 -> b.getLong(at);
        };
    }

    /** The elements as floats, converted as a Java cast does. */
    public float[] toFloats() {
        float[] out = new float[size()];
        if (dtype == NpyDtype.FLOAT32) {
            data().asFloatBuffer().get(out);
            return out;
        }
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) getDouble(i);
        }
        return out;
    }

    /** The elements as doubles. */
    public double[] toDoubles() {
        double[] out = new double[size()];
        if (dtype == NpyDtype.FLOAT64) {
            data().asDoubleBuffer().get(out);
            return out;
        }
        for (int i = 0; i < out.length; i++) {
            out[i] = getDouble(i);
        }
        return out;
    }

    /** The elements as longs (see {@link #getLong}). */
    public long[] toLongs() {
        long[] out = new long[size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = getLong(i);
        }
        return out;
    }

    /**
     * The values as an ND4J array of {@code type} (FLOAT or DOUBLE) with this shape; a 0-d array
     * becomes a scalar.
     */
    public INDArray toNd4j(DataType type) {
        if (type != DataType.FLOAT && type != DataType.DOUBLE) {
            throw new IllegalArgumentException("ND4J type " + type + " is not supported; expected FLOAT or DOUBLE");
        }
        if (size() == 0) {
            return Nd4j.create(type, shape);
        }
        INDArray flat = type == DataType.FLOAT ? Nd4j.createFromArray(toFloats()) : Nd4j.createFromArray(toDoubles());
        return shape.length == 0 ? flat.reshape() : flat.reshape('c', shape);
    }

    /** The shape as Python writes a tuple: {@code ()}, {@code (3,)}, {@code (3, 4)}. */
    public String shapeString() {
        return shapeString(shape);
    }

    static String shapeString(long[] shape) {
        if (shape.length == 1) {
            return "(" + shape[0] + ",)";
        }
        StringBuilder b = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) {
            b.append(i == 0 ? "" : ", ").append(shape[i]);
        }
        return b.append(')').toString();
    }

    /**
     * The product of {@code shape}, checked: no negative dimension, not more than
     * {@value #MAX_DIMS} dimensions, and at most {@link #MAX_BYTES} bytes of {@code dtype}.
     */
    static long elements(long[] shape, NpyDtype dtype) {
        if (shape.length > MAX_DIMS) {
            throw new IllegalArgumentException(shape.length + " dimensions; at most " + MAX_DIMS);
        }
        long n = 1;
        boolean overflow = false;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + shapeString(shape));
            }
            // Saturate instead of failing at once: a later 0 makes the true product 0.
            if (!overflow) {
                try {
                    n = Math.multiplyExact(n, d);
                } catch (ArithmeticException e) {
                    overflow = true;
                }
            }
        }
        if (Arrays.stream(shape).anyMatch(d -> d == 0)) {
            return 0;
        }
        if (overflow || n > MAX_BYTES / dtype.itemSize()) {
            throw new IllegalArgumentException("shape " + shapeString(shape) + " of " + dtype.descr()
                    + (overflow ? " has more elements than 2^63" : " is " + n + " elements")
                    + ", more than one array of at most " + MAX_BYTES + " bytes holds");
        }
        return n;
    }

    private static ByteBuffer buffer(int count, int itemSize) {
        if ((long) count * itemSize > MAX_BYTES) {
            throw new IllegalArgumentException(count + " elements of " + itemSize + " bytes are more than one array of at most "
                    + MAX_BYTES + " bytes holds");
        }
        return ByteBuffer.allocate(count * itemSize).order(ByteOrder.LITTLE_ENDIAN);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NpyArray a && a.dtype == dtype && Arrays.equals(a.shape, shape) && Arrays.equals(a.data, data);
    }

    @Override
    public int hashCode() {
        return (dtype.hashCode() * 31 + Arrays.hashCode(shape)) * 31 + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "NpyArray[" + dtype.descr() + " " + shapeString() + "]";
    }
}
