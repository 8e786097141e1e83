/**
 * Client actors: {@link org.fedsub.actors.client.ClientActor} holds one client's
 * {@link org.fedsub.runtime.strategy.ClientAlgorithm} and data view (bundled, with all their
 * tensor work, in the runtime's {@link org.fedsub.runtime.engine.ClientStep}), runs training on the compute
 * dispatcher and answers with encoded updates. A client whose training throws fails with a
 * {@link org.fedsub.actors.client.ClientTrainingException}, which its supervisor answers with a
 * restart after a jittered back-off, until its restarts are spent and it stops. Between its
 * calls a client's state can sleep, as bytes, in a
 * {@link org.fedsub.runtime.state.ClientStateStore}: then only the clients the compute
 * dispatcher is running hold tensors.
 */
package org.fedsub.actors.client;
