package org.fedsub.runtime.data;

import static org.fedsub.runtime.data.FederatedDatasets.SPLITS;
import static org.fedsub.runtime.data.FederatedDatasets.split;
import static org.fedsub.runtime.data.FederatedDatasets.subtree;

import com.typesafe.config.Config;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import org.fedsub.runtime.config.ConfigError;
import org.fedsub.runtime.config.Settings;
import org.fedsub.runtime.data.FederatedDatasets.PartitionSettings;
import org.nd4j.linalg.api.buffer.DataType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The user's own data from config: {@code fedsub.data.type = csv}, {@code npy} ({@code numpy})
 * and {@code folders} (see {@code fedsub/data.conf} and {@code docs/data.md}). Every key is
 * validated before a file is opened, and a file's problem becomes a {@link ConfigError} at the
 * key that names the file (or the reading option that does not fit it).
 */
final class OwnData {

    private static final Logger log = LoggerFactory.getLogger(OwnData.class);

    private OwnData() {}

    static FederatedData csv(Config c, String path, PartitionSettings partition, DataType dtype, long seed) {
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

    static FederatedData npy(Config c, String path, String type, PartitionSettings partition, DataType dtype,
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
            Map<String, Path> paths = new LinkedHashMap<>();
            Map<Path, String> keyOf = new HashMap<>();
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

    static FederatedData folders(Config c, String path, Config dataConfig, String dataPath,
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
        List<Integer> hosted = hosted(c, path);
        if (hosted != null) {
            if (!partition.type().equals("natural")) {
                throw new ConfigError(Settings.path(path, "hosted"), hosted, "a node hosting some clients reads the "
                        + "folders' own split; fedsub.data.partition.type must be natural, not " + partition.type());
            }
            return hostedFolders(dir, dirKey, Settings.path(path, "hosted"), hosted, trainName, testName, csvPath,
                    options, npy, classes, dtype);
        }
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

    /** The hosted ids, sorted, or null for "all". */
    private static List<Integer> hosted(Config c, String path) {
        if (!c.hasPath("hosted")) {
            return null;
        }
        if (c.getValue("hosted").valueType() == com.typesafe.config.ConfigValueType.STRING) {
            String v = c.getString("hosted").trim();
            if (v.equals("all")) {
                return null;
            }
            throw new ConfigError(Settings.path(path, "hosted"), v, "expected \"all\" or a list of client ids, e.g. [0, 3]");
        }
        List<Integer> ids = new ArrayList<>(new java.util.TreeSet<>(Settings.intListAt(c, path, "hosted")));
        for (int id : ids) {
            if (id < 0) {
                throw new ConfigError(Settings.path(path, "hosted"), id, "client ids are integers >= 0");
            }
        }
        return ids;
    }

    /** One line of the manifest. */
    private record Entry(int client, String folder, int examples) {}

    private static List<Entry> manifest(Path dir) throws IOException {
        Path file = dir.resolve(ClientFolders.MANIFEST);
        if (!Files.isRegularFile(file)) {
            throw new DataFileException(file, "no such file; a cluster node reads only its own clients' folders and "
                    + "learns every client's example count from this manifest, which ./fedsub partition writes "
                    + "(partition the data again with this version)");
        }
        List<String> lines = Files.readAllLines(file, java.nio.charset.StandardCharsets.UTF_8);
        if (lines.isEmpty() || !lines.get(0).trim().equals(ClientFolders.MANIFEST_HEADER)) {
            throw new DataFileException(file, 1, 1, "expected the header " + ClientFolders.MANIFEST_HEADER);
        }
        List<Entry> entries = new ArrayList<>();
        for (int i = 1; i < lines.size(); i++) {
            String line = lines.get(i).trim();
            if (line.isEmpty()) {
                continue;
            }
            String[] cells = line.split(",", -1);
            if (cells.length != 3) {
                throw new DataFileException(file, i + 1, 1, "expected 3 cells (" + ClientFolders.MANIFEST_HEADER + "), got "
                        + cells.length);
            }
            int client;
            int examples;
            try {
                client = Integer.parseInt(cells[0].trim());
                examples = Integer.parseInt(cells[2].trim());
            } catch (NumberFormatException e) {
                throw new DataFileException(file, i + 1, 1, "client and examples are integers: " + line);
            }
            String folder = cells[1].trim();
            if (client != entries.size() || examples < 1 || folder.isEmpty() || folder.contains("/")
                    || folder.contains("\\") || folder.startsWith(".")) {
                throw new DataFileException(file, i + 1, 1, "expected client " + entries.size() + ", a folder name and "
                        + "an example count >= 1, got: " + line);
            }
            entries.add(new Entry(client, folder, examples));
        }
        if (entries.isEmpty()) {
            throw new DataFileException(file, "lists no client");
        }
        return entries;
    }

    /**
     * The folders as a cluster node sees them: the rows of the {@code hosted} clients only (the
     * others, from the manifest, are {@link ClientData#elsewhere}), and the test file.
     */
    private static FederatedData hostedFolders(Path dir, String dirKey, String hostedKey, List<Integer> hosted,
            String trainName, String testName, String csvPath, CsvReader.Options options, NpyOptions npy, int classes,
            DataType dtype) {
        List<Entry> entries = new ArrayList<>();
        Tables.Loaded tables = load(csvPath, f -> dirKey, () -> {
            entries.addAll(manifest(dir));
            List<TableFile> parts = new ArrayList<>(hosted.size());
            for (int id : hosted) {
                if (id >= entries.size()) {
                    throw new ConfigError(hostedKey, id, "client id out of range: " + dir.resolve(ClientFolders.MANIFEST) + " lists "
                            + entries.size() + " clients (ids 0 to " + (entries.size() - 1) + ")");
                }
                Path folder = dir.resolve(entries.get(id).folder());
                Path f = folder.resolve(trainName);
                if (!Files.isRegularFile(f)) {
                    throw new DataFileException(f, "no such file: client " + id + "'s shard is missing ("
                            + (Files.isDirectory(folder) ? "its folder holds no " + trainName
                                    : "no folder " + folder.getFileName() + " in " + dir) + "); copy the folder "
                            + "./fedsub partition wrote for it");
                }
                parts.add(isNpz(trainName) ? npy.archive(f, true) : CsvReader.file(f, options));
            }
            Path test = dir.resolve(testName);
            if (!Files.isRegularFile(test)) {
                throw new DataFileException(test, "no such file; the test set lies at the top of the directory");
            }
            return Tables.load("folders", parts, isNpz(testName) ? npy.archive(test, false)
                    : CsvReader.file(test, options), classes, dtype);
        });
        int[] starts = tables.starts();
        List<ClientData> clients = new ArrayList<>(entries.size());
        for (Entry e : entries) {
            int k = hosted.indexOf(e.client());
            if (k < 0) {
                clients.add(ClientData.elsewhere(e.client(), tables.train(), e.examples()));
                continue;
            }
            int[] rows = new int[starts[k + 1] - starts[k]];
            if (rows.length != e.examples()) {
                throw new ConfigError(dirKey, dir.toString(), dir.resolve(e.folder()).resolve(trainName) + " has "
                        + rows.length + " rows but " + ClientFolders.MANIFEST + " says " + e.examples() + "; the folders are not "
                        + "the ones ./fedsub partition wrote with this manifest");
            }
            for (int i = 0; i < rows.length; i++) {
                rows[i] = starts[k] + i;
            }
            clients.add(new ClientData(e.client(), tables.train(), rows, null, null));
        }
        String name = "folders(" + dir.getFileName() + ")";
        log.info("data {}: hosting clients {} of {} (the others' rows are not read here)", name, hosted,
                entries.size());
        return new FederatedData(name, tables.train(), tables.test(), clients);
    }

    private static boolean isNpz(String fileName) {
        return fileName.toLowerCase(Locale.ROOT).endsWith(".npz");
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
        String header = Settings.stringAt(c, path, "header").trim().toLowerCase(Locale.ROOT);
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
        } catch (InvalidPathException e) {
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
    private static Tables.Loaded load(String optionsPath, Function<Path, String> keyOf, Load load) {
        try {
            return load.run();
        } catch (DataFileException e) {
            String key = e.option() != null ? Settings.path(optionsPath, e.option()) : keyOf.apply(e.file());
            throw new ConfigError(key, e.getMessage(), e);
        } catch (IOException e) {
            throw new ConfigError(keyOf.apply(null), "cannot read: " + e, e);
        }
    }
}
