package org.fedsub.examples.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValueFactory;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.fedsub.runtime.config.Settings;
import org.fedsub.runtime.data.ClientData;
import org.fedsub.runtime.data.Dataset;
import org.fedsub.runtime.data.FederatedData;
import org.fedsub.runtime.data.FederatedDatasets;
import org.fedsub.runtime.io.Npz;
import org.fedsub.runtime.io.NpyArray;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * {@code fedsub partition <conf-file> --out DIR [--format npz|csv] [--set key=value]...}: builds
 * the data set and partition a config names and writes each client's training rows to its own
 * folder, in the layout {@code fedsub.data.type = folders} reads ({@code DIR/client-<id>/train.npz},
 * {@code DIR/test.npz}), with a {@value Runs#CONFIG_CONF} that runs the same experiment on the
 * folders and a README.txt. Clients keep their ids (folder {@code client-k} is client k) and each
 * client's rows keep their order, so a run on the folders trains on the same batches as the run on
 * the original config.
 */
public final class PartitionCommand {

    /** The test file at the top of the output folder, without its extension. */
    static final String TEST = "test";
    /** Each client's training file inside its folder, without its extension. */
    static final String TRAIN = "train";
    static final String README = "README.txt";

    private PartitionCommand() {}

    /**
     * The parsed command line.
     *
     * @param args   the config file, overrides, {@code --out} and {@code --overwrite}
     * @param format {@code npz} or {@code csv}
     */
    public record Request(Args args, String format) {}

    /** Parses the arguments after {@code partition}. */
    public static Request parse(List<String> argv) {
        List<String> positional = new ArrayList<>();
        List<ConfigFiles.Override> sets = new ArrayList<>();
        Path out = null;
        String format = "npz";
        boolean help = false;
        boolean overwrite = false;
        for (int i = 0; i < argv.size(); i++) {
            String a = argv.get(i);
            String value = null;
            String name = a;
            int eq = a.indexOf('=');
            if (a.startsWith("--") && eq > 0) {
                name = a.substring(0, eq);
                value = a.substring(eq + 1);
            }
            switch (name) {
                case "-h", "--help" -> help = true;
                case "--overwrite" -> overwrite = true;
                case "-s", "--set", "-o", "--out", "--format" -> {
                    if (value == null) {
                        if (++i >= argv.size()) {
                            throw new UsageError(a + " needs a value");
                        }
                        value = argv.get(i);
                    }
                    switch (name) {
                        case "--format" -> format = value.trim().toLowerCase(Locale.ROOT);
                        case "-o", "--out" -> out = Path.of(value);
                        default -> sets.add(ConfigFiles.parseSet(value));
                    }
                }
                default -> {
                    if (a.startsWith("-") && a.length() > 1) {
                        throw new UsageError("unknown option '" + a + "' for partition");
                    }
                    positional.add(a);
                }
            }
        }
        if (help) {
            return new Request(new Args("partition", null, sets, out, 0, true, overwrite), format);
        }
        if (!format.equals("npz") && !format.equals("csv")) {
            throw new UsageError("--format " + format + ": expected npz or csv");
        }
        if (positional.size() != 1) {
            throw new UsageError("partition takes one config file, got " + (positional.isEmpty() ? "none"
                    : String.join(" ", positional)) + " (e.g. fedsub partition conf/quickstart.conf --out data/parts)");
        }
        if (out == null) {
            throw new UsageError("partition needs --out DIR, the folder to write the client folders to");
        }
        return new Request(new Args("partition", Path.of(positional.get(0)), sets, out, 0, false, overwrite), format);
    }

    /** Builds the data, then writes the folders, the test file, config.conf and README.txt. */
    public static void execute(Request r, PrintStream out) throws IOException {
        Args a = r.args();
        OutputFolder.check(a.out(), a.overwrite()); // before the data is built: refuse early
        Config root = ConfigFiles.load(a.file(), a.sets());
        Config f = root.getConfig("fedsub");
        DataType dtype = Settings.oneOf(f, "fedsub", "dtype", List.of("float32", "float64")).equals("float64")
                ? DataType.DOUBLE : DataType.FLOAT;
        long seed = Settings.longAt(f, "fedsub", "seed");
        FederatedData data = FederatedDatasets.fromConfig(root.getConfig("fedsub.data"), "fedsub.data", dtype, seed);
        Dataset train = data.train();
        if (!train.isClassification() || !data.test().isClassification()) {
            throw new Refused("partition: " + data.name() + " of " + a.file() + " has real-valued targets, but "
                    + "fedsub.data.type = folders reads class labels only; partition a classification data set");
        }
        int classes = train.numClasses();
        boolean npz = r.format().equals("npz");
        String ext = npz ? ".npz" : ".csv";
        Path dir = OutputFolder.prepare(a.out(), a.overwrite());
        int width = String.valueOf(data.numClients() - 1).length();
        StringBuilder manifest = new StringBuilder(org.fedsub.runtime.data.ClientFolders.MANIFEST_HEADER).append('\n');
        for (ClientData c : data.clients()) {
            String name = "client-" + pad(c.clientId(), width);
            Path folder = Files.createDirectories(dir.resolve(name));
            write(folder.resolve(TRAIN + ext), train, c.trainRows(), npz, true);
            manifest.append(c.clientId()).append(',').append(name).append(',').append(c.numExamples()).append('\n');
        }
        // What a cluster node needs of the clients it does not host: how many, and their example counts.
        Files.writeString(dir.resolve(org.fedsub.runtime.data.ClientFolders.MANIFEST), manifest, StandardCharsets.UTF_8);
        Dataset test = data.test();
        int[] all = new int[test.size()];
        for (int i = 0; i < all.length; i++) {
            all[i] = i;
        }
        write(dir.resolve(TEST + ext), test, all, npz, false);

        Path abs = dir.toAbsolutePath().normalize();
        Map<String, Object> keys = new LinkedHashMap<>();
        keys.put("fedsub.data.type", "folders");
        keys.put("fedsub.data.folders.dir", abs.toString());
        keys.put("fedsub.data.folders.train-file", TRAIN + ext);
        keys.put("fedsub.data.folders.test-file", TEST + ext);
        keys.put("fedsub.data.partition.type", "natural");
        if (npz) {
            keys.put("fedsub.data.npy.classes", classes);
            keys.put("fedsub.data.npy.divide-by", 1);
            keys.put("fedsub.data.npy.arrays.x-train", "x_train");
            keys.put("fedsub.data.npy.arrays.y-train", "y_train");
            keys.put("fedsub.data.npy.arrays.x-test", "x_test");
            keys.put("fedsub.data.npy.arrays.y-test", "y_test");
        } else {
            keys.put("fedsub.data.csv.classes", classes);
            keys.put("fedsub.data.csv.divide-by", 1);
            keys.put("fedsub.data.csv.header", "yes");
            keys.put("fedsub.data.csv.label", -1);
            keys.put("fedsub.data.csv.delimiter", ",");
        }
        Config onFolders = root.withoutPath("fedsub.compare").withoutPath("fedsub.data.folders");
        for (Map.Entry<String, Object> e : keys.entrySet()) {
            onFolders = onFolders.withValue(e.getKey(), ConfigValueFactory.fromAnyRef(e.getValue()));
        }
        StringBuilder sets = new StringBuilder();
        for (Map.Entry<String, Object> e : keys.entrySet()) {
            sets.append(" \\\n    --set ").append(Runs.shellWord(e.getKey() + "=" + e.getValue()));
        }
        Files.writeString(dir.resolve(Runs.CONFIG_CONF), ConfigFiles.render(onFolders,
                "# " + a.file() + " with its data read from the client folders fedsub partition wrote here:\n"
                        + "#   ./fedsub run " + dir.resolve(Runs.CONFIG_CONF) + "\n"), StandardCharsets.UTF_8);
        Files.writeString(dir.resolve(README), String.format(Locale.ROOT, """
                Written by: fedsub partition %s%s
                Data: %s, %d clients, %d classes, %d features, %s; %,d training rows, %,d test rows.
                Layout (fedsub.data.type = folders): client-<id>/%s is client <id>'s training shard (rows in the
                order the config's partition gave them), %s at the top is the test set, clients.csv lists each
                client's folder and example count (what a cluster node reads instead of the others' shards).

                Run the same experiment on these folders:
                  ./fedsub run %s
                or any config on them:
                  ./fedsub run <conf-file>%s
                """, a.file(), setsLine(a), data.name(), data.numClients(), classes, train.featureDim(),
                dtype == DataType.DOUBLE ? "float64" : "float32", train.size(), test.size(), TRAIN + ext, TEST + ext,
                Runs.shellWord(dir.resolve(Runs.CONFIG_CONF).toString()), sets), StandardCharsets.UTF_8);

        out.println(String.format(Locale.ROOT, "%s: %d client folders, %,d training rows (%,d to %,d a client), "
                + "%,d test rows, %s -> %s", data.name(), data.numClients(), data.clients().stream()
                .mapToInt(ClientData::numExamples).sum(), data.clients().stream().mapToInt(ClientData::numExamples)
                .min().orElse(0), data.clients().stream().mapToInt(ClientData::numExamples).max().orElse(0),
                test.size(), r.format(), dir));
        out.println("run on it: ./fedsub run " + Runs.shellWord(dir.resolve(Runs.CONFIG_CONF).toString())
                + "  (more in " + dir.resolve(README) + ")");
    }

    private static String setsLine(Args a) {
        StringBuilder b = new StringBuilder();
        for (ConfigFiles.Override o : a.sets()) {
            b.append(" --set ").append(Runs.shellWord(o.text()));
        }
        return b.toString();
    }

    private static String pad(int id, int width) {
        String s = String.valueOf(id);
        return "0".repeat(Math.max(0, width - s.length())) + s;
    }

    /** Writes the rows {@code rows} of {@code d}, in that order, as x/y arrays or as CSV with the label last. */
    private static void write(Path file, Dataset d, int[] rows, boolean npz, boolean train) throws IOException {
        INDArray x = d.features();
        int dim = d.featureDim();
        boolean dbl = x.dataType() == DataType.DOUBLE;
        int[] labels = new int[rows.length];
        for (int i = 0; i < rows.length; i++) {
            labels[i] = d.labels()[rows[i]];
        }
        if (npz) {
            NpyArray xs;
            if (dbl) {
                double[] v = new double[rows.length * dim];
                for (int i = 0; i < rows.length; i++) {
                    for (int j = 0; j < dim; j++) {
                        v[i * dim + j] = x.getDouble(rows[i], j);
                    }
                }
                xs = NpyArray.ofDoubles(v, rows.length, dim);
            } else {
                float[] v = new float[rows.length * dim];
                for (int i = 0; i < rows.length; i++) {
                    for (int j = 0; j < dim; j++) {
                        v[i * dim + j] = x.getFloat(rows[i], j);
                    }
                }
                xs = NpyArray.ofFloats(v, rows.length, dim);
            }
            Map<String, NpyArray> arrays = new LinkedHashMap<>();
            arrays.put(train ? "x_train" : "x_test", xs);
            arrays.put(train ? "y_train" : "y_test", NpyArray.ofInts(labels, rows.length));
            Npz.of(arrays).write(file, true);
            return;
        }
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            StringBuilder line = new StringBuilder();
            for (int j = 0; j < dim; j++) {
                line.append('x').append(j + 1).append(',');
            }
            w.write(line.append("label\n").toString());
            for (int i = 0; i < rows.length; i++) {
                line.setLength(0);
                for (int j = 0; j < dim; j++) {
                    // Shortest text that reads back to the same value: the folders run sees the same numbers.
                    line.append(dbl ? Double.toString(x.getDouble(rows[i], j)) : Float.toString(x.getFloat(rows[i], j)))
                            .append(',');
                }
                w.write(line.append(labels[i]).append('\n').toString());
            }
        }
    }
}
