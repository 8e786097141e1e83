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

    /**
     * One comparison of the compression study (conf/study/compress-*.conf), reduced: every member
     * runs, and with a delta downlink FedSub at half rank sends fewer downlink bytes than FedAvg
     * (every client gets the model once, then only the half-rank change of each round: over 3
     * rounds 1 + 3/2 models a client instead of 3).
     */
    @org.junit.jupiter.api.Test
    void reducedCompressionStudy_everyMemberRuns_andTheDeltaDownlinkSendsLessThanTheModel() throws IOException {
        Path data = ROOT.resolve("data/fashion-mnist");
        assertTrue(Files.exists(data.resolve("train-images-idx3-ubyte.gz")),
                "Fashion-MNIST is missing under " + data + ": run ./scripts/get-data.sh first");
        Path out = tmp.resolve("compress");

        Cli.Result r = Cli.run("compare", ROOT.resolve("conf/study/compress-mlp-dir0.5-silo.conf").toString(), "--out",
                out.toString(), "--set", "fedsub.rounds=3", "--set", "fedsub.eval-every=1",
                "--set", "fedsub.data.fashion-mnist.dir=\"" + data + "\"",
                "--set", "fedsub.data.fashion-mnist.train-limit=1500", "--set", "fedsub.data.fashion-mnist.test-limit=300",
                "--set", "fedsub.train.local-steps=2");

        assertEquals(0, r.code(), r.err());
        List<String> members = List.of("fedavg", "fedavg-int8", "fedsub-50", "fedsub-50-int8", "fedsub-50-int4",
                "fedsub-25", "fedsub-25-int8", "fedsub-25-int4");
        List<String> summary = Files.readAllLines(out.resolve("summary.csv"));
        assertEquals(1 + members.size(), summary.size(), String.join("\n", summary));
        List<String> header = List.of(summary.get(0).split(",", -1));
        int down = header.indexOf("total_downlink_bytes");
        long[] bytes = new long[members.size()];
        for (int i = 0; i < members.size(); i++) {
            String[] row = summary.get(i + 1).split(",", -1);
            assertEquals(members.get(i), row[0]);
            bytes[i] = Long.parseLong(row[down]);
            assertTrue(MiniJson.parse(Files.readString(out.resolve(members.get(i)).resolve("metrics.json"))) != null);
        }
        assertTrue(bytes[2] < bytes[0], "fedsub-50 " + bytes[2] + " vs fedavg " + bytes[0]);
        assertTrue(bytes[3] < bytes[2] && bytes[1] < bytes[0], java.util.Arrays.toString(bytes));
    }
}
