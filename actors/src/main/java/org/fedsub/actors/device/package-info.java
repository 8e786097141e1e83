/**
 * Where tensor work runs. {@link org.fedsub.actors.device.Devices} is the configured list of
 * compute devices ({@code fedsub.actors.devices}: CPU devices, simulated as separate thread
 * pools, and CUDA GPUs) and the policy that places each client on one of them;
 * {@link org.fedsub.actors.device.ComputePlacement} is the one interface actors ask for the
 * executor of their work; {@link org.fedsub.actors.device.DeviceDispatchers} implements it with
 * one Pekko dispatcher per device, whose threads are bound to their device when they start.
 * Placement changes where a client's work runs, never what it computes.
 */
package org.fedsub.actors.device;
