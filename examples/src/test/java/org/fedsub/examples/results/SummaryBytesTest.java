package org.fedsub.examples.results;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.fedsub.runtime.engine.RoundMetrics;
import org.fedsub.runtime.engine.RunResult;
import org.junit.jupiter.api.Test;

/** The summary and metrics.json count bytes to the target accuracy both ways and in total. */
class SummaryBytesTest {

    @Test
    void csv_bytesToTarget_sumEachDirectionUntilTheFirstRoundReachingIt() {
        // Accuracy 0.2, NaN (not evaluated), 0.6, 0.9: a target of 0.5 is first reached in round 3.
        RunRecord run = record("a", List.of(round(0, 0.2, 100, 1000), round(1, Double.NaN, 100, 1000),
                round(2, 0.6, 50, 2000), round(3, 0.9, 50, 2000)));

        List<String> csv = Summary.csv(List.of(run), 0.5).lines().toList();

        List<String> header = List.of(csv.get(0).split(",", -1));
        String[] row = csv.get(1).split(",", -1);
        assertEquals("250", row[header.indexOf("uplink_bytes_to_target")]);
        assertEquals("4000", row[header.indexOf("downlink_bytes_to_target")]);
        assertEquals("4250", row[header.indexOf("total_bytes_to_target")]);
        assertEquals("6300", row[header.indexOf("total_bytes")]);
        String md = Summary.markdown(List.of(run), 0.5);
        assertTrue(md.lines().findFirst().orElseThrow().contains("| downlink to 50.00% | total to 50.00% |"), md);
    }

    @Test
    void csv_targetNeverReached_leavesTheToTargetCellsEmpty() {
        RunRecord run = record("a", List.of(round(0, 0.2, 100, 1000), round(1, 0.3, 100, 1000)));

        List<String> csv = Summary.csv(List.of(run), 0.5).lines().toList();

        List<String> header = List.of(csv.get(0).split(",", -1));
        String[] row = csv.get(1).split(",", -1);
        assertEquals("", row[header.indexOf("downlink_bytes_to_target")]);
        assertEquals("", row[header.indexOf("total_bytes_to_target")]);
        assertEquals("2200", row[header.indexOf("total_bytes")]);
        assertTrue(Summary.markdown(List.of(run), 0.5).contains("not reached"));
    }

    @Test
    void regression_getsNoToTargetFigures_butItsTotalBytes() {
        RunRecord run = record("ls", List.of(round(0, Double.NaN, 100, 1000), round(1, Double.NaN, 100, 1000)));

        List<String> csv = Summary.csv(List.of(run), 0.5).lines().toList();
        String md = Summary.markdown(List.of(run), 0.5);

        List<String> header = List.of(csv.get(0).split(",", -1));
        String[] row = csv.get(1).split(",", -1);
        assertEquals("", row[header.indexOf("uplink_bytes_to_target")]);
        assertEquals("", row[header.indexOf("downlink_bytes_to_target")]);
        assertEquals("", row[header.indexOf("total_bytes_to_target")]);
        assertEquals("2200", row[header.indexOf("total_bytes")]);
        assertFalse(md.contains(" to 50.00%"), md);
        assertTrue(md.contains("| total bytes |"), md);
    }

    @Test
    void metricsJson_reportsTheRoundAndTheBytesEachWayUntilTheTarget() {
        RunRecord run = record("a", List.of(round(0, 0.2, 100, 1000), round(1, Double.NaN, 100, 1000),
                round(2, 0.6, 50, 2000), round(3, 0.9, 50, 2000)));

        String json = MetricsFiles.json(run, 0.5).replaceAll("\\s+", "");

        assertTrue(json.contains("\"to_target\":{\"accuracy\":0.5,\"reached\":true,\"round\":3,"
                + "\"uplink_bytes\":250,\"downlink_bytes\":4000,\"total_bytes\":4250}"), json);
        assertTrue(json.contains("\"total_bytes\":6300,"), json);
    }

    @Test
    void metricsJson_targetNeverReached_saysSo_withNullBytes() {
        RunRecord run = record("a", List.of(round(0, 0.2, 100, 1000), round(1, 0.3, 100, 1000)));

        String json = MetricsFiles.json(run, 0.5).replaceAll("\\s+", "");

        assertTrue(json.contains("\"to_target\":{\"accuracy\":0.5,\"reached\":false,\"round\":null,"
                + "\"uplink_bytes\":null,\"downlink_bytes\":null,\"total_bytes\":null}"), json);
    }

    @Test
    void metricsJson_regressionOrNoTarget_hasNoToTarget() {
        RunRecord ls = record("ls", List.of(round(0, Double.NaN, 100, 1000)));
        RunRecord acc = record("a", List.of(round(0, 0.9, 100, 1000)));

        assertFalse(MetricsFiles.json(ls, 0.5).contains("to_target"));
        assertFalse(MetricsFiles.json(acc).contains("to_target"));
    }

    private static RoundMetrics round(int round, double accuracy, long up, long down) {
        return new RoundMetrics(round, 3, 3, 0, 1.0, 1.0, 1.0, accuracy, up, down, up, 1.0, 0.0);
    }

    private static RunRecord record(String name, List<RoundMetrics> rounds) {
        RunResult result = new RunResult(name, "fedsub", rounds, null);
        return new RunRecord(name, "logreg[12-3]", "synthetic", 3, 39, result, new double[rounds.size()], 1.0,
                List.of(), null, 7, rounds.size(), false, Double.NaN);
    }
}
