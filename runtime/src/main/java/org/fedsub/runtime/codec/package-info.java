/**
 * What crosses the network: {@link org.fedsub.runtime.codec.Payload}s (named tensors and integer
 * fields) and the {@link org.fedsub.runtime.codec.Codec}s that turn them into bytes, whose length
 * is the communication fedsub reports: {@link org.fedsub.runtime.codec.RawCodec} (float32,
 * float64) and the lossy {@link org.fedsub.runtime.codec.LossyCodec} (fp16, bf16, int8, int4).
 */
package org.fedsub.runtime.codec;
