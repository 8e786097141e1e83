package org.fedsub.actors.device;

import com.typesafe.config.Config;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.dispatch.DispatcherPrerequisites;
import org.apache.pekko.dispatch.ExecutorServiceConfigurator;
import org.apache.pekko.dispatch.ExecutorServiceFactory;
import org.apache.pekko.dispatch.MonitorableThreadFactory;
import org.fedsub.runtime.device.TensorBackend;

/**
 * The executor of a device's dispatcher ({@code executor = "org.fedsub.actors.device.DeviceExecutorConfigurator"}):
 * a fork-join pool of exactly the device's threads ({@code thread-pool-executor.fixed-pool-size}),
 * taking tasks first in, first out, whose threads bind themselves to the device in
 * {@code fedsub-device} ({@code kind}, {@code index}) when they start, before they run any task.
 * Binding a CPU device does nothing: its threads are told apart by their names
 * ({@code <system>-<dispatcher id>-<n>}).
 *
 * <p>A fork-join pool rather than a thread pool with one shared queue: a task that a device's
 * thread submits (an actor's message to another actor on the device, its work handed to the
 * device, the work's result back) goes to that thread's own queue without a lock, and idle
 * threads steal from it; with two threads the actor runtime ran 4-8% more updates a second so
 * (benchmarks/SCALE.md). The pool never adds threads beyond the device's, even while one
 * blocks.
 */
public final class DeviceExecutorConfigurator extends ExecutorServiceConfigurator {

    private final int threads;
    private final Device.Kind kind;
    private final int index;

    public DeviceExecutorConfigurator(Config config, DispatcherPrerequisites prerequisites) {
        super(config, prerequisites);
        this.threads = config.getInt("thread-pool-executor.fixed-pool-size");
        this.kind = Device.Kind.valueOf(config.getString("fedsub-device.kind").toUpperCase(java.util.Locale.ROOT));
        this.index = config.getInt("fedsub-device.index");
    }

    @Override
    public ExecutorServiceFactory createExecutorServiceFactory(String id, ThreadFactory threadFactory) {
        String name = threadFactory instanceof MonitorableThreadFactory m ? m.name() + "-" + id : id;
        boolean daemon = threadFactory instanceof MonitorableThreadFactory m && m.daemonic();
        AtomicInteger counter = new AtomicInteger();
        ForkJoinPool.ForkJoinWorkerThreadFactory bound = p -> {
            ForkJoinWorkerThread t = new DeviceThread(p, kind, index);
            t.setName(name + "-" + counter.incrementAndGet());
            t.setDaemon(daemon);
            return t;
        };
        // asyncMode: first in, first out, as a dispatcher's mailboxes expect; at most the device's
        // threads, and a blocked one is not replaced (saturate instead of failing the task).
        return () -> new ForkJoinPool(threads, bound, null, true, threads, threads, 1, p -> true, 60, TimeUnit.SECONDS);
    }

    /** A pool thread that binds itself to its device before it runs any task. */
    private static final class DeviceThread extends ForkJoinWorkerThread {
        private final Device.Kind kind;
        private final int index;

        DeviceThread(ForkJoinPool pool, Device.Kind kind, int index) {
            super(pool);
            this.kind = kind;
            this.index = index;
        }

        @Override
        protected void onStart() {
            super.onStart();
            if (kind == Device.Kind.CUDA) {
                TensorBackend.bindCurrentThread(index);
            }
        }
    }
}
