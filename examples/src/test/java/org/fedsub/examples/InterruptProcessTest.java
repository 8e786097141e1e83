package org.fedsub.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Signals sent to a real {@code fedsub run} process (a JVM of its own on this test's class path)
 * in the middle of a run far too long to finish: Ctrl-C keeps every finished round and exits
 * 130; even SIGKILL leaves a metrics.csv of whole lines. Every wait is bounded and polls what a
 * user would look at (metrics.csv); no assertion depends on how fast the machine is.
 */
class InterruptProcessTest {

    private static final int ROUNDS = 1_000_000;
    private static final long START_SECONDS = 120;
    private static final long EXIT_SECONDS = 120;

    @TempDir
    Path tmp;

    private Process start(Path out, Path log) throws IOException {
        Path conf = Cli.write(tmp, "long.conf", Cli.TINY.replace("rounds = 3", "rounds = " + ROUNDS));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-Xmx512m", "-cp", System.getProperty("java.class.path"),
                Main.class.getName(), "run", conf.toString(), "--out", out.toString(), "--threads", "1",
                // A checkpoint after every round, however quick: the kill -9 case checks the last one.
                "--set", "fedsub.checkpoint.min-interval=0");
        pb.environment().put("OMP_NUM_THREADS", "1");
        pb.redirectErrorStream(true).redirectOutput(log.toFile());
        return pb.start();
    }

    /** Waits until metrics.csv holds the header and {@code rounds} whole round lines. */
    private static void awaitRounds(Process p, Path metrics, int rounds, Path log) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(START_SECONDS);
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                fail("the run ended early (exit " + p.exitValue() + "):\n" + Files.readString(log));
            }
            if (Files.exists(metrics)) {
                String text = Files.readString(metrics, StandardCharsets.UTF_8);
                if (text.chars().filter(c -> c == '\n').count() >= rounds + 1) {
                    return;
                }
            }
            Thread.sleep(100);
        }
        fail("no " + rounds + " rounds in metrics.csv within " + START_SECONDS + " s:\n" + Files.readString(log));
    }

    /**
     * Whole lines only, the header first, rounds 1, 2, ... in order, each with every column;
     * returns how many rounds.
     */
    private static int assertWholeRounds(Path metrics) throws IOException {
        String text = Files.readString(metrics, StandardCharsets.UTF_8);
        assertTrue(text.endsWith("\n"), "no partial last line: ..." + text.substring(Math.max(0, text.length() - 200)));
        List<String> lines = text.lines().toList();
        assertTrue(lines.get(0).startsWith("round,sampled,used,"), lines.get(0));
        int columns = lines.get(0).split(",").length;
        for (int i = 1; i < lines.size(); i++) {
            String[] cells = lines.get(i).split(",", -1);
            assertEquals(columns, cells.length, lines.get(i));
            assertEquals(i, Integer.parseInt(cells[0]), "round numbers in order");
        }
        return lines.size() - 1;
    }

    /** True when the process ignores SIGINT (as a job started with '&' by a non-interactive shell does). */
    private static boolean ignoresSigint(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("SigIgn:")) {
                return (Long.parseLong(line.substring(7).trim(), 16) & (1L << (2 - 1))) != 0;
            }
        }
        return false;
    }

    private static void kill(String signal, long pid) throws Exception {
        Process k = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).inheritIO().start();
        assertTrue(k.waitFor(30, TimeUnit.SECONDS) && k.exitValue() == 0, "kill -" + signal + " " + pid);
    }

    @Test
    void ctrlC_midRun_writesEveryFinishedRoundAndTheSummary_andExits130() throws Exception {
        Path out = tmp.resolve("out");
        Path log = tmp.resolve("run.log");
        Process p = start(out, log);
        try {
            awaitRounds(p, out.resolve("metrics.csv"), 2, log);
            // The JVM cannot handle a SIGINT its parent made it ignore (a background job of a
            // non-interactive shell, as some CI runners start builds); SIGTERM takes the same path.
            String signal = ignoresSigint(p.pid()) ? "TERM" : "INT";
            kill(signal, p.pid());

            assertTrue(p.waitFor(EXIT_SECONDS, TimeUnit.SECONDS), "exits within " + EXIT_SECONDS + " s");
            String printed = Files.readString(log);
            assertEquals(130, p.exitValue(), printed);
            int rounds = assertWholeRounds(out.resolve("metrics.csv"));
            assertTrue(rounds >= 2 && rounds < ROUNDS, "rounds: " + rounds);
            @SuppressWarnings("unchecked")
            Map<String, Object> json = (Map<String, Object>) MiniJson.parse(Files.readString(out.resolve("metrics.json")));
            Map<?, ?> summary = (Map<?, ?>) json.get("summary");
            assertEquals(Boolean.TRUE, summary.get("interrupted"));
            assertEquals((double) rounds, ((Number) summary.get("rounds_run")).doubleValue());
            assertEquals(rounds, ((List<?>) json.get("rounds")).size());
            assertTrue(Files.size(out.resolve("accuracy_vs_round.png")) > 1000, "the plots are written");
            assertTrue(printed.contains("fedsub: SIG" + signal + ": stopping after the current round"), printed);
            assertTrue(printed.contains("fedsub: interrupted at round " + rounds + " of " + ROUNDS + "; results in "
                    + out + "; continue with: ./fedsub resume " + out), printed);
            assertEquals(rounds, org.fedsub.runtime.engine.Checkpoint.read(out.resolve("checkpoint.bin")).nextRound(),
                    "the checkpoint is of the last finished round");
            Cli.Result evaluated = Cli.run("evaluate", out.toString());
            assertEquals(0, evaluated.code(), "the interrupted run's model.npz loads and scores: " + evaluated.err());
            assertTrue(evaluated.out().contains("exact: test_accuracy="), evaluated.out());
        } finally {
            p.destroyForcibly().waitFor(EXIT_SECONDS, TimeUnit.SECONDS);
        }
    }

    @Test
    void sigkill_midRun_leavesEveryFlushedRoundAsWholeLines() throws Exception {
        Path out = tmp.resolve("out");
        Path log = tmp.resolve("run.log");
        Process p = start(out, log);
        try {
            awaitRounds(p, out.resolve("metrics.csv"), 2, log);

            p.destroyForcibly(); // SIGKILL: no handler runs, nothing is written at the end

            assertTrue(p.waitFor(EXIT_SECONDS, TimeUnit.SECONDS), "exits within " + EXIT_SECONDS + " s");
            int rounds = assertWholeRounds(out.resolve("metrics.csv"));
            assertTrue(rounds >= 2);
            // Written atomically: the checkpoint reads, and is of the last round with a line or the one before.
            int next = org.fedsub.runtime.engine.Checkpoint.read(out.resolve("checkpoint.bin")).nextRound();
            assertTrue(next == rounds || next == rounds - 1, "checkpoint before round " + next + ", rounds " + rounds);
        } finally {
            p.destroyForcibly().waitFor(EXIT_SECONDS, TimeUnit.SECONDS);
        }
    }
}
