package org.fedsub.runtime.data;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A data file that cannot be used as it is: missing, empty, or with a cell, row or array that
 * is not what it should be. The message names the file, the 1-based line and column where they
 * apply, and the problem, e.g. {@code data/train.csv: line 12, column 3: "abc" is not a number}.
 */
public final class DataFileException extends IOException {

    private static final long serialVersionUID = 1L;

    private final transient Path file;
    private final long line;
    private final int column;
    private String option;

    /**
     * @param line 1-based line of the file, or 0 when the problem is not on one line
     * @param column 1-based column, or 0 when the problem is not in one cell
     */
    public DataFileException(Path file, long line, int column, String problem) {
        super(describe(file, line, column) + ": " + problem);
        this.file = file;
        this.line = line;
        this.column = column;
    }

    /** A problem with the file as a whole. */
    public DataFileException(Path file, String problem) {
        this(file, 0, 0, problem);
    }

    public DataFileException(Path file, String problem, Throwable cause) {
        this(file, 0, 0, problem);
        initCause(cause);
    }

    /**
     * A problem another reader already described, its message naming the file (as
     * {@link org.fedsub.runtime.io.NpyFormatException}s do): kept as it is, with the file attached.
     */
    public static DataFileException described(Path file, IOException cause) {
        return new DataFileException(file, cause);
    }

    private DataFileException(Path file, IOException cause) {
        super(cause.getMessage(), cause);
        this.file = file;
        this.line = 0;
        this.column = 0;
    }

    /**
     * Marks the problem as one of a reading option against this file (e.g. a label column the
     * file does not have) rather than of the file alone.
     */
    DataFileException option(String name) {
        this.option = name;
        return this;
    }

    /** The reading option at fault (e.g. "label"), or null when the file is. */
    public String option() {
        return option;
    }

    public Path file() {
        return file;
    }

    /** The 1-based line of the problem, 0 if it is not on one line. */
    public long line() {
        return line;
    }

    /** The 1-based column of the problem, 0 if it is not in one cell. */
    public int column() {
        return column;
    }

    private static String describe(Path file, long line, int column) {
        StringBuilder s = new StringBuilder(String.valueOf(file));
        if (line > 0) {
            s.append(": line ").append(line);
            if (column > 0) {
                s.append(", column ").append(column);
            }
        }
        return s.toString();
    }
}
