package org.fedsub.actors.server;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import org.fedsub.runtime.codec.EncodedPayload;
import org.fedsub.runtime.engine.Checkpoint;
import org.fedsub.runtime.engine.RoundMetrics;
import org.fedsub.runtime.engine.ServerStep;
import org.fedsub.runtime.strategy.ClientFailure;

/**
 * The synchronous coordinator's checkpoint, in the reference engine's {@link Checkpoint} file:
 * the strategy's server state and idle-round counts after round {@code k}, the round reports so
 * far, and, in its runtime section, the acknowledgements of round {@code k} and the virtual
 * clock. {@link SyncServer} writes it after aggregating a round and before that round's
 * acknowledgements go out, so a resumed server sends them again (a client that folded them
 * already ignores them) and then runs round {@code k + 1} exactly as the interrupted run did.
 * The clients' own states are not in it: they stay on the client nodes.
 */
public final class ServerCheckpoint {

    private static final int MAGIC = 0x46534153; // "FSAS"

    private ServerCheckpoint() {}

    /** Where the coordinator writes its checkpoint, and the fingerprint of the run's settings it stores. */
    public record Target(Path file, String fingerprint) {}

    /**
     * What a resumed coordinator starts from.
     *
     * @param nextRound   the first round to run
     * @param reports     the reports of rounds {@code 0 .. nextRound - 1}
     * @param virtualNow  the virtual clock after them
     * @param acks        the acknowledgements of round {@code nextRound - 1}, by client (a null value: used, none sent)
     * @param serverState the strategy's server state
     * @param idleState   the server step's idle-round counts
     */
    public record Recovery(int nextRound, List<RoundReport> reports, double virtualNow,
            SortedMap<Integer, EncodedPayload> acks, byte[] serverState, byte[] idleState) {

        public Recovery {
            reports = List.copyOf(reports);
            acks = Collections.unmodifiableSortedMap(new TreeMap<>(acks));
        }

        /** Puts the strategy's server state and the idle-round counts back into {@code work}. */
        public void restoreInto(ServerStep work) {
            work.strategy().restoreServerState(serverState);
            work.restoreIdle(idleState);
        }
    }

    /** The checkpoint after round {@code reports.size() - 1}. */
    static Checkpoint of(String fingerprint, String strategy, byte[] serverState, byte[] idleState,
            List<RoundReport> reports, double virtualNow, Map<Integer, EncodedPayload> acks) {
        List<RoundMetrics> rounds = reports.stream().map(RoundReport::metrics).toList();
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(b)) {
            out.writeInt(MAGIC);
            out.writeDouble(virtualNow);
            SortedMap<Integer, EncodedPayload> sorted = new TreeMap<>(acks);
            out.writeInt(sorted.size());
            for (Map.Entry<Integer, EncodedPayload> e : sorted.entrySet()) {
                out.writeInt(e.getKey());
                out.writeBoolean(e.getValue() != null);
                if (e.getValue() != null) {
                    out.writeUTF(e.getValue().codec());
                    out.writeInt(e.getValue().size());
                    out.write(e.getValue().bytes());
                }
            }
            for (RoundReport r : reports) {
                out.writeInt(r.late());
                out.writeBoolean(r.dropped());
                out.writeInt(r.failures().size());
                for (ClientFailure f : r.failures()) {
                    out.writeInt(f.clientId());
                    out.writeInt(f.round());
                    String reason = f.reason() == null ? "" : f.reason();
                    out.writeUTF(reason.length() > 2000 ? reason.substring(0, 2000) : reason);
                }
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e); // in memory: cannot happen
        }
        return new Checkpoint(fingerprint, strategy, reports.size(), serverState, idleState, new TreeMap<>(), rounds,
                b.toByteArray());
    }

    /**
     * The coordinator's starting point in {@code c}.
     *
     * @throws IllegalArgumentException if {@code c} is of another strategy, has no coordinator
     *         section (a checkpoint of {@code ./fedsub run}) or it does not read
     */
    public static Recovery recovery(Checkpoint c, String strategy) {
        if (!c.strategy().equals(strategy)) {
            throw new IllegalArgumentException("the checkpoint is of a " + c.strategy() + " run, the experiment's "
                    + "strategy is " + strategy);
        }
        if (c.runtime().length == 0) {
            throw new IllegalArgumentException("it was written by ./fedsub run (the reference engine), not by "
                    + "./fedsub server; continue it with ./fedsub resume");
        }
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(c.runtime()))) {
            if (in.readInt() != MAGIC) {
                throw new IllegalArgumentException("its server section is not a fedsub server's");
            }
            double virtualNow = in.readDouble();
            int n = count(in.readInt());
            SortedMap<Integer, EncodedPayload> acks = new TreeMap<>();
            for (int i = 0; i < n; i++) {
                int id = in.readInt();
                if (in.readBoolean()) {
                    String codec = in.readUTF();
                    byte[] bytes = new byte[count(in.readInt())];
                    in.readFully(bytes);
                    acks.put(id, new EncodedPayload(codec, bytes));
                } else {
                    acks.put(id, null);
                }
            }
            List<RoundReport> reports = new ArrayList<>(c.rounds().size());
            for (RoundMetrics m : c.rounds()) {
                int late = in.readInt();
                boolean dropped = in.readBoolean();
                int f = count(in.readInt());
                List<ClientFailure> failures = new ArrayList<>(f);
                for (int i = 0; i < f; i++) {
                    failures.add(new ClientFailure(in.readInt(), in.readInt(), in.readUTF()));
                }
                reports.add(new RoundReport(m, late, dropped, failures));
            }
            if (in.available() != 0) {
                throw new IllegalArgumentException("its server section has " + in.available() + " bytes too many");
            }
            return new Recovery(c.nextRound(), reports, virtualNow, acks, c.serverState(), c.idleState());
        } catch (IOException e) {
            throw new IllegalArgumentException("its server section does not read (" + e + ")", e);
        }
    }

    private static int count(int n) throws IOException {
        if (n < 0) {
            throw new IOException("negative count " + n);
        }
        return n;
    }
}
