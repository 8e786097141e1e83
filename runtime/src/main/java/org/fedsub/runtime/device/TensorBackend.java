package org.fedsub.runtime.device;

import org.nd4j.linalg.factory.Nd4j;

/**
 * The ND4J backend of this build, as far as placing work on devices is concerned. The default
 * build carries the CPU backend ({@code nd4j-native}); the Maven profile {@code cuda} swaps in
 * {@code nd4j-cuda-11.6}, whose GPUs are numbered from 0.
 */
public final class TensorBackend {

    private TensorBackend() {}

    /** True when the loaded backend runs on GPUs (the {@code cuda} profile's build). */
    public static boolean isCuda() {
        return !Nd4j.getEnvironment().isCPU();
    }

    /** The GPUs the backend sees: 0 on the CPU backend. */
    public static int cudaDevices() {
        return isCuda() ? Nd4j.getAffinityManager().getNumberOfDevices() : 0;
    }

    /**
     * Binds the calling thread to GPU {@code index}: every ND4J operation it runs afterwards is
     * placed there. ND4J 1.0.0-M2.1's {@code AffinityManager} has no {@code attachThreadToDevice};
     * {@code unsafeSetDevice} sets the calling thread's device (a no-op on the CPU backend), so
     * it must run on the thread being bound, before its first tensor operation.
     */
    public static void bindCurrentThread(int index) {
        Nd4j.getAffinityManager().unsafeSetDevice(index);
    }

    /** The GPU the calling thread is bound to (0 on the CPU backend, which has one device). */
    public static int currentDevice() {
        return Nd4j.getAffinityManager().getDeviceForCurrentThread();
    }
}
