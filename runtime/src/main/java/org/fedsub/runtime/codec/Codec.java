package org.fedsub.runtime.codec;

import java.util.List;
import org.fedsub.runtime.config.ConfigError;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Turns {@link Payload}s into bytes and back. The byte count of an encoded payload is what
 * fedsub reports as communication. Codecs are stateless; a codec with error-feedback residuals
 * would keep them per client instance, never in a message.
 */
public interface Codec {

    /** The name used in configuration ({@code fedsub.codec}). */
    String name();

    byte[] encode(Payload payload);

    /** Decodes into tensors of {@code dtype}; throws {@link MalformedPayloadException} on bad bytes. */
    Payload decode(byte[] bytes, DataType dtype);

    List<String> NAMES = List.of("float32", "float64");

    /** The codec called {@code name}; a {@link ConfigError} at {@code path} if unknown. */
    static Codec named(String name, String path) {
        return switch (name) {
            case "float32" -> new RawCodec(DataType.FLOAT);
            case "float64" -> new RawCodec(DataType.DOUBLE);
            default -> throw new ConfigError(path, name, "expected one of " + NAMES);
        };
    }
}
