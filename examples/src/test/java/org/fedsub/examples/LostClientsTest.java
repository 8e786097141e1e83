package org.fedsub.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.util.List;
import java.util.Set;
import org.fedsub.actors.server.RoundReport;
import org.fedsub.examples.results.RunRecord;
import org.fedsub.examples.results.Summary;
import org.fedsub.runtime.engine.Experiment;
import org.fedsub.runtime.engine.Experiments;
import org.fedsub.runtime.engine.RoundMetrics;
import org.fedsub.runtime.engine.RunResult;
import org.fedsub.runtime.strategy.ClientFailure;
import org.junit.jupiter.api.Test;

/** A client that stops for good (its restarts used up, e.g. by an unreadable spill file) is named in the summary. */
class LostClientsTest {

    private static final Experiment EXP = Experiments.fromConfig(Experiments.load(ConfigFactory.parseString(Cli.TINY)));

    @Test
    void summary_namesTheClientsThatStoppedForGood_andOnlyThose() {
        List<RoundReport> reports = List.of(
                report(1, new ClientFailure(2, 1, ClientFailure.STOPPED), new ClientFailure(4, 1, "late: no answer")),
                report(2, new ClientFailure(2, 2, ClientFailure.STOPPED), new ClientFailure(0, 2, "training failed")));
        RunRecord run = record("lossy", reports);

        assertEquals(Set.of(2), run.lostClients(), "a late or failed client is not lost; a stopped one is, once");
        String md = Summary.markdown(List.of(run, record("clean", List.of(report(1), report(2)))), 0.5);
        assertTrue(md.lines().findFirst().orElseThrow().contains("| lost clients |"), md);
        assertTrue(md.matches("(?s).*\\|\\s+1 \\[2\\] \\|.*"), "the lost client is named: " + md);
        List<String> csv = Summary.csv(List.of(run), 0.5).lines().toList();
        assertTrue(csv.get(0).endsWith(",lost_clients,downlink_bytes_to_target,total_bytes_to_target,total_bytes"),
                csv.get(0));
        int lostColumn = List.of(csv.get(0).split(",", -1)).indexOf("lost_clients");
        assertEquals("1", csv.get(1).split(",", -1)[lostColumn], csv.get(1));
    }

    @Test
    void summary_withNoLostClient_hasNoLostColumn() {
        String md = Summary.markdown(List.of(record("clean", List.of(report(1)))), 0.5);
        assertFalse(md.contains("lost clients"), md);
    }

    private static RoundReport report(int round, ClientFailure... failures) {
        return new RoundReport(metrics(round), 0, false, List.of(failures));
    }

    private static RoundMetrics metrics(int round) {
        return new RoundMetrics(round, 3, 3, 0, 1.0, 1.0, 1.0, 0.5, 10, 10, 10, 1.0, 0.0);
    }

    private static RunRecord record(String name, List<RoundReport> reports) {
        RunResult result = new RunResult(name, "fedsub", reports.stream().map(RoundReport::metrics).toList(), null);
        return RunRecord.of(EXP, result, new double[reports.size()], 1.0, reports);
    }
}
