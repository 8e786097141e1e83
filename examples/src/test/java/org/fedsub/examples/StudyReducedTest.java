package org.fedsub.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The Fashion-MNIST study of conf/study/, reduced to a few clients, rows and rounds: every
 * member runs on the real data and its outputs exist and parse. Needs ./scripts/get-data.sh
 * (CI runs it first).
 */
class StudyReducedTest {

    private static final Path ROOT = Path.of("").toAbsolutePath().getParent();

    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"fmnist-mlp-dir0.1", "fmnist-cnn-dir0.5"})
    void reducedStudy_everyMemberRuns_andWritesResultsThatParse(String study) throws IOException {
        Path data = ROOT.resolve("data/fashion-mnist");
        assertTrue(Files.exists(data.resolve("train-images-idx3-ubyte.gz")),
                "Fashion-MNIST is missing under " + data + ": run ./scripts/get-data.sh first");
        Path out = tmp.resolve(study);

        Cli.Result r = Cli.run("compare", ROOT.resolve("conf/study/" + study + ".conf").toString(), "--out", out.toString(),
                "--set", "fedsub.rounds=2", "--set", "fedsub.eval-every=1",
                "--set", "fedsub.data.fashion-mnist.dir=\"" + data + "\"",
                "--set", "fedsub.data.fashion-mnist.train-limit=1500", "--set", "fedsub.data.fashion-mnist.test-limit=300",
                "--set", "fedsub.data.partition.clients=6", "--set", "fedsub.participation.clients-per-round=3",
                "--set", "fedsub.train.local-steps=2");

        assertEquals(0, r.code(), r.err());
        List<String> members = List.of("fedavg", "fedprox", "scaffold", "fedsub-25", "fedsub-50", "fedsub-100",
                "fedsub-50-no-duals");
        List<String> summary = Files.readAllLines(out.resolve("summary.csv"));
        assertEquals(1 + members.size(), summary.size(), String.join("\n", summary));
        for (int i = 0; i < members.size(); i++) {
            String m = members.get(i);
            assertTrue(summary.get(i + 1).startsWith(m + ","), summary.get(i + 1));
            List<String> metrics = Files.readAllLines(out.resolve(m).resolve("metrics.csv"));
            assertEquals(3, metrics.size(), m + ": header and two rounds");
            String[] header = metrics.get(0).split(",");
            String[] last = metrics.get(2).split(",");
            assertEquals(header.length, last.length, m);
            int acc = List.of(header).indexOf("test_accuracy");
            assertTrue(acc >= 0, "metrics.csv has a test_accuracy column: " + metrics.get(0));
            double a = Double.parseDouble(last[acc]);
            assertTrue(a > 0 && a <= 1, m + ": accuracy " + a);
            assertTrue(MiniJson.parse(Files.readString(out.resolve(m).resolve("metrics.json"))) != null, m);
        }
        byte[] png = Files.readAllBytes(out.resolve("accuracy_vs_uplink_bytes.png"));
        assertTrue(png.length > 1000 && png[1] == 'P' && png[2] == 'N' && png[3] == 'G');
    }
}
