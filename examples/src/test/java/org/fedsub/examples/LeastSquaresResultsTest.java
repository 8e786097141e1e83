package org.fedsub.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A least-squares run reports the optimum's train loss and how far it ended from it. */
class LeastSquaresResultsTest {

    @TempDir
    Path tmp;

    @Test
    void run_reportsTheOptimum_andTheGapToIt() throws IOException {
        Path out = tmp.resolve("out");
        Cli.Result r = Cli.run("run", Path.of("..", "conf", "least-squares.conf").toString(), "--out", out.toString(),
                "--set", "fedsub.rounds=20");

        assertEquals(0, r.code(), r.err());
        Matcher m = Pattern.compile("final train loss (\\S+), test loss \\S+ \\(optimum (\\S+), gap (\\S+)\\)")
                .matcher(r.out());
        assertTrue(m.find(), r.out());
        double last = Double.parseDouble(m.group(1));
        double optimum = Double.parseDouble(m.group(2));
        double gap = Double.parseDouble(m.group(3));
        assertTrue(optimum > 0 && gap > 0 && last >= optimum, r.out());
        assertTrue(Files.size(out.resolve("loss_vs_round.png")) > 1000);
        assertTrue(Files.size(out.resolve("loss_vs_total_bytes.png")) > 1000, "loss against uplink + downlink");
    }
}
