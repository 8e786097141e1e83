package org.fedsub.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The launcher with {@code fedsub.runtime = actors}. */
class ActorRuntimeTest {

    @TempDir
    Path tmp;

    @Test
    void run_onActors_faultFreeFullParticipation_matchesTheReferenceEnginesMetricsCsv() throws IOException {
        Path conf = Cli.write(tmp, "tiny.conf", Cli.TINY);
        Path reference = tmp.resolve("reference");
        Path actors = tmp.resolve("actors");

        Cli.Result ref = Cli.run("run", conf.toString(), "--set", "fedsub.participation.clients-per-round=5",
                "--out", reference.toString(), "--threads", "1");
        Cli.Result act = Cli.run("run", conf.toString(), "--set", "fedsub.participation.clients-per-round=5",
                "--set", "fedsub.runtime=actors", "--set", "fedsub.actors.compute-pool-size=2",
                "--out", actors.toString());

        assertEquals(0, ref.code(), ref.err());
        assertEquals(0, act.code(), act.err());
        assertTrue(act.out().contains("on actors (synchronous rounds, real clock)"), act.out());
        List<String> expected = Files.readAllLines(reference.resolve("metrics.csv"));
        List<String> actual = Files.readAllLines(actors.resolve("metrics.csv"));
        assertEquals(expected.get(0) + ",late,dropped", actual.get(0));
        assertEquals(expected.size(), actual.size());
        for (int i = 1; i < expected.size(); i++) {
            assertEquals(expected.get(i) + ",0,0", actual.get(i), "round " + i + ": the same numbers, none late");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> json = (Map<String, Object>) MiniJson.parse(Files.readString(actors.resolve("metrics.json")));
        assertEquals("actors", json.get("runtime"));
        Map<?, ?> last = (Map<?, ?>) ((List<?>) json.get("rounds")).get(2);
        assertEquals(0.0, ((Number) last.get("late")).doubleValue());
        assertEquals(Boolean.FALSE, last.get("dropped"));
    }

    @Test
    void compare_onActorsWithStragglersOnTheVirtualClock_reportsVirtualTimeToTargetAndLateClients() throws IOException {
        Path conf = Cli.write(tmp, "cmp.conf", Cli.TINY + """
                fedsub.runtime = actors
                fedsub.actors {
                  clock = virtual
                  round-deadline = 3s
                  clients { step-seconds = 0.1, speed { sigma = 1, slow-fraction = 0.3, slow-factor = 10 }, dropout = 0.1 }
                }
                fedsub.compare {
                  target-accuracy = 0.3
                  runs = [
                    { name = sync, set { "fedsub.strategy.name" = fedsub } }
                    { name = fedasync, set { "fedsub.actors.async.mode" = fedasync, "fedsub.rounds" = 6 } }
                  ]
                }
                """);
        Path out = tmp.resolve("out");

        Cli.Result r = Cli.run("compare", conf.toString(), "--out", out.toString());

        assertEquals(0, r.code(), r.err());
        List<String> md = Files.readAllLines(out.resolve("summary.md"));
        assertTrue(md.get(0).contains("virtual s to 30.00%") && md.get(0).contains("| late |"), md.get(0));
        List<String> csv = Files.readAllLines(out.resolve("summary.csv"));
        assertTrue(csv.get(0).endsWith("virtual_seconds_to_target,final_virtual_seconds,late_clients,dropped_rounds,refused_updates,lost_clients,"
                + "downlink_bytes_to_target,total_bytes_to_target,total_bytes"),
                csv.get(0));
        for (String row : csv.subList(1, csv.size())) {
            String[] cells = row.split(",", -1);
            assertTrue(Double.parseDouble(cells[14]) > 0, "virtual time passed: " + row);
        }
        List<String> metrics = Files.readAllLines(out.resolve("fedasync").resolve("metrics.csv"));
        assertEquals(7, metrics.size(), "one row per FedAsync version");
        assertTrue(Files.size(out.resolve("accuracy_vs_updates.png")) > 1000,
                "synchronous rounds and FedAsync versions drawn against the client updates they used");
        assertTrue(Files.notExists(out.resolve("accuracy_vs_round.png")), "no round axis mixing rounds and versions");
    }
}
