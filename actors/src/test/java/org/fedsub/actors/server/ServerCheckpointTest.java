package org.fedsub.actors.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.fedsub.runtime.codec.EncodedPayload;
import org.fedsub.runtime.engine.Checkpoint;
import org.fedsub.runtime.engine.RoundMetrics;
import org.fedsub.runtime.strategy.ClientFailure;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The coordinator's checkpoint reads back as written, and a checkpoint of ./fedsub run is refused. */
class ServerCheckpointTest {

    @TempDir
    Path dir;

    private static RoundMetrics metrics(int round) {
        return new RoundMetrics(round, 3, 2, 1, 0.5 + round, Double.NaN, 0.25, 0.75, 100, 200, 50, 12.5, 1.5 * round,
                new TreeMap<>(Map.of("late", 1)));
    }

    @Test
    void writtenCheckpoint_readsBackAsTheSameRecovery() throws Exception {
        List<RoundReport> reports = List.of(new RoundReport(metrics(0), 1, false, List.of(new ClientFailure(2, 0,
                "late"))), new RoundReport(metrics(1), 0, true, List.of()));
        Map<Integer, EncodedPayload> acks = new HashMap<>();
        acks.put(0, new EncodedPayload("raw", new byte[] {1, 2, 3}));
        acks.put(1, null);
        Path file = dir.resolve(Checkpoint.FILE_NAME);
        ServerCheckpoint.of("sha256:x", "fedsub", new byte[] {9, 8}, new byte[] {7}, reports, 3.0, acks).write(file);

        ServerCheckpoint.Recovery r = ServerCheckpoint.recovery(Checkpoint.read(file), "fedsub");
        assertEquals(2, r.nextRound());
        assertEquals(reports, r.reports());
        assertEquals(3.0, r.virtualNow());
        assertEquals(new EncodedPayload("raw", new byte[] {1, 2, 3}), r.acks().get(0));
        assertTrue(r.acks().containsKey(1));
        assertNull(r.acks().get(1));
        assertArrayEquals(new byte[] {9, 8}, r.serverState());
        assertArrayEquals(new byte[] {7}, r.idleState());
    }

    @Test
    void checkpointOfTheReferenceEngine_orOfAnotherStrategy_isRefused() throws Exception {
        Checkpoint reference = new Checkpoint("sha256:x", "fedsub", 1, new byte[] {1}, new byte[0], new TreeMap<>(),
                List.of(metrics(0)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ServerCheckpoint.recovery(reference, "fedsub"));
        assertTrue(e.getMessage().contains("./fedsub resume"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ServerCheckpoint.recovery(reference, "scaffold"));
        assertTrue(e.getMessage().contains("a fedsub run"), e.getMessage());
    }
}
