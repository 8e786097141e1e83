package org.fedsub.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.fedsub.examples.cli.StopSignal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run stopped as Ctrl-C stops it (here a stop asked for before the run starts, so it stops
 * after its first round, on every runtime, with no timing involved): the results are written as
 * at a normal end, they say the run was interrupted, one line says how to continue, exit 130.
 * {@link InterruptProcessTest} sends the real signal to a real process.
 */
class InterruptedRunTest {

    @TempDir
    Path tmp;

    private Cli.Result stoppedRun(Path out, String... more) throws IOException {
        Path conf = Cli.write(tmp, "tiny.conf", Cli.TINY);
        StopSignal stop = StopSignal.none();
        stop.request();
        String[] args = new String[5 + more.length];
        args[0] = "run";
        args[1] = conf.toString();
        args[2] = "--out";
        args[3] = out.toString();
        args[4] = "--threads=1";
        System.arraycopy(more, 0, args, 5, more.length);
        return Cli.run(stop, args);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> summary(Path dir) throws IOException {
        Map<String, Object> json = (Map<String, Object>) MiniJson.parse(Files.readString(dir.resolve("metrics.json")));
        assertEquals(3.0, ((Number) json.get("planned_rounds")).doubleValue());
        return (Map<String, Object>) json.get("summary");
    }

    @Test
    void run_stopped_writesTheFinishedRoundsAndSaysHowToContinue_exit130() throws IOException {
        Path out = tmp.resolve("out");

        Cli.Result r = stoppedRun(out);

        assertEquals(130, r.code(), r.out() + r.err());
        List<String> csv = Files.readAllLines(out.resolve("metrics.csv"));
        assertEquals(2, csv.size(), "header and the one round that finished: " + csv);
        assertTrue(csv.get(1).startsWith("1,"), csv.get(1));
        Map<String, Object> summary = summary(out);
        assertEquals(Boolean.TRUE, summary.get("interrupted"));
        assertEquals(1.0, ((Number) summary.get("rounds_run")).doubleValue());
        for (String file : List.of("config.conf", "timing.csv", "accuracy_vs_round.png", "loss_vs_round.png")) {
            assertTrue(Files.isRegularFile(out.resolve(file)), file);
        }
        assertEquals("fedsub: interrupted at round 1 of 3; results in " + out + "; continue with: ./fedsub resume "
                + out, r.err().strip());
        assertTrue(r.out().contains("final test accuracy"), "the usual result line too: " + r.out());
    }

    @Test
    void run_notStopped_saysItWasNotInterrupted() throws IOException {
        Path conf = Cli.write(tmp, "tiny.conf", Cli.TINY);
        Path out = tmp.resolve("out");

        Cli.Result r = Cli.run("run", conf.toString(), "--out", out.toString(), "--threads", "1");

        assertEquals(0, r.code(), r.err());
        Map<String, Object> summary = summary(out);
        assertEquals(Boolean.FALSE, summary.get("interrupted"));
        assertEquals(3.0, ((Number) summary.get("rounds_run")).doubleValue());
    }

    @Test
    void run_onActors_stopped_endsAfterTheFirstRound() throws IOException {
        Path out = tmp.resolve("out");

        Cli.Result r = stoppedRun(out, "--set", "fedsub.runtime=actors");

        assertEquals(130, r.code(), r.out() + r.err());
        List<String> csv = Files.readAllLines(out.resolve("metrics.csv"));
        assertEquals(2, csv.size(), csv.toString());
        assertTrue(csv.get(0).endsWith(",late,dropped"), csv.get(0));
        assertEquals(Boolean.TRUE, summary(out).get("interrupted"));
    }

    @Test
    void run_onActorsAsynchronous_stopped_endsAfterTheFirstVersion() throws IOException {
        Path out = tmp.resolve("out");

        Cli.Result r = stoppedRun(out, "--set", "fedsub.runtime=actors", "--set", "fedsub.actors.async.mode=fedbuff",
                "--set", "fedsub.actors.async.buffer-size=2");

        assertEquals(130, r.code(), r.out() + r.err());
        assertEquals(2, Files.readAllLines(out.resolve("metrics.csv")).size());
        assertTrue(r.err().contains("interrupted at round 1 of 3"), r.err());
    }

    @Test
    void compare_stopped_writesTheRunsSoFarAndTheSummary_andNamesTheRunsNotStarted() throws IOException {
        Path conf = Cli.write(tmp, "cmp.conf", Cli.TINY + """
                fedsub.compare.runs = [
                  { name = fedavg, set { "fedsub.strategy.name" = fedavg } }
                  { name = fedsub-50, set { "fedsub.strategy.name" = fedsub } }
                ]
                """);
        Path out = tmp.resolve("out");
        StopSignal stop = StopSignal.none();
        stop.request();

        Cli.Result r = Cli.run(stop, "compare", conf.toString(), "--out", out.toString(), "--threads", "1");

        assertEquals(130, r.code(), r.out() + r.err());
        assertEquals(2, Files.readAllLines(out.resolve("fedavg").resolve("metrics.csv")).size());
        assertFalse(Files.exists(out.resolve("fedsub-50")), "the second run did not start");
        List<String> md = Files.readAllLines(out.resolve("summary.md"));
        assertEquals(3, md.size(), md.toString());
        assertTrue(md.get(2).contains("1 of 3, interrupted"), md.get(2));
        assertTrue(Files.isRegularFile(out.resolve("accuracy_vs_round.png")));
        String line = r.err().strip();
        assertEquals(1, line.lines().count(), line);
        assertTrue(line.startsWith("fedsub: interrupted at round 1 of 3 of run 'fedavg' (1 of 2); results in " + out
                + "; not started: fedsub-50"), line);
        assertTrue(line.endsWith("continue that run with: ./fedsub run " + out.resolve("fedavg").resolve("config.conf")
                + " --set fedsub.model.init-from=" + out.resolve("fedavg").resolve("model.npz")
                + " --set fedsub.rounds=2"), line);
    }
}
