package org.fedsub.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.fedsub.examples.cli.StopSignal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code fedsub resume DIR}: a run stopped (as Ctrl-C stops it) and resumed ends with the same
 * metrics.csv and model.npz bytes as the run left alone; what cannot be resumed is refused in one
 * line with exit code 2 and nothing written.
 */
class ResumeCommandTest {

    @TempDir
    Path tmp;

    /** Cli.TINY with more rounds, half the clients a round and momentum, so that client state matters. */
    private static final String CONF = Cli.TINY.replace("rounds = 3", "rounds = 5")
            .replace("lr = 0.05 }", "lr = 0.05, momentum = 0.5 }");

    private Path conf() throws IOException {
        return Cli.write(tmp, "tiny.conf", CONF);
    }

    /** A run stopped after its first round (a stop asked for before it starts), into {@code out}. */
    private Cli.Result stopped(Path out, String... sets) throws IOException {
        StopSignal stop = StopSignal.none();
        stop.request();
        String[] args = new String[5 + sets.length];
        args[0] = "run";
        args[1] = conf().toString();
        args[2] = "--out";
        args[3] = out.toString();
        args[4] = "--threads=1";
        System.arraycopy(sets, 0, args, 5, sets.length);
        return Cli.run(stop, args);
    }

    @Test
    void resume_afterCtrlC_endsWithTheFilesOfTheUninterruptedRun() throws IOException {
        Path full = tmp.resolve("full");
        Path out = tmp.resolve("out");
        assertEquals(0, Cli.run("run", conf().toString(), "--out", full.toString(), "--threads=1").code());

        Cli.Result s = stopped(out);
        assertEquals(130, s.code(), s.err());
        assertTrue(s.err().strip().endsWith("continue with: ./fedsub resume " + out), s.err());
        // A kill -9 between a round's metrics line and its checkpoint leaves a line the checkpoint has not: dropped.
        Files.writeString(out.resolve("metrics.csv"), "2,garbage of a killed run\n", StandardCharsets.UTF_8,
                StandardOpenOption.APPEND);

        Cli.Result r = Cli.run("resume", out.toString(), "--threads", "1");

        assertEquals(0, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("resuming at round 2 of 5"), r.out());
        assertEquals(Files.readString(full.resolve("metrics.csv")), Files.readString(out.resolve("metrics.csv")));
        assertArrayEquals(Files.readAllBytes(full.resolve("model.npz")), Files.readAllBytes(out.resolve("model.npz")));
        assertTrue(Files.readString(out.resolve("metrics.json")).contains("\"interrupted\": false"));

        Cli.Result again = Cli.run("resume", out.toString());
        assertEquals(2, again.code());
        assertEquals("fedsub: resume: the run in " + out + " finished all its 5 rounds; nothing to resume",
                again.err().strip());
    }

    @Test
    void resume_scaffold_withTwoThreads_endsAsTheUninterruptedRun() throws IOException {
        Path full = tmp.resolve("full");
        Path out = tmp.resolve("out");
        String scaffold = "--set=fedsub.strategy.name=scaffold";
        assertEquals(0, Cli.run("run", conf().toString(), "--out", full.toString(), scaffold).code());
        assertEquals(130, stopped(out, scaffold).code());

        assertEquals(0, Cli.run("resume", out.toString(), "--threads", "2").code());

        assertEquals(Files.readString(full.resolve("metrics.csv")), Files.readString(out.resolve("metrics.csv")));
        assertArrayEquals(Files.readAllBytes(full.resolve("model.npz")), Files.readAllBytes(out.resolve("model.npz")));
    }

    @Test
    void runWithResume_sameSettings_continues_otherSettings_areRefused() throws IOException {
        Path full = tmp.resolve("full");
        Path out = tmp.resolve("out");
        assertEquals(0, Cli.run("run", conf().toString(), "--out", full.toString(), "--threads=1").code());
        stopped(out);

        Cli.Result other = Cli.run("run", conf().toString(), "--out", out.toString(), "--resume", "--set",
                "fedsub.seed=8");
        assertEquals(2, other.code());
        assertTrue(other.err().startsWith("fedsub: --resume: the checkpoint ") && other.err().contains("other settings")
                && other.err().strip().endsWith("./fedsub resume " + out), other.err());

        Cli.Result r = Cli.run("run", conf().toString(), "--out", out.toString(), "--resume", "--threads=1");
        assertEquals(0, r.code(), r.err());
        assertEquals(Files.readString(full.resolve("metrics.csv")), Files.readString(out.resolve("metrics.csv")));
        assertArrayEquals(Files.readAllBytes(full.resolve("model.npz")), Files.readAllBytes(out.resolve("model.npz")));

        assertEquals(2, Cli.run("run", conf().toString(), "--resume").code(), "--resume needs --out");
    }

    @Test
    void resume_corruptCheckpoint_isRefusedNamingTheFile() throws IOException {
        Path out = tmp.resolve("out");
        stopped(out);
        Path file = out.resolve("checkpoint.bin");
        byte[] b = Files.readAllBytes(file);
        b[b.length / 3] ^= 0x10;
        Files.write(file, b);
        String csv = Files.readString(out.resolve("metrics.csv"));

        Cli.Result r = Cli.run("resume", out.toString());

        assertEquals(2, r.code());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains(file.toString()) && r.err().contains("checksum mismatch"), r.err());
        assertEquals(csv, Files.readString(out.resolve("metrics.csv")), "nothing written");
    }

    @Test
    void resume_editedConfig_isRefused() throws IOException {
        Path out = tmp.resolve("out");
        stopped(out);
        Files.writeString(out.resolve("config.conf"), "fedsub.train.lr = 0.1\n", StandardCharsets.UTF_8,
                StandardOpenOption.APPEND);

        Cli.Result r = Cli.run("resume", out.toString());

        assertEquals(2, r.code());
        assertTrue(r.err().startsWith("fedsub: resume: the checkpoint ") && r.err().contains("other settings"), r.err());
    }

    @Test
    void resume_runWithoutCheckpoints_isRefusedAndCtrlCSaysInitFrom() throws IOException {
        Path out = tmp.resolve("out");
        Cli.Result s = stopped(out, "--set", "fedsub.checkpoint.enabled=false");
        assertTrue(s.err().contains("fedsub.model.init-from="), s.err());
        assertFalse(Files.exists(out.resolve("checkpoint.bin")));

        Cli.Result r = Cli.run("resume", out.toString());

        assertEquals(2, r.code());
        assertTrue(r.err().startsWith("fedsub: resume: no checkpoint in " + out), r.err());
    }

    @Test
    void pluginStrategyWithoutServerState_runsWithoutCheckpoint_andResumeIsRefused() throws IOException {
        Path out = tmp.resolve("out");
        Cli.Result s = stopped(out, "--set", "fedsub.strategy.name=trimmed-mean");
        assertEquals(130, s.code(), s.err());
        assertTrue(s.err().contains("fedsub.model.init-from="), "continue from the model instead: " + s.err());
        assertFalse(Files.exists(out.resolve("checkpoint.bin")));

        Cli.Result r = Cli.run("resume", out.toString());

        assertEquals(2, r.code());
        assertTrue(r.err().contains("no checkpoint in " + out) && r.err().contains("plug-in strategy"), r.err());
    }

    @Test
    void resume_actorRun_isRefused() throws IOException {
        Path out = tmp.resolve("out");
        stopped(out);
        Files.writeString(out.resolve("config.conf"), "fedsub.runtime = actors\n", StandardCharsets.UTF_8,
                StandardOpenOption.APPEND);

        Cli.Result r = Cli.run("resume", out.toString());

        assertEquals(2, r.code());
        assertTrue(r.err().contains("resume is for the reference engine for now"), r.err());
    }

    @Test
    void resume_notARunFolder_isRefused() throws IOException {
        Cli.Result r = Cli.run("resume", tmp.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("holds no config.conf"), r.err());
        assertEquals(2, Cli.run("resume").code());
    }

    @Test
    void run_outOntoACheckpointedFolder_isRefusedAndPointsToResume() throws IOException {
        Path out = tmp.resolve("out");
        stopped(out);

        Cli.Result r = Cli.run("run", conf().toString(), "--out", out.toString());

        assertEquals(2, r.code());
        assertTrue(r.err().strip().endsWith("or continue the run it holds with ./fedsub resume " + out), r.err());
    }

    @Test
    void run_checkpointEveryZero_isAConfigError() throws IOException {
        Cli.Result r = Cli.run("run", conf().toString(), "--out", tmp.resolve("out").toString(), "--set",
                "fedsub.checkpoint.every=0");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("fedsub.checkpoint.every"), r.err());
        assertFalse(Files.exists(tmp.resolve("out")));
    }
}
