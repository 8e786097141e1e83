package org.fedsub.runtime.strategy;

import org.fedsub.runtime.codec.MalformedPayloadException;
import org.fedsub.runtime.codec.Payload;
import org.fedsub.runtime.codec.RawCodec;
import org.fedsub.runtime.compute.HostArrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The byte form of a client's exported state: a {@link Payload} (named tensors, long fields)
 * framed by {@link RawCodec} in the model's own dtype, so values round-trip bit for bit, with
 * fields naming the strategy's format and the client, so a state never lands in the wrong one.
 */
final class ClientStates {

    private ClientStates() {}

    static Payload start(String format, int clientId) {
        return new Payload().field(PayloadKeys.STATE_FORMAT, tag(format)).field(PayloadKeys.STATE_CLIENT, clientId);
    }

    static byte[] encode(Payload state, DataType dtype) {
        return new RawCodec(dtype).encode(state);
    }

    /** Decodes {@code bytes}, checking that they are a {@code format} state of {@code clientId}. */
    static Payload decode(byte[] bytes, String format, int clientId, DataType dtype) {
        Payload p;
        try {
            p = new RawCodec(dtype).decode(bytes, dtype);
        } catch (MalformedPayloadException e) {
            throw new IllegalArgumentException("not a " + format + " client state (" + bytes.length + " bytes): "
                    + e.getMessage(), e);
        }
        if (p.fieldOr(PayloadKeys.STATE_FORMAT, 0) != tag(format)) {
            throw new IllegalArgumentException("not a " + format + " client state (format tag "
                    + p.fieldOr(PayloadKeys.STATE_FORMAT, 0) + ")");
        }
        if (p.field(PayloadKeys.STATE_CLIENT) != clientId) {
            throw new IllegalArgumentException("the state of client " + p.field(PayloadKeys.STATE_CLIENT) + " was given to client "
                    + clientId);
        }
        return p;
    }

    /**
     * {@link ClientAlgorithm#suspend} for a client whose live state is {@code held}: exports it,
     * leaves the client stateless, and hands the arrays to {@link HostArrays#recycle} (nothing
     * else holds them once exported; a client dormant in a store is restored on the same compute
     * thread moments later, its state decoded into their memory instead of new ND4J buffers).
     */
    static byte[] suspendGivingBack(ClientAlgorithm client, java.util.List<INDArray> held) {
        byte[] state = client.exportState();
        client.restoreState(ClientAlgorithm.NO_STATE);
        held.forEach(HostArrays::recycle);
        return state;
    }

    private static long tag(String format) {
        return (format.hashCode() & 0xffffffffL) | (1L << 32);
    }
}
