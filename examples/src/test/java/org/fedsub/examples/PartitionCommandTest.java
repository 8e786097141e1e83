package org.fedsub.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.fedsub.runtime.data.ClientData;
import org.fedsub.runtime.data.FederatedData;
import org.fedsub.runtime.data.FederatedDatasets;
import org.fedsub.runtime.io.Npz;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * {@code fedsub partition <conf> --out DIR}: the client folders it writes are read back by
 * {@code fedsub.data.type = folders} as the same clients, row for row: a run on them gives the
 * same metrics.csv as the run on the original config; what it cannot write is refused in one line
 * with exit code 2.
 */
class PartitionCommandTest {

    @TempDir
    Path tmp;

    /** TINY re-split by label skew over 4 clients, every client sampled every round. */
    private static final String DIRICHLET = Cli.TINY.replace("max-samples-per-user = 30 }",
            "max-samples-per-user = 30 }\n partition { type = dirichlet, clients = 4, alpha = 0.5 }")
            .replace("clients-per-round = 3", "clients-per-round = 4");

    /**
     * Runs {@code conf} and the config partition wrote, and compares their metrics.csv: equal, or
     * with {@code pooledOrderDiffers} equal but for train_loss in its last float32 digits. That
     * column scores the whole pooled training set, which type = folders pools in folder order
     * (client 0's rows first) and a re-split (dirichlet) left in the data's own order: the same
     * rows summed in another order. Everything a client trains on is the same, row for row.
     */
    private void assertSameRun(String conf, boolean pooledOrderDiffers, String... partitionOptions) throws IOException {
        Path c = Cli.write(tmp, "orig.conf", conf);
        Path parts = tmp.resolve("parts");
        List<String> args = new ArrayList<>(List.of("partition", c.toString(), "--out", parts.toString()));
        args.addAll(List.of(partitionOptions));
        Cli.Result p = Cli.run(args.toArray(new String[0]));
        assertEquals(0, p.code(), p.err());
        assertTrue(p.out().contains("run on it: ./fedsub run " + parts.resolve("config.conf")), p.out());
        assertTrue(Files.readString(parts.resolve("README.txt")).contains("--set fedsub.data.type=folders"));

        Path orig = tmp.resolve("orig");
        Path onFolders = tmp.resolve("on-folders");
        Cli.Result a = Cli.run("run", c.toString(), "--out", orig.toString(), "--threads=1");
        assertEquals(0, a.code(), a.err());
        Cli.Result b = Cli.run("run", parts.resolve("config.conf").toString(), "--out", onFolders.toString(),
                "--threads=1");
        assertEquals(0, b.code(), b.err());
        assertSameMetrics(orig, onFolders, pooledOrderDiffers);

        // The same again from the original config pointed at the folders with the README's --set lines.
        List<String> sets = new ArrayList<>(List.of("run", c.toString(), "--out", tmp.resolve("set").toString(),
                "--threads=1"));
        for (String line : Files.readAllLines(parts.resolve("README.txt"))) {
            if (line.strip().startsWith("--set ")) {
                sets.add("--set");
                sets.add(line.strip().substring("--set ".length()).replace(" \\", "").replace("'", ""));
            }
        }
        assertTrue(sets.size() > 10, sets.toString());
        Cli.Result s = Cli.run(sets.toArray(new String[0]));
        assertEquals(0, s.code(), s.err());
        assertSameMetrics(orig, tmp.resolve("set"), pooledOrderDiffers);
    }

    private static void assertSameMetrics(Path a, Path b, boolean pooledOrderDiffers) throws IOException {
        String expected = Files.readString(a.resolve("metrics.csv"));
        String actual = Files.readString(b.resolve("metrics.csv"));
        if (!pooledOrderDiffers) {
            assertEquals(expected, actual);
            return;
        }
        List<String> e = expected.lines().toList();
        List<String> g = actual.lines().toList();
        assertEquals(e.size(), g.size());
        List<String> header = List.of(e.get(0).split(","));
        int trainLoss = header.indexOf("train_loss");
        assertTrue(trainLoss >= 0, e.get(0));
        for (int i = 1; i < e.size(); i++) {
            String[] x = e.get(i).split(",");
            String[] y = g.get(i).split(",");
            assertEquals(x.length, y.length);
            for (int j = 0; j < x.length; j++) {
                if (j == trainLoss) {
                    double u = Double.parseDouble(x[j]);
                    assertEquals(u, Double.parseDouble(y[j]), 1e-6 * Math.abs(u), "train_loss, row " + i);
                } else {
                    assertEquals(x[j], y[j], header.get(j) + ", row " + i);
                }
            }
        }
    }

    /** The client sizes of {@code conf}'s own partition, as a run builds it. */
    private static List<Integer> clientSizes(String conf) {
        Config root = ConfigFactory.parseString(conf).withFallback(ConfigFactory.load()).resolve();
        FederatedData data = FederatedDatasets.fromConfig(root.getConfig("fedsub.data"), "fedsub.data",
                root.getString("fedsub.dtype").equals("float64") ? DataType.DOUBLE : DataType.FLOAT,
                root.getLong("fedsub.seed"));
        return data.clients().stream().map(ClientData::numExamples).toList();
    }

    private List<Path> clientFolders(Path parts) throws IOException {
        try (Stream<Path> s = Files.list(parts)) {
            return s.filter(Files::isDirectory).sorted().toList();
        }
    }

    @Test
    void naturalSynthetic_npz_runsOnTheFoldersWithTheSameMetrics() throws IOException {
        assertSameRun(Cli.TINY, false);
        Path parts = tmp.resolve("parts");
        List<Path> clients = clientFolders(parts);
        assertEquals(5, clients.size());
        assertEquals("client-0", clients.get(0).getFileName().toString());
        Npz first = Npz.read(clients.get(0).resolve("train.npz"));
        assertEquals(2, first.arrays().get("x_train").ndim());
        assertEquals(12, first.arrays().get("x_train").shape()[1]);
        assertEquals(first.arrays().get("x_train").shape()[0], first.arrays().get("y_train").shape()[0]);
        assertTrue(Files.isRegularFile(parts.resolve("test.npz")));
    }

    @Test
    void dirichletSynthetic_npz_keepsClientSizesAndMetrics() throws IOException {
        assertSameRun(DIRICHLET, true);
        List<Path> clients = clientFolders(tmp.resolve("parts"));
        assertEquals(4, clients.size());
        // The sizes the partition gave are the folders' row counts, client by client.
        List<Integer> sizes = new ArrayList<>();
        long total = 0;
        for (Path client : clients) {
            int rows = (int) Npz.read(client.resolve("train.npz")).arrays().get("y_train").shape()[0];
            sizes.add(rows);
            total += rows;
        }
        assertEquals(clientSizes(DIRICHLET), sizes);
        String readme = Files.readString(tmp.resolve("parts").resolve("README.txt"));
        assertTrue(readme.contains(String.format("%,d training rows", total)), readme);
    }

    @Test
    void dirichletSynthetic_csv_runsOnTheFoldersWithTheSameMetrics() throws IOException {
        assertSameRun(DIRICHLET, true, "--format", "csv");
        List<Path> clients = clientFolders(tmp.resolve("parts"));
        List<String> lines = Files.readAllLines(clients.get(0).resolve("train.csv"));
        assertEquals("x1,x2,x3,x4,x5,x6,x7,x8,x9,x10,x11,x12,label", lines.get(0));
        assertTrue(Files.isRegularFile(tmp.resolve("parts").resolve("test.csv")));
    }

    @Test
    void ownCsvFile_float64_toCsvFolders_sameClientsAndMetrics() throws IOException {
        // The shipped CSV example (label in the first column, named "class"), in float64: the
        // folders' CSV files put the label last, and config.conf reads them so.
        Path examples = Path.of("..", "data", "examples").toAbsolutePath().normalize();
        String conf = """
                fedsub {
                  name = csv-parts
                  seed = 1
                  rounds = 3
                  dtype = float64
                  data {
                    type = csv
                    csv { train = "%s", test = "%s", label = class, header = yes }
                    partition { type = dirichlet, clients = 8, alpha = 0.5 }
                  }
                  model.type = logreg
                  participation.clients-per-round = 4
                  train { local-steps = 5, batch-size = 10, lr = 0.1 }
                  strategy { name = fedsub, fedsub.rank-rate = 0.5 }
                }
                """.formatted(examples.resolve("blobs-train.csv"), examples.resolve("blobs-test.csv"));
        assertSameRun(conf, true, "--format", "csv");
        List<Integer> sizes = new ArrayList<>();
        for (Path client : clientFolders(tmp.resolve("parts"))) {
            sizes.add(Files.readAllLines(client.resolve("train.csv")).size() - 1);
        }
        assertEquals(clientSizes(conf), sizes);
    }

    @Test
    void existingFolder_refusedInOneLine_untouched() throws IOException {
        Path c = Cli.write(tmp, "tiny.conf", Cli.TINY);
        Path out = Files.createDirectories(tmp.resolve("busy"));
        Files.writeString(out.resolve("mine.txt"), "keep", StandardCharsets.UTF_8);
        Cli.Result r = Cli.run("partition", c.toString(), "--out", out.toString());
        assertEquals(2, r.code());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains("exists and is not empty"), r.err());
        assertEquals("keep", Files.readString(out.resolve("mine.txt")));

        // Not a folder fedsub wrote: --overwrite refuses to empty it too.
        Cli.Result o = Cli.run("partition", c.toString(), "--out", out.toString(), "--overwrite");
        assertEquals(2, o.code());
        assertTrue(Files.exists(out.resolve("mine.txt")));

        // A partition folder is rewritten with --overwrite.
        Path parts = tmp.resolve("parts");
        assertEquals(0, Cli.run("partition", c.toString(), "--out", parts.toString()).code());
        assertEquals(2, Cli.run("partition", c.toString(), "--out", parts.toString()).code());
        Cli.Result w = Cli.run("partition", c.toString(), "--out", parts.toString(), "--overwrite");
        assertEquals(0, w.code(), w.err());
    }

    @Test
    void badFormat_refusedWithNothingWritten() throws IOException {
        Path c = Cli.write(tmp, "tiny.conf", Cli.TINY);
        Path out = tmp.resolve("parts");
        Cli.Result r = Cli.run("partition", c.toString(), "--out", out.toString(), "--format", "parquet");
        assertEquals(2, r.code());
        assertTrue(r.err().lines().findFirst().orElse("").contains("--format parquet: expected npz or csv"), r.err());
        assertFalse(Files.exists(out));
        Cli.Result n = Cli.run("partition", c.toString());
        assertEquals(2, n.code());
        assertTrue(n.err().contains("--out"), n.err());
    }

    @Test
    void regressionData_refused() throws IOException {
        Path c = Cli.write(tmp, "ls.conf", Cli.TINY.replace("type = synthetic", "type = least-squares")
                .replace("model.type = logreg", "model.type = linear"));
        Path out = tmp.resolve("parts");
        Cli.Result r = Cli.run("partition", c.toString(), "--out", out.toString());
        assertEquals(2, r.code(), r.out() + r.err());
        assertTrue(r.err().contains("class labels only"), r.err());
        assertFalse(Files.exists(out));
    }
}
