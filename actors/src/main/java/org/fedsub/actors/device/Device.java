package org.fedsub.actors.device;

import java.util.Locale;
import java.util.Objects;

/**
 * One compute device of {@code fedsub.actors.devices}.
 *
 * @param kind    CPU (a pool of threads on this machine's cores) or CUDA (a GPU)
 * @param index   the GPU's index for CUDA; for CPU devices their number among the CPU devices of
 *                the list, from 0 (several simulate several devices on one machine)
 * @param threads threads of the device's dispatcher (>= 1), or 0 for
 *                {@code fedsub.actors.compute-pool-size}
 */
public record Device(Kind kind, int index, int threads) {

    /** The kinds of device. */
    public enum Kind {
        /** This machine's cores, through ND4J's CPU backend. */
        CPU,
        /** A GPU, through ND4J's CUDA backend (the Maven profile {@code cuda}). */
        CUDA;

        /** The name used in configuration. */
        public String configName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public Device {
        Objects.requireNonNull(kind, "kind");
        if (index < 0) {
            throw new IllegalArgumentException("device index must be >= 0, got " + index);
        }
        if (threads < 0) {
            throw new IllegalArgumentException("device threads must be >= 0 (0: compute-pool-size), got " + threads);
        }
    }

    /** CPU device {@code index} with {@code compute-pool-size} threads. */
    public static Device cpu(int index) {
        return new Device(Kind.CPU, index, 0);
    }

    /** GPU {@code index} with {@code compute-pool-size} threads. */
    public static Device cuda(int index) {
        return new Device(Kind.CUDA, index, 0);
    }

    /** This device with {@code n} threads. */
    public Device withThreads(int n) {
        return new Device(kind, index, n);
    }

    /** {@code cpu0}, {@code cuda1}: how logs, thread names and messages call it. */
    public String label() {
        return kind.configName() + index;
    }
}
