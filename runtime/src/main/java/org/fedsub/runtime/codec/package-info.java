/**
 * What crosses the network: {@link org.fedsub.runtime.codec.Payload}s (named tensors and integer
 * fields) and the {@link org.fedsub.runtime.codec.Codec}s that turn them into bytes, whose length
 * is the communication fedsub reports.
 */
package org.fedsub.runtime.codec;
