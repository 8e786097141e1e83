package org.fedsub.examples.results;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.fedsub.actors.ActorSettings;
import org.fedsub.actors.server.RoundReport;
import org.fedsub.actors.sim.ActorSimulation;
import org.fedsub.runtime.engine.Experiment;
import org.fedsub.runtime.engine.Experiments;
import org.fedsub.runtime.engine.ReferenceEngine;
import org.fedsub.runtime.engine.RoundMetrics;
import org.fedsub.runtime.engine.RunResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** metrics.csv written round by round as a run goes has the bytes of the one written at its end. */
class MetricsAppenderTest {

    private static final String TINY = """
            fedsub {
              name = tiny, seed = 7, rounds = 4
              data.synthetic { users = 5, dim = 12, classes = 3, max-samples-per-user = 30 }
              model.type = logreg
              participation.clients-per-round = 3
              train { local-steps = 2, batch-size = 5, lr = 0.05 }
              strategy { name = fedsub, fedsub.rank-rate = 0.5 }
            }
            """;

    @TempDir
    Path tmp;

    private static Config root(String more) {
        return Experiments.load(ConfigFactory.parseString(TINY + more));
    }

    private static String text(Path file) throws IOException {
        return Files.readString(file, StandardCharsets.UTF_8);
    }

    @Test
    void referenceEngine_appendedLinesEqualTheFinalFile() throws IOException {
        Experiment exp = Experiments.fromConfig(root(""));
        RunResult result;
        try (MetricsFiles.Appender metrics = MetricsFiles.appender(tmp, false)) {
            result = new ReferenceEngine(exp).run(m -> metrics.append(m, null));
        }

        String expected = MetricsFiles.metricsCsv(RunRecord.of(exp, result, new double[4], 0));
        assertEquals(expected, text(tmp.resolve(MetricsFiles.METRICS_CSV)));
    }

    @Test
    void actorRuntime_appendedLinesWithLateAndDroppedEqualTheFinalFile() throws IOException {
        Config root = root("fedsub.actors.compute-pool-size = 1\n");
        Experiment exp = Experiments.fromConfig(root);
        ActorSimulation.Outcome outcome;
        try (MetricsFiles.Appender metrics = MetricsFiles.appender(tmp, true)) {
            outcome = ActorSimulation.run(exp, ActorSettings.fromConfig(root), root, new RoundReport.Listener() {
                @Override
                public void onReport(RoundReport report) {
                    metrics.append(report.metrics(), report);
                }

                @Override
                public void onRound(RoundMetrics m) {
                    throw new AssertionError("the coordinators hand over the whole report");
                }
            });
        }

        String expected = MetricsFiles.metricsCsv(RunRecord.of(exp, outcome.result(), new double[4], 0,
                outcome.rounds()));
        assertEquals(expected, text(tmp.resolve(MetricsFiles.METRICS_CSV)));
        assertEquals(5, expected.lines().count());
        assertEquals(true, expected.lines().findFirst().orElseThrow().endsWith(",late,dropped"));
    }
}
