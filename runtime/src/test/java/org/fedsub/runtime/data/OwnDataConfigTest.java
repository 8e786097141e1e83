package org.fedsub.runtime.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.fedsub.runtime.config.ConfigError;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;

/** {@code fedsub.data.type = csv} and {@code folders}: what the config builds and how it fails. */
class OwnDataConfigTest {

    private static final String PATH = "fedsub.data";

    @TempDir
    Path dir;

    @Test
    void csv_isSplitByThePartitioner_andKeepsTheTestFile() throws IOException {
        Path train = CsvFiles.write(dir, "train.csv", CsvFiles.blobs(60, 4, 3, 1, true));
        Path test = CsvFiles.write(dir, "test.csv", CsvFiles.blobs(15, 4, 3, 2, true));

        FederatedData data = build(csv(train, test) + "partition { type = dirichlet, clients = 5, alpha = 1 }");

        assertEquals(5, data.numClients());
        assertEquals(60, data.train().size());
        assertEquals(15, data.test().size());
        assertEquals(4, data.train().featureDim());
        assertEquals(3, data.train().numClasses());
        assertEquals(60, data.clients().stream().mapToInt(ClientData::numExamples).sum());
    }

    @Test
    void csv_naturalPartition_isRefused_pointingAtFolders() throws IOException {
        Path f = CsvFiles.write(dir, "t.csv", CsvFiles.blobs(10, 2, 2, 1, false));

        ConfigError e = assertThrows(ConfigError.class, () -> build(csv(f, f)));

        assertEquals("fedsub.data.partition.type", e.path());
        assertTrue(e.getMessage().contains("csv has no natural clients") && e.getMessage().contains("folders"),
                e.getMessage());
    }

    @Test
    void csv_badFiles_areConfigErrorsAtTheKeyNamingFileLineAndColumn() throws IOException {
        Path good = CsvFiles.write(dir, "good.csv", "1,2,0\n3,4,1\n");
        Path bad = CsvFiles.write(dir, "bad.csv", "1,2,0\n3,x,1\n");

        ConfigError inTrain = assertThrows(ConfigError.class, () -> build(csv(bad, good) + "partition.type = iid"));
        ConfigError inTest = assertThrows(ConfigError.class, () -> build(csv(good, bad) + "partition.type = iid"));
        ConfigError missing = assertThrows(ConfigError.class,
                () -> build(csv(good, dir.resolve("none.csv")) + "partition.type = iid"));

        assertEquals("fedsub.data.csv.train", inTrain.path());
        assertEquals("fedsub.data.csv.train: " + bad + ": line 2, column 2: \"x\" is not a number", inTrain.getMessage());
        assertEquals("fedsub.data.csv.test", inTest.path());
        assertEquals("fedsub.data.csv.test", missing.path());
        ConfigError label = assertThrows(ConfigError.class,
                () -> build(csv(good, good) + "csv.label = target\npartition.type = iid"));
        assertEquals("fedsub.data.csv.label", label.path(), "the option that does not fit the file is blamed");
        assertTrue(label.getMessage().contains(good + ": line 1: label column \"target\" is a name but the file has"
                + " no header row"), label.getMessage());
        assertTrue(missing.getMessage().contains("none.csv: no such file"), missing.getMessage());
    }

    @Test
    void csv_badKeys_nameTheKey() {
        String files = "type = csv\ncsv { train = a.csv, test = b.csv }\npartition.type = iid\n";

        assertEquals("fedsub.data.csv.train", assertThrows(ConfigError.class,
                () -> build("type = csv\npartition.type = iid")).path());
        assertEquals("fedsub.data.csv.delimiter", assertThrows(ConfigError.class,
                () -> build(files + "csv.delimiter = \";;\"")).path());
        assertEquals("fedsub.data.csv.delimiter", assertThrows(ConfigError.class,
                () -> build(files + "csv.delimiter = \".\"")).path());
        assertEquals("fedsub.data.csv.header", assertThrows(ConfigError.class,
                () -> build(files + "csv.header = maybe")).path());
        assertEquals("fedsub.data.csv.label", assertThrows(ConfigError.class,
                () -> build(files + "csv.label = 0")).path());
        assertEquals("fedsub.data.csv.divide-by", assertThrows(ConfigError.class,
                () -> build(files + "csv.divide-by = 0")).path());
        assertEquals("fedsub.data.csv.classes", assertThrows(ConfigError.class,
                () -> build(files + "csv.classes = 1")).path());
    }

    @Test
    void folders_naturalPartition_isOneClientPerSubfolder_inNaturalOrder() throws IOException {
        int[] rows = {5, 7, 9};
        String[] names = {"client-10", "client-2", "client-1"}; // ids: client-1 -> 0, client-2 -> 1, client-10 -> 2
        for (int k = 0; k < names.length; k++) {
            CsvFiles.write(dir, names[k] + "/train.csv", CsvFiles.blobs(rows[k], 3, 3, k, k == 0));
        }
        Files.createDirectories(dir.resolve(".cache"));
        CsvFiles.write(dir, "test.csv", CsvFiles.blobs(6, 3, 3, 9, false));
        CsvFiles.write(dir, "README", "not a client");

        FederatedData data = build("type = folders\nfolders.dir = \"" + dir + "\"");

        assertEquals(3, data.numClients());
        assertArrayEquals(new int[] {9, 7, 5}, data.clients().stream().mapToInt(ClientData::numExamples).toArray());
        assertEquals(21, data.train().size());
        assertEquals(6, data.test().size());
        assertArrayEquals(new int[] {0, 1, 2, 3, 4, 5, 6, 7, 8}, data.client(0).trainRows());
        assertEquals(List.of("client-1", "client-2", "client-10"), ClientFolders.list(dir).stream()
                .map(p -> p.getFileName().toString()).toList());
    }

    @Test
    void folders_otherPartitions_resplitThePooledRows() throws IOException {
        for (int k = 0; k < 2; k++) {
            CsvFiles.write(dir, "c" + k + "/train.csv", CsvFiles.blobs(20, 3, 2, k, false));
        }
        CsvFiles.write(dir, "test.csv", CsvFiles.blobs(6, 3, 2, 9, false));

        FederatedData data = build("type = folders\nfolders.dir = \"" + dir + "\"\npartition { type = iid, clients = 4 }");

        assertEquals(4, data.numClients());
        assertEquals(40, data.clients().stream().mapToInt(ClientData::numExamples).sum());
    }

    @Test
    void folders_emptyClientFolder_isNamed() throws IOException {
        CsvFiles.write(dir, "client-0/train.csv", "1,2,0\n3,4,1\n");
        Files.createDirectories(dir.resolve("client-1"));
        CsvFiles.write(dir, "test.csv", "1,2,0\n");

        ConfigError e = assertThrows(ConfigError.class, () -> build("type = folders\nfolders.dir = \"" + dir + "\""));

        assertEquals("fedsub.data.folders.dir", e.path());
        assertTrue(e.getMessage().contains(dir.resolve("client-1") + ": no train.csv in this client folder")
                && e.getMessage().contains("the folder is empty"), e.getMessage());
    }

    @Test
    void folders_clientWithOnlyAHeader_isNamed() throws IOException {
        CsvFiles.write(dir, "client-0/train.csv", "a,b,label\n1,2,0\n3,4,1\n");
        CsvFiles.write(dir, "client-1/train.csv", "a,b,label\n");
        CsvFiles.write(dir, "test.csv", "1,2,0\n");

        ConfigError e = assertThrows(ConfigError.class, () -> build("type = folders\nfolders.dir = \"" + dir + "\""));

        assertTrue(e.getMessage().contains(dir.resolve("client-1/train.csv") + ": no data rows"), e.getMessage());
    }

    @Test
    void folders_mismatchedFeatureCounts_nameBothFiles_beforeReadingTheRest() throws IOException {
        CsvFiles.write(dir, "client-0/train.csv", "1,2,0\n3,4,1\n");
        // Its second row is malformed too, but the feature count is found from the first row first.
        CsvFiles.write(dir, "client-1/train.csv", "1,2,3,0\nbad\n");
        CsvFiles.write(dir, "test.csv", "1,2,0\n");

        ConfigError e = assertThrows(ConfigError.class, () -> build("type = folders\nfolders.dir = \"" + dir + "\""));

        assertEquals("fedsub.data.folders.dir", e.path());
        assertTrue(e.getMessage().contains(dir.resolve("client-1/train.csv") + ": 3 features a row but "
                + dir.resolve("client-0/train.csv") + " has 2"), e.getMessage());
    }

    @Test
    void folders_missingDirectoryTestFileOrClients_areNamed() throws IOException {
        ConfigError noDir = assertThrows(ConfigError.class,
                () -> build("type = folders\nfolders.dir = \"" + dir.resolve("nope") + "\""));
        ConfigError noClients = assertThrows(ConfigError.class,
                () -> build("type = folders\nfolders.dir = \"" + dir + "\""));
        CsvFiles.write(dir, "client-0/train.csv", "1,2,0\n3,4,1\n");
        ConfigError noTest = assertThrows(ConfigError.class,
                () -> build("type = folders\nfolders.dir = \"" + dir + "\""));
        ConfigError noKey = assertThrows(ConfigError.class, () -> build("type = folders"));

        assertTrue(noDir.getMessage().contains("nope: no such directory"), noDir.getMessage());
        assertTrue(noClients.getMessage().contains("holds no client folders"), noClients.getMessage());
        assertTrue(noTest.getMessage().contains(dir.resolve("test.csv") + ": no such file"), noTest.getMessage());
        assertEquals("fedsub.data.folders.dir", noKey.path());
    }

    private static String csv(Path train, Path test) {
        return "type = csv\ncsv { train = \"" + train + "\", test = \"" + test + "\" }\n";
    }

    static FederatedData build(String overrides) {
        Config config = ConfigFactory.parseString(overrides)
                .withFallback(ConfigFactory.parseResources("fedsub/data.conf").getConfig(PATH))
                .resolve();
        return FederatedDatasets.fromConfig(config, PATH, DataType.FLOAT, 1);
    }
}
