package org.fedsub.runtime.data;

import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.fedsub.runtime.compute.HostArrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Reads the IDX format of MNIST and Fashion-MNIST: unsigned-byte images (3-D) and labels (1-D),
 * gzip-compressed or raw (told apart by the gzip magic bytes {@code 1f 8b}). Pixels are scaled
 * to [0, 1], images flattened to rows, labels one-hot over 10 classes.
 *
 * <p>Every problem with a file (missing, wrong magic number, truncated, a header that claims
 * more than the file holds or than an array can, image and label counts that disagree, a label
 * out of range) is an {@link IOException} whose message names the file and what was wrong. The
 * header's sizes are checked against the file's size before anything is allocated, and data is
 * read into buffers that grow as it arrives, so a corrupt header costs no more memory than the
 * file itself.
 */
public final class IdxReader {

    /** Classes of MNIST and Fashion-MNIST. */
    public static final int CLASSES = 10;

    /** IDX type code of unsigned bytes. */
    private static final int UBYTE = 0x08;

    /**
     * Most bytes a gzip file can expand to per byte: deflate's limit is 1032:1 (zlib's FAQ), and
     * every gzip member adds a header, so no gzip file holds more than this many times its size.
     */
    private static final long GZIP_MAX_RATIO = 1032;

    /** Largest array the VM is sure to allocate (some reserve a few header words). */
    private static final int MAX_ARRAY = Integer.MAX_VALUE - 8;

    /** First buffer of a read; it doubles as data arrives, up to what the header promised. */
    private static final int FIRST_BUFFER = 1 << 20;

    /** The train and test tables of one directory. */
    public record TrainTest(Dataset train, Dataset test) {}

    private IdxReader() {}

    /**
     * Loads {@code <prefix>-images-idx3-ubyte[.gz]} and {@code <prefix>-labels-idx1-ubyte[.gz]}
     * ({@code .idx3-ubyte} spellings accepted too) from {@code dir}.
     *
     * @param prefix {@code train} or {@code t10k} in the standard layout
     * @param limit read only the first {@code limit} examples; 0 for all
     */
    public static Dataset load(Path dir, String prefix, String name, int limit, DataType dtype) throws IOException {
        Path images = find(dir, prefix + "-images-idx3-ubyte", prefix + "-images.idx3-ubyte");
        Path labels = find(dir, prefix + "-labels-idx1-ubyte", prefix + "-labels.idx1-ubyte");
        return read(images, labels, name, limit, dtype);
    }

    /** Loads the standard {@code train-*} and {@code t10k-*} pairs of {@code dir}. */
    public static TrainTest loadDir(Path dir, String name, int trainLimit, int testLimit, DataType dtype)
            throws IOException {
        return new TrainTest(load(dir, "train", name + "/train", trainLimit, dtype),
                load(dir, "t10k", name + "/test", testLimit, dtype));
    }

    /** The four file names {@link #loadDir} looks for (each also with {@code .gz}). */
    public static List<String> standardNames() {
        return List.of("train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte");
    }

    /**
     * The first existing file among each base name and its {@code .gz}.
     *
     * @throws NoSuchFileException naming the directory and the first spelling looked for
     */
    public static Path find(Path dir, String... baseNames) throws NoSuchFileException {
        for (String base : baseNames) {
            for (String candidate : new String[] {base, base + ".gz"}) {
                Path p = dir.resolve(candidate);
                if (Files.isRegularFile(p)) {
                    return p;
                }
            }
        }
        throw new NoSuchFileException(dir.resolve(baseNames[0]).toString(), null,
                "no " + baseNames[0] + " or " + baseNames[0] + ".gz under " + dir.toAbsolutePath());
    }

    /** Reads one images file and its labels file into a table. */
    public static Dataset read(Path images, Path labels, String name, int limit, DataType dtype) throws IOException {
        Tensors.checkFloating(dtype);
        if (limit < 0) {
            throw new IllegalArgumentException("limit must be >= 0 (0 = all), got " + limit);
        }
        byte[] rawLabels;
        int labelCount;
        try (Idx in = open(labels)) {
            int[] dims = header(in, labels, 1);
            labelCount = dims[0];
            int n = limit == 0 ? labelCount : Math.min(limit, labelCount);
            if (n > MAX_ARRAY) {
                throw new IOException(labels + ": " + n + " labels are more than one array holds; load fewer with a limit");
            }
            rawLabels = readFully(in.data(), n, labels, "labels", n);
        }
        int[] y = new int[rawLabels.length];
        for (int i = 0; i < y.length; i++) {
            y[i] = rawLabels[i] & 0xff;
            if (y[i] >= CLASSES) {
                throw new IOException(labels + ": label " + y[i] + " of example " + i
                        + " is out of range; expected 0.." + (CLASSES - 1));
            }
        }
        INDArray x;
        int pixels;
        try (Idx in = open(images)) {
            int[] dims = header(in, images, 3);
            if (dims[0] != labelCount) {
                throw new IOException(images + " holds " + dims[0] + " images but " + labels + " holds "
                        + labelCount + " labels; expected the same count");
            }
            long perImage = (long) dims[1] * dims[2];
            if (perImage > MAX_ARRAY) {
                throw new IOException(images + ": images of " + dims[1] + " x " + dims[2] + " pixels are too large;"
                        + " at most " + MAX_ARRAY + " pixels an image fit in an array");
            }
            pixels = (int) perImage;
            int n = y.length;
            // n <= dims[0], so n * pixels is at most the header's product and cannot overflow.
            long total = (long) n * pixels;
            if (total > MAX_ARRAY) {
                throw new IOException(images + ": " + n + " images of " + pixels + " pixels are " + total
                        + " bytes, more than one array holds; load fewer with a limit");
            }
            byte[] raw = readFully(in.data(), (int) total, images, "pixels", n);
            x = HostArrays.fromUnsignedBytes(raw, 255f, dtype, n, pixels);
        }
        return new Dataset(name, x, Tensors.oneHot(y, CLASSES, dtype), y, CLASSES);
    }

    /**
     * An open IDX file: its (decompressed) data and the most bytes that data can hold, the
     * file's size if raw, {@value #GZIP_MAX_RATIO} times it if gzip.
     */
    private record Idx(DataInputStream data, long capacity, boolean gzip) implements Closeable {

        @Override
        public void close() throws IOException {
            data.close();
        }
    }

    private static Idx open(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null, "no such file: " + file.toAbsolutePath());
        }
        long size = Files.size(file);
        InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        try {
            raw.mark(2);
            int b0 = raw.read();
            int b1 = raw.read();
            raw.reset();
            boolean gzip = b0 == 0x1f && b1 == 0x8b;
            InputStream in = gzip ? new GZIPInputStream(raw, 1 << 16) : raw;
            long capacity = !gzip ? size : size > Long.MAX_VALUE / GZIP_MAX_RATIO ? Long.MAX_VALUE : size * GZIP_MAX_RATIO;
            return new Idx(new DataInputStream(new BufferedInputStream(in, 1 << 16)), capacity, gzip);
        } catch (IOException e) {
            raw.close();
            throw new IOException(file + ": cannot open as IDX or gzip: " + e.getMessage(), e);
        }
    }

    /**
     * Reads the magic number and dimensions, checking the type and rank, and that the data the
     * dimensions promise fits in what the file can hold.
     */
    private static int[] header(Idx idx, Path file, int rank) throws IOException {
        DataInputStream in = idx.data();
        int magic;
        try {
            magic = in.readInt();
        } catch (EOFException e) {
            throw new IOException(file + ": truncated: shorter than the 4-byte IDX magic number", e);
        }
        int expected = (UBYTE << 8) | rank;
        if (magic != expected) {
            throw new IOException(String.format("%s: bad magic number 0x%08x, expected 0x%08x (unsigned bytes, %d-D)",
                    file, magic, expected, rank));
        }
        int[] dims = new int[rank];
        for (int i = 0; i < rank; i++) {
            try {
                dims[i] = in.readInt();
            } catch (EOFException e) {
                throw new IOException(file + ": truncated: header ends before dimension " + (i + 1) + " of " + rank, e);
            }
            if (dims[i] < 0) {
                throw new IOException(file + ": dimension " + (i + 1) + " is negative (" + dims[i] + ")");
            }
        }
        long bytes = 1;
        try {
            // Three ints can multiply past 2^63. Two cannot, so only the last product overflows
            // and no zero after it could have made the true product 0.
            for (int d : dims) {
                bytes = Math.multiplyExact(bytes, d);
            }
        } catch (ArithmeticException e) {
            throw new IOException(file + ": corrupt header: dimensions " + shape(dims) + " multiply past 2^63", e);
        }
        long room = idx.capacity() - 4 - 4L * rank;
        if (bytes > room) {
            throw new IOException(file + ": truncated or corrupt: the header promises " + shape(dims) + " = " + bytes
                    + " bytes but the file " + (idx.gzip() ? "can expand to at most " + room + " bytes after the header"
                            : "has only " + room + " bytes after the header"));
        }
        return dims;
    }

    private static String shape(int[] dims) {
        return String.join(" x ", Arrays.stream(dims).mapToObj(Integer::toString).toList());
    }

    /**
     * Reads {@code count} bytes into a buffer that grows as data arrives, so that a gzip file
     * that promises more than it holds costs no more memory than what it holds.
     */
    private static byte[] readFully(DataInputStream in, int count, Path file, String what, int examples)
            throws IOException {
        byte[] buf = new byte[Math.min(count, FIRST_BUFFER)];
        int off = 0;
        while (off < count) {
            if (off == buf.length) {
                buf = Arrays.copyOf(buf, (int) Math.min(count, 2L * buf.length));
            }
            int r;
            try {
                r = in.read(buf, off, buf.length - off);
            } catch (EOFException e) {
                r = -1; // a gzip stream cut short says so with an EOFException
            } catch (IOException e) {
                throw new IOException(file + ": corrupt " + what + ": " + e.getMessage(), e);
            }
            if (r < 0) {
                throw new IOException(file + ": truncated: " + what + " end after " + off + " of " + count
                        + " bytes expected for " + examples + " examples");
            }
            off += r;
        }
        return buf;
    }
}
