package org.fedsub.runtime.data;

import java.nio.file.Path;
import java.util.Locale;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Refuses a table before its arrays are allocated when they cannot fit the heap or one Java
 * array, so that a large or corrupt file ends in a message instead of an {@code OutOfMemoryError}.
 */
final class HeapBudget {

    /** Largest array the VM is sure to allocate (some reserve a few header words). */
    static final long MAX_ARRAY = Integer.MAX_VALUE - 8;

    private HeapBudget() {}

    /** Bytes of one value of a table of {@code dtype} while it is built on the heap. */
    static int bytesPerValue(DataType dtype) {
        return dtype == DataType.DOUBLE ? 8 : 4;
    }

    /**
     * Checks that {@code values} values fit one array and that {@code bytes} fit the heap still
     * free (after one collection, so that garbage does not count as used).
     *
     * @param what the arrays, for the message, e.g. "120000 rows x 785 columns"
     */
    static void check(Path file, String what, long values, long bytes) throws DataFileException {
        if (values > MAX_ARRAY) {
            throw new DataFileException(file, what + " are " + values + " values, more than one Java array holds ("
                    + MAX_ARRAY + "); use fewer rows");
        }
        if (bytes <= free()) {
            return;
        }
        System.gc(); // only on the way to refusing: garbage is not a reason to refuse
        long free = free();
        if (bytes > free) {
            Runtime rt = Runtime.getRuntime();
            throw new DataFileException(file, String.format(Locale.ROOT, "%s need %s of heap to load but only %s"
                    + " of the %s heap (-Xmx) is free; give Java more (e.g. FEDSUB_JAVA_OPTS=-Xmx8g) or use fewer rows",
                    what, mib(bytes), mib(free), mib(rt.maxMemory())));
        }
    }

    private static long free() {
        Runtime rt = Runtime.getRuntime();
        return rt.maxMemory() - (rt.totalMemory() - rt.freeMemory());
    }

    static String mib(long bytes) {
        return String.format(Locale.ROOT, "%,.1f MiB", bytes / (1024.0 * 1024.0));
    }
}
