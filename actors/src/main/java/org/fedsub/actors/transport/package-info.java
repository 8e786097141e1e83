/**
 * How nodes of a fedsub cluster talk: {@link org.fedsub.actors.transport.ClusterTransport} turns
 * the {@code fedsub.cluster.tls} settings into Artery's configuration (TLS with mutual
 * authentication by default, plain TCP only when chosen), and
 * {@link org.fedsub.actors.transport.ChunkedTransport} carries messages of any size between
 * nodes by cutting them into chunks below Artery's large-frame limit and reassembling them,
 * in order and with bounded buffers, on the receiving node.
 */
package org.fedsub.actors.transport;
