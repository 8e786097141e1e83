package org.fedsub.runtime.codec;

import java.nio.ByteBuffer;
import java.util.Arrays;
import org.fedsub.runtime.compute.HostArrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Top-k sparsification: of each tensor only its k = ceil(fraction * size) largest-magnitude
 * values are sent, as (int32 index, float32 value) pairs in ascending index order; the rest
 * decode as zero. The framing is {@link RawCodec}'s with magic "FSK1" and a format byte 5; a
 * tensor's values are k (an int) and then k indices and k values: 4 + 8k bytes. Ties are
 * broken by the lower index, so the encoding is deterministic. NaN and infinities count as the
 * largest magnitudes, so they are always sent and the server still refuses the update.
 *
 * <p>Biased on its own: the clients keep what was not sent (error feedback, see
 * {@link #errorFeedback()}) and add it to their next update.
 *
 * <p>Decoding bounds every size like {@link RawCodec}; k must be exactly what the fraction gives
 * for the tensor's size, which bounds the dense tensor by the bytes that carry it.
 */
public final class TopKCodec implements Codec {

    private static final int MAGIC = 0x46534B31; // "FSK1"
    private static final byte FORMAT = 5;

    private final double fraction;

    /** @param fraction share of each tensor's values sent, in (0, 1] */
    public TopKCodec(double fraction) {
        if (!(fraction > 0 && fraction <= 1)) {
            throw new IllegalArgumentException("top-k fraction must be in (0, 1], got " + fraction);
        }
        this.fraction = fraction;
    }

    @Override
    public String name() {
        return "topk";
    }

    public double fraction() {
        return fraction;
    }

    @Override
    public boolean exact(DataType dtype) {
        return false;
    }

    @Override
    public boolean errorFeedback() {
        return true;
    }

    /** Values sent of a tensor of {@code len} values. */
    public int k(long len) {
        return (int) Math.min(len, (long) Math.ceil(fraction * len - 1e-9));
    }

    @Override
    public byte[] encode(Payload payload) {
        return RawCodec.frame(payload, MAGIC, FORMAT, name(), values);
    }

    /** A tensor's values: k, then k ascending indices, then their k values as float32. */
    private final RawCodec.Values values = new RawCodec.Values() {
        @Override
        public long bytes(INDArray t) {
            return 4 + 8L * k(t.length());
        }

        @Override
        public void write(ByteBuffer buf, INDArray t) {
            int len = (int) t.length();
            double[] v = len == 0 ? new double[0] : t.castTo(DataType.DOUBLE).dup('c').data().asDouble();
            int[] idx = top(v, k(len));
            buf.putInt(idx.length);
            for (int i : idx) {
                buf.putInt(i);
            }
            for (int i : idx) {
                buf.putFloat((float) v[i]);
            }
        }

        @Override
        public INDArray read(ByteBuffer buf, String name, long[] shape) {
            return getTensor(buf, name, shape);
        }
    };

    /** Indices of the k largest magnitudes (non-finite first), ascending; ties to the lower index. */
    static int[] top(double[] v, int k) {
        if (k == 0) {
            return new int[0];
        }
        double[] mag = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            mag[i] = Double.isFinite(v[i]) ? Math.abs(v[i]) : Double.POSITIVE_INFINITY;
        }
        double[] sorted = mag.clone();
        Arrays.sort(sorted);
        double threshold = sorted[v.length - k];
        int above = 0;
        for (double m : mag) {
            if (m > threshold) {
                above++;
            }
        }
        int atThreshold = k - above;
        int[] idx = new int[k];
        int n = 0;
        for (int i = 0; i < v.length && n < k; i++) {
            if (mag[i] > threshold) {
                idx[n++] = i;
            } else if (mag[i] == threshold && atThreshold > 0) {
                idx[n++] = i;
                atThreshold--;
            }
        }
        return idx;
    }

    @Override
    public Payload decode(byte[] bytes, DataType dtype) {
        return RawCodec.unframe(bytes, dtype, buf -> {
            if (buf.getInt() != MAGIC) {
                throw new MalformedPayloadException("not a fedsub top-k payload (bad magic number)");
            }
            int f = buf.get();
            if (f != FORMAT) {
                throw new MalformedPayloadException("value format " + f + "; expected " + FORMAT + " (topk)");
            }
        }, 2 + 1 + 4 + 4, values);
    }

    private INDArray getTensor(ByteBuffer buf, String name, long[] shape) {
        int len = (int) Arrays.stream(shape).reduce(1, (a, b) -> a * b); // checked by getShape
        int k = buf.getInt();
        if (k != k(len)) {
            throw new MalformedPayloadException("tensor '" + name + "' of shape " + Arrays.toString(shape) + " sends " + k
                    + " values; top-k with fraction " + fraction + " sends " + k(len));
        }
        if (8L * k > buf.remaining()) {
            throw new MalformedPayloadException("tensor '" + name + "' is truncated: " + k + " values need " + (8L * k)
                    + " bytes, " + buf.remaining() + " left");
        }
        float[] v = new float[len];
        int start = buf.position();
        int prev = -1;
        for (int j = 0; j < k; j++) {
            int i = buf.getInt(start + 4 * j);
            if (i <= prev || i >= len) {
                throw new MalformedPayloadException("tensor '" + name + "' has index " + i + " after " + prev
                        + "; indices must ascend within [0, " + len + ")");
            }
            v[i] = buf.getFloat(start + 4 * k + 4 * j);
            prev = i;
        }
        buf.position(start + 8 * k);
        return len == 0 ? Nd4j.create(DataType.FLOAT, shape) : HostArrays.of(v, shape);
    }
}
