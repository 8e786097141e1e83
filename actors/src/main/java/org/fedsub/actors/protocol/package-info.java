/**
 * The server/client wire protocol: {@link org.fedsub.actors.protocol.FederatedProtocol} holds
 * every message that may cross a node boundary. Tensors travel only as
 * {@link org.fedsub.runtime.codec.EncodedPayload}s (codec bytes, never a tensor object)
 * through the hand-written binary {@link org.fedsub.actors.protocol.PayloadSerializer}; control
 * messages are {@link org.fedsub.actors.protocol.CborSerializable} and go through Jackson CBOR.
 * Nothing uses Java serialization.
 */
package org.fedsub.actors.protocol;
