/**
 * Which tensor backend this build carries (ND4J's CPU or CUDA backend, chosen by Maven profile)
 * and binding a thread to one of its devices: the only ND4J calls the actor runtime's device
 * dispatchers need, kept here so that no actor imports ND4J.
 */
package org.fedsub.runtime.device;
