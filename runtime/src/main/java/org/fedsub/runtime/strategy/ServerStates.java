package org.fedsub.runtime.strategy;

import org.fedsub.runtime.codec.MalformedPayloadException;
import org.fedsub.runtime.codec.Payload;
import org.fedsub.runtime.codec.RawCodec;
import org.fedsub.runtime.model.Params;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * The byte form of a strategy's server state, as {@link ClientStates} is a client's: a
 * {@link Payload} framed by {@link RawCodec} in the model's dtype (values round-trip bit for
 * bit), tagged with the strategy's format so a state never lands in another strategy.
 */
final class ServerStates {

    private static final String FORMAT = "server-format";

    private ServerStates() {}

    static Payload start(String format) {
        return new Payload().field(FORMAT, tag(format));
    }

    /** Adds every tensor of {@code params} as {@code prefix + name}. */
    static Payload put(Payload p, String prefix, Params params) {
        for (String n : params.names()) {
            p.tensor(prefix + n, params.get(n));
        }
        return p;
    }

    /** Assigns tensor {@code prefix + name} of {@code p} to each tensor of {@code params}, checking shapes. */
    static void assign(Payload p, String prefix, Params params, String format) {
        for (String n : params.names()) {
            String key = prefix + n;
            if (!p.has(key)) {
                throw new IllegalArgumentException("the " + format + " server state has no tensor " + key);
            }
            org.nd4j.linalg.api.ndarray.INDArray t = p.tensor(key);
            if (!java.util.Arrays.equals(t.shape(), params.get(n).shape())) {
                throw new IllegalArgumentException("the " + format + " server state's tensor " + key + " has shape "
                        + java.util.Arrays.toString(t.shape()) + ", the model's is "
                        + java.util.Arrays.toString(params.get(n).shape()));
            }
            params.get(n).assign(t);
        }
    }

    static byte[] encode(Payload state, DataType dtype) {
        return new RawCodec(dtype).encode(state);
    }

    /** Decodes {@code bytes}, checking that they are a {@code format} server state. */
    static Payload decode(byte[] bytes, String format, DataType dtype) {
        Payload p;
        try {
            p = new RawCodec(dtype).decode(bytes, dtype);
        } catch (MalformedPayloadException e) {
            throw new IllegalArgumentException("not a " + format + " server state (" + bytes.length + " bytes): "
                    + e.getMessage(), e);
        }
        if (p.fieldOr(FORMAT, 0) != tag(format)) {
            throw new IllegalArgumentException("not a " + format + " server state (format tag " + p.fieldOr(FORMAT, 0)
                    + ")");
        }
        return p;
    }

    private static long tag(String format) {
        return (format.hashCode() & 0xffffffffL) | (2L << 32);
    }
}
