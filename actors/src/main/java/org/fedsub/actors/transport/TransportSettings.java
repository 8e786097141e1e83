package org.fedsub.actors.transport;

import static org.fedsub.runtime.config.Settings.durationAt;
import static org.fedsub.runtime.config.Settings.intAt;
import static org.fedsub.runtime.config.Settings.path;
import static org.fedsub.runtime.config.Settings.positive;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import java.time.Duration;
import org.fedsub.runtime.config.ConfigError;
import org.fedsub.runtime.config.Settings;

/**
 * Settings of the chunked transport ({@code fedsub.transport}; defaults and meanings in this
 * module's {@code reference.conf}).
 *
 * @param chunkSize       bytes of message per chunk; a chunk plus its header must fit Artery's
 *                        {@code maximum-large-frame-size}
 * @param window          chunks a sender has in flight before it waits for acknowledgements (>= 1)
 * @param maxMessageSize  largest message a node accepts, in bytes (a reassembly buffer is this big at most)
 * @param maxBuffered     bytes a node holds in all reassembly buffers together; a transfer that would
 *                        exceed it is refused
 * @param ackTimeout      how long a sender waits for an acknowledgement before it drops the transfer
 */
public record TransportSettings(int chunkSize, int window, int maxMessageSize, long maxBuffered, Duration ackTimeout) {

    public static final String PATH = "fedsub.transport";

    /** Bytes of a chunk's header on the wire at most, on top of its data (refs, manifest, fields). */
    public static final int HEADER_BYTES = 4 * 1024;

    public TransportSettings {
        if (chunkSize < 1024) {
            throw new ConfigError(path(PATH, "chunk-size"), chunkSize, "expected a size >= 1 KiB, e.g. 1 MiB");
        }
        Settings.atLeast(path(PATH, "window"), window, 1);
        if (maxMessageSize < 1) {
            throw new ConfigError(path(PATH, "max-message-size"), maxMessageSize, "expected a size > 0, e.g. 512 MiB");
        }
        if (maxBuffered < maxMessageSize) {
            throw new ConfigError(path(PATH, "max-buffered"), maxBuffered,
                    "expected a size >= max-message-size (" + maxMessageSize + " bytes)");
        }
        positive(path(PATH, "ack-timeout"), ackTimeout);
    }

    /** Reads {@code fedsub.transport} of {@code root}. */
    public static TransportSettings fromConfig(Config root) {
        Config c = Settings.subtree(root, PATH, "the actors module's reference.conf");
        return new TransportSettings(bytes(c, "chunk-size", Integer.MAX_VALUE), intAt(c, PATH, "window"),
                bytes(c, "max-message-size", Integer.MAX_VALUE - 8), bytesLong(c, "max-buffered"),
                durationAt(c, PATH, "ack-timeout"));
    }

    private static int bytes(Config c, String key, long max) {
        long v = bytesLong(c, key);
        if (v > max) {
            throw new ConfigError(path(PATH, key), v, "expected at most " + max + " bytes (one Java array)");
        }
        return (int) v;
    }

    private static long bytesLong(Config c, String key) {
        try {
            return c.getBytes(key);
        } catch (ConfigException e) {
            throw new ConfigError(path(PATH, key), "expected a size in bytes such as 1 MiB or 512 MiB", e);
        }
    }
}
