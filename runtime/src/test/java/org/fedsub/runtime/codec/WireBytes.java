package org.fedsub.runtime.codec;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** Raw-codec bytes written by hand, little-endian: for inputs no encoder would write. */
final class WireBytes {

    private final ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);

    private WireBytes() {}

    /** Magic number and value width (4 or 8). */
    static WireBytes header(int width) {
        return new WireBytes().i32(0x46535031).i8(width);
    }

    WireBytes i8(int v) {
        buf.put((byte) v);
        return this;
    }

    WireBytes i16(int v) {
        buf.putShort((short) v);
        return this;
    }

    WireBytes i32(int v) {
        buf.putInt(v);
        return this;
    }

    WireBytes i64(long v) {
        buf.putLong(v);
        return this;
    }

    /** A name: its UTF-8 byte count, then the bytes. */
    WireBytes name(String s) {
        return raw16(s.getBytes(StandardCharsets.UTF_8));
    }

    /** A name whose bytes are given as they are, valid UTF-8 or not. */
    WireBytes raw16(byte[] b) {
        buf.putShort((short) b.length).put(b);
        return this;
    }

    /** A tensor's rank and dimensions (no values). */
    WireBytes shape(int... dims) {
        i8(dims.length);
        for (int d : dims) {
            i32(d);
        }
        return this;
    }

    byte[] bytes() {
        return Arrays.copyOf(buf.array(), buf.position());
    }
}
