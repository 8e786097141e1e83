/**
 * The actor runtime of fedsub: the same federated run as the sequential
 * {@link org.fedsub.runtime.engine.ReferenceEngine}, carried by Pekko typed actors so that it
 * survives what real clients do (vanish, lag, fail). {@link org.fedsub.actors.ActorSettings}
 * holds its settings ({@code fedsub.actors}); the wire protocol is in {@code protocol}, the
 * coordinator and its per-round actors in {@code server}, the client actors in {@code client},
 * the one-JVM simulation entry point in {@code sim}, the compute devices and their dispatchers
 * in {@code device}, and the guardians of server and client
 * nodes of a cluster in {@code cluster}.
 */
package org.fedsub.actors;
