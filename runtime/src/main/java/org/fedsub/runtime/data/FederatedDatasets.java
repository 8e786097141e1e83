package org.fedsub.runtime.data;

import com.typesafe.config.Config;
import java.io.IOException;
import java.nio.file.Files;
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
    private static final List<String> SPLITS = PARTITIONS.subList(1, PARTITIONS.size());

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
            case "csv" -> csv(typeConfig, sub, partition, dtype, seed);
            case "npy", "numpy" -> npy(typeConfig, sub, type, partition, dtype, seed);
            case "folders" -> folders(typeConfig, sub, dataConfig, path, partition, dtype, seed);
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

    private static FederatedData csv(Config c, String path, PartitionSettings partition, DataType dtype, long seed) {
        if (partition.type().equals("natural")) {
            throw new ConfigError(Settings.path(partition.path(), "type"), "natural",
                    "csv has no natural clients; expected one of " + SPLITS
                            + ", or type = folders for a folder of files per client");
        }
        CsvReader.Options options = csvOptions(c, path);
        String trainKey = Settings.path(path, "train");
        String testKey = Settings.path(path, "test");
        Path train = file(c, path, "train", "a CSV file of training examples");
        Path test = file(c, path, "test", "a CSV file of test examples");
        Tables.Loaded tables = load(path, f -> f.equals(test) ? testKey : trainKey, () -> Tables.load("csv",
                List.of(CsvReader.file(train, options)), CsvReader.file(test, options), options.classes(), dtype));
        return split("csv(" + train.getFileName() + ")", tables.train(), tables.test(), partition, seed);
    }

    private static FederatedData npy(Config c, String path, String type, PartitionSettings partition, DataType dtype,
            long seed) {
        if (partition.type().equals("natural")) {
            throw new ConfigError(Settings.path(partition.path(), "type"), "natural",
                    type + " has no natural clients; expected one of " + SPLITS
                            + ", or type = folders for a folder of files per client");
        }
        NpyOptions o = NpyOptions.fromConfig(c, path, dtype);
        String archive = Settings.stringAt(c, path, "archive").trim();
        String filesPath = Settings.path(path, "files");
        Config files = subtree(c, path, "files");
        List<String> keys = List.of("x-train", "y-train", "x-test", "y-test");
        Tables.Loaded tables;
        String name;
        if (!archive.isEmpty()) {
            for (String k : keys) {
                if (!Settings.stringAt(files, filesPath, k).isBlank()) {
                    throw new ConfigError(Settings.path(filesPath, k), Settings.stringAt(files, filesPath, k),
                            "set either " + Settings.path(path, "archive") + " or the four .npy files, not both");
                }
            }
            Path npz = file(c, path, "archive", "a .npz archive");
            String key = Settings.path(path, "archive");
            tables = load(path, f -> key, () -> Tables.load(type, List.of(o.archive(npz, true)), o.archive(npz, false),
                    o.classes(), dtype));
            name = type + "(" + npz.getFileName() + ")";
        } else {
            java.util.Map<String, Path> paths = new java.util.LinkedHashMap<>();
            java.util.Map<Path, String> keyOf = new java.util.HashMap<>();
            for (String k : keys) {
                Path p = file(files, filesPath, k, "a .npy file (or set " + Settings.path(path, "archive")
                        + " to one .npz archive)");
                paths.put(k, p);
                keyOf.putIfAbsent(p, Settings.path(filesPath, k));
            }
            tables = load(path, f -> keyOf.getOrDefault(f, Settings.path(filesPath, "x-train")), () -> Tables.load(type,
                    List.of(NpyTable.files(paths.get("x-train"), "x-train", paths.get("y-train"), "y-train",
                            o.divideBy(), o.classes(), dtype)),
                    NpyTable.files(paths.get("x-test"), "x-test", paths.get("y-test"), "y-test", o.divideBy(),
                            o.classes(), dtype), o.classes(), dtype));
            name = type + "(" + paths.get("x-train").getFileName() + ")";
        }
        return split(name, tables.train(), tables.test(), partition, seed);
    }

    /** The npy block's array names, scaling and classes, each key validated. */
    private record NpyOptions(String xTrain, String yTrain, String xTest, String yTest, double divideBy, int classes,
            DataType dtype) {

        static NpyOptions fromConfig(Config c, String path, DataType dtype) {
            String arraysPath = Settings.path(path, "arrays");
            Config arrays = subtree(c, path, "arrays");
            String[] names = new String[4];
            List<String> keys = List.of("x-train", "y-train", "x-test", "y-test");
            for (int i = 0; i < 4; i++) {
                names[i] = Settings.stringAt(arrays, arraysPath, keys.get(i)).trim();
                if (names[i].isEmpty()) {
                    throw new ConfigError(Settings.path(arraysPath, keys.get(i)), names[i],
                            "expected the array's name in the archive, e.g. \"" + keys.get(i).replace('-', '_') + "\"");
                }
            }
            double divideBy = Settings.positive(Settings.path(path, "divide-by"), Settings.doubleAt(c, path, "divide-by"));
            return new NpyOptions(names[0], names[1], names[2], names[3], divideBy, classesAt(c, path), dtype);
        }

        /** The training (or test) arrays of the archive {@code npz}. */
        NpyTable archive(Path npz, boolean train) {
            return train ? NpyTable.archive(npz, xTrain, yTrain, divideBy, classes, dtype)
                    : NpyTable.archive(npz, xTest, yTest, divideBy, classes, dtype);
        }
    }

    private static int classesAt(Config c, String path) {
        String classesKey = Settings.path(path, "classes");
        int classes = Settings.atLeast(classesKey, Settings.intAt(c, path, "classes"), 0);
        if (classes == 1) {
            throw new ConfigError(classesKey, classes, "expected 0 (the largest label + 1) or an integer >= 2");
        }
        return classes;
    }

    private static FederatedData folders(Config c, String path, Config dataConfig, String dataPath,
            PartitionSettings partition, DataType dtype, long seed) {
        String dirKey = Settings.path(path, "dir");
        Path dir = file(c, path, "dir", "a directory with one subfolder per client and the test file");
        String trainName = fileName(c, path, "train-file");
        String testName = fileName(c, path, "test-file");
        String csvPath = Settings.path(dataPath, "csv");
        CsvReader.Options options = csvOptions(subtree(dataConfig, dataPath, "csv"), csvPath);
        String npyPath = Settings.path(dataPath, "npy");
        NpyOptions npy = NpyOptions.fromConfig(subtree(dataConfig, dataPath, "npy"), npyPath, dtype);
        int classes = isNpz(trainName) ? npy.classes() : options.classes();
        List<Path> folders = new ArrayList<>();
        Tables.Loaded tables = load(csvPath, f -> dirKey, () -> {
            folders.addAll(ClientFolders.list(dir));
            List<TableFile> parts = new ArrayList<>(folders.size());
            for (Path folder : folders) {
                Path f = folder.resolve(trainName);
                if (!Files.isRegularFile(f)) {
                    throw new DataFileException(folder, "no " + trainName + " in this client folder; every client"
                            + " folder holds its training file (" + Settings.path(path, "train-file") + ")"
                            + (isEmpty(folder) ? "; the folder is empty" : ""));
                }
                parts.add(isNpz(trainName) ? npy.archive(f, true) : CsvReader.file(f, options));
            }
            Path test = dir.resolve(testName);
            if (!Files.isRegularFile(test)) {
                throw new DataFileException(test, "no such file; the test set lies at the top of the directory ("
                        + Settings.path(path, "test-file") + ")");
            }
            return Tables.load("folders", parts, isNpz(testName) ? npy.archive(test, false)
                    : CsvReader.file(test, options), classes, dtype);
        });
        String name = "folders(" + dir.getFileName() + ")";
        if (!partition.type().equals("natural")) {
            return split(name, tables.train(), tables.test(), partition, seed);
        }
        int[] starts = tables.starts();
        List<ClientData> clients = new ArrayList<>(folders.size());
        for (int k = 0; k < folders.size(); k++) {
            int[] rows = new int[starts[k + 1] - starts[k]];
            for (int i = 0; i < rows.length; i++) {
                rows[i] = starts[k] + i;
            }
            clients.add(new ClientData(k, tables.train(), rows, null, null));
        }
        log.info("data {}: client 0 is {}, client {} is {} (subfolders in natural order)", name,
                folders.get(0).getFileName(), folders.size() - 1, folders.get(folders.size() - 1).getFileName());
        return new FederatedData(name, tables.train(), tables.test(), clients);
    }

    private static boolean isNpz(String fileName) {
        return fileName.toLowerCase(java.util.Locale.ROOT).endsWith(".npz");
    }

    private static boolean isEmpty(Path folder) {
        try (var s = Files.list(folder)) {
            return s.findAny().isEmpty();
        } catch (IOException e) {
            return false;
        }
    }

    /** The csv block's reading options, each key validated. */
    private static CsvReader.Options csvOptions(Config c, String path) {
        String delimiter = Settings.stringAt(c, path, "delimiter");
        String delimiterKey = Settings.path(path, "delimiter");
        if (delimiter.length() != 1) {
            throw new ConfigError(delimiterKey, delimiter, "expected one character, e.g. \",\", \";\" or \"\\t\" (a tab)");
        }
        String header = Settings.stringAt(c, path, "header").trim().toLowerCase(java.util.Locale.ROOT);
        CsvReader.Header h = switch (header) {
            case "auto" -> CsvReader.Header.AUTO;
            case "yes", "true", "on" -> CsvReader.Header.YES;
            case "no", "false", "off" -> CsvReader.Header.NO;
            default -> throw new ConfigError(Settings.path(path, "header"), header, "expected yes, no or auto");
        };
        String label = Settings.stringAt(c, path, "label");
        double divideBy = Settings.positive(Settings.path(path, "divide-by"), Settings.doubleAt(c, path, "divide-by"));
        int classes = classesAt(c, path);
        try {
            new CsvReader.Options(',', h, label, 1, 0); // the label alone
        } catch (IllegalArgumentException e) {
            throw new ConfigError(Settings.path(path, "label"), label, "expected a column number (1 is the first,"
                    + " -1 the last) or a column name of the header row");
        }
        try {
            return new CsvReader.Options(delimiter.charAt(0), h, label, divideBy, classes);
        } catch (IllegalArgumentException e) {
            throw new ConfigError(delimiterKey, delimiter, "cannot separate cells: it is a quote, a line end or part"
                    + " of a number; expected e.g. \",\", \";\" or \"\\t\" (a tab)");
        }
    }

    /** A required path key: not empty, a valid path; relative paths are relative to the working directory. */
    private static Path file(Config c, String path, String key, String what) {
        String value = Settings.stringAt(c, path, key).trim();
        if (value.isEmpty()) {
            throw new ConfigError(Settings.path(path, key), value, "required: " + what);
        }
        try {
            return Path.of(value);
        } catch (java.nio.file.InvalidPathException e) {
            throw new ConfigError(Settings.path(path, key), value, "not a valid path: " + e.getReason());
        }
    }

    /** A file name inside a folder: not empty, not a path. */
    private static String fileName(Config c, String path, String key) {
        String value = Settings.stringAt(c, path, key).trim();
        if (value.isEmpty() || value.contains("/") || value.contains("\\") || value.equals(".") || value.equals("..")) {
            throw new ConfigError(Settings.path(path, key), value, "expected a file name such as \"train.csv\"");
        }
        return value;
    }

    private interface Load {
        Tables.Loaded run() throws IOException;
    }

    /**
     * Runs {@code load}, turning a file's problem into a config error at the key that names the
     * file, or at the reading option under {@code optionsPath} that does not fit the file.
     */
    private static Tables.Loaded load(String optionsPath, java.util.function.Function<Path, String> keyOf, Load load) {
        try {
            return load.run();
        } catch (DataFileException e) {
            String key = e.option() != null ? Settings.path(optionsPath, e.option()) : keyOf.apply(e.file());
            throw new ConfigError(key, e.getMessage(), e);
        } catch (IOException e) {
            throw new ConfigError(keyOf.apply(null), "cannot read: " + e, e);
        }
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

    private static FederatedData split(String name, Dataset train, Dataset test, PartitionSettings partition,
            long seed) {
        try {
            // A seed apart from the generator's, so the split does not replay its random stream.
            return partition(name, train, test, partition.partitioner(), partition.clients(),
                    seed * 0x9E3779B97F4A7C15L + 0x632BE59BD9B4E019L);
        } catch (IllegalArgumentException e) {
            throw new ConfigError(Settings.path(partition.path(), "clients"), e.getMessage(), e);
        }
    }

    private static Config subtree(Config c, String path, String key) {
        try {
            return c.getConfig(key);
        } catch (com.typesafe.config.ConfigException e) {
            throw new ConfigError(Settings.path(path, key), "missing or not an object; expected a { ... } block"
                    + " (defaults in fedsub/data.conf)", e);
        }
    }
}
