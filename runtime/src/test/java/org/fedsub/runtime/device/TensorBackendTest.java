package org.fedsub.runtime.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;

/** The default build carries ND4J's CPU backend: no GPU, and binding a thread changes nothing. */
class TensorBackendTest {

    @Test
    void defaultBuild_isTheCpuBackend_withNoGpu() {
        assertFalse(TensorBackend.isCuda());
        assertEquals(0, TensorBackend.cudaDevices());
    }

    @Test
    void bindCurrentThread_onTheCpuBackend_leavesTheThreadComputingAsBefore() throws Exception {
        float[] got = new float[1];
        Thread t = new Thread(() -> {
            TensorBackend.bindCurrentThread(0);
            got[0] = Nd4j.createFromArray(1f, 2f, 3f).sumNumber().floatValue();
        });
        t.start();
        t.join();

        assertEquals(6f, got[0]);
        assertEquals(0, TensorBackend.currentDevice());
    }
}
