package org.fedsub.runtime.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;

class CsvReaderTest {

    @TempDir
    Path dir;

    private static final CsvReader.Options DEFAULTS = CsvReader.Options.defaults();

    @Test
    void read_headerQuotesCrlfBomAndBlankLines_giveTheValuesAndOneHotLabels() throws IOException {
        Path f = write("t.csv", "\uFEFF\"x 1\", x2 ,label\r\n\r\n 1.5 ,\"-2\",1\r\n3e-1,4,0\r\n   \r\n5,6,2");

        Dataset d = CsvReader.read(f, DEFAULTS, "t", DataType.DOUBLE);

        assertEquals(3, d.size());
        assertEquals(2, d.featureDim());
        assertEquals(3, d.numClasses());
        assertArrayEquals(new int[] {1, 0, 2}, d.labels());
        assertArrayEquals(new double[] {1.5, -2, 0.3, 4, 5, 6}, d.features().dup('c').data().asDouble(), 0);
        assertEquals(1.0, d.targets().getDouble(2, 2));
        assertEquals(1.0, d.targets().getRow(0).sumNumber().doubleValue());
    }

    @Test
    void read_labelByNumberOrName_delimiterNoHeaderAndScaling() throws IOException {
        Path noHeader = write("a.csv", "2;10;20\n0;30;40\n");
        Path named = write("b.csv", "a,Class,b\n10,1,20\n30,0,40\n");

        Dataset first = CsvReader.read(noHeader, DEFAULTS.withDelimiter(';').withLabel("1").withHeader(
                CsvReader.Header.NO).withDivideBy(10), "a", DataType.FLOAT);
        Dataset byName = CsvReader.read(named, DEFAULTS.withLabel("class"), "b", DataType.FLOAT);

        assertArrayEquals(new int[] {2, 0}, first.labels());
        assertArrayEquals(new double[] {1, 2, 3, 4}, first.features().dup('c').data().asDouble(), 1e-6);
        assertArrayEquals(new int[] {1, 0}, byName.labels());
        assertArrayEquals(new double[] {10, 20, 30, 40}, byName.features().dup('c').data().asDouble(), 0);
    }

    @Test
    void read_autoHeader_takesANumericFirstLineAsData_andLabelsWrittenAsFloats() throws IOException {
        Path f = write("t.csv", "1,2,0.0\n3,4,1.0\n");

        Dataset d = CsvReader.read(f, DEFAULTS, "t", DataType.FLOAT);

        assertEquals(2, d.size());
        assertArrayEquals(new int[] {0, 1}, d.labels());
    }

    @Test
    void read_classesSet_widensTheOneHotBeyondTheLabelsSeen() throws IOException {
        Path f = write("t.csv", "1,0\n2,1\n");

        Dataset d = CsvReader.read(f, DEFAULTS.withClasses(5), "t", DataType.FLOAT);

        assertEquals(5, d.numClasses());
        assertEquals(5, d.targets().columns());
    }

    @Test
    void nonNumericCell_namesFileLineColumnAndCell() throws IOException {
        Path f = write("t.csv", "a,b,label\n1,2,0\n3,abc,1\n");

        DataFileException e = fails(f, DEFAULTS);

        assertEquals(3, e.line());
        assertEquals(2, e.column());
        assertEquals(f + ": line 3, column 2: \"abc\" is not a number", e.getMessage());
    }

    @Test
    void wrongNumberOfCells_namesTheLineAndTheCounts() throws IOException {
        DataFileException fewer = fails(write("f.csv", "1,2,0\n3,4,1\n5,1\n"), DEFAULTS);
        DataFileException more = fails(write("m.csv", "1,2,0\n3,4,1,9,x\n"), DEFAULTS);

        assertEquals(3, fewer.line());
        assertTrue(fewer.getMessage().contains("line 3: 2 cells but line 1 has 3"), fewer.getMessage());
        assertEquals(2, more.line());
        assertTrue(more.getMessage().contains("line 2: 5 cells but line 1 has 3"), more.getMessage());
    }

    @Test
    void badLabels_areNamedWithLineAndColumn() throws IOException {
        DataFileException fraction = fails(write("a.csv", "1,2,0\n3,4,2.5\n"), DEFAULTS);
        DataFileException text = fails(write("b.csv", "x,label\n1,0\n3,cat\n"), DEFAULTS);
        DataFileException negative = fails(write("c.csv", "1,2,0\n3,4,-1\n"), DEFAULTS);
        DataFileException empty = fails(write("d.csv", "1,2,0\n3,4,\n"), DEFAULTS);
        DataFileException tooLarge = fails(write("e.csv", "1,2,0\n3,4,7\n"), DEFAULTS.withClasses(3));

        assertEquals(f("a.csv") + ": line 2, column 3: label \"2.5\" is not an integer; labels are class numbers"
                + " 0, 1, 2, ...", fraction.getMessage());
        assertTrue(text.getMessage().contains("line 3, column 2: label \"cat\" is not an integer"), text.getMessage());
        assertTrue(negative.getMessage().contains("line 2, column 3: label \"-1\" is negative"), negative.getMessage());
        assertTrue(empty.getMessage().contains("line 2, column 3: empty label cell"), empty.getMessage());
        assertTrue(tooLarge.getMessage().contains("line 2, column 3: label \"7\" is not below the number of classes"
                + " (classes = 3)"), tooLarge.getMessage());
    }

    @Test
    void emptyAndNonFiniteCells_andValuesBeyondFloat32_areRefused() throws IOException {
        DataFileException empty = fails(write("a.csv", "1,,0\n"), DEFAULTS);
        DataFileException nan = fails(write("b.csv", "1,2,0\nNaN,2,1\n"), DEFAULTS);
        DataFileException big = fails(write("c.csv", "1,2,0\n1e39,2,1\n"), DEFAULTS);

        assertTrue(empty.getMessage().contains("line 1, column 2: empty cell"), empty.getMessage());
        assertTrue(nan.getMessage().contains("line 2, column 1: \"NaN\" is not a finite number"), nan.getMessage());
        assertTrue(big.getMessage().contains("line 2, column 1: \"1e39\" is beyond the range of float"),
                big.getMessage());
        assertEquals(2, CsvReader.read(f("c.csv"), DEFAULTS, "c", DataType.DOUBLE).size(), "float64 holds 1e39");
    }

    @Test
    void emptyFiles_headerOnly_missingFileAndDirectory_areNamed() throws IOException {
        DataFileException empty = fails(write("empty.csv", ""), DEFAULTS);
        DataFileException blank = fails(write("blank.csv", "\n  \n"), DEFAULTS);
        DataFileException headerOnly = fails(write("h.csv", "a,b,label\n"), DEFAULTS);
        DataFileException missing = fails(dir.resolve("nope.csv"), DEFAULTS);
        DataFileException directory = fails(dir, DEFAULTS);

        assertEquals(f("empty.csv") + ": empty file", empty.getMessage());
        assertTrue(blank.getMessage().contains("no rows, only blank lines"), blank.getMessage());
        assertEquals(f("h.csv") + ": no data rows, only the header (line 1)", headerOnly.getMessage());
        assertTrue(missing.getMessage().startsWith(dir.resolve("nope.csv") + ": no such file"), missing.getMessage());
        assertTrue(directory.getMessage().contains("is a directory"), directory.getMessage());
    }

    @Test
    void labelColumnProblems_sayWhatTheFileHas() throws IOException {
        Path f = write("t.csv", "a,b,label\n1,2,0\n");
        Path noHeader = write("n.csv", "1,2,0\n");

        DataFileException unknown = fails(f, DEFAULTS.withLabel("target"));
        DataFileException beyond = fails(f, DEFAULTS.withLabel("4"));
        DataFileException nameWithoutHeader = fails(noHeader, DEFAULTS.withLabel("label"));

        assertTrue(unknown.getMessage().contains("no column named \"target\" in the header; it has \"a\", \"b\","
                + " \"label\""), unknown.getMessage());
        assertTrue(beyond.getMessage().contains("label column 4 is beyond the 3 columns"), beyond.getMessage());
        assertTrue(nameWithoutHeader.getMessage().contains("no header row"), nameWithoutHeader.getMessage());
    }

    @Test
    void oneColumn_unclosedQuote_andBinaryJunk_areRefusedWithTheLine() throws IOException {
        DataFileException one = fails(write("a.csv", "1;2;0\n"), DEFAULTS);
        DataFileException quote = fails(write("b.csv", "1,2,0\n\"3,4,1\n"), DEFAULTS);
        byte[] junk = new byte[4096];
        new java.util.Random(3).nextBytes(junk);
        junk[0] = 'x'; // not a byte order mark, not a line end
        for (int i = 0; i < junk.length; i++) {
            if (junk[i] == '\n' || junk[i] == '\r' || junk[i] == ',' || junk[i] == '"') {
                junk[i] = 'x';
            }
        }
        Path bin = dir.resolve("c.csv");
        Files.write(bin, junk);
        DataFileException binary = fails(bin, DEFAULTS);

        assertTrue(one.getMessage().contains("line 1: 1 cell; expected at least 2")
                && one.getMessage().contains("delimiter \",\""), one.getMessage());
        assertTrue(quote.getMessage().contains("line 2, column 1: quoted cell is not closed"), quote.getMessage());
        assertTrue(binary.getMessage().contains("line 1, column 1: cell longer than 256 characters"),
                binary.getMessage());
        assertEquals(1, binary.getMessage().lines().count(), "one line: " + binary.getMessage());
    }

    @Test
    void oneClassOnly_isRefused_unlessClassesAreSet() throws IOException {
        Path f = write("t.csv", "1,0\n2,0\n");

        DataFileException e = fails(f, DEFAULTS);

        assertTrue(e.getMessage().contains("every label is 0: a classifier needs at least 2 classes"), e.getMessage());
        assertEquals(2, CsvReader.read(f, DEFAULTS.withClasses(2), "t", DataType.FLOAT).size());
    }

    @Test
    void hugeLabel_isRefusedBeforeTheOneHotIsAllocated_namingWhereItIs() throws IOException {
        Path overArray = write("a.csv", "1,0\n2,2000000000\n");
        Path overHeap = write("b.csv", "1,0\n2,0\n3,300000000\n");

        DataFileException array = fails(overArray, DEFAULTS);
        DataFileException heap = fails(overHeap, DEFAULTS);

        assertTrue(array.getMessage().contains("more than one Java array holds")
                && array.getMessage().contains("the largest label, 2000000000, is at line 2, column 2"),
                array.getMessage());
        assertTrue(heap.getMessage().contains("3 rows of 1 features and 300000001 classes")
                && heap.getMessage().contains("of memory to load") && heap.getMessage().contains("-Xmx"),
                heap.getMessage());
    }

    @Test
    void trainAndTestWithDifferentColumns_nameBothFiles() throws IOException {
        Path train = write("train.csv", "1,2,0\n3,4,1\n");
        Path test = write("test.csv", "1,0\n");

        DataFileException e = assertThrows(DataFileException.class, () -> Tables.load("t", List.of(
                CsvReader.file(train, DEFAULTS)), CsvReader.file(test, DEFAULTS), 0, DataType.FLOAT));

        assertEquals(test, e.file());
        assertTrue(e.getMessage().contains("1 features a row but " + train + " has 2"), e.getMessage());
    }

    @Test
    void badOptions_areRefused() {
        assertThrows(IllegalArgumentException.class, () -> DEFAULTS.withDelimiter('.'));
        assertThrows(IllegalArgumentException.class, () -> DEFAULTS.withLabel("0"));
        assertThrows(IllegalArgumentException.class, () -> DEFAULTS.withDivideBy(0));
        assertThrows(IllegalArgumentException.class, () -> DEFAULTS.withClasses(1));
    }

    private DataFileException fails(Path f, CsvReader.Options o) {
        return assertThrows(DataFileException.class, () -> CsvReader.read(f, o, "t", DataType.FLOAT));
    }

    private Path f(String name) {
        return dir.resolve(name);
    }

    private Path write(String name, String text) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, text, StandardCharsets.UTF_8);
        return p;
    }
}
