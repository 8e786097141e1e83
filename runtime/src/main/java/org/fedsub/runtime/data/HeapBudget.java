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

    /** Most of the free heap one table may take. */
    static final int SHARE_PERCENT = 75;

    private HeapBudget() {}

    /** Bytes of one value of a table of {@code dtype} while it is built on the heap. */
    static int bytesPerValue(DataType dtype) {
        return dtype == DataType.DOUBLE ? 8 : 4;
    }

    /**
     * Checks that {@code values} values fit one array and that {@code bytes} fit in
     * {@value #SHARE_PERCENT}% of the heap still free (after one collection, so that garbage does
     * not count as used): a large array needs room in one generation or contiguous regions, not
     * just free bytes somewhere. Allocation may still fail; {@link #tooLarge} says so the same way.
     *
     * @param what the arrays, for the message, e.g. "120000 rows x 785 columns"
     */
    static void check(Path file, String what, long values, long bytes) throws DataFileException {
        if (values > MAX_ARRAY) {
            throw new DataFileException(file, what + " are " + values + " values, more than one Java array holds ("
                    + MAX_ARRAY + "); use fewer rows");
        }
        if (bytes <= usable()) {
            return;
        }
        System.gc(); // only on the way to refusing: garbage is not a reason to refuse
        if (bytes > usable()) {
            throw tooLarge(file, what, bytes);
        }
    }

    /** The refusal of {@link #check}, also for an allocation that failed after all. */
    static DataFileException tooLarge(Path file, String what, long bytes) {
        return new DataFileException(file, String.format(Locale.ROOT, "%s need %s of memory to load, more than %d%%"
                + " of the %s of the %s heap (-Xmx) that is free; give Java more (e.g. FEDSUB_JAVA_OPTS=-Xmx8g)"
                + " or use fewer rows", what, mib(bytes), SHARE_PERCENT, mib(free()),
                mib(Runtime.getRuntime().maxMemory())));
    }

    private static long usable() {
        return free() / 100 * SHARE_PERCENT;
    }

    private static long free() {
        Runtime rt = Runtime.getRuntime();
        return rt.maxMemory() - (rt.totalMemory() - rt.freeMemory());
    }

    static String mib(long bytes) {
        return String.format(Locale.ROOT, "%,.1f MiB", bytes / (1024.0 * 1024.0));
    }
}
