package org.fedsub.runtime.data;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Splits a delimited text file into cells, one at a time, without holding a line: memory is a
 * read buffer and one cell of at most {@value #MAX_CELL} characters, whatever the file holds.
 * Cells may be quoted ({@code "a,b"}, {@code ""} for a quote) but not span lines; spaces and
 * tabs around a cell are dropped; a UTF-8 byte order mark is skipped; lines end in {@code \n},
 * {@code \r\n} or {@code \r}. Problems are {@link DataFileException}s naming the line and column.
 */
final class CsvTokenizer implements Closeable {

    /** {@link #next()}: a cell was read; its text is {@link #text()}. */
    static final int CELL = 0;
    /** {@link #next()}: the row (line) ended after its last cell. */
    static final int ROW_END = 1;
    /** {@link #next()}: the file ended. */
    static final int END = 2;

    /** Longest cell: numbers need about 25 characters, column names a few more. */
    static final int MAX_CELL = 256;
    /** Most cells in a line: far more than any table's features, and a bound on a line of junk. */
    static final int MAX_COLUMNS = 1 << 24;

    private final Path file;
    private final Reader in;
    private final char delimiter;
    private final char[] buf = new char[1 << 16];
    private int pos;
    private int limit;
    private final char[] cell = new char[MAX_CELL];
    private int length;
    private boolean quoted;
    private long line = 1;
    private int column;
    private boolean rowEndsAfterCell;
    private boolean nextLine;
    private boolean ended;

    CsvTokenizer(Path file, char delimiter) throws IOException {
        this.file = file;
        this.delimiter = delimiter;
        // Malformed UTF-8 becomes U+FFFD, so a binary file is reported as a bad cell, not a charset error.
        this.in = new InputStreamReader(Files.newInputStream(file), StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPLACE).onUnmappableCharacter(CodingErrorAction.REPLACE));
        if (peek() == '\uFEFF') {
            pos++;
        }
    }

    /** {@link #CELL}, {@link #ROW_END} or {@link #END}. */
    int next() throws IOException {
        if (ended) {
            return END;
        }
        if (rowEndsAfterCell) {
            rowEndsAfterCell = false;
            nextLine = true;
            return ROW_END;
        }
        if (nextLine) {
            nextLine = false;
            line++;
            column = 0;
        }
        if (column == 0 && peek() < 0) {
            ended = true;
            return END;
        }
        if (column == MAX_COLUMNS) {
            throw new DataFileException(file, line, column, "more than " + MAX_COLUMNS + " columns in one line");
        }
        column++;
        readCell();
        return CELL;
    }

    /** The 1-based line of the last cell or row end. */
    long line() {
        return line;
    }

    /** The 1-based column of the last cell (after a row end: the number of cells in the row). */
    int column() {
        return column;
    }

    /** Whether the last cell was empty and unquoted (a blank line is one such cell). */
    boolean blank() {
        return length == 0 && !quoted;
    }

    /** The last cell's text. */
    String text() {
        return new String(cell, 0, length);
    }

    /** The last cell as a number, or NaN when it is not one (a literal NaN is refused as non-finite anyway). */
    double number() {
        if (length == 0) {
            return Double.NaN;
        }
        try {
            return Double.parseDouble(text());
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }

    /** The last cell quoted for a one-line message: control characters shown as '?', at most 40 characters. */
    String shown() {
        return show(text());
    }

    static String show(String text) {
        StringBuilder s = new StringBuilder("\"");
        int n = Math.min(text.length(), 40);
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            s.append(Character.isISOControl(c) || c == '\uFFFD' ? '?' : c);
        }
        return s.append(text.length() > n ? "...\"" : "\"").toString();
    }

    private void readCell() throws IOException {
        length = 0;
        quoted = false;
        skipSpaces();
        int c = read();
        if (c == '"') {
            quoted = true;
            while (true) {
                c = read();
                if (c < 0 || c == '\n' || c == '\r') {
                    throw new DataFileException(file, line, column, "quoted cell is not closed before the end of the"
                            + " line (cells may not span lines)");
                }
                if (c == '"') {
                    if (peek() != '"') {
                        break;
                    }
                    pos++;
                }
                append((char) c);
            }
            skipSpaces();
            c = read();
            if (c >= 0 && c != delimiter && c != '\n' && c != '\r') {
                throw new DataFileException(file, line, column, "text after the closing quote; expected the"
                        + " delimiter " + show(String.valueOf(delimiter)) + " or the end of the line");
            }
        } else {
            while (c >= 0 && c != delimiter && c != '\n' && c != '\r') {
                append((char) c);
                c = read();
            }
            while (length > 0 && isSpace(cell[length - 1])) {
                length--;
            }
        }
        if (c == '\r' && peek() == '\n') {
            pos++;
        }
        rowEndsAfterCell = c != delimiter;
    }

    private void append(char c) throws DataFileException {
        if (length == MAX_CELL) {
            throw new DataFileException(file, line, column, "cell longer than " + MAX_CELL + " characters ("
                    + show(new String(cell, 0, length)) + "); is this a text file with delimiter "
                    + show(String.valueOf(delimiter)) + "?");
        }
        cell[length++] = c;
    }

    private boolean isSpace(int c) {
        return (c == ' ' || c == '\t') && c != delimiter;
    }

    private void skipSpaces() throws IOException {
        while (isSpace(peek())) {
            pos++;
        }
    }

    private int peek() throws IOException {
        if (pos == limit) {
            limit = in.read(buf, 0, buf.length);
            pos = 0;
            if (limit <= 0) {
                limit = 0;
                return -1;
            }
        }
        return buf[pos];
    }

    private int read() throws IOException {
        int c = peek();
        if (c >= 0) {
            pos++;
        }
        return c;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
