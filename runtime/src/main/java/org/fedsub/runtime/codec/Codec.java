package org.fedsub.runtime.codec;

import java.util.List;
import org.fedsub.runtime.config.ConfigError;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Turns {@link Payload}s into bytes and back. The byte count of an encoded payload is what
 * fedsub reports as communication. Codecs are stateless (their randomness comes from the seed
 * passed to {@link #encode(Payload, long)}); a codec with error-feedback residuals
 * would keep them per client instance, never in a message.
 */
public interface Codec {

    /** The name used in configuration ({@code fedsub.codec}). */
    String name();

    byte[] encode(Payload payload);

    /**
     * Encodes with {@code seed} for whatever randomness the encoding draws (stochastic rounding):
     * the same payload and seed give the same bytes. The runtimes seed it from the experiment
     * seed, the client, the round and the direction ({@link #seed}).
     */
    default byte[] encode(Payload payload, long seed) {
        return encode(payload);
    }

    /**
     * Whether the senders should keep what the encoding dropped and add it to their next message
     * (error feedback): for biased encodings ({@code topk}).
     */
    default boolean errorFeedback() {
        return false;
    }

    /** Whether a payload of {@code dtype} tensors decodes to exactly what was encoded. */
    default boolean exact(DataType dtype) {
        return true;
    }

    /** Decodes into tensors of {@code dtype}; throws {@link MalformedPayloadException} on bad bytes. */
    Payload decode(byte[] bytes, DataType dtype);

    List<String> NAMES = List.of("float32", "float64", "fp16", "bf16", "int8", "int4", "topk");

    /** Direction of a message, for {@link #seed}. */
    enum Direction { UPLINK, DOWNLINK }

    /** The encoding seed of a message: a mix of the experiment seed, the client (-1: all), the round and the direction. */
    static long seed(long experimentSeed, int client, int round, Direction direction) {
        long h = experimentSeed * 0x9E3779B97F4A7C15L;
        h = (h ^ (h >>> 29) ^ client) * 0xBF58476D1CE4E5B9L;
        h = (h ^ (h >>> 31) ^ round) * 0x94D049BB133111EBL;
        h = (h ^ (h >>> 29) ^ direction.ordinal()) * 0x9E3779B97F4A7C15L;
        return h ^ (h >>> 32);
    }

    /** The codec called {@code name}; a {@link ConfigError} at {@code path} if unknown (or topk: it needs its fraction). */
    static Codec named(String name, String path) {
        return named(name, path, Double.NaN);
    }

    /** As {@link #named(String, String)}, {@code topk} sending {@code topkFraction} of each tensor. */
    static Codec named(String name, String path, double topkFraction) {
        return switch (name) {
            case "topk" -> {
                if (Double.isNaN(topkFraction)) {
                    throw new ConfigError(path, name, "topk with its fraction (fedsub.codec-topk.fraction)");
                }
                yield new TopKCodec(topkFraction);
            }
            case "float32" -> new RawCodec(DataType.FLOAT);
            case "float64" -> new RawCodec(DataType.DOUBLE);
            case "fp16" -> new LossyCodec(LossyCodec.Format.FP16);
            case "bf16" -> new LossyCodec(LossyCodec.Format.BF16);
            case "int8" -> new LossyCodec(LossyCodec.Format.INT8);
            case "int4" -> new LossyCodec(LossyCodec.Format.INT4);
            default -> throw new ConfigError(path, name, "expected one of " + NAMES);
        };
    }
}
