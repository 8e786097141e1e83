/**
 * The actor runtime across a Pekko cluster: a server node and client nodes (`fedsub server`,
 * `fedsub client`). Nodes join through a static seed node, the server's address
 * (pekko-management and its discovery are not available here); {@link
 * org.fedsub.actors.cluster.ClusterSettings} turns {@code fedsub.cluster} into the Pekko settings
 * (address, seed node, role, split brain resolver, large frames). A client node registers its
 * clients with an explicit claim ({@link org.fedsub.actors.cluster.Registration}) that the
 * server checks against the nodes it allows; the server's pool follows membership. Every message
 * that crosses a node goes through the binary payload serializer or CBOR, and tensors travel on
 * Artery's large-message channel ({@code large-message-destinations},
 * {@code maximum-large-frame-size}).
 */
package org.fedsub.actors.cluster;
