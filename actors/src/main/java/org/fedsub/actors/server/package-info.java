/**
 * The server side: coordinators that decide who trains when, and hand every tensor-shaped step
 * to the runtime's {@link org.fedsub.runtime.engine.ServerStep} (the step the reference engine
 * loops over), so that they schedule bytes and never see a tensor.
 *
 * <ul>
 *   <li>{@link org.fedsub.actors.server.SyncServer}: synchronous rounds; one
 *       {@link org.fedsub.actors.server.SyncRound} child per round, in the shape of Pekko's IoT
 *       {@code DeviceGroupQuery}, asks every sampled client, watches each, keeps one deadline
 *       timer and hands back what arrived; {@link org.fedsub.actors.server.SyncCutoff} decides
 *       which updates made it and why the rest are late.</li>
 *   <li>{@link org.fedsub.actors.server.AsyncServer}: FedBuff, and FedAsync as FedBuff with a
 *       buffer of one; on the virtual clock its {@link org.fedsub.actors.server.ArrivalQueue}
 *       releases answers in simulated-time order.</li>
 *   <li>Both keep a {@link org.fedsub.actors.server.RoundTally} per round and end with a
 *       {@link org.fedsub.actors.server.QuiesceQuery}, so that
 *       {@link org.fedsub.actors.server.Finished} goes out only when every client is idle.</li>
 * </ul>
 *
 * <p>Clients that are gone, late or whose training failed are failures reported to the strategy,
 * never exceptions. {@link org.fedsub.actors.server.Timing} is the virtual clock's model of
 * client durations.
 */
package org.fedsub.actors.server;
