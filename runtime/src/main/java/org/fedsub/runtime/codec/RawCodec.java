package org.fedsub.runtime.codec;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Little-endian binary framing of a payload with tensor values as IEEE float32 or float64.
 * Layout: magic "FSP1", value width (4 or 8), field count, fields (name, long), tensor count,
 * tensors (name, rank, dims, values).
 */
public final class RawCodec implements Codec {

    private static final int MAGIC = 0x46535031; // "FSP1"

    private final DataType wire;
    private final int width;

    public RawCodec(DataType wire) {
        if (wire != DataType.FLOAT && wire != DataType.DOUBLE) {
            throw new IllegalArgumentException("wire type must be FLOAT or DOUBLE, got " + wire);
        }
        this.wire = wire;
        this.width = wire == DataType.FLOAT ? 4 : 8;
    }

    @Override
    public String name() {
        return wire == DataType.FLOAT ? "float32" : "float64";
    }

    @Override
    public byte[] encode(Payload payload) {
        int size = 4 + 1 + 4;
        for (String k : payload.fields().keySet()) {
            size += nameBytes(k) + 8;
        }
        size += 4;
        for (Map.Entry<String, INDArray> e : payload.tensors().entrySet()) {
            size += nameBytes(e.getKey()) + 1 + 4 * e.getValue().rank() + width * (int) e.getValue().length();
        }
        ByteBuffer buf = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        buf.putInt(MAGIC).put((byte) width).putInt(payload.fields().size());
        payload.fields().forEach((k, v) -> {
            putName(buf, k);
            buf.putLong(v);
        });
        buf.putInt(payload.tensors().size());
        for (Map.Entry<String, INDArray> e : payload.tensors().entrySet()) {
            INDArray t = e.getValue();
            putName(buf, e.getKey());
            buf.put((byte) t.rank());
            for (long d : t.shape()) {
                buf.putInt(Math.toIntExact(d));
            }
            INDArray c = t.dataType() == wire && t.ordering() == 'c' && !t.isView() ? t : t.castTo(wire).dup('c');
            if (wire == DataType.FLOAT) {
                buf.asFloatBuffer().put(c.data().asFloat(), 0, (int) c.length());
            } else {
                buf.asDoubleBuffer().put(c.data().asDouble(), 0, (int) c.length());
            }
            buf.position(buf.position() + width * (int) c.length());
        }
        return buf.array();
    }

    @Override
    public Payload decode(byte[] bytes, DataType dtype) {
        try {
            ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
            if (buf.getInt() != MAGIC) {
                throw new MalformedPayloadException("not a fedsub payload (bad magic number)");
            }
            int w = buf.get();
            if (w != width) {
                throw new MalformedPayloadException("payload values are " + (8 * w) + "-bit, codec " + name() + " expects "
                        + (8 * width) + "-bit");
            }
            Payload p = new Payload();
            int nf = count(buf.getInt(), "field");
            for (int i = 0; i < nf; i++) {
                p.field(getName(buf), buf.getLong());
            }
            int nt = count(buf.getInt(), "tensor");
            for (int i = 0; i < nt; i++) {
                String name = getName(buf);
                int rank = buf.get();
                if (rank < 1 || rank > 8) {
                    throw new MalformedPayloadException("tensor '" + name + "' has rank " + rank);
                }
                long[] shape = new long[rank];
                long len = 1;
                for (int d = 0; d < rank; d++) {
                    shape[d] = buf.getInt();
                    if (shape[d] < 0) {
                        throw new MalformedPayloadException("tensor '" + name + "' has a negative dimension");
                    }
                    len *= shape[d];
                }
                if (len * width > buf.remaining()) {
                    throw new MalformedPayloadException("tensor '" + name + "' is truncated: needs " + (len * width)
                            + " bytes, " + buf.remaining() + " left");
                }
                INDArray t;
                if (wire == DataType.FLOAT) {
                    float[] v = new float[(int) len];
                    buf.asFloatBuffer().get(v);
                    t = Nd4j.createFromArray(v);
                } else {
                    double[] v = new double[(int) len];
                    buf.asDoubleBuffer().get(v);
                    t = Nd4j.createFromArray(v);
                }
                buf.position(buf.position() + (int) (len * width));
                t = t.reshape(shape);
                p.tensor(name, t.dataType() == dtype ? t : t.castTo(dtype));
            }
            if (buf.hasRemaining()) {
                throw new MalformedPayloadException(buf.remaining() + " trailing bytes after the last tensor");
            }
            return p;
        } catch (java.nio.BufferUnderflowException e) {
            throw new MalformedPayloadException("payload is truncated (" + bytes.length + " bytes)", e);
        }
    }

    private static int count(int n, String what) {
        if (n < 0 || n > 1_000_000) {
            throw new MalformedPayloadException("implausible " + what + " count " + n);
        }
        return n;
    }

    private static int nameBytes(String s) {
        return 2 + s.getBytes(StandardCharsets.UTF_8).length;
    }

    private static void putName(ByteBuffer buf, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        buf.putShort((short) b.length).put(b);
    }

    private static String getName(ByteBuffer buf) {
        int len = Short.toUnsignedInt(buf.getShort());
        if (len > buf.remaining()) {
            throw new MalformedPayloadException("name length " + len + " exceeds the payload");
        }
        byte[] b = new byte[len];
        buf.get(b);
        return new String(b, StandardCharsets.UTF_8);
    }
}
