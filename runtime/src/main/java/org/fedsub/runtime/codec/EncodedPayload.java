package org.fedsub.runtime.codec;

import java.util.Arrays;
import java.util.Objects;
import java.util.function.Function;

/**
 * An encoded {@link Payload}: the codec that wrote it and its bytes.
 * Immutable: the bytes are copied in, {@link #bytes()} hands out a copy, and {@link #read}
 * lends the bytes without copying to a reader that promises not to change them. Equality is
 * over the content of the array.
 *
 * @param codec the codec name ({@link Codec#name()}), e.g. {@code float64}
 * @param bytes the encoded payload
 */
public record EncodedPayload(String codec, byte[] bytes) {

    public EncodedPayload {
        Objects.requireNonNull(codec, "codec");
        bytes = bytes.clone();
    }

    /** A copy of the bytes. */
    @Override
    public byte[] bytes() {
        return bytes.clone();
    }

    /** Size on the wire of the encoded tensors (what fedsub reports as communication). */
    public int size() {
        return bytes.length;
    }

    /** Applies {@code reader} to the bytes themselves; the reader must neither modify nor keep them. */
    public <T> T read(Function<byte[], T> reader) {
        return reader.apply(bytes);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof EncodedPayload p && p.codec.equals(codec) && Arrays.equals(p.bytes, bytes);
    }

    @Override
    public int hashCode() {
        return 31 * codec.hashCode() + Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return "EncodedPayload[" + codec + ", " + bytes.length + " bytes]";
    }
}
