package org.fedsub.actors.device;

import com.typesafe.config.Config;
import java.util.concurrent.ThreadFactory;
import org.apache.pekko.dispatch.DispatcherPrerequisites;
import org.apache.pekko.dispatch.ExecutorServiceConfigurator;
import org.apache.pekko.dispatch.ExecutorServiceFactory;
import org.apache.pekko.dispatch.MonitorableThreadFactory;
import org.apache.pekko.dispatch.ThreadPoolExecutorConfigurator;
import org.fedsub.runtime.device.TensorBackend;

/**
 * The executor of a device's dispatcher ({@code executor = "org.fedsub.actors.device.DeviceExecutorConfigurator"}):
 * Pekko's thread pool, configured by the dispatcher's {@code thread-pool-executor} section,
 * whose threads bind themselves to the device in {@code fedsub-device} ({@code kind},
 * {@code index}) when they start, before they run any task. Binding a CPU device does nothing:
 * its threads are told apart by their names ({@code <system>-<dispatcher id>-<n>}).
 */
public final class DeviceExecutorConfigurator extends ExecutorServiceConfigurator {

    private final ThreadPoolExecutorConfigurator pool;
    private final Device.Kind kind;
    private final int index;

    public DeviceExecutorConfigurator(Config config, DispatcherPrerequisites prerequisites) {
        super(config, prerequisites);
        this.pool = new ThreadPoolExecutorConfigurator(config.getConfig("thread-pool-executor"), prerequisites);
        this.kind = Device.Kind.valueOf(config.getString("fedsub-device.kind").toUpperCase(java.util.Locale.ROOT));
        this.index = config.getInt("fedsub-device.index");
    }

    @Override
    public ExecutorServiceFactory createExecutorServiceFactory(String id, ThreadFactory threadFactory) {
        // Pekko's pool names its threads after the dispatcher only when it gets its own factory;
        // wrapping it, the name is given here.
        ThreadFactory named = threadFactory instanceof MonitorableThreadFactory m ? m.withName(m.name() + "-" + id)
                : threadFactory;
        ThreadFactory bound = task -> named.newThread(() -> {
            if (kind == Device.Kind.CUDA) {
                TensorBackend.bindCurrentThread(index);
            }
            task.run();
        });
        return pool.createExecutorServiceFactory(id, bound);
    }
}
