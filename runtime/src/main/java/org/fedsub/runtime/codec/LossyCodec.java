package org.fedsub.runtime.codec;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.fedsub.runtime.compute.HostArrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Lossy encodings of a payload's tensor values; its fields (round, basis id, ...) stay exact.
 * The framing is {@link RawCodec}'s with magic "FSQ1" and a format byte in place of the value
 * width: fields (name, long), then tensors (name, rank, dims, values), little-endian. Values:
 * <ul>
 * <li>{@code fp16}: IEEE half precision, 2 bytes a value, round to nearest even; relative error
 *     at most 2^-11 in [6.1e-5, 65504]; larger magnitudes become infinite (and the server refuses
 *     the update), smaller ones lose relative precision (subnormals, then zero).</li>
 * <li>{@code bf16}: the upper half of the float32 (round to nearest even), 2 bytes a value;
 *     float32's range, relative error at most 2^-8.</li>
 * <li>{@code int8}: per row one float32 scale s (the row's largest magnitude), then each value
 *     as q in [-127, 127] with x ~ q s / 127 by unbiased stochastic rounding (E[q s / 127] = x,
 *     error below s / 127). 1 byte a value plus 4 bytes a row.</li>
 * <li>{@code int4}: the same with q in [-7, 7], two values a byte (low nibble first, over the
 *     whole tensor): half a byte a value plus 4 bytes a row; error below s / 7.</li>
 * </ul>
 * A row is the tensor's first dimension (a FedSub {@code b} of shape [r, m] has r rows of m
 * values); a rank-1 tensor is one row. A row holding NaN or an infinity is sent with a NaN scale,
 * so that it decodes to NaN and the server's non-finite check still refuses the update.
 *
 * <p>The stochastic rounding draws from a {@link SplittableRandom} seeded with the seed given
 * to {@link #encode(Payload, long)}, so the same payload and seed give the same bytes.
 * Decoding bounds every size against the bytes left before allocating, as {@link RawCodec}
 * does, and throws only {@link MalformedPayloadException}.
 */
public final class LossyCodec implements Codec {

    private static final int MAGIC = 0x46535131; // "FSQ1"

    /** The lossy formats, by their configuration name. */
    public enum Format {
        FP16("fp16", 1), BF16("bf16", 2), INT8("int8", 3), INT4("int4", 4);

        final String label;
        final byte id;

        Format(String label, int id) {
            this.label = label;
            this.id = (byte) id;
        }

        static Format ofId(int id) {
            for (Format f : values()) {
                if (f.id == id) {
                    return f;
                }
            }
            return null;
        }
    }

    private final Format format;

    public LossyCodec(Format format) {
        this.format = format;
    }

    @Override
    public String name() {
        return format.label;
    }

    @Override
    public boolean exact(DataType dtype) {
        return false;
    }

    /** Encodes with the seed 0; the runtimes call {@link #encode(Payload, long)}. */
    @Override
    public byte[] encode(Payload payload) {
        return encode(payload, 0);
    }

    /**
     * The number of value bytes of a tensor of {@code shape} (scales included): what this codec
     * costs beyond the shared header, name and dimensions.
     */
    public long valueBytes(long[] shape) {
        long len = 1;
        for (long d : shape) {
            len *= d;
        }
        long rows = rows(shape);
        return switch (format) {
            case FP16, BF16 -> 2 * len;
            case INT8 -> 4 * rows + len;
            case INT4 -> 4 * rows + (len + 1) / 2;
        };
    }

    @Override
    public byte[] encode(Payload payload, long seed) {
        return RawCodec.frame(payload, MAGIC, format.id, name(), values(new SplittableRandom(seed)));
    }

    /** This format's values; {@code rnd} draws the stochastic rounding when encoding (unused when decoding). */
    private RawCodec.Values values(SplittableRandom rnd) {
        return new RawCodec.Values() {
            @Override
            public long bytes(INDArray t) {
                return valueBytes(t.shape());
            }

            @Override
            public void write(ByteBuffer buf, INDArray t) {
                INDArray c = t.dataType() == DataType.DOUBLE && t.ordering() == 'c' && !t.isView() ? t
                        : t.castTo(DataType.DOUBLE).dup('c');
                double[] v = c.length() == 0 ? new double[0] : c.data().asDouble();
                putValues(buf, v, (int) c.length(), rows(t.shape()), rnd);
            }

            @Override
            public INDArray read(ByteBuffer buf, String name, long[] shape) {
                return getTensor(buf, name, shape);
            }
        };
    }

    private void putValues(ByteBuffer buf, double[] v, int len, long rows, SplittableRandom rnd) {
        switch (format) {
            case FP16 -> {
                for (int i = 0; i < len; i++) {
                    buf.putShort(toHalf((float) v[i]));
                }
            }
            case BF16 -> {
                for (int i = 0; i < len; i++) {
                    buf.putShort(toBfloat((float) v[i]));
                }
            }
            case INT8, INT4 -> {
                int levels = format == Format.INT8 ? 127 : 7;
                int cols = rows == 0 ? 0 : (int) (len / rows);
                byte[] q = new byte[len];
                for (int r = 0; r < rows; r++) {
                    float s = scale(v, r * cols, cols);
                    buf.putFloat(s);
                    for (int i = r * cols; i < (r + 1) * cols; i++) {
                        q[i] = quantize(v[i], s, levels, rnd);
                    }
                }
                if (format == Format.INT8) {
                    buf.put(q);
                } else {
                    for (int i = 0; i < len; i += 2) {
                        int lo = q[i] & 0xf;
                        int hi = i + 1 < len ? q[i + 1] & 0xf : 0;
                        buf.put((byte) (lo | hi << 4));
                    }
                }
            }
        }
    }

    /** The row's largest magnitude as a float32 no smaller than it; NaN if the row has a non-finite value. */
    private static float scale(double[] v, int from, int n) {
        double max = 0;
        for (int i = from; i < from + n; i++) {
            if (!Double.isFinite(v[i])) {
                return Float.NaN;
            }
            max = Math.max(max, Math.abs(v[i]));
        }
        float s = (float) max;
        if (s < max) {
            s = Math.nextUp(s);
        }
        return Float.isFinite(s) ? s : Float.NaN; // a magnitude beyond float32 cannot be sent either
    }

    /** q with E[q] = levels x / s, |q - levels x / s| < 1, |q| <= levels; 0 for a zero or NaN scale. */
    static byte quantize(double x, float s, int levels, SplittableRandom rnd) {
        if (s == 0 || Float.isNaN(s)) {
            return 0;
        }
        double y = x / s * levels;
        double f = Math.floor(y);
        double q = f + (rnd.nextDouble() < y - f ? 1 : 0);
        return (byte) Math.max(-levels, Math.min(levels, q));
    }

    @Override
    public Payload decode(byte[] bytes, DataType dtype) {
        return RawCodec.unframe(bytes, dtype, buf -> {
            if (buf.getInt() != MAGIC) {
                throw new MalformedPayloadException("not a fedsub lossy payload (bad magic number)");
            }
            int id = buf.get();
            Format f = Format.ofId(id);
            if (f == null) {
                throw new MalformedPayloadException("value format " + id + "; expected 1 (fp16), 2 (bf16), 3 (int8) or 4 (int4)");
            }
            if (f != format) {
                throw new MalformedPayloadException("payload values are " + f.label + ", codec " + name() + " expects "
                        + name());
            }
        }, 2 + 1 + 4, values(null));
    }

    private INDArray getTensor(ByteBuffer buf, String name, long[] shape) {
        int len = (int) Arrays.stream(shape).reduce(1, (a, b) -> a * b); // checked by getShape
        long need = valueBytes(shape); // at most 4 * 2^31 + 2^31: no overflow
        if (need > buf.remaining()) {
            throw new MalformedPayloadException("tensor '" + name + "' is truncated: shape " + Arrays.toString(shape)
                    + " needs " + need + " bytes of " + name() + " values, " + buf.remaining() + " left");
        }
        float[] v = new float[len];
        switch (format) {
            case FP16 -> {
                for (int i = 0; i < len; i++) {
                    v[i] = fromHalf(buf.getShort());
                }
            }
            case BF16 -> {
                for (int i = 0; i < len; i++) {
                    v[i] = Float.intBitsToFloat((buf.getShort() & 0xffff) << 16);
                }
            }
            case INT8, INT4 -> {
                int rows = (int) rows(shape);
                int cols = rows == 0 ? 0 : len / rows;
                int levels = format == Format.INT8 ? 127 : 7;
                float[] scales = new float[rows];
                for (int r = 0; r < rows; r++) {
                    scales[r] = buf.getFloat();
                }
                for (int i = 0; i < len; i++) {
                    int q;
                    if (format == Format.INT8) {
                        q = buf.get();
                    } else {
                        int b = buf.get(buf.position() + i / 2);
                        q = (i % 2 == 0 ? b << 28 : b << 24) >> 28;
                    }
                    v[i] = dequantize(q, scales[i / cols], levels);
                }
                if (format == Format.INT4) {
                    buf.position(buf.position() + (len + 1) / 2);
                }
            }
        }
        return len == 0 ? Nd4j.create(DataType.FLOAT, shape) : HostArrays.of(v, shape);
    }

    /** The value q stands for in a row of scale {@code s}. */
    static float dequantize(int q, float s, int levels) {
        return (float) ((double) q * s / levels);
    }

    /** Rows of a tensor: its first dimension, or 1 for a rank-1 tensor. */
    static long rows(long[] shape) {
        return shape.length == 1 ? 1 : shape[0];
    }

    /** float32 to IEEE half, rounding to nearest even; NaN stays NaN, overflow becomes infinite. */
    static short toHalf(float f) {
        int bits = Float.floatToRawIntBits(f);
        int sign = (bits >>> 16) & 0x8000;
        int exp = (bits >>> 23) & 0xff;
        int mant = bits & 0x7fffff;
        if (exp == 0xff) {
            return (short) (sign | 0x7c00 | (mant != 0 ? 0x200 | (mant >>> 13) : 0));
        }
        int e = exp - 127 + 15;
        if (e >= 0x1f) {
            return (short) (sign | 0x7c00);
        }
        if (e <= 0) {
            if (e < -10) {
                return (short) sign;
            }
            int m = mant | 0x800000;
            int shift = 14 - e;
            int h = m >>> shift;
            int rem = m & ((1 << shift) - 1);
            int halfway = 1 << (shift - 1);
            if (rem > halfway || (rem == halfway && (h & 1) != 0)) {
                h++;
            }
            return (short) (sign | h);
        }
        int h = (e << 10) | (mant >>> 13);
        int rem = mant & 0x1fff;
        if (rem > 0x1000 || (rem == 0x1000 && (h & 1) != 0)) {
            h++; // a carry into the exponent is right, up to infinity
        }
        return (short) (sign | h);
    }

    static float fromHalf(short h) {
        int s = (h & 0x8000) << 16;
        int e = (h >>> 10) & 0x1f;
        int m = h & 0x3ff;
        if (e == 0) {
            float v = m * 0x1p-24f;
            return s != 0 ? -v : v;
        }
        if (e == 31) {
            return Float.intBitsToFloat(s | 0x7f800000 | (m << 13));
        }
        return Float.intBitsToFloat(s | ((e - 15 + 127) << 23) | (m << 13));
    }

    /** float32 to bfloat16, rounding to nearest even; NaN stays NaN. */
    static short toBfloat(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) {
            return (short) ((bits >>> 16) | 0x40);
        }
        return (short) ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16);
    }
}
