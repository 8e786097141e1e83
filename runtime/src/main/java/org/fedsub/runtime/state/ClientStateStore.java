package org.fedsub.runtime.state;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.zip.CRC32;
import org.fedsub.runtime.strategy.ClientAlgorithm;

/**
 * The dormant state of many clients, as the bytes of {@link ClientAlgorithm#exportState}: in
 * memory up to {@link StateSettings#memoryBudget()} bytes, the least recently stored past it in
 * one spill file per client, in a directory of its own that {@link #close} deletes.
 *
 * <p>A client {@linkplain #checkOut checks its state out} to train or fold in an
 * acknowledgement and {@linkplain #checkIn checks it back in} afterwards; in between it is live
 * and the store holds nothing of it. So the number of live states is bounded by whoever calls
 * (the compute pool), never by the number of clients, and {@link Stats#peakLive()} shows it.
 *
 * <p>Spill file layout (little-endian): magic "FSCS", client id, state length, CRC-32 of the
 * state, the state. A file that is missing, truncated, of another client or failing its checksum
 * is a {@link StateStoreException} naming it.
 *
 * <p>Thread-safe. File I/O happens under the store's lock: simple, and cheap next to training
 * as long as the budget keeps most states in memory.
 */
public final class ClientStateStore implements AutoCloseable {

    private static final int MAGIC = 0x46534353; // "FSCS"
    private static final int HEADER = 16;

    /**
     * What the store holds now.
     *
     * @param inMemory     clients whose state is in memory
     * @param memoryBytes  bytes of those states
     * @param spilled      clients whose state is in a spill file
     * @param spilledBytes bytes of those states (without file headers)
     * @param live         clients whose state is checked out now
     * @param peakLive     the most clients ever checked out at once
     * @param spillWrites  spill files written so far
     * @param spillReads   spill files read back so far
     */
    public record Stats(int inMemory, long memoryBytes, int spilled, long spilledBytes, int live, int peakLive,
            long spillWrites, long spillReads) {

        /** Clients with dormant state. */
        public int dormant() {
            return inMemory + spilled;
        }
    }

    private final StateSettings settings;
    /** In insertion order, which is least recently checked in first: checkOut removes. */
    private final LinkedHashMap<Integer, byte[]> memory = new LinkedHashMap<>();
    private final Map<Integer, Integer> spilled = new HashMap<>();
    private final Set<Integer> live = new HashSet<>();
    private long memoryBytes;
    private long spilledBytes;
    private int peakLive;
    private long spillWrites;
    private long spillReads;
    private Path dir;
    private boolean closed;

    private ClientStateStore(StateSettings settings) {
        this.settings = settings;
    }

    /** A store under {@code settings}; its spill directory is made on the first spill. */
    public static ClientStateStore open(StateSettings settings) {
        return new ClientStateStore(settings);
    }

    /**
     * The dormant state of {@code clientId} ({@link ClientAlgorithm#NO_STATE} if it has none),
     * which is live from now until {@link #checkIn}.
     *
     * @throws IllegalStateException if the client's state is checked out already
     * @throws StateStoreException   if its spill file cannot be read back intact (the file is kept
     *                               and the state stays dormant)
     */
    public synchronized byte[] checkOut(int clientId) {
        ensureOpen();
        if (live.contains(clientId)) {
            throw new IllegalStateException("the state of client " + clientId
                    + " is checked out already: a client must not run two tasks at once");
        }
        byte[] state = memory.remove(clientId);
        if (state != null) {
            memoryBytes -= state.length;
        } else if (spilled.containsKey(clientId)) {
            Path file = spillFile(clientId);
            state = read(clientId, file);
            spillReads++;
            delete(file);
            spilledBytes -= spilled.remove(clientId);
        } else {
            state = ClientAlgorithm.NO_STATE;
        }
        live.add(clientId);
        peakLive = Math.max(peakLive, live.size());
        return state;
    }

    /**
     * Makes {@code state} the dormant state of {@code clientId}, which must have checked it out;
     * spills the least recently stored states while the memory budget is exceeded.
     *
     * @throws StateStoreException if a spill file cannot be written (the state stays in memory)
     */
    public synchronized void checkIn(int clientId, byte[] state) {
        ensureOpen();
        if (!live.remove(clientId)) {
            throw new IllegalStateException("client " + clientId + " checks in a state it never checked out");
        }
        if (state.length > 0) {
            memory.put(clientId, state);
            memoryBytes += state.length;
        }
        while (memoryBytes > settings.memoryBudget()) {
            Iterator<Map.Entry<Integer, byte[]>> eldest = memory.entrySet().iterator();
            Map.Entry<Integer, byte[]> e = eldest.next();
            write(e.getKey(), e.getValue());
            eldest.remove();
            memoryBytes -= e.getValue().length;
            spilled.put(e.getKey(), e.getValue().length);
            spilledBytes += e.getValue().length;
            spillWrites++;
        }
    }

    public synchronized Stats stats() {
        return new Stats(memory.size(), memoryBytes, spilled.size(), spilledBytes, live.size(), peakLive, spillWrites,
                spillReads);
    }

    /** The spill directory, or {@code null} before the first spill. */
    public synchronized Path spillDirectory() {
        return dir;
    }

    /** The file that holds (or would hold) the spilled state of {@code clientId}. */
    public synchronized Path spillFile(int clientId) {
        return dir == null ? null : dir.resolve("client-" + clientId + ".state");
    }

    /** Deletes the spill directory and forgets every state. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        memory.clear();
        if (dir != null) {
            for (int id : spilled.keySet()) {
                delete(spillFile(id));
            }
            delete(dir);
        }
        spilled.clear();
    }

    private void write(int clientId, byte[] state) {
        Path file = directory().resolve("client-" + clientId + ".state");
        CRC32 crc = new CRC32();
        crc.update(state);
        ByteBuffer header = ByteBuffer.allocate(HEADER).order(ByteOrder.LITTLE_ENDIAN)
                .putInt(MAGIC).putInt(clientId).putInt(state.length).putInt((int) crc.getValue());
        byte[] bytes = new byte[HEADER + state.length];
        System.arraycopy(header.array(), 0, bytes, 0, HEADER);
        System.arraycopy(state, 0, bytes, HEADER, state.length);
        try {
            Files.write(file, bytes);
        } catch (IOException e) {
            throw new StateStoreException(file, "cannot spill the state of client " + clientId + " to " + file + ": "
                    + e, e);
        }
    }

    private static byte[] read(int clientId, Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new StateStoreException(file, "the spilled state of client " + clientId + " is missing: " + file
                    + " no longer exists (was the spill directory cleaned while the run was going?)", e);
        } catch (IOException e) {
            throw new StateStoreException(file, "cannot read the spilled state of client " + clientId + " from "
                    + file + ": " + e, e);
        }
        String bad = null;
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (bytes.length < HEADER) {
            bad = "truncated: " + bytes.length + " bytes, shorter than its " + HEADER + "-byte header";
        } else if (b.getInt() != MAGIC) {
            bad = "not a fedsub client state file (bad magic number)";
        } else {
            int owner = b.getInt();
            int length = b.getInt();
            int checksum = b.getInt();
            if (owner != clientId) {
                bad = "holds the state of client " + owner;
            } else if (length != bytes.length - HEADER) {
                bad = "truncated or padded: the header says " + length + " bytes of state, the file has "
                        + (bytes.length - HEADER);
            } else {
                CRC32 crc = new CRC32();
                crc.update(bytes, HEADER, length);
                if ((int) crc.getValue() != checksum) {
                    bad = "corrupt: its CRC-32 does not match its content";
                }
            }
        }
        if (bad != null) {
            throw new StateStoreException(file, "the spilled state of client " + clientId + " in " + file + " is "
                    + bad, null);
        }
        byte[] state = new byte[bytes.length - HEADER];
        System.arraycopy(bytes, HEADER, state, 0, state.length);
        return state;
    }

    private Path directory() {
        if (dir == null) {
            Path parent = settings.spillDir().orElse(Path.of(System.getProperty("java.io.tmpdir")));
            try {
                Files.createDirectories(parent);
                dir = Files.createTempDirectory(parent, "fedsub-state-");
            } catch (IOException e) {
                throw new StateStoreException(parent, "cannot make a spill directory under " + parent + " ("
                        + StateSettings.PATH + ".spill-dir): " + e, e);
            }
        }
        return dir;
    }

    private static void delete(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new StateStoreException(file, "cannot delete spill file " + file + ": " + e, e);
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("the client state store is closed");
        }
    }
}
