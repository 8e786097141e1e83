package org.fedsub.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.fedsub.runtime.io.NpyArray;
import org.fedsub.runtime.io.Npz;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Experiments on the user's own files, built from config as {@code ./fedsub run} builds them, learn. */
class OwnDataExperimentTest {

    @TempDir
    Path dir;

    @Test
    void csvFiles_dirichletSplit_fedsubLearnsTheBlobs() throws IOException {
        write("train.csv", blobs(300, 1, true));
        write("test.csv", blobs(90, 2, true));

        RunResult r = run("""
                type = csv
                csv { train = "%s", test = "%s", label = label }
                partition { type = dirichlet, clients = 6, alpha = 1 }
                """.formatted(dir.resolve("train.csv"), dir.resolve("test.csv")), 6);

        assertLearns(r);
    }

    @Test
    void clientFolders_naturalSplit_fedsubLearnsTheBlobs() throws IOException {
        for (int k = 0; k < 5; k++) {
            write("site-" + k + "/train.csv", blobs(40 + 10 * k, 10 + k, false));
        }
        write("test.csv", blobs(90, 2, false));

        RunResult r = run("type = folders\nfolders.dir = \"" + dir + "\"\n", 5);

        assertLearns(r);
    }

    @Test
    void npzArchive_shardsSplit_fedsubLearnsTheBlobs() throws IOException {
        Map<String, NpyArray> arrays = new LinkedHashMap<>();
        arrays.put("x_train", features(300, 1));
        arrays.put("y_train", labels(300));
        arrays.put("x_test", features(90, 2));
        arrays.put("y_test", labels(90));
        Npz.of(arrays).write(dir.resolve("blobs.npz"), true);

        RunResult r = run("""
                type = npy
                npy.archive = "%s"
                partition { type = shards, clients = 6, shards-per-client = 2 }
                """.formatted(dir.resolve("blobs.npz")), 6);

        assertLearns(r);
    }

    private static RunResult run(String data, int clients) {
        Experiment e = Experiments.fromConfig(Experiments.load(ConfigFactory.parseString("""
                fedsub {
                  seed = 3
                  rounds = 10
                  dtype = float64
                  data { %s }
                  model.type = logreg
                  participation.clients-per-round = %d
                  train { local-steps = 5, batch-size = 10, lr = 0.2 }
                  strategy { name = fedsub, fedsub.rank-rate = 0.5 }
                }
                """.formatted(data, clients))));
        assertEquals(clients, e.data().numClients());
        assertEquals(3, e.data().train().numClasses());
        return new ReferenceEngine(e).run(RoundListener.NONE);
    }

    private static void assertLearns(RunResult r) {
        double first = r.rounds().get(0).testAccuracy();
        double last = r.lastEvaluated().testAccuracy();
        assertTrue(last > 0.9, "final test accuracy " + last + " (after round 1: " + first + ")");
    }

    /** Three classes, class k centred at 4 on feature k of 4, unit noise: about 99% separable. */
    private static String blobs(int rows, long seed, boolean header) {
        Random r = new Random(seed);
        StringBuilder s = new StringBuilder(header ? "f0,f1,f2,f3,label\n" : "");
        for (int i = 0; i < rows; i++) {
            int label = i % 3;
            for (int j = 0; j < 4; j++) {
                s.append(String.format(Locale.ROOT, "%.3f,", (j == label ? 4 : 0) + r.nextGaussian()));
            }
            s.append(label).append('\n');
        }
        return s.toString();
    }

    /** The features of {@link #blobs} as a float32 array. */
    private static NpyArray features(int rows, long seed) {
        Random r = new Random(seed);
        float[] x = new float[rows * 4];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < 4; j++) {
                x[i * 4 + j] = (float) ((j == i % 3 ? 4 : 0) + r.nextGaussian());
            }
        }
        return NpyArray.ofFloats(x, rows, 4);
    }

    private static NpyArray labels(int rows) {
        long[] y = new long[rows];
        for (int i = 0; i < rows; i++) {
            y[i] = i % 3;
        }
        return NpyArray.ofLongs(y, rows);
    }

    private void write(String name, String text) throws IOException {
        Path p = dir.resolve(name);
        Files.createDirectories(p.getParent());
        Files.writeString(p, text, StandardCharsets.UTF_8);
    }
}
