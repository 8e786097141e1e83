package org.fedsub.runtime.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;

class IdxReaderTest {

    @TempDir
    Path dir;

    private static final int ROWS = 3;
    private static final int COLS = 2;

    @Test
    void read_rawAndGzip_roundTripPixelsAndLabels() throws IOException {
        byte[][] pixels = {{0, (byte) 255, 51, 102, 1, 2}, {3, 4, 5, 6, 7, 8}, {9, 10, 11, 12, (byte) 200, 13},
                {14, 15, 16, 17, 18, 19}};
        int[] labels = {7, 0, 9, 3};
        for (boolean gzip : new boolean[] {false, true}) {
            String ext = gzip ? ".gz" : "";
            Path images = write("img" + ext, images(pixels, pixels.length), gzip);
            Path lab = write("lab" + ext, labels(labels, labels.length), gzip);

            Dataset ds = IdxReader.read(images, lab, "tiny", 0, DataType.DOUBLE);

            assertEquals(4, ds.size());
            assertEquals(ROWS * COLS, ds.featureDim());
            assertArrayEquals(labels, ds.labels());
            assertEquals(10, ds.numClasses());
            for (int i = 0; i < pixels.length; i++) {
                for (int j = 0; j < ROWS * COLS; j++) {
                    assertEquals((pixels[i][j] & 0xff) / 255.0, ds.features().getDouble(i, j), 1e-7);
                }
                assertEquals(1.0, ds.targets().getDouble(i, labels[i]));
                assertEquals(1.0, ds.targets().getRow(i).sumNumber().doubleValue());
            }
        }
    }

    @Test
    void read_limit_readsOnlyTheFirstExamples() throws IOException {
        Path images = write("img", images(new byte[5][ROWS * COLS], 5), false);
        Path lab = write("lab", labels(new int[] {1, 2, 3, 4, 5}, 5), true);

        Dataset ds = IdxReader.read(images, lab, "tiny", 2, DataType.FLOAT);

        assertEquals(2, ds.size());
        assertArrayEquals(new int[] {1, 2}, ds.labels());
        assertEquals(DataType.FLOAT, ds.features().dataType());
    }

    @Test
    void loadDir_findsStandardNamesRawOrGzip() throws IOException {
        write("train-images-idx3-ubyte.gz", images(new byte[4][ROWS * COLS], 4), true);
        write("train-labels-idx1-ubyte", labels(new int[] {0, 1, 2, 3}, 4), false);
        write("t10k-images-idx3-ubyte", images(new byte[2][ROWS * COLS], 2), false);
        write("t10k-labels-idx1-ubyte.gz", labels(new int[] {4, 5}, 2), true);

        IdxReader.TrainTest tt = IdxReader.loadDir(dir, "tiny", 0, 1, DataType.FLOAT);

        assertEquals(4, tt.train().size());
        assertEquals(1, tt.test().size());
        assertArrayEquals(new int[] {4}, tt.test().labels());
    }

    @Test
    void loadDir_missingFile_namesFileAndDirectory() throws IOException {
        write("train-images-idx3-ubyte", images(new byte[1][ROWS * COLS], 1), false);

        IOException e = assertThrows(IOException.class, () -> IdxReader.loadDir(dir, "tiny", 0, 0, DataType.FLOAT));
        assertTrue(e.getMessage().contains("train-labels-idx1-ubyte") && e.getMessage().contains(dir.toString()),
                e.getMessage());
    }

    @Test
    void read_badMagic_namesFileAndMagic() throws IOException {
        byte[] bad = images(new byte[1][ROWS * COLS], 1);
        bad[3] = 2; // rank 2 instead of 3
        Path images = write("bad-img", bad, false);
        Path lab = write("lab", labels(new int[] {1}, 1), false);

        IOException e = assertThrows(IOException.class, () -> IdxReader.read(images, lab, "x", 0, DataType.FLOAT));
        assertTrue(e.getMessage().contains("bad-img") && e.getMessage().contains("magic"), e.getMessage());
    }

    @Test
    void read_labelsFileGivenAsImages_failsOnMagic() throws IOException {
        Path lab = write("lab", labels(new int[] {1}, 1), false);

        IOException e = assertThrows(IOException.class, () -> IdxReader.read(lab, lab, "x", 0, DataType.FLOAT));
        assertTrue(e.getMessage().contains("magic"), e.getMessage());
    }

    @Test
    void read_truncatedRawOrGzip_namesFileAndSaysTruncated() throws IOException {
        byte[] full = images(new byte[3][ROWS * COLS], 3);
        Path lab = write("lab", labels(new int[] {1, 2, 3}, 3), false);
        Path raw = write("short-img", Arrays.copyOf(full, full.length - 4), false);
        byte[] gz = gzip(full);
        Path gzCut = write("short-img.gz", Arrays.copyOf(gz, gz.length - 12), false);

        for (Path images : new Path[] {raw, gzCut}) {
            IOException e = assertThrows(IOException.class, () -> IdxReader.read(images, lab, "x", 0, DataType.FLOAT));
            assertTrue(e.getMessage().contains(images.getFileName().toString())
                    && e.getMessage().contains("truncated"), e.getMessage());
        }
    }

    @Test
    void read_mismatchedCounts_namesBothFiles() throws IOException {
        Path images = write("img", images(new byte[3][ROWS * COLS], 3), false);
        Path lab = write("lab", labels(new int[] {1, 2}, 2), false);

        IOException e = assertThrows(IOException.class, () -> IdxReader.read(images, lab, "x", 0, DataType.FLOAT));
        assertTrue(e.getMessage().contains("3 images") && e.getMessage().contains("2 labels"), e.getMessage());
    }

    @Test
    void read_labelOutOfRange_namesFileAndLabel() throws IOException {
        Path images = write("img", images(new byte[2][ROWS * COLS], 2), false);
        Path lab = write("lab-bad", labels(new int[] {1, 12}, 2), false);

        IOException e = assertThrows(IOException.class, () -> IdxReader.read(images, lab, "x", 0, DataType.FLOAT));
        assertTrue(e.getMessage().contains("lab-bad") && e.getMessage().contains("label 12"), e.getMessage());
    }

    @Test
    void read_missingFile_namesIt() {
        Path images = dir.resolve("nope-images");

        IOException e = assertThrows(IOException.class,
                () -> IdxReader.read(images, images, "x", 0, DataType.FLOAT));
        assertTrue(e.getMessage().contains("nope-images"), e.getMessage());
    }

    @Test
    void read_headerClaimingMoreThanTheFile_namesFileAndSizes_beforeAllocating() throws IOException {
        Path images = write("img", images(new byte[1][ROWS * COLS], 1), false);
        Path huge = write("huge-lab", labels(new int[] {1, 2}, Integer.MAX_VALUE), false);

        IOException e = assertThrows(IOException.class, () -> IdxReader.read(images, huge, "x", 0, DataType.FLOAT));

        // Used to allocate an int[2^31 - 1] and a byte[2^31 - 1] before reading a byte.
        assertTrue(e.getMessage().contains("huge-lab") && e.getMessage().contains("2147483647 = 2147483647 bytes")
                && e.getMessage().contains("has only 2 bytes after the header"), e.getMessage());
    }

    @Test
    void read_gzipHeaderClaimingMoreThanItCanExpandTo_failsBeforeAllocating() throws IOException {
        Path images = write("img", images(new byte[1][ROWS * COLS], 1), false);
        Path huge = write("huge-lab.gz", labels(new int[] {1, 2}, Integer.MAX_VALUE), true);

        IOException e = assertThrows(IOException.class, () -> IdxReader.read(images, huge, "x", 0, DataType.FLOAT));

        assertTrue(e.getMessage().contains("huge-lab.gz") && e.getMessage().contains("can expand to at most"),
                e.getMessage());
    }

    @Test
    void read_gzipClaimingMoreThanItHolds_saysTruncated() throws IOException {
        // Within what gzip could hold, so only reading finds out; the buffer grows with the data.
        Path images = write("img", images(new byte[1][ROWS * COLS], 1), false);
        Path lab = write("lab.gz", labels(new int[] {1, 2, 3}, 20_000), true);

        IOException e = assertThrows(IOException.class, () -> IdxReader.read(images, lab, "x", 0, DataType.FLOAT));

        assertTrue(e.getMessage().contains("lab.gz") && e.getMessage().contains("truncated")
                && e.getMessage().contains("after 3 of 20000 bytes"), e.getMessage());
    }

    @Test
    void read_imageDimensionsThatOverflow_areACorruptHeader_notAnArithmeticException() throws IOException {
        Path lab = write("lab", labels(new int[0], 0), false);
        Path overflow = write("overflow-img", header(Integer.MAX_VALUE, Integer.MAX_VALUE, Integer.MAX_VALUE), false);
        Path wide = write("wide-img", header(0, 65536, 65536), false);

        IOException e = assertThrows(IOException.class, () -> IdxReader.read(overflow, lab, "x", 0, DataType.FLOAT));
        assertTrue(e.getMessage().contains("overflow-img") && e.getMessage().contains("multiply past 2^63"),
                e.getMessage());
        // 65536 x 65536 pixels overflow an int: used to escape as ArithmeticException.
        e = assertThrows(IOException.class, () -> IdxReader.read(wide, lab, "x", 0, DataType.FLOAT));
        assertTrue(e.getMessage().contains("wide-img") && e.getMessage().contains("65536 x 65536 pixels are too large"),
                e.getMessage());
    }

    @Test
    void read_rawImagesShorterThanTheirHeader_failEvenWhenTheLimitIsShorter() throws IOException {
        byte[] full = images(new byte[3][ROWS * COLS], 3);
        Path cut = write("cut-img", Arrays.copyOf(full, full.length - 1), false);
        Path lab = write("lab", labels(new int[] {1, 2, 3}, 3), false);

        IOException e = assertThrows(IOException.class, () -> IdxReader.read(cut, lab, "x", 1, DataType.FLOAT));

        assertTrue(e.getMessage().contains("cut-img") && e.getMessage().contains("3 x 3 x 2 = 18 bytes")
                && e.getMessage().contains("has only 17"), e.getMessage());
    }

    /** An images header (magic and three dimensions) with no pixels. */
    private static byte[] header(int count, int rows, int cols) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeInt(0x00000803);
        out.writeInt(count);
        out.writeInt(rows);
        out.writeInt(cols);
        return bytes.toByteArray();
    }

    static byte[] images(byte[][] pixels, int count) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeInt(0x00000803);
        out.writeInt(count);
        out.writeInt(ROWS);
        out.writeInt(COLS);
        for (byte[] p : pixels) {
            out.write(p);
        }
        return bytes.toByteArray();
    }

    static byte[] labels(int[] labels, int count) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeInt(0x00000801);
        out.writeInt(count);
        for (int l : labels) {
            out.writeByte(l);
        }
        return bytes.toByteArray();
    }

    static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (OutputStream out = new GZIPOutputStream(bytes)) {
            out.write(data);
        }
        return bytes.toByteArray();
    }

    private Path write(String name, byte[] data, boolean gzip) throws IOException {
        return Files.write(dir.resolve(name), gzip ? gzip(data) : data);
    }
}
