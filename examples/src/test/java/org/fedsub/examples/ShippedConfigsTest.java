package org.fedsub.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Every ready experiment in the repository's conf/ passes {@code fedsub check}. */
class ShippedConfigsTest {

    @Test
    void everyConfFile_passesCheck() throws IOException {
        Path conf = Path.of("..", "conf");
        List<Path> files;
        try (Stream<Path> s = Files.list(conf)) {
            files = s.filter(p -> p.toString().endsWith(".conf")).sorted().toList();
        }
        assertFalse(files.isEmpty(), "conf/ has experiments");
        for (Path f : files) {
            // Data paths in a conf are relative to the repository root, where ./fedsub runs; tests run in examples/.
            Cli.Result r = f.getFileName().toString().equals("csv-example.conf") ? Cli.run("check", f.toString(),
                    "--set", "fedsub.data.csv.train=../data/examples/blobs-train.csv",
                    "--set", "fedsub.data.csv.test=../data/examples/blobs-test.csv") : Cli.run("check", f.toString());
            assertEquals(0, r.code(), f + ": " + r.err());
        }
        Cli.Result stragglers = Cli.run("check", conf.resolve("stragglers.conf").toString());
        assertTrue(stragglers.out().contains("ok: fedasync-fedsub: ") && stragglers.out().contains("virtual clock"),
                stragglers.out());
    }
}
