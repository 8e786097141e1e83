/**
 * Dormant client state: between rounds a client's private state (FedSub's duals, SCAFFOLD's
 * control variate) lives as the compact bytes of
 * {@link org.fedsub.runtime.strategy.ClientAlgorithm#exportState} in a
 * {@link org.fedsub.runtime.state.ClientStateStore}, in memory up to a budget and in spill files
 * past it, so that thousands of stateful clients cost no live tensor each. Settings under
 * {@code fedsub.state} ({@link org.fedsub.runtime.state.StateSettings}).
 */
package org.fedsub.runtime.state;
