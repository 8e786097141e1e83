package org.fedsub.runtime.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Reads a table of examples from a delimited text (CSV) file: numeric feature columns and one
 * integer label column (classes 0, 1, 2, ...), one example a line, an optional header row.
 *
 * <p>The file is read as a stream, in passes: the first row fixes the layout (columns, header,
 * label column), a second pass checks every cell and counts rows without keeping any, and only
 * then are arrays of the exact size allocated and filled by a third pass. Every problem is a
 * {@link DataFileException} naming the file, the 1-based line and column and what was wrong: a
 * cell that is not a (finite) number, a row with the wrong number of cells, a label that is not
 * an integer or is negative, an empty or missing file, a table too large for the heap.
 */
public final class CsvReader {

    /** Whether the first row names the columns. */
    public enum Header {
        YES, NO,
        /** A header when some cell of the first row is text: not empty and not a number. */
        AUTO
    }

    /**
     * How to read a file.
     *
     * @param delimiter the one character between cells
     * @param label the label column: a column number counted from 1 (negative counts from the
     *     end, -1 is the last), or a column name of the header row
     * @param divideBy every feature is divided by this as it is read ({@code 255} for 8-bit pixels)
     * @param classes number of classes, labels must be below it; 0 to take the largest label + 1
     */
    public record Options(char delimiter, Header header, String label, double divideBy, int classes) {

        public Options {
            if (delimiter == '"' || delimiter == '\n' || delimiter == '\r' || "0123456789.+-eE".indexOf(delimiter) >= 0) {
                throw new IllegalArgumentException("delimiter " + CsvTokenizer.show(String.valueOf(delimiter))
                        + " cannot separate cells: it is a quote, a line end or part of a number");
            }
            label = label.trim();
            if (label.isEmpty()) {
                throw new IllegalArgumentException("label column is empty; expected a column number or name");
            }
            Integer n = labelNumber(label);
            if (n != null && n == 0) {
                throw new IllegalArgumentException("label column 0: columns count from 1 (-1 is the last column)");
            }
            if (!(divideBy > 0) || !Double.isFinite(divideBy)) {
                throw new IllegalArgumentException("divide-by " + divideBy + " must be a finite number > 0");
            }
            if (classes < 0 || classes == 1) {
                throw new IllegalArgumentException("classes " + classes + " must be 0 (the largest label + 1) or >= 2");
            }
        }

        /** Comma-separated, header detected, label in the last column, no scaling, classes from the labels. */
        public static Options defaults() {
            return new Options(',', Header.AUTO, "-1", 1, 0);
        }

        public Options withLabel(String column) {
            return new Options(delimiter, header, column, divideBy, classes);
        }

        public Options withHeader(Header h) {
            return new Options(delimiter, h, label, divideBy, classes);
        }

        public Options withDelimiter(char d) {
            return new Options(d, header, label, divideBy, classes);
        }

        public Options withDivideBy(double d) {
            return new Options(delimiter, header, label, d, classes);
        }

        public Options withClasses(int c) {
            return new Options(delimiter, header, label, divideBy, c);
        }

        /** The label as a column number, or null when it is a name. */
        Integer labelNumber() {
            return labelNumber(label);
        }

        private static Integer labelNumber(String label) {
            try {
                return Integer.valueOf(label);
            } catch (NumberFormatException e) {
                return null;
            }
        }
    }

    /** Rows between checks that the rows counted so far still fit the heap. */
    private static final int BUDGET_EVERY = 1 << 16;

    private CsvReader() {}

    /** Reads one file into a table (the train and test files of an experiment are read together by config). */
    public static Dataset read(Path file, Options options, String name, DataType dtype) throws IOException {
        Tensors.checkFloating(dtype);
        Dataset d = Tables.load(name, List.of(file(file, options)), null, options.classes(), dtype).train();
        return new Dataset(name, d.features(), d.targets(), d.labels(), d.numClasses());
    }

    /** The file as a {@link TableFile}: nothing is read yet. */
    static TableFile file(Path file, Options options) {
        return new CsvFile(file, options);
    }

    /** Where the header is, how many cells a row has and which is the label. */
    private record Layout(boolean header, long firstLine, int columns, int label) {}

    private static final class CsvFile implements TableFile {

        private final Path file;
        private final Options o;
        private Layout layout;

        CsvFile(Path file, Options options) {
            this.file = file;
            this.o = options;
        }

        @Override
        public Path file() {
            return file;
        }

        @Override
        public int features() throws IOException {
            return layout().columns() - 1;
        }

        @Override
        public Shape check(DataType dtype) throws IOException {
            Layout l = layout();
            int features = l.columns() - 1;
            int bytes = HeapBudget.bytesPerValue(dtype);
            long rows = 0;
            int maxLabel = -1;
            String maxLabelAt = "";
            try (CsvTokenizer t = open()) {
                skipHeader(t, l);
                while (t.next() == CsvTokenizer.CELL) {
                    long line = t.line();
                    boolean blank = t.blank();
                    String problem = null;
                    int problemColumn = 0;
                    int label = -1;
                    int labelColumn = 0;
                    do {
                        int c = t.column() - 1;
                        if (c >= l.columns() || problem != null) {
                            continue; // keep counting cells; the count is reported first
                        }
                        if (c == l.label()) {
                            long v = label(t);
                            if (v < 0) {
                                problem = labelProblem(t, v);
                            } else {
                                label = (int) v;
                                labelColumn = c + 1;
                            }
                        } else {
                            problem = featureProblem(t, dtype);
                        }
                        if (problem != null) {
                            problemColumn = c + 1;
                        }
                    } while (t.next() == CsvTokenizer.CELL);
                    int cells = t.column();
                    if (cells == 1 && blank) {
                        continue; // a blank line
                    }
                    if (cells != l.columns()) {
                        throw new DataFileException(file, line, 0, cells + (cells == 1 ? " cell" : " cells") + " but line "
                                + l.firstLine() + " has " + l.columns() + "; every row needs the same columns"
                                + " (delimiter " + CsvTokenizer.show(String.valueOf(o.delimiter())) + ")");
                    }
                    if (problem != null) {
                        throw new DataFileException(file, line, problemColumn, problem);
                    }
                    if (label > maxLabel) {
                        maxLabel = label;
                        maxLabelAt = "line " + line + ", column " + labelColumn;
                    }
                    rows++;
                    if (rows % BUDGET_EVERY == 0) {
                        HeapBudget.check(file, rows + " rows x " + features + " features", rows * features,
                                rows * features * bytes);
                    }
                }
            }
            if (rows == 0) {
                throw new DataFileException(file, "no data rows" + (l.header() ? ", only the header (line "
                        + l.firstLine() + ")" : ""));
            }
            HeapBudget.check(file, rows + " rows x " + features + " features", rows * features, rows * features * bytes);
            return new Shape((int) rows, features, maxLabel, maxLabelAt);
        }

        @Override
        public void read(Shape shape, Features x, int[] y, int offset) throws IOException {
            Layout l = layout();
            int row = offset;
            try (CsvTokenizer t = open()) {
                skipHeader(t, l);
                while (t.next() == CsvTokenizer.CELL) {
                    if (t.column() == 1 && t.blank()) {
                        if (t.next() != CsvTokenizer.ROW_END) {
                            throw changed(); // the check found only blank lines starting with an empty cell
                        }
                        continue;
                    }
                    if (row - offset == shape.rows()) {
                        throw changed();
                    }
                    int f = 0;
                    do {
                        int c = t.column() - 1;
                        if (c == l.label()) {
                            long v = label(t);
                            if (v < 0) {
                                throw changed();
                            }
                            y[row] = (int) v;
                        } else {
                            double v = t.number();
                            if (c >= l.columns() || !Double.isFinite(v)) {
                                throw changed();
                            }
                            x.set(row, f++, v / o.divideBy());
                        }
                    } while (t.next() == CsvTokenizer.CELL);
                    if (t.column() != l.columns()) {
                        throw changed();
                    }
                    row++;
                }
            }
            if (row - offset != shape.rows()) {
                throw changed();
            }
        }

        private DataFileException changed() {
            return new DataFileException(file, "changed while it was being read; read it again");
        }

        private CsvTokenizer open() throws IOException {
            if (Files.isDirectory(file)) {
                throw new DataFileException(file, "is a directory; expected a CSV file");
            }
            if (!Files.isRegularFile(file)) {
                throw new DataFileException(file, "no such file (looked for " + file.toAbsolutePath() + ")");
            }
            return new CsvTokenizer(file, o.delimiter());
        }

        /** Consumes the header row (and blank lines before it) when there is one. */
        private static void skipHeader(CsvTokenizer t, Layout l) throws IOException {
            if (!l.header()) {
                return;
            }
            int k;
            do {
                k = t.next();
            } while (k != CsvTokenizer.END && !(k == CsvTokenizer.ROW_END && t.line() == l.firstLine()));
        }

        /** Reads the first non-blank row, without keeping it, to find the layout. */
        private Layout layout() throws IOException {
            if (layout != null) {
                return layout;
            }
            Integer number = o.labelNumber();
            try (CsvTokenizer t = open()) {
                while (true) {
                    if (t.next() == CsvTokenizer.END) {
                        throw new DataFileException(file, t.line() <= 1 ? "empty file" : "no rows, only blank lines");
                    }
                    boolean blank = t.blank();
                    long line = t.line();
                    boolean textCell = false;
                    int named = -1;
                    int namedIgnoringCase = -1;
                    List<String> names = new ArrayList<>();
                    do {
                        String text = t.text();
                        textCell |= !text.isEmpty() && !isNumber(text);
                        if (number == null) {
                            if (named < 0 && text.equals(o.label())) {
                                named = t.column() - 1;
                            }
                            if (namedIgnoringCase < 0 && text.equalsIgnoreCase(o.label())) {
                                namedIgnoringCase = t.column() - 1;
                            }
                            if (names.size() < 10) {
                                names.add(CsvTokenizer.show(text));
                            }
                        }
                    } while (t.next() == CsvTokenizer.CELL);
                    int columns = t.column();
                    if (columns == 1 && blank) {
                        continue;
                    }
                    if (columns < 2) {
                        throw new DataFileException(file, line, 0, "1 cell; expected at least 2, the features and the"
                                + " label (is the delimiter " + CsvTokenizer.show(String.valueOf(o.delimiter()))
                                + " right?)");
                    }
                    boolean header = switch (o.header()) {
                        case YES -> true;
                        case NO -> false;
                        case AUTO -> textCell;
                    };
                    int label;
                    if (number != null) {
                        if (number > columns || -number > columns) {
                            throw new DataFileException(file, line, 0, "label column " + number + " is beyond the "
                                    + columns + " columns of the first row").option("label");
                        }
                        label = number > 0 ? number - 1 : columns + number;
                    } else {
                        if (!header) {
                            throw new DataFileException(file, line, 0, "label column " + CsvTokenizer.show(o.label())
                                    + " is a name but the file has no header row (" + (o.header() == Header.NO
                                            ? "header = no" : "every cell of the first row is a number")
                                    + "); give the label as a column number").option("label");
                        }
                        label = named >= 0 ? named : namedIgnoringCase;
                        if (label < 0) {
                            throw new DataFileException(file, line, 0, "no column named "
                                    + CsvTokenizer.show(o.label()) + " in the header; it has " + String.join(", ", names)
                                    + (columns > names.size() ? ", ..." : "")).option("label");
                        }
                    }
                    layout = new Layout(header, line, columns, label);
                    return layout;
                }
            }
        }

        private static boolean isNumber(String text) {
            try {
                Double.parseDouble(text);
                return true;
            } catch (NumberFormatException e) {
                return false;
            }
        }

        private String featureProblem(CsvTokenizer t, DataType dtype) {
            if (t.blank()) {
                return "empty cell; expected a number";
            }
            String text = t.text();
            double v;
            try {
                v = Double.parseDouble(text);
            } catch (NumberFormatException e) {
                return t.shown() + " is not a number";
            }
            if (!Double.isFinite(v)) {
                return t.shown() + " is not a finite number";
            }
            if (!Features.fits(v / o.divideBy(), dtype)) {
                return t.shown() + (o.divideBy() == 1 ? "" : " divided by " + o.divideBy()) + " is beyond the range of "
                        + dtype.name().toLowerCase(Locale.ROOT) + "; scale it down (divide-by) or use float64";
            }
            return null;
        }

        /** Why the label cell is refused ({@link #label} returned {@code v < 0}). */
        private String labelProblem(CsvTokenizer t, long v) {
            if (v == EMPTY) {
                return "empty label cell; expected the class number, an integer >= 0";
            }
            if (v == NOT_INTEGER) {
                return "label " + t.shown() + " is not an integer; labels are class numbers 0, 1, 2, ...";
            }
            if (v == NEGATIVE) {
                return "label " + t.shown() + " is negative; labels are class numbers 0, 1, 2, ...";
            }
            return o.classes() > 0
                    ? "label " + t.shown() + " is not below the number of classes (classes = " + o.classes() + ")"
                    : "label " + t.shown() + " is too large; labels are class numbers 0, 1, 2, ...";
        }

        private static final long EMPTY = -1;
        private static final long NOT_INTEGER = -2;
        private static final long NEGATIVE = -3;
        private static final long TOO_LARGE = -4;

        /** The label of the current cell, or a negative code saying why it is not one. */
        private long label(CsvTokenizer t) {
            if (t.blank()) {
                return EMPTY;
            }
            double v;
            try {
                v = Double.parseDouble(t.text()); // "3" and "3.0" (as pandas writes integers with gaps) alike
            } catch (NumberFormatException e) {
                return NOT_INTEGER;
            }
            if (!Double.isFinite(v) || v != Math.rint(v)) {
                return NOT_INTEGER;
            }
            if (v < 0) {
                return NEGATIVE;
            }
            long limit = o.classes() > 0 ? o.classes() : HeapBudget.MAX_ARRAY;
            return v >= limit ? TOO_LARGE : (long) v;
        }
    }
}
