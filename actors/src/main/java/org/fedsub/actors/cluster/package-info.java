/**
 * The actor runtime across a Pekko cluster: a server node and client nodes that find each other
 * through the Receptionist. Nodes join through static seed nodes (pekko-management and its
 * discovery are not available here); every message that crosses a node goes through the
 * binary payload serializer or CBOR, and tensors travel on Artery's large-message channel
 * ({@code large-message-destinations}, {@code maximum-large-frame-size}).
 */
package org.fedsub.actors.cluster;
