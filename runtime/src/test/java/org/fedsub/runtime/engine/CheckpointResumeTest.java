package org.fedsub.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.fedsub.runtime.model.Params;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * A run stopped after round k and resumed from its checkpoint ends exactly as the uninterrupted
 * run: same final model and same metrics, bit for bit (wall-clock time aside), for strategies
 * with client state (FedSub's duals and momentum, SCAFFOLD's control variates) and server state
 * (FedAdam's moments, SCAFFOLD's c, FedSub's svd basis).
 */
class CheckpointResumeTest {

    @TempDir
    Path dir;

    /** Half the clients a round, so that states wait dormant between rounds, and bases that change every 2 rounds. */
    private static Experiment experiment(String strategy) {
        String name = strategy.replace("-delta", "");
        return Experiments.fromConfig(Experiments.load(ConfigFactory.parseString("fedsub { rounds = 7, "
                + "data.synthetic { users = 6, max-samples-per-user = 40 }, model.type = logreg, dtype = float64, "
                + "codec = float64, participation.clients-per-round = 3, train { local-steps = 4, momentum = 0.5 }, "
                + "strategy { name = " + (name.startsWith("fedsub") ? "fedsub" : name) + ", "
                + "fedsub { update-cp-freq = 8" + (strategy.equals("fedsub-svd") ? ", generator = svd" : "") + " } }"
                + (strategy.endsWith("-delta") ? ", downlink { mode = delta, log-versions = 2 }, downlink-codec = int8"
                        : "") + " }")));
    }

    private static RoundListener stopAfter(int k) {
        List<RoundMetrics> seen = new ArrayList<>();
        return new RoundListener() {
            @Override
            public void onRound(RoundMetrics m) {
                seen.add(m);
            }

            @Override
            public boolean stopRequested() {
                return seen.size() >= k;
            }
        };
    }

    @ParameterizedTest
    @ValueSource(strings = {"fedsub", "fedsub-svd", "scaffold", "fedadam", "fedavgm", "fedprox", "fedavg",
        "fedsub-delta", "fedadam-delta"})
    void resume_afterStopAtRound3_endsBitForBitAsTheUninterruptedRun(String strategy) throws IOException {
        RunResult full = new ReferenceEngine(experiment(strategy)).run(RoundListener.NONE);
        Path file = dir.resolve(Checkpoint.FILE_NAME);
        ReferenceEngine.Checkpointing cp = new ReferenceEngine.Checkpointing(file, 1, "fp");

        RunResult first = new ReferenceEngine(experiment(strategy)).run(stopAfter(3), cp);
        Checkpoint saved = Checkpoint.read(file);
        RunResult resumed = ReferenceEngine.resume(experiment(strategy), Runnable::run, saved).run(RoundListener.NONE, cp);

        assertEquals(3, first.rounds().size());
        assertEquals(3, saved.nextRound());
        assertEquals(full.rounds().size(), resumed.rounds().size());
        for (int i = 0; i < full.rounds().size(); i++) {
            assertEquals(withoutWallTime(full.rounds().get(i)), withoutWallTime(resumed.rounds().get(i)), "round " + i);
        }
        assertSameBits(full.finalModel(), resumed.finalModel());
        assertEquals(7, Checkpoint.read(file).nextRound(), "the last round is checkpointed too");
    }

    @Test
    void checkpoint_everyThreeRounds_isWrittenAtRoundsThreeAndSixAndAtTheStop() throws IOException {
        Path file = dir.resolve(Checkpoint.FILE_NAME);
        ReferenceEngine.Checkpointing cp = new ReferenceEngine.Checkpointing(file, 3, "fp");
        List<Integer> written = new ArrayList<>();
        new ReferenceEngine(experiment("fedsub")).run(new RoundListener() {
            @Override
            public void onRound(RoundMetrics m) {
                try {
                    written.add(Files.exists(file) ? Checkpoint.read(file).nextRound() : 0);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }

            @Override
            public boolean stopRequested() {
                return written.size() == 5;
            }
        }, cp);
        // Seen at the start of each round's listener call: the checkpoint of the rounds before.
        assertEquals(List.of(0, 0, 0, 3, 3), written);
        assertEquals(5, Checkpoint.read(file).nextRound(), "a stop writes a checkpoint whatever the period");
    }

    @Test
    void read_alteredByte_isRefusedNamingTheFileAndTheChecksum() throws IOException {
        Path file = dir.resolve(Checkpoint.FILE_NAME);
        new ReferenceEngine(experiment("scaffold")).run(stopAfter(2), new ReferenceEngine.Checkpointing(file, 1, "fp"));
        byte[] b = Files.readAllBytes(file);
        b[b.length / 2] ^= 1;
        Files.write(file, b);

        Checkpoint.CorruptCheckpointException e = assertThrows(Checkpoint.CorruptCheckpointException.class,
                () -> Checkpoint.read(file));
        assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains("checksum"), e.getMessage());
    }

    @Test
    void read_truncatedOrForeignFile_isRefused() throws IOException {
        Path file = dir.resolve(Checkpoint.FILE_NAME);
        new ReferenceEngine(experiment("fedsub")).run(stopAfter(2), new ReferenceEngine.Checkpointing(file, 1, "fp"));
        byte[] b = Files.readAllBytes(file);
        Files.write(file, java.util.Arrays.copyOf(b, b.length - 100));
        assertThrows(Checkpoint.CorruptCheckpointException.class, () -> Checkpoint.read(file));
        Files.writeString(file, "not a checkpoint at all");
        Checkpoint.CorruptCheckpointException e = assertThrows(Checkpoint.CorruptCheckpointException.class,
                () -> Checkpoint.read(file));
        assertTrue(e.getMessage().contains("not a fedsub checkpoint"), e.getMessage());
    }

    @Test
    void resume_checkpointOfAnotherStrategy_isRefused() throws IOException {
        Path file = dir.resolve(Checkpoint.FILE_NAME);
        new ReferenceEngine(experiment("fedadam")).run(stopAfter(2), new ReferenceEngine.Checkpointing(file, 1, "fp"));
        Checkpoint saved = Checkpoint.read(file);

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ReferenceEngine.resume(experiment("scaffold"), Runnable::run, saved));
        assertTrue(e.getMessage().contains("fedadam"), e.getMessage());
    }

    @Test
    void checkpoint_noTempFileIsLeftBehind() throws IOException {
        Path file = dir.resolve(Checkpoint.FILE_NAME);
        new ReferenceEngine(experiment("fedsub")).run(stopAfter(2), new ReferenceEngine.Checkpointing(file, 1, "fp"));
        try (var s = Files.list(dir)) {
            assertEquals(List.of(Checkpoint.FILE_NAME), s.map(p -> p.getFileName().toString()).toList());
        }
        assertFalse(Checkpoint.read(file).clientStates().isEmpty(), "FedSub's duals are in the checkpoint");
    }

    private static RoundMetrics withoutWallTime(RoundMetrics m) {
        return new RoundMetrics(m.round(), m.sampled(), m.used(), m.failed(), m.clientLoss(), m.trainLoss(), m.testLoss(),
                m.testAccuracy(), m.uplinkBytes(), m.downlinkBytes(), m.maxClientUplink(), 0, m.virtualSeconds(),
                m.rejected());
    }

    private static void assertSameBits(Params a, Params b) {
        assertEquals(a.names(), b.names());
        for (String n : a.names()) {
            assertArrayEquals(a.get(n).dup().data().asDouble(), b.get(n).dup().data().asDouble(), n);
        }
    }
}
