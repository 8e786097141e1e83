package org.fedsub.runtime.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.fedsub.runtime.config.ConfigError;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;

class FederatedDatasetsTest {

    private static final String PATH = "fedsub.data";

    @TempDir
    Path dir;

    @Test
    void defaults_giveFedProxSynthetic11WithItsNaturalUsers() {
        FederatedData data = build("synthetic.max-samples-per-user = 100");

        assertEquals("synthetic(1,1)", data.name());
        assertEquals(30, data.numClients());
        assertEquals(60, data.train().featureDim());
        for (ClientData c : data.clients()) {
            int total = c.numExamples() + c.testRows().length;
            assertTrue(total >= 50 && total <= 100, "user " + c.clientId() + " has " + total + " examples");
        }
    }

    @Test
    void syntheticIid_withDirichletPartition_splitsPooledRows() {
        FederatedData data = build("""
                type = synthetic-iid
                synthetic { users = 10, max-samples-per-user = 100 }
                partition { type = dirichlet, clients = 7, alpha = 0.3 }
                """);

        assertEquals(7, data.numClients());
        int total = 0;
        for (ClientData c : data.clients()) {
            total += c.numExamples();
            assertNull(c.testRows());
        }
        assertEquals(data.train().size(), total);
    }

    @Test
    void leastSquares_givesItsOwnClients() {
        FederatedData data = build("""
                type = least-squares
                least-squares { clients = 4, rows-per-client = 30, dim = 5, outputs = 2 }
                """);

        assertEquals(4, data.numClients());
        assertEquals(5, data.train().featureDim());
        assertEquals(0, data.train().numClasses());
    }

    @Test
    void idx_fromDirectory_isPartitionedByShards() throws IOException {
        writeIdx(dir, 40, 10);
        FederatedData data = build("type = idx\nidx.dir = \"" + dir + "\"\nidx.test-limit = 5\n"
                + "partition { type = shards, clients = 5, shards-per-client = 2 }");

        assertEquals(5, data.numClients());
        assertEquals(40, data.train().size());
        assertEquals(5, data.test().size());
        for (ClientData c : data.clients()) {
            int classes = 0;
            for (int n : c.labelCounts()) {
                classes += n > 0 ? 1 : 0;
            }
            assertTrue(classes <= 2, "client with " + classes + " classes");
        }
    }

    @Test
    void unknownType_namesPathValueAndChoices() {
        ConfigError e = assertThrows(ConfigError.class, () -> build("type = cifar"));

        assertEquals("fedsub.data.type", e.path());
        assertTrue(e.getMessage().contains("cifar") && e.getMessage().contains("fashion-mnist"), e.getMessage());
    }

    @Test
    void unknownPartition_namesPathAndChoices() {
        ConfigError e = assertThrows(ConfigError.class, () -> build("partition.type = pathological"));

        assertEquals("fedsub.data.partition.type", e.path());
        assertTrue(e.getMessage().contains("pathological") && e.getMessage().contains("dirichlet"), e.getMessage());
    }

    @Test
    void negativeAlpha_namesPath() {
        ConfigError dirichlet = assertThrows(ConfigError.class, () -> build("partition.alpha = -0.5"));
        ConfigError synthetic = assertThrows(ConfigError.class, () -> build("synthetic.alpha = -1"));

        assertEquals("fedsub.data.partition.alpha", dirichlet.path());
        assertTrue(dirichlet.getMessage().contains("-0.5"), dirichlet.getMessage());
        assertEquals("fedsub.data.synthetic.alpha", synthetic.path());
    }

    @Test
    void naturalPartitionForMnist_isRefused() {
        ConfigError e = assertThrows(ConfigError.class, () -> build("type = mnist"));

        assertEquals("fedsub.data.partition.type", e.path());
        assertTrue(e.getMessage().contains("natural") && e.getMessage().contains("iid"), e.getMessage());
    }

    @Test
    void splitPartitionForLeastSquares_isRefused() {
        ConfigError e = assertThrows(ConfigError.class, () -> build("type = least-squares\npartition.type = iid"));

        assertEquals("fedsub.data.partition.type", e.path());
    }

    @Test
    void missingDataDirectory_namesFileDirectoryAndScript() {
        Path absent = dir.resolve("no-mnist-here");
        ConfigError e = assertThrows(ConfigError.class,
                () -> build("type = mnist\nmnist.dir = \"" + absent + "\"\npartition.type = iid"));

        assertEquals("fedsub.data.mnist.dir", e.path());
        assertTrue(e.getMessage().contains("train-images-idx3-ubyte") && e.getMessage().contains(absent.toString())
                && e.getMessage().contains("./scripts/get-data.sh"), e.getMessage());
    }

    @Test
    void corruptDataFile_namesPathAndFile() throws IOException {
        writeIdx(dir, 10, 5);
        Files.write(dir.resolve("t10k-labels-idx1-ubyte"), new byte[] {0, 0, 8});
        ConfigError e = assertThrows(ConfigError.class,
                () -> build("type = fashion-mnist\nfashion-mnist.dir = \"" + dir + "\"\npartition.type = iid"));

        assertEquals("fedsub.data.fashion-mnist.dir", e.path());
        assertTrue(e.getMessage().contains("t10k-labels-idx1-ubyte") && e.getMessage().contains("truncated"),
                e.getMessage());
    }

    @Test
    void tooManyClients_namesPartitionClients() {
        ConfigError e = assertThrows(ConfigError.class, () -> build("""
                synthetic { users = 2, max-samples-per-user = 10 }
                partition { type = iid, clients = 100 }
                """));

        assertEquals("fedsub.data.partition.clients", e.path());
    }

    private static FederatedData build(String overrides) {
        Config config = ConfigFactory.parseString(overrides)
                .withFallback(ConfigFactory.parseResources("fedsub/data.conf").getConfig(PATH))
                .resolve();
        return FederatedDatasets.fromConfig(config, PATH, DataType.FLOAT, 1);
    }

    private static void writeIdx(Path dir, int train, int test) throws IOException {
        for (String prefix : new String[] {"train", "t10k"}) {
            int n = prefix.equals("train") ? train : test;
            int[] labels = new int[n];
            byte[][] pixels = new byte[n][6];
            for (int i = 0; i < n; i++) {
                labels[i] = i % 10;
                pixels[i][0] = (byte) i;
            }
            Files.write(dir.resolve(prefix + "-images-idx3-ubyte.gz"), IdxReaderTest.gzip(IdxReaderTest.images(pixels, n)));
            Files.write(dir.resolve(prefix + "-labels-idx1-ubyte"), IdxReaderTest.labels(labels, n));
        }
    }
}
