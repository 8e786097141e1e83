package org.fedsub.runtime.data;

import java.io.IOException;
import java.nio.file.Path;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * A file of labelled examples (features and one integer label a row), read in passes so that
 * nothing that grows with the file is allocated before the file is known to be good: a look at
 * its first row or header ({@link #features()}), a check of every value ({@link #check}), and
 * then a read into arrays sized from the shapes of every file of the data set ({@link #read}).
 */
interface TableFile {

    /** The file to name in messages. */
    Path file();

    /** Number of features a row, from the file's first row or header only. */
    int features() throws IOException;

    /**
     * Checks every row: values are finite numbers that {@code dtype} can hold, labels integers
     * {@code >= 0} (and below the class count, when one is set); at least one row.
     */
    Shape check(DataType dtype) throws IOException;

    /** Writes the rows into {@code x} from row {@code offset} on and their labels into {@code y}. */
    void read(Shape shape, Features x, int[] y, int offset) throws IOException;

    /**
     * @param maxLabelAt where the largest label is, for messages (e.g. "line 7, column 5")
     */
    record Shape(int rows, int features, int maxLabel, String maxLabelAt) {}
}
