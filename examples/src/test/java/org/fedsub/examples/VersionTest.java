package org.fedsub.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.fedsub.examples.cli.Version;
import org.junit.jupiter.api.Test;

class VersionTest {

    @Test
    void version_printsTheProjectVersionJavaAndTheBackend_exit0() {
        for (String arg : List.of("--version", "version", "-V")) {
            Cli.Result r = Cli.run(arg);

            assertEquals(0, r.code(), r.err());
            List<String> lines = r.out().lines().toList();
            assertTrue(lines.get(0).matches("fedsub \\d+\\.\\d+\\.\\d+(-SNAPSHOT)?( \\(commit \\S+\\))?"), lines.get(0));
            assertTrue(lines.get(1).startsWith("Java " + System.getProperty("java.version")), lines.get(1));
            assertEquals("ND4J backend: nd4j-native 1.0.0-M2.1 (CPU)", lines.get(2));
        }
    }

    @Test
    void version_withTheCommitTheLauncherPasses_namesIt() {
        String before = System.getProperty(Version.COMMIT_PROPERTY);
        System.setProperty(Version.COMMIT_PROPERTY, "0123456789ab-dirty");
        try {
            assertTrue(Cli.run("--version").out().startsWith("fedsub " + Version.projectVersion()
                    + " (commit 0123456789ab-dirty)\n"));
        } finally {
            if (before == null) {
                System.clearProperty(Version.COMMIT_PROPERTY);
            } else {
                System.setProperty(Version.COMMIT_PROPERTY, before);
            }
        }
    }
}
