package org.fedsub.actors.cluster;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.fedsub.actors.transport.ClusterTransport;
import org.fedsub.runtime.config.ConfigError;
import org.fedsub.runtime.config.Settings;

/**
 * The deployment settings of a cluster node, {@value #PATH} (actors' reference.conf documents
 * each key), and the Pekko configuration they make: the node's address, the server's address
 * as the seed node, the split brain resolver, the large-message channel, the node's role.
 *
 * @param serverHost         the server node's host name or address, as the client nodes reach it
 * @param serverPort         the server node's port: it binds there, the clients join through it
 * @param clientHost         a client node's own host name or address
 * @param clientPort         a client node's own port, 0 for any free one
 * @param minClients         registered clients a round needs before it starts (0: all)
 * @param minClientsTimeout  how long a round waits for them before the run fails
 * @param joinTimeout        how long a node tries to join the seed node before it gives up
 * @param stableAfter        the split brain resolver's stable-after
 * @param largeFrame         Artery's maximum-large-frame-size, in bytes
 * @param nodeName           a client node's name in its registration ("" = its address)
 * @param credential         a client node's credential
 * @param open               the server accepts any node's registration, without credentials
 * @param nodes              the server's map of node name to what that node may host
 * @param stateDir           a client node's folder of saved client states, or null for none
 * @param serverLostTimeout  how long a client node that lost the server waits for it to come
 *                           back (rejoining) before it gives up; zero: it exits at once
 */
public record ClusterSettings(String serverHost, int serverPort, String clientHost, int clientPort, int minClients,
        Duration minClientsTimeout, Duration joinTimeout, Duration stableAfter, long largeFrame, String nodeName,
        String credential, boolean open, Map<String, NodeGrant> nodes, java.nio.file.Path stateDir,
        Duration serverLostTimeout) {

    /** The settings' place in the config. */
    public static final String PATH = "fedsub.cluster";

    /** The name of every node's actor system: nodes join only systems of the same name. */
    public static final String SYSTEM = "fedsub";

    /** Cluster roles, which the split brain resolver and the logs use. */
    public static final String SERVER_ROLE = "fedsub-server";
    public static final String CLIENT_ROLE = "fedsub-client";

    /** What one node may do: its credential and the client ids it may host. */
    public record NodeGrant(String credential, List<Integer> clients) {

        public NodeGrant {
            clients = List.copyOf(clients);
        }
    }

    public ClusterSettings {
        nodes = java.util.Collections.unmodifiableMap(new TreeMap<>(nodes));
    }

    /** Reads {@value #PATH} of {@code root}. @throws ConfigError naming the key of a bad value */
    public static ClusterSettings fromConfig(Config root) {
        Config c = Settings.subtree(root, PATH, "the cluster settings");
        String serverHost = host(c, "server.hostname");
        int serverPort = port(c, "server.port", false);
        String clientHost = host(c, "client.hostname");
        int clientPort = port(c, "client.port", true);
        int minClients = Settings.atLeast(Settings.path(PATH, "min-clients"), Settings.intAt(c, PATH, "min-clients"), 0);
        Duration minClientsTimeout = Settings.positive(Settings.path(PATH, "min-clients-timeout"),
                Settings.durationAt(c, PATH, "min-clients-timeout"));
        Duration joinTimeout = Settings.positive(Settings.path(PATH, "join-timeout"),
                Settings.durationAt(c, PATH, "join-timeout"));
        Duration stableAfter = Settings.positive(Settings.path(PATH, "stable-after"),
                Settings.durationAt(c, PATH, "stable-after"));
        long largeFrame;
        try {
            largeFrame = c.getBytes("max-message-size");
        } catch (com.typesafe.config.ConfigException e) {
            throw new ConfigError(Settings.path(PATH, "max-message-size"), c.getValue("max-message-size").unwrapped(),
                    "expected a size such as 8 MiB");
        }
        if (largeFrame < 32 * 1024 || largeFrame > Integer.MAX_VALUE) {
            throw new ConfigError(Settings.path(PATH, "max-message-size"), largeFrame,
                    "expected a size from 32 KiB to 2 GiB (Artery's large frames)");
        }
        String nodeName = Settings.stringAt(c, PATH, "node-name").trim();
        String credential = Settings.stringAt(c, PATH, "credential");
        boolean open = Settings.boolAt(c, PATH, "open");
        Map<String, NodeGrant> nodes = new TreeMap<>();
        if (c.getValue("nodes").valueType() != ConfigValueType.OBJECT) {
            throw new ConfigError(Settings.path(PATH, "nodes"), c.getValue("nodes").unwrapped(),
                    "expected an object: node-name { credential = ..., clients = [ids] }");
        }
        Config n = c.getConfig("nodes");
        for (String name : n.root().keySet()) {
            String at = Settings.path(PATH, "nodes." + name);
            if (n.getValue(name).valueType() != ConfigValueType.OBJECT) {
                throw new ConfigError(at, n.getValue(name).unwrapped(), "expected { credential = ..., clients = [ids] }");
            }
            Config g = n.getConfig(name);
            for (String key : List.of("credential", "clients")) {
                if (!g.hasPath(key)) {
                    throw new ConfigError(Settings.path(at, key), "(missing)", "every node lists its credential and "
                            + "the client ids it may host");
                }
            }
            String secret = Settings.stringAt(g, at, "credential");
            if (secret.length() < 8) {
                throw new ConfigError(Settings.path(at, "credential"), "(" + secret.length() + " characters)",
                        "expected a secret of at least 8 characters (e.g. from an environment variable: ${?NODE_SECRET})");
            }
            List<Integer> ids = Settings.intListAt(g, at, "clients");
            for (int id : ids) {
                if (id < 0) {
                    throw new ConfigError(Settings.path(at, "clients"), id, "client ids are integers >= 0");
                }
            }
            nodes.put(name, new NodeGrant(secret, ids));
        }
        String dir = Settings.stringAt(c, PATH, "state-dir").trim();
        java.nio.file.Path stateDir;
        try {
            stateDir = dir.isEmpty() ? null : java.nio.file.Path.of(dir);
        } catch (java.nio.file.InvalidPathException e) {
            throw new ConfigError(Settings.path(PATH, "state-dir"), dir, "not a valid path: " + e.getReason());
        }
        Duration serverLost = Settings.durationAt(c, PATH, "server-lost-timeout");
        if (serverLost.isNegative()) {
            throw new ConfigError(Settings.path(PATH, "server-lost-timeout"), serverLost,
                    "expected a duration >= 0, e.g. 10m (0: a client node that loses the server exits at once)");
        }
        return new ClusterSettings(serverHost, serverPort, clientHost, clientPort, minClients, minClientsTimeout,
                joinTimeout, stableAfter, largeFrame, nodeName, credential, open, nodes, stateDir, serverLost);
    }

    /** These settings with another join timeout: a client node rejoining after it lost the server. */
    public ClusterSettings withJoinTimeout(Duration timeout) {
        return new ClusterSettings(serverHost, serverPort, clientHost, clientPort, minClients, minClientsTimeout,
                timeout, stableAfter, largeFrame, nodeName, credential, open, nodes, stateDir, serverLostTimeout);
    }

    private static String host(Config c, String key) {
        String v = Settings.stringAt(c, PATH, key).trim();
        if (v.isEmpty() || v.contains(" ") || v.contains(":") && !v.startsWith("[")) {
            throw new ConfigError(Settings.path(PATH, key), v, "expected a host name or an IP address, e.g. 10.0.0.5");
        }
        return v;
    }

    private static int port(Config c, String key, boolean zeroAllowed) {
        int p = Settings.intAt(c, PATH, key);
        if (p < (zeroAllowed ? 0 : 1) || p > 65535) {
            throw new ConfigError(Settings.path(PATH, key), p, "expected a TCP port in [1, 65535]"
                    + (zeroAllowed ? ", or 0 for any free port" : ""));
        }
        return p;
    }

    /** The seed node's address, the server's: {@code pekko://fedsub@host:port}. */
    public String seedNode() {
        return "pekko://" + SYSTEM + "@" + serverHost + ":" + serverPort;
    }

    /**
     * Checks what the server needs: a credential map, or open mode on purpose.
     *
     * @throws ConfigError if no node could register, or a node may host a client id the experiment lacks
     */
    public void checkServer(int numClients) {
        if (!open && nodes.isEmpty()) {
            throw new ConfigError(Settings.path(PATH, "nodes"), "{}", "no node may register: list each client node "
                    + "as name { credential = ..., clients = [ids] }, or set " + Settings.path(PATH, "open")
                    + " = true on a trusted network (no credentials checked)");
        }
        for (Map.Entry<String, NodeGrant> e : nodes.entrySet()) {
            for (int id : e.getValue().clients()) {
                if (id >= numClients) {
                    throw new ConfigError(Settings.path(PATH, "nodes." + e.getKey() + ".clients"), id,
                            "client id out of range: the experiment has " + numClients + " clients (0 to "
                                    + (numClients - 1) + ")");
                }
            }
        }
        if (minClients > numClients) {
            throw new ConfigError(Settings.path(PATH, "min-clients"), minClients, "more than the experiment's "
                    + numClients + " clients");
        }
    }

    /** The registered clients a round needs before it starts, for an experiment of {@code numClients}. */
    public int minClients(int numClients) {
        return minClients == 0 ? numClients : minClients;
    }

    /**
     * The Pekko settings of a node ({@code server}: the coordinator, else a client node), to put
     * in front of the process's config: provider, address, seed node, role, split brain
     * resolver, large messages, logging through SLF4J. The transport (TLS) comes from
     * {@link ClusterTransport#pekkoConfig}.
     */
    public Config pekkoConfig(boolean server) {
        List<String> large = new ArrayList<>();
        for (String p : ClusterTransport.largeMessageDestinations()) {
            large.add("\"" + p + "\"");
        }
        return ConfigFactory.parseString("""
                pekko {
                  loggers = ["org.apache.pekko.event.slf4j.Slf4jLogger"]
                  logging-filter = "org.apache.pekko.event.slf4j.Slf4jLoggingFilter"
                  stdout-loglevel = "OFF"
                  log-dead-letters-during-shutdown = off
                  actor.provider = cluster
                  remote.artery {
                    canonical { hostname = "%s", port = %d }
                    large-message-destinations = [%s]
                    advanced.maximum-large-frame-size = %d
                  }
                  cluster {
                    seed-nodes = ["%s"]
                    roles = ["%s"]
                    jmx.enabled = off
                    shutdown-after-unsuccessful-join-seed-nodes = %dms
                    downing-provider-class = "org.apache.pekko.cluster.sbr.SplitBrainResolverProvider"
                    split-brain-resolver {
                      # A star: the side with the server survives, whatever its size.
                      active-strategy = keep-oldest
                      stable-after = %dms
                      keep-oldest { down-if-alone = off, role = "%s" }
                    }
                  }
                  coordinated-shutdown { exit-jvm = off, run-by-jvm-shutdown-hook = on }
                }
                """.formatted(server ? serverHost : clientHost, server ? serverPort : clientPort,
                String.join(", ", large), largeFrame, seedNode(), server ? SERVER_ROLE : CLIENT_ROLE,
                joinTimeout.toMillis(), stableAfter.toMillis(), SERVER_ROLE));
    }
}
