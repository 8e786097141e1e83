package org.fedsub.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The actor runtime schedules bytes: every tensor operation lives in the runtime's server and
 * client steps, which the reference engine runs too. An ND4J import here would be a second copy
 * of that work, and the actors-vs-reference equality would stop holding by construction.
 */
class NoTensorsTest {

    @Test
    void noMainSourceOfTheActorRuntime_importsNd4j() throws IOException {
        Path main = Path.of("src/main/java");
        assertTrue(Files.isDirectory(main), "run from the actors module: " + main.toAbsolutePath());
        List<Path> offenders;
        try (Stream<Path> files = Files.walk(main)) {
            offenders = files.filter(p -> p.toString().endsWith(".java")).filter(p -> {
                try {
                    return Files.readString(p).contains("org.nd4j");
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).toList();
        }
        assertEquals(List.of(), offenders);
    }
}
