package org.fedsub.runtime.data;

import com.typesafe.config.Config;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.fedsub.runtime.config.ConfigError;
import org.fedsub.runtime.config.Settings;
import org.nd4j.linalg.api.buffer.DataType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Builds the federated data set an experiment names in its {@code fedsub.data} subtree. */
public final class FederatedDatasets {

    private static final Logger log = LoggerFactory.getLogger(FederatedDatasets.class);

    public static final List<String> TYPES = List.of("synthetic", "synthetic-iid", "least-squares", "mnist",
            "fashion-mnist", "idx", "csv", "npy", "numpy", "folders");
    public static final List<String> PARTITIONS = List.of("natural", "iid", "dirichlet", "shards", "by-class");
    static final List<String> SPLITS = PARTITIONS.subList(1, PARTITIONS.size());

    private static final String GET_DATA = "./scripts/get-data.sh";

    private FederatedDatasets() {}

    /**
     * Reads the {@code fedsub.data} subtree (see {@code fedsub/data.conf}) and builds the data.
     *
     * @param dataConfig the subtree itself
     * @param path its full HOCON path, for messages (normally {@code fedsub.data})
     * @param seed generation and partition seed: the same config and seed give the same split
     * @throws ConfigError naming the full path of a bad, missing or inconsistent key, or of the
     *     directory whose files are missing or unreadable
     */
    public static FederatedData fromConfig(Config dataConfig, String path, DataType dtype, long seed) {
        Tensors.checkFloating(dtype);
        String type = Settings.oneOf(dataConfig, path, "type", TYPES);
        PartitionSettings partition = PartitionSettings.fromConfig(dataConfig, path);
        String block = switch (type) {
            case "synthetic-iid" -> "synthetic";
            case "numpy" -> "npy";
            default -> type;
        };
        String sub = Settings.path(path, block);
        Config typeConfig = subtree(dataConfig, path, block);
        FederatedData data = switch (type) {
            case "synthetic", "synthetic-iid" -> synthetic(typeConfig, sub, type.equals("synthetic-iid"), partition,
                    dtype, seed);
            case "least-squares" -> leastSquares(typeConfig, sub, partition, dtype, seed);
            case "csv" -> OwnData.csv(typeConfig, sub, partition, dtype, seed);
            case "npy", "numpy" -> OwnData.npy(typeConfig, sub, type, partition, dtype, seed);
            case "folders" -> OwnData.folders(typeConfig, sub, dataConfig, path, partition, dtype, seed);
            default -> idx(typeConfig, sub, type, partition, dtype, seed);
        };
        log.info("data {}: {} clients, {} train rows, {} test rows, partition {}", data.name(), data.numClients(),
                data.train().size(), data.test().size(), partition.describe());
        return data;
    }

    /**
     * Splits {@code train} over {@code clients} by label with {@code partitioner}; clients have no
     * test rows of their own (evaluation uses the whole {@code test} table).
     */
    public static FederatedData partition(String name, Dataset train, Dataset test, Partitioner partitioner,
            int clients, long seed) {
        if (!train.isClassification()) {
            throw new IllegalArgumentException("cannot partition '" + train.name()
                    + "' by label: it is a regression table");
        }
        List<int[]> parts = partitioner.split(train.labels(), train.numClasses(), clients, seed);
        List<ClientData> out = new ArrayList<>(parts.size());
        for (int c = 0; c < parts.size(); c++) {
            out.add(new ClientData(c, train, parts.get(c), null, null));
        }
        return new FederatedData(name + " " + partitioner, train, test, out);
    }

    /** The {@code partition} subtree, validated eagerly. */
    record PartitionSettings(String path, String type, int clients, double alpha, int shardsPerClient) {

        static PartitionSettings fromConfig(Config dataConfig, String dataPath) {
            Config p = subtree(dataConfig, dataPath, "partition");
            String path = Settings.path(dataPath, "partition");
            String type = Settings.oneOf(p, path, "type", PARTITIONS);
            int clients = Settings.atLeast(Settings.path(path, "clients"), Settings.intAt(p, path, "clients"), 1);
            double alpha = Settings.positive(Settings.path(path, "alpha"), Settings.doubleAt(p, path, "alpha"));
            int shards = Settings.atLeast(Settings.path(path, "shards-per-client"),
                    Settings.intAt(p, path, "shards-per-client"), 1);
            return new PartitionSettings(path, type, clients, alpha, shards);
        }

        Partitioner partitioner() {
            return switch (type) {
                case "iid" -> Partitioner.iid();
                case "dirichlet" -> Partitioner.dirichlet(alpha);
                case "shards" -> Partitioner.shards(shardsPerClient);
                case "by-class" -> Partitioner.byClass();
                default -> throw new IllegalStateException("no partitioner for " + type);
            };
        }

        String describe() {
            return type.equals("natural") ? "natural" : partitioner() + " over " + clients + " clients";
        }
    }

    private static FederatedData synthetic(Config c, String path, boolean iid, PartitionSettings partition,
            DataType dtype, long seed) {
        double alpha = Settings.nonNegative(Settings.path(path, "alpha"), Settings.doubleAt(c, path, "alpha"));
        double beta = Settings.nonNegative(Settings.path(path, "beta"), Settings.doubleAt(c, path, "beta"));
        int users = Settings.atLeast(Settings.path(path, "users"), Settings.intAt(c, path, "users"), 1);
        int dim = Settings.atLeast(Settings.path(path, "dim"), Settings.intAt(c, path, "dim"), 1);
        int classes = Settings.atLeast(Settings.path(path, "classes"), Settings.intAt(c, path, "classes"), 2);
        String capPath = Settings.path(path, "max-samples-per-user");
        int cap = Settings.intAt(c, path, "max-samples-per-user");
        if (cap != 0 && cap < 2) {
            throw new ConfigError(capPath, cap, "expected 0 (no cap) or an integer >= 2");
        }
        SyntheticData.Spec spec = iid
                ? new SyntheticData.Spec(0, 0, true, users, dim, classes, cap)
                : new SyntheticData.Spec(alpha, beta, false, users, dim, classes, cap);
        FederatedData natural;
        try {
            natural = SyntheticData.generate(spec, dtype, seed);
        } catch (IllegalArgumentException e) {
            throw new ConfigError(capPath, e.getMessage(), e); // only too many examples for one array gets here
        }
        if (partition.type().equals("natural")) {
            return natural;
        }
        return split(natural.name(), natural.train(), natural.test(), partition, seed);
    }

    private static FederatedData leastSquares(Config c, String path, PartitionSettings partition, DataType dtype,
            long seed) {
        if (!partition.type().equals("natural")) {
            throw new ConfigError(Settings.path(partition.path(), "type"), partition.type(),
                    "least-squares has its own heterogeneous clients (" + Settings.path(path, "clients")
                            + "); expected \"natural\"");
        }
        int clients = Settings.atLeast(Settings.path(path, "clients"), Settings.intAt(c, path, "clients"), 1);
        int rows = Settings.atLeast(Settings.path(path, "rows-per-client"), Settings.intAt(c, path, "rows-per-client"),
                1);
        int dim = Settings.atLeast(Settings.path(path, "dim"), Settings.intAt(c, path, "dim"), 1);
        int outputs = Settings.atLeast(Settings.path(path, "outputs"), Settings.intAt(c, path, "outputs"), 1);
        double h = Settings.nonNegative(Settings.path(path, "heterogeneity"), Settings.doubleAt(c, path, "heterogeneity"));
        LeastSquaresData.Spec spec;
        try {
            spec = new LeastSquaresData.Spec(clients, rows, dim, outputs, h);
        } catch (IllegalArgumentException e) {
            throw new ConfigError(Settings.path(path, "rows-per-client"), e.getMessage(), e); // rows * clients < dim
        }
        return LeastSquaresData.generate(spec, dtype, seed).data();
    }

    private static FederatedData idx(Config c, String path, String type, PartitionSettings partition, DataType dtype,
            long seed) {
        if (partition.type().equals("natural")) {
            throw new ConfigError(Settings.path(partition.path(), "type"), "natural",
                    type + " has no natural clients; expected one of " + SPLITS);
        }
        String dirPath = Settings.path(path, "dir");
        String dirName = Settings.stringAt(c, path, "dir").trim();
        if (dirName.isEmpty()) {
            throw new ConfigError(dirPath, dirName, "expected a directory holding " + IdxReader.standardNames()
                    + " (each may end in .gz)");
        }
        int trainLimit = limit(c, path, "train-limit");
        int testLimit = limit(c, path, "test-limit");
        Path dir = Path.of(dirName);
        IdxReader.TrainTest tables;
        try {
            tables = IdxReader.loadDir(dir, type, trainLimit, testLimit, dtype);
        } catch (NoSuchFileException e) {
            throw new ConfigError(dirPath, dirName, missing(dir) + "; " + GET_DATA
                    + " fetches MNIST and Fashion-MNIST into data/");
        } catch (IOException e) {
            throw new ConfigError(dirPath, "cannot read " + type + " under " + dir.toAbsolutePath() + ": "
                    + e.getMessage() + " (" + GET_DATA + " fetches fresh copies)", e);
        }
        return split(type, tables.train(), tables.test(), partition, seed);
    }

    private static String missing(Path dir) {
        List<String> absent = new ArrayList<>();
        for (String name : IdxReader.standardNames()) {
            try {
                IdxReader.find(dir, name);
            } catch (NoSuchFileException e) {
                absent.add(name + "[.gz]");
            }
        }
        return "missing " + String.join(", ", absent) + " under " + dir.toAbsolutePath();
    }

    private static int limit(Config c, String path, String key) {
        return Settings.atLeast(Settings.path(path, key), Settings.intAt(c, path, key), 0);
    }

    static FederatedData split(String name, Dataset train, Dataset test, PartitionSettings partition,
            long seed) {
        try {
            // A seed apart from the generator's, so the split does not replay its random stream.
            return partition(name, train, test, partition.partitioner(), partition.clients(),
                    seed * 0x9E3779B97F4A7C15L + 0x632BE59BD9B4E019L);
        } catch (IllegalArgumentException e) {
            throw new ConfigError(Settings.path(partition.path(), "clients"), e.getMessage(), e);
        }
    }

    static Config subtree(Config c, String path, String key) {
        try {
            return c.getConfig(key);
        } catch (com.typesafe.config.ConfigException e) {
            throw new ConfigError(Settings.path(path, key), "missing or not an object; expected a { ... } block"
                    + " (defaults in fedsub/data.conf)", e);
        }
    }
}
