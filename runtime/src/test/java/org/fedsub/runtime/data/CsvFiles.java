package org.fedsub.runtime.data;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Random;

/** Small CSV files for tests: well separated Gaussian blobs, one per class. */
final class CsvFiles {

    private CsvFiles() {}

    /**
     * {@code rows} rows of {@code features} features and a last column {@code label} in
     * {@code 0..classes-1}; class k's mean is 3 on feature k mod features, 0 elsewhere.
     */
    static String blobs(int rows, int features, int classes, long seed, boolean header) {
        Random r = new Random(seed);
        StringBuilder s = new StringBuilder();
        if (header) {
            for (int j = 0; j < features; j++) {
                s.append('f').append(j).append(',');
            }
            s.append("label\n");
        }
        for (int i = 0; i < rows; i++) {
            int label = i % classes;
            for (int j = 0; j < features; j++) {
                double mean = j == label % features ? 3 : 0;
                s.append(String.format(Locale.ROOT, "%.3f", mean + r.nextGaussian())).append(',');
            }
            s.append(label).append('\n');
        }
        return s.toString();
    }

    static Path write(Path dir, String name, String text) throws IOException {
        Path p = dir.resolve(name);
        Files.createDirectories(p.getParent());
        Files.writeString(p, text, StandardCharsets.UTF_8);
        return p;
    }
}
