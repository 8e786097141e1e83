package org.fedsub.actors.protocol;

/**
 * Marks control messages serialized with Jackson CBOR (bound in {@code reference.conf}). Never
 * put a tensor or an {@link org.fedsub.runtime.codec.EncodedPayload} in one: CBOR spends about five bytes per float.
 */
public interface CborSerializable {}
