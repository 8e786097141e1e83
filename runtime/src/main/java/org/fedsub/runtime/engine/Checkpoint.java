package org.fedsub.runtime.engine;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.zip.CRC32;

/**
 * Everything the {@link ReferenceEngine} needs to continue a run after its round
 * {@code nextRound - 1}, bit for bit as if it had never stopped: the strategy's server state,
 * the idle-round counts, every client's private state and the metrics of the rounds run.
 * Client sampling and minibatch order are pure functions of (seed, round, client), so there is
 * no random generator state to keep.
 *
 * <p>File layout (big-endian, {@link DataOutputStream}): magic {@code FSCK}, format version,
 * the run's fingerprint (a hash of its resolved settings, compared on resume), the strategy name,
 * the next round, the server state and the idle counts (each a length and bytes), the client
 * states (count, then id, length, bytes), the rounds' metrics, (version 2) what the runtime adds
 * (a length and bytes: the actor server's acknowledgements in flight and round reports), and a
 * CRC-32 of all that as a trailing long. Version 1 files (no runtime section) still read. Written atomically: to a temporary file in the same folder, forced to disk, and
 * renamed over the previous checkpoint, so a crash leaves the old checkpoint or the new one.
 *
 * @param fingerprint  what the run's settings hash to; a resume with other settings is refused
 * @param strategy     the strategy's name
 * @param nextRound    the first round not yet run (0-based)
 * @param serverState  {@link org.fedsub.runtime.strategy.Strategy#exportServerState}'s bytes
 * @param idleState    the server step's idle-round counts
 * @param clientStates each client's exported private state, by id (clients with none are left out)
 * @param rounds       the metrics of rounds {@code 0 .. nextRound - 1}
 * @param runtime      what the runtime that wrote it adds, opaque here (empty: nothing)
 */
public record Checkpoint(String fingerprint, String strategy, int nextRound, byte[] serverState, byte[] idleState,
        SortedMap<Integer, byte[]> clientStates, List<RoundMetrics> rounds, byte[] runtime) {

    /** The checkpoint's file name in a results folder. */
    public static final String FILE_NAME = "checkpoint.bin";

    private static final int MAGIC = 0x4653434b; // "FSCK"
    private static final int VERSION = 2;

    /** A checkpoint with no runtime section (the reference engine's). */
    public Checkpoint(String fingerprint, String strategy, int nextRound, byte[] serverState, byte[] idleState,
            SortedMap<Integer, byte[]> clientStates, List<RoundMetrics> rounds) {
        this(fingerprint, strategy, nextRound, serverState, idleState, clientStates, rounds, new byte[0]);
    }

    public Checkpoint {
        runtime = runtime == null ? new byte[0] : runtime;
        clientStates = Collections.unmodifiableSortedMap(new TreeMap<>(clientStates));
        rounds = List.copyOf(rounds);
        if (rounds.size() != nextRound) {
            throw new IllegalArgumentException("a checkpoint before round " + nextRound + " holds " + rounds.size()
                    + " rounds of metrics");
        }
    }

    /** A checkpoint that cannot be read: its file and what is wrong with it. */
    public static final class CorruptCheckpointException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        CorruptCheckpointException(Path file, String problem) {
            super("checkpoint " + file + " is unusable: " + problem);
        }
    }

    /** Bytes of the file {@link #write} writes. */
    public byte[] toBytes() {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(b)) {
            out.writeInt(MAGIC);
            out.writeInt(VERSION);
            out.writeUTF(fingerprint);
            out.writeUTF(strategy);
            out.writeInt(nextRound);
            writeBytes(out, serverState);
            writeBytes(out, idleState);
            out.writeInt(clientStates.size());
            for (Map.Entry<Integer, byte[]> e : clientStates.entrySet()) {
                out.writeInt(e.getKey());
                writeBytes(out, e.getValue());
            }
            out.writeInt(rounds.size());
            for (RoundMetrics m : rounds) {
                writeMetrics(out, m);
            }
            writeBytes(out, runtime);
            out.flush();
            CRC32 crc = new CRC32();
            crc.update(b.toByteArray());
            out.writeLong(crc.getValue());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e); // in memory: cannot happen
        }
        return b.toByteArray();
    }

    /** Writes this checkpoint to {@code file} atomically (temporary file, fsync, rename, fsync of the folder). */
    public void write(Path file) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer buf = ByteBuffer.wrap(toBytes());
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            ch.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        Path dir = file.toAbsolutePath().getParent();
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true); // the rename itself survives a crash
        } catch (IOException | UnsupportedOperationException e) {
            // Some file systems cannot sync a folder; the rename is still atomic.
        }
    }

    /**
     * Reads the checkpoint in {@code file}.
     *
     * @throws NoSuchFileException if there is none
     * @throws CorruptCheckpointException naming the file and the problem, if it does not read
     */
    public static Checkpoint read(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        if (bytes.length < 16) {
            throw new CorruptCheckpointException(file, "only " + bytes.length + " bytes (truncated)");
        }
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes, 0, bytes.length - 8));
        try {
            if (in.readInt() != MAGIC) {
                throw new CorruptCheckpointException(file, "not a fedsub checkpoint (no FSCK header)");
            }
            int version = in.readInt();
            if (version < 1 || version > VERSION) {
                throw new CorruptCheckpointException(file, "format version " + version + ", this fedsub reads "
                        + "1 to " + VERSION);
            }
            CRC32 crc = new CRC32();
            crc.update(bytes, 0, bytes.length - 8);
            long stored = ByteBuffer.wrap(bytes, bytes.length - 8, 8).getLong();
            if (stored != crc.getValue()) {
                throw new CorruptCheckpointException(file, "checksum mismatch (the file was truncated or altered; "
                        + bytes.length + " bytes)");
            }
            String fingerprint = in.readUTF();
            String strategy = in.readUTF();
            int next = in.readInt();
            byte[] server = readBytes(in);
            byte[] idle = readBytes(in);
            int clients = count(in, "client states");
            SortedMap<Integer, byte[]> states = new TreeMap<>();
            for (int i = 0; i < clients; i++) {
                states.put(in.readInt(), readBytes(in));
            }
            int n = count(in, "rounds");
            List<RoundMetrics> rounds = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                rounds.add(readMetrics(in));
            }
            byte[] runtime = version >= 2 ? readBytes(in) : new byte[0];
            if (in.available() != 0) {
                throw new CorruptCheckpointException(file, in.available() + " unexpected bytes before the checksum");
            }
            return new Checkpoint(fingerprint, strategy, next, server, idle, states, rounds, runtime);
        } catch (EOFException e) {
            throw new CorruptCheckpointException(file, "ends early (truncated)");
        } catch (IOException | IllegalArgumentException e) {
            throw new CorruptCheckpointException(file, e.getMessage());
        }
    }

    private static void writeBytes(DataOutputStream out, byte[] b) throws IOException {
        out.writeInt(b.length);
        out.write(b);
    }

    private static byte[] readBytes(DataInputStream in) throws IOException {
        int n = count(in, "bytes");
        if (n > in.available()) {
            throw new EOFException();
        }
        byte[] b = new byte[n];
        in.readFully(b);
        return b;
    }

    private static int count(DataInputStream in, String what) throws IOException {
        int n = in.readInt();
        if (n < 0) {
            throw new IOException("negative count of " + what + ": " + n);
        }
        return n;
    }

    private static void writeMetrics(DataOutputStream out, RoundMetrics m) throws IOException {
        out.writeInt(m.round());
        out.writeInt(m.sampled());
        out.writeInt(m.used());
        out.writeInt(m.failed());
        out.writeDouble(m.clientLoss());
        out.writeDouble(m.trainLoss());
        out.writeDouble(m.testLoss());
        out.writeDouble(m.testAccuracy());
        out.writeLong(m.uplinkBytes());
        out.writeLong(m.downlinkBytes());
        out.writeLong(m.maxClientUplink());
        out.writeDouble(m.wallMillis());
        out.writeDouble(m.virtualSeconds());
        out.writeInt(m.rejected().size());
        for (Map.Entry<String, Integer> e : m.rejected().entrySet()) {
            out.writeUTF(e.getKey());
            out.writeInt(e.getValue());
        }
    }

    private static RoundMetrics readMetrics(DataInputStream in) throws IOException {
        int round = in.readInt();
        int sampled = in.readInt();
        int used = in.readInt();
        int failed = in.readInt();
        double clientLoss = in.readDouble();
        double trainLoss = in.readDouble();
        double testLoss = in.readDouble();
        double testAccuracy = in.readDouble();
        long up = in.readLong();
        long down = in.readLong();
        long maxUp = in.readLong();
        double wall = in.readDouble();
        double virtual = in.readDouble();
        int n = count(in, "refusal reasons");
        SortedMap<String, Integer> rejected = new TreeMap<>();
        for (int i = 0; i < n; i++) {
            rejected.put(in.readUTF(), in.readInt());
        }
        return new RoundMetrics(round, sampled, used, failed, clientLoss, trainLoss, testLoss, testAccuracy, up, down,
                maxUp, wall, virtual, rejected);
    }
}
