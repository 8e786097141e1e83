package org.fedsub.runtime.data;

import static org.fedsub.runtime.data.OwnDataConfigTest.build;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import org.fedsub.runtime.config.ConfigError;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code fedsub.data.folders.hosted}: a cluster node reads only its own clients' folders, and
 * learns the others' example counts from the partition's manifest; the server reads none.
 */
class HostedFoldersTest {

    @TempDir
    Path dir;

    private final int[] rows = {5, 7, 9};

    @BeforeEach
    void partition() throws IOException {
        StringBuilder manifest = new StringBuilder(ClientFolders.MANIFEST_HEADER + "\n");
        for (int k = 0; k < rows.length; k++) {
            CsvFiles.write(dir, "client-" + k + "/train.csv", CsvFiles.blobs(rows[k], 3, 3, k, k == 0));
            manifest.append(k).append(",client-").append(k).append(',').append(rows[k]).append('\n');
        }
        CsvFiles.write(dir, "test.csv", CsvFiles.blobs(6, 3, 3, 9, false));
        CsvFiles.write(dir, ClientFolders.MANIFEST, manifest.toString());
    }

    private FederatedData hosted(String ids) {
        return build("type = folders\nfolders { dir = \"" + dir + "\", hosted = " + ids + " }");
    }

    @Test
    void aClientNode_readsOnlyItsClients_andKnowsTheOthersCounts() throws IOException {
        java.nio.file.Files.delete(dir.resolve("client-0/train.csv")); // not this node's: never read

        FederatedData data = hosted("[1]");

        assertEquals(3, data.numClients());
        assertEquals(7, data.train().size(), "client 1's rows only");
        assertArrayEquals(new int[] {5, 7, 9}, data.clients().stream().mapToInt(ClientData::numExamples).toArray());
        assertFalse(data.client(1).isElsewhere());
        assertTrue(data.client(0).isElsewhere() && data.client(2).isElsewhere());
        // The same client's rows, whoever else the node hosts.
        FederatedData two = hosted("[1, 2]");
        assertEquals(data.client(1).train().batch(data.client(1).trainRows()).features(),
                two.client(1).train().batch(two.client(1).trainRows()).features());
    }

    @Test
    void theServer_readsNoTrainingRow_onlyTheTestSet() {
        FederatedData data = hosted("[]");

        assertEquals(0, data.train().size());
        assertEquals(6, data.test().size());
        assertEquals(3, data.numClients());
        assertEquals(9, data.client(2).numExamples());
    }

    @Test
    void mistakes_nameTheKeyTheFileAndWhatWouldBeRight() throws IOException {
        ConfigError range = assertThrows(ConfigError.class, () -> hosted("[1, 3]"));
        assertEquals("fedsub.data.folders.hosted", range.path());
        assertTrue(range.getMessage().contains("client id out of range") && range.getMessage().contains("ids 0 to 2"),
                range.getMessage());

        java.nio.file.Files.delete(dir.resolve("client-2/train.csv"));
        ConfigError missing = assertThrows(ConfigError.class, () -> hosted("[2]"));
        assertEquals("fedsub.data.folders.dir", missing.path());
        assertTrue(missing.getMessage().contains("client 2's shard is missing"), missing.getMessage());

        java.nio.file.Files.delete(dir.resolve(ClientFolders.MANIFEST));
        ConfigError manifest = assertThrows(ConfigError.class, () -> hosted("[0]"));
        assertTrue(manifest.getMessage().contains("clients.csv") && manifest.getMessage().contains("./fedsub partition"),
                manifest.getMessage());

        ConfigError word = assertThrows(ConfigError.class, () -> hosted("some"));
        assertEquals("fedsub.data.folders.hosted", word.path());
    }
}
