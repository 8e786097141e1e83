package org.fedsub.runtime.codec;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import org.fedsub.runtime.compute.HostArrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Little-endian binary framing of a payload with tensor values as IEEE float32 or float64.
 * Layout: magic "FSP1", value width (4 or 8), field count, fields (name, long), tensor count,
 * tensors (name, rank, dims, values). A name is an unsigned 16-bit byte count and UTF-8; a
 * field's value a long; a tensor's rank one byte, each dimension an int, values in C order.
 */
public final class RawCodec implements Codec {

    private static final int MAGIC = 0x46535031; // "FSP1"

    /** Most dimensions a tensor may have. */
    static final int MAX_RANK = 8;
    /** Longest name, in UTF-8 bytes: what its unsigned 16-bit length prefix can say. */
    static final int MAX_NAME_BYTES = 0xffff;
    /** Encoded size of the smallest field: an empty name and its long. */
    private static final int MIN_FIELD_BYTES = 2 + 8;
    /** Encoded size of the smallest tensor: an empty name, rank 1 and one zero dimension. */
    private static final int MIN_TENSOR_BYTES = 2 + 1 + 4;

    private final DataType wire;
    private final int width;
    private final Values values = new Values() {
        @Override
        public long bytes(INDArray t) {
            return width * t.length();
        }

        @Override
        public void write(ByteBuffer buf, INDArray t) {
            HostArrays.writeLittleEndian(t, wire, buf);
        }

        @Override
        public INDArray read(ByteBuffer buf, String name, long[] shape) {
            return getTensor(buf, name, shape);
        }
    };

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

    /** Exact when the wire values are at least as wide as {@code dtype}'s. */
    @Override
    public boolean exact(DataType dtype) {
        return width >= dtype.width();
    }

    @Override
    public byte[] encode(Payload payload) {
        return frame(payload, MAGIC, (byte) width, name(), values);
    }

    /** How a codec sizes, writes and reads the values of one tensor; {@link #frame} and {@link #unframe} do the rest. */
    interface Values {

        /** Bytes the values of {@code t} take. */
        long bytes(INDArray t);

        /** Writes the values of {@code t}, exactly {@link #bytes} of them. */
        void write(ByteBuffer buf, INDArray t);

        /** Reads the values of the tensor {@code name} of the checked {@code shape}, bounding every size first. */
        INDArray read(ByteBuffer buf, String name, long[] shape);
    }

    /**
     * The framing every fedsub codec shares, little-endian: {@code magic}, the {@code format}
     * byte, field count, fields (name, long), tensor count, tensors (name, rank, dimensions,
     * then the values as {@code values} writes them). Checked so that encoding fails here rather
     * than write bytes that decoding would refuse.
     */
    static byte[] frame(Payload payload, int magic, byte format, String codec, Values values) {
        long size = 4 + 1 + 4;
        for (String k : payload.fields().keySet()) {
            size += nameBytes(k) + 8;
        }
        size += 4;
        for (Map.Entry<String, INDArray> e : payload.tensors().entrySet()) {
            INDArray t = e.getValue();
            if (t.rank() < 1 || t.rank() > MAX_RANK) {
                throw new IllegalArgumentException("tensor '" + e.getKey() + "' has rank " + t.rank() + "; "
                        + codec + " encodes ranks 1 to " + MAX_RANK);
            }
            size += nameBytes(e.getKey()) + 1 + 4L * t.rank() + values.bytes(t);
        }
        if (size > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("payload of " + size + " bytes is too large for one array");
        }
        ByteBuffer buf = ByteBuffer.allocate((int) size).order(ByteOrder.LITTLE_ENDIAN);
        buf.putInt(magic).put(format).putInt(payload.fields().size());
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
            values.write(buf, t);
        }
        return buf.array();
    }

    /**
     * Decodes {@code bytes} of a codec's framing: {@code header} checks the magic number and the
     * format byte, then the fields and tensors follow ({@code minTensorBytes}: the smallest
     * tensor's encoding, to bound the tensor count), in {@code dtype}. Underflow of a fixed-size
     * read becomes a {@link MalformedPayloadException} too.
     */
    static Payload unframe(byte[] bytes, DataType dtype, java.util.function.Consumer<ByteBuffer> header,
            int minTensorBytes, Values values) {
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        try {
            header.accept(buf);
            Payload p = new Payload();
            int nf = count(buf, "field", MIN_FIELD_BYTES);
            for (int i = 0; i < nf; i++) {
                String name = getName(buf, "field " + i);
                if (p.fields().containsKey(name)) {
                    throw new MalformedPayloadException("field '" + name + "' appears twice");
                }
                p.field(name, buf.getLong());
            }
            int nt = count(buf, "tensor", minTensorBytes);
            for (int i = 0; i < nt; i++) {
                String name = getName(buf, "tensor " + i);
                if (p.has(name)) {
                    throw new MalformedPayloadException("tensor '" + name + "' appears twice");
                }
                INDArray t = values.read(buf, name, getShape(buf, name));
                p.tensor(name, t.dataType() == dtype ? t : t.castTo(dtype));
            }
            if (buf.hasRemaining()) {
                throw new MalformedPayloadException(buf.remaining() + " trailing bytes after the last tensor");
            }
            return p;
        } catch (BufferUnderflowException e) {
            // The explicit checks cover every variable-length read; this catches the fixed-size
            // ones (magic, counts, a field's value) running off the end.
            throw new MalformedPayloadException("payload is truncated (" + bytes.length + " bytes)", e);
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>Every size in the bytes is checked against the bytes left before anything is allocated,
     * so a hostile payload costs at most a small multiple of its own length: counts of fields and
     * tensors against their smallest encoding, name lengths, rank (1 to {@value #MAX_RANK}), each
     * tensor's element count (in overflow-safe arithmetic, at most {@link Integer#MAX_VALUE}) and
     * its value bytes. Names must be UTF-8 and unique among the fields and among the tensors, and
     * nothing may follow the last tensor. Any violation is a {@link MalformedPayloadException}
     * naming it; no other exception escapes for any content of {@code bytes}.
     */
    @Override
    public Payload decode(byte[] bytes, DataType dtype) {
        return unframe(bytes, dtype, buf -> {
            if (buf.getInt() != MAGIC) {
                throw new MalformedPayloadException("not a fedsub payload (bad magic number)");
            }
            int w = buf.get();
            if (w != 4 && w != 8) {
                throw new MalformedPayloadException("value width " + w + " bytes; expected 4 (float32) or 8 (float64)");
            }
            if (w != width) {
                throw new MalformedPayloadException("payload values are " + (8 * w) + "-bit, codec " + name()
                        + " expects " + (8 * width) + "-bit");
            }
        }, MIN_TENSOR_BYTES, values);
    }

    private INDArray getTensor(ByteBuffer buf, String name, long[] shape) {
        int len = (int) Arrays.stream(shape).reduce(1, (a, b) -> a * b); // 0 or nonZero, checked above
        long valueBytes = (long) len * width;
        if (valueBytes > buf.remaining()) {
            throw new MalformedPayloadException("tensor '" + name + "' is truncated: shape " + Arrays.toString(shape)
                    + " needs " + valueBytes + " bytes, " + buf.remaining() + " left");
        }
        return HostArrays.readLittleEndian(buf, wire, shape);
    }

    /**
     * A tensor's rank and dimensions, checked: rank 1 to {@value #MAX_RANK}, no negative
     * dimension, at most {@link Integer#MAX_VALUE} elements (zero dimensions aside).
     */
    static long[] getShape(ByteBuffer buf, String name) {
        int rank = buf.get();
        if (rank < 1 || rank > MAX_RANK) {
            throw new MalformedPayloadException("tensor '" + name + "' has rank " + rank + "; expected 1 to " + MAX_RANK);
        }
        if (buf.remaining() < 4 * rank) {
            throw new MalformedPayloadException("tensor '" + name + "' is truncated: its " + rank + " dimensions need "
                    + (4 * rank) + " bytes, " + buf.remaining() + " left");
        }
        long[] shape = new long[rank];
        for (int d = 0; d < rank; d++) {
            shape[d] = buf.getInt();
        }
        if (Arrays.stream(shape).anyMatch(d -> d < 0)) {
            throw new MalformedPayloadException("tensor '" + name + "' has a negative dimension in its shape "
                    + Arrays.toString(shape));
        }
        // Zero dimensions are legal (an empty tensor), but the other dimensions still size the
        // strides ND4J computes, so their product is bounded too.
        long nonZero = 1;
        for (long d : shape) {
            // Checked at each step, so the operands stay below 2^31 and multiplyExact cannot throw.
            nonZero = d == 0 ? nonZero : Math.multiplyExact(nonZero, d);
            if (nonZero > Integer.MAX_VALUE) {
                throw new MalformedPayloadException("tensor '" + name + "' has shape " + Arrays.toString(shape)
                        + ": more than " + Integer.MAX_VALUE + " elements");
            }
        }
        return shape;
    }

    /** A count of items that each take at least {@code minBytes}, checked against the bytes left. */
    static int count(ByteBuffer buf, String what, int minBytes) {
        int n = buf.getInt();
        if (n < 0) {
            throw new MalformedPayloadException("negative " + what + " count " + n);
        }
        if ((long) n * minBytes > buf.remaining()) {
            throw new MalformedPayloadException("payload is truncated: " + n + " " + what + "s need at least "
                    + ((long) n * minBytes) + " bytes, " + buf.remaining() + " left");
        }
        return n;
    }

    static int nameBytes(String s) {
        return 2 + utf8(s).length;
    }

    static void putName(ByteBuffer buf, String s) {
        byte[] b = utf8(s);
        buf.putShort((short) b.length).put(b);
    }

    private static byte[] utf8(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        if (b.length > MAX_NAME_BYTES) {
            throw new IllegalArgumentException("name '" + s.substring(0, 40) + "...' is " + b.length
                    + " bytes in UTF-8; at most " + MAX_NAME_BYTES + " fit the length prefix");
        }
        return b;
    }

    static String getName(ByteBuffer buf, String what) {
        int len = Short.toUnsignedInt(buf.getShort());
        if (len > buf.remaining()) {
            throw new MalformedPayloadException("payload is truncated: " + what + " has a name of " + len + " bytes, "
                    + buf.remaining() + " left");
        }
        int at = buf.position();
        boolean ascii = true;
        for (int i = 0; i < len && ascii; i++) {
            ascii = buf.get(at + i) >= 0;
        }
        if (ascii) {
            // Every name fedsub writes: ASCII is valid UTF-8 as it is, and a strict decoder per
            // name showed in the profiles of small models' rounds (names are decoded at every
            // task, update, acknowledgement and dormant state).
            byte[] raw = new byte[len];
            buf.get(raw);
            return new String(raw, StandardCharsets.ISO_8859_1);
        }
        ByteBuffer b = buf.slice().limit(len);
        buf.position(at + len);
        try {
            // REPORT rather than replace: two different byte strings must not become one name.
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(b)
                    .toString();
        } catch (CharacterCodingException e) {
            throw new MalformedPayloadException(what + " has a name that is not UTF-8", e);
        }
    }
}
