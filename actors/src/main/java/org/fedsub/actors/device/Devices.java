package org.fedsub.actors.device;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import org.fedsub.runtime.config.ConfigError;
import org.fedsub.runtime.config.Settings;
import org.fedsub.runtime.device.TensorBackend;

/**
 * The compute devices of the actor runtime and how clients are placed on them
 * ({@code fedsub.actors.devices} and {@code fedsub.actors.placement}; defaults and meanings in
 * the actors module's {@code reference.conf}).
 *
 * @param list   the devices, at least one; the first also runs the server's work
 * @param policy how each client is given a device
 * @param pinned {@link PlacementPolicy#PINNED} only: client id to position in {@code list}
 */
public record Devices(List<Device> list, PlacementPolicy policy, Map<Integer, Integer> pinned) {

    public static final String PATH = "fedsub.actors.devices";
    public static final String PLACEMENT = "fedsub.actors.placement";

    private static final Set<String> KEYS = Set.of("kind", "index", "threads");

    public Devices {
        list = List.copyOf(list);
        Objects.requireNonNull(policy, "policy");
        pinned = Map.copyOf(pinned);
        if (list.isEmpty()) {
            throw new ConfigError(PATH, list, "expected at least one device, e.g. [ { kind = cpu } ]");
        }
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < list.size(); i++) {
            Device d = list.get(i);
            if (!seen.add(d.label())) {
                throw new ConfigError(at(i, "index"), d.index(), "expected each device once; " + d.label()
                        + " is listed twice");
            }
        }
        for (Map.Entry<Integer, Integer> e : pinned.entrySet()) {
            int client = e.getKey();
            int device = e.getValue();
            if (client < 0) {
                throw new ConfigError(Settings.path(PLACEMENT, "pinned." + client), device,
                        "expected client ids >= 0 as keys");
            }
            if (device < 0 || device >= list.size()) {
                throw new ConfigError(Settings.path(PLACEMENT, "pinned." + client), device,
                        "expected a device position from 0 to " + (list.size() - 1) + " in fedsub.actors.devices");
            }
        }
        checkBackend(list);
    }

    /** One CPU device with {@code compute-pool-size} threads, clients placed round-robin. */
    public static Devices oneCpu() {
        return new Devices(List.of(Device.cpu(0)), PlacementPolicy.ROUND_ROBIN, Map.of());
    }

    /** {@code n} simulated CPU devices with {@code compute-pool-size} threads each, placed by {@code policy}. */
    public static Devices cpus(int n, PlacementPolicy policy) {
        List<Device> l = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            l.add(Device.cpu(i));
        }
        return new Devices(l, policy, Map.of());
    }

    /** Reads {@code fedsub.actors.devices} and {@code fedsub.actors.placement} from a resolved root config. */
    public static Devices fromConfig(Config root) {
        ConfigList items;
        try {
            items = root.getList(PATH);
        } catch (ConfigException e) {
            throw new ConfigError(PATH, e.getMessage(), e);
        }
        List<Device> list = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            list.add(device(items.get(i), i, (int) list.stream().filter(d -> d.kind() == Device.Kind.CPU).count()));
        }
        Config placement = Settings.subtree(root, PLACEMENT, "fedsub-actors' reference.conf");
        String policy = Settings.oneOf(placement, PLACEMENT, "policy", PlacementPolicy.configNames());
        Map<Integer, Integer> pinned = new TreeMap<>();
        Config p = Settings.subtree(root, Settings.path(PLACEMENT, "pinned"), "fedsub-actors' reference.conf");
        for (String client : p.root().keySet()) {
            String key = Settings.path(PLACEMENT, "pinned." + client);
            int id;
            try {
                id = Integer.parseInt(client);
            } catch (NumberFormatException e) {
                throw new ConfigError(key, p.root().get(client).unwrapped(), "expected a client id (an integer >= 0) as key");
            }
            if (!(p.root().get(client).unwrapped() instanceof Integer device)) {
                throw new ConfigError(key, p.root().get(client).unwrapped(),
                        "expected a device position (an integer from 0) in fedsub.actors.devices");
            }
            pinned.put(id, device);
        }
        if (!pinned.isEmpty() && !policy.equals(PlacementPolicy.PINNED.configName())) {
            throw new ConfigError(Settings.path(PLACEMENT, "pinned"), pinned.toString(),
                    "is read only with policy = pinned (policy is \"" + policy + "\")");
        }
        return new Devices(list, PlacementPolicy.valueOf(policy.toUpperCase(java.util.Locale.ROOT).replace('-', '_')),
                pinned);
    }

    /** These devices with every {@code threads = 0} replaced by {@code computePoolSize}. */
    public Devices resolve(int computePoolSize) {
        if (computePoolSize < 1) {
            throw new IllegalArgumentException("compute-pool-size must be >= 1, got " + computePoolSize);
        }
        return new Devices(list.stream().map(d -> d.threads() == 0 ? d.withThreads(computePoolSize) : d).toList(),
                policy, pinned);
    }

    private static Device device(ConfigValue item, int i, int cpusBefore) {
        if (item.valueType() != ConfigValueType.OBJECT) {
            throw new ConfigError(PATH + "[" + i + "]", item.unwrapped(),
                    "expected a device object, e.g. { kind = cpu } or { kind = cuda, index = 0 }");
        }
        ConfigObject o = (ConfigObject) item;
        for (String k : o.keySet()) {
            if (!KEYS.contains(k)) {
                throw new ConfigError(at(i, k), o.get(k).unwrapped(), "unknown key; a device has " + KEYS);
            }
        }
        Config c = o.toConfig();
        String prefix = PATH + "[" + i + "]";
        if (!c.hasPath("kind")) {
            throw new ConfigError(at(i, "kind"), "missing", "expected cpu or cuda");
        }
        String kind = Settings.oneOf(c, prefix, "kind", List.of("cpu", "cuda"));
        int threads = 0;
        if (c.hasPath("threads")) {
            threads = Settings.intAt(c, prefix, "threads");
            if (threads < 1) {
                throw new ConfigError(at(i, "threads"), threads,
                        "expected an integer >= 1 (leave it out for fedsub.actors.compute-pool-size)");
            }
        }
        if (kind.equals("cpu")) {
            if (c.hasPath("index")) {
                throw new ConfigError(at(i, "index"), o.get("index").unwrapped(),
                        "only cuda devices take an index; cpu devices are numbered in the order listed");
            }
            return new Device(Device.Kind.CPU, cpusBefore, threads);
        }
        if (!c.hasPath("index")) {
            throw new ConfigError(at(i, "index"), "missing", "expected the GPU's index (an integer >= 0)");
        }
        int index = Settings.intAt(c, prefix, "index");
        if (index < 0) {
            throw new ConfigError(at(i, "index"), index, "expected the GPU's index (an integer >= 0)");
        }
        return new Device(Device.Kind.CUDA, index, threads);
    }

    /** A CUDA device needs a build with the CUDA backend and a GPU of its index. */
    private static void checkBackend(List<Device> list) {
        for (int i = 0; i < list.size(); i++) {
            Device d = list.get(i);
            if (d.kind() != Device.Kind.CUDA) {
                continue;
            }
            if (!TensorBackend.isCuda()) {
                throw new ConfigError(at(i, "index"), d.index(), "this build has ND4J's CPU backend, with no GPU; "
                        + "build with the Maven profile cuda (mvn -P cuda) or use { kind = cpu }");
            }
            int gpus = TensorBackend.cudaDevices();
            if (d.index() >= gpus) {
                throw new ConfigError(at(i, "index"), d.index(), "expected a GPU index from 0 to " + (gpus - 1)
                        + " (ND4J sees " + gpus + " GPUs)");
            }
        }
    }

    private static String at(int i, String key) {
        return PATH + "[" + i + "]." + key;
    }
}
