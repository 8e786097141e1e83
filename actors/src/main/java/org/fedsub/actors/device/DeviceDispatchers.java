package org.fedsub.actors.device;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.dispatch.DispatcherConfigurator;
import org.fedsub.actors.ActorSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Pekko dispatcher per device, registered in an actor system the first time a placement
 * needs it, and one {@link ComputePlacement} per distinct device setting: the actors of a run
 * (and of every run in the same system with the same setting) share its live-client counts.
 *
 * <p>A device's dispatcher is {@code fedsub.compute-dispatcher} (type, throughput) with the
 * device's threads, run by a {@link DeviceExecutorConfigurator}, so its threads are bound to the
 * device; its id, {@link #dispatcherId}, names the device and its threads.
 */
public final class DeviceDispatchers implements Extension {

    private static final Logger log = LoggerFactory.getLogger(DeviceDispatchers.class);

    private static final ExtensionId<DeviceDispatchers> ID = new ExtensionId<>() {
        @Override
        public DeviceDispatchers createExtension(ActorSystem<?> system) {
            return new DeviceDispatchers(system);
        }
    };

    private final ActorSystem<?> system;
    private final Map<Devices, ComputePlacement> placements = new ConcurrentHashMap<>();
    private final Map<String, Executor> executors = new ConcurrentHashMap<>();
    private volatile ComputePlacement systemPlacement;

    private DeviceDispatchers(ActorSystem<?> system) {
        this.system = system;
    }

    /** The device dispatchers of {@code system}. */
    public static DeviceDispatchers get(ActorSystem<?> system) {
        return ID.apply(system);
    }

    /** The placement of the actor system's own {@code fedsub.actors} settings (read once). */
    public ComputePlacement systemPlacement() {
        ComputePlacement p = systemPlacement;
        if (p == null) {
            p = placement(ActorSettings.fromConfig(system.settings().config()));
            systemPlacement = p;
        }
        return p;
    }

    /** The placement of {@code settings}' devices, their threads defaulting to its compute pool size. */
    public ComputePlacement placement(ActorSettings settings) {
        return placement(settings.devices().resolve(settings.computePoolSize()));
    }

    /** The placement of {@code devices}, whose threads are all given ({@link Devices#resolve}). */
    public ComputePlacement placement(Devices devices) {
        if (devices.list().stream().anyMatch(d -> d.threads() < 1)) {
            throw new IllegalArgumentException("resolve the devices' threads first: " + devices.list());
        }
        return placements.computeIfAbsent(devices, d -> {
            log.debug("compute devices {}, placement {}", d.list(), d.policy().configName());
            return new Placement(new Placements(d), d);
        });
    }

    /**
     * Spawn options that run an actor on the dispatcher of the server's device of
     * {@code settings}, where the server's tensor work (tasks, aggregation, evaluation) runs:
     * a coordinator spawned so, and the round actors it spawns with
     * {@link org.apache.pekko.actor.typed.DispatcherSelector#sameAsParent()}, then share that
     * dispatcher's threads with their work and with the clients placed on the same device
     * instead of handing every task, update and acknowledgement between the default
     * dispatcher's threads and the device's. With one compute thread a whole simulated round
     * runs on it (benchmarks/SCALE.md).
     */
    public org.apache.pekko.actor.typed.Props onServerDevice(ActorSettings settings) {
        ComputePlacement p = placement(settings);
        return onDevice(p, p.server());
    }

    /**
     * Spawn options that run client {@code clientId}'s actor on the dispatcher of the device
     * {@code settings}' placement puts it on (see {@code ClientActor.onItsDevice}).
     */
    public org.apache.pekko.actor.typed.Props onClientDevice(ActorSettings settings, int clientId) {
        ComputePlacement p = placement(settings);
        // Such a client works in its handler, so what arrives meanwhile waits in its mailbox: bounded.
        return onDevice(p, p.place(clientId)).withMailboxFromConfig(CLIENT_MAILBOX);
    }

    /**
     * Spawn options that run an actor on the dispatcher of {@code device}, one of
     * {@code settings}' devices: a {@code ClientHost} of the clients placed there.
     */
    public org.apache.pekko.actor.typed.Props onDevice(ActorSettings settings, Device device) {
        return onDevice(placement(settings), device);
    }

    /**
     * The mailbox of a client on its device's dispatcher: non-blocking and bounded; a message
     * past its capacity (a runaway sender; a client is sent one task and one acknowledgement a
     * round) goes to dead letters.
     */
    public static final String CLIENT_MAILBOX = "fedsub.client-mailbox";

    private static org.apache.pekko.actor.typed.Props onDevice(ComputePlacement placement, Device device) {
        placement.executor(device); // registers the device's dispatcher
        return DispatcherSelector.fromConfig(dispatcherId(device));
    }

    /** The dispatcher id of a device with its threads given: {@code fedsub-device-cpu1-t2}. */
    public static String dispatcherId(Device device) {
        return "fedsub-device-" + device.label() + "-t" + device.threads();
    }

    private Executor executor(Device device) {
        return executors.computeIfAbsent(dispatcherId(device), id -> {
            var classic = Adapter.toClassic(system).dispatchers();
            Config sys = system.settings().config();
            Config c = ConfigFactory.parseMap(Map.of(
                            "id", id,
                            "executor", DeviceExecutorConfigurator.class.getName(),
                            "thread-pool-executor.fixed-pool-size", device.threads(),
                            "fedsub-device.kind", device.kind().configName(),
                            "fedsub-device.index", device.index()))
                    .withFallback(sys.getConfig(ActorSettings.COMPUTE_DISPATCHER))
                    .withFallback(sys.getConfig("pekko.actor.default-dispatcher"));
            classic.registerConfigurator(id, new DispatcherConfigurator(c, classic.prerequisites()));
            return system.dispatchers().lookup(DispatcherSelector.fromConfig(id));
        });
    }

    private final class Placement implements ComputePlacement {
        private final Placements placements;
        private final Devices devices;

        Placement(Placements placements, Devices devices) {
            this.placements = placements;
            this.devices = devices;
        }

        @Override
        public Device place(int clientId) {
            return placements.place(clientId);
        }

        @Override
        public void release(int clientId) {
            placements.release(clientId);
        }

        @Override
        public Device server() {
            return devices.list().get(0);
        }

        @Override
        public Executor executor(Device device) {
            if (!devices.list().contains(device)) {
                throw new IllegalArgumentException(device + " is not one of " + devices.list());
            }
            return DeviceDispatchers.this.executor(device);
        }
    }
}
