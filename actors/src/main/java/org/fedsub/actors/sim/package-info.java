/**
 * Federated runs simulated in one JVM: {@link org.fedsub.actors.sim.ActorSimulation} creates an
 * actor system with one client actor per client and the federated server, runs an
 * {@link org.fedsub.runtime.engine.Experiment} to the end and returns the same
 * {@link org.fedsub.runtime.engine.RunResult} as the reference engine.
 */
package org.fedsub.actors.sim;
