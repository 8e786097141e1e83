/**
 * The server side: {@link org.fedsub.actors.server.FederatedServer}, the coordinator that
 * outlives rounds and owns the strategy (through the runtime's {@link org.fedsub.runtime.engine.ServerStep}, the same
 * step the reference engine loops over),
 * and {@link org.fedsub.actors.server.RoundActor}, one child per round in the shape of Pekko's
 * IoT {@code DeviceGroupQuery}: it asks every sampled client, watches each, keeps one deadline
 * timer, collects what arrives in time and hands it back. Clients that are gone, late or whose
 * training failed are failures reported to the strategy, never exceptions.
 * {@link org.fedsub.actors.server.FedBuffServer} runs the asynchronous variants (FedBuff, and
 * FedAsync as FedBuff with a buffer of one), and {@link org.fedsub.actors.server.Timing} is the
 * virtual clock's model of client durations.
 */
package org.fedsub.actors.server;
