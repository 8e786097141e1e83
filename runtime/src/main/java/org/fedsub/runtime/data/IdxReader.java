package org.fedsub.runtime.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Reads the IDX format of MNIST and Fashion-MNIST: unsigned-byte images (3-D) and labels (1-D),
 * gzip-compressed or raw (told apart by the gzip magic bytes {@code 1f 8b}). Pixels are scaled
 * to [0, 1], images flattened to rows, labels one-hot over 10 classes.
 *
 * <p>Every problem with a file (missing, wrong magic number, truncated, image and label counts
 * that disagree, a label out of range) is an {@link IOException} whose message names the file
 * and what was wrong.
 */
public final class IdxReader {

    /** Classes of MNIST and Fashion-MNIST. */
    public static final int CLASSES = 10;

    /** IDX type code of unsigned bytes. */
    private static final int UBYTE = 0x08;

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
        int[] y;
        int labelCount;
        try (DataInputStream in = open(labels)) {
            int[] dims = header(in, labels, 1);
            labelCount = dims[0];
            int n = limit == 0 ? labelCount : Math.min(limit, labelCount);
            y = new int[n];
            byte[] raw = new byte[n];
            readFully(in, raw, labels, "labels", n);
            for (int i = 0; i < n; i++) {
                y[i] = raw[i] & 0xff;
                if (y[i] >= CLASSES) {
                    throw new IOException(labels + ": label " + y[i] + " of example " + i
                            + " is out of range; expected 0.." + (CLASSES - 1));
                }
            }
        }
        float[] x;
        int pixels;
        try (DataInputStream in = open(images)) {
            int[] dims = header(in, images, 3);
            if (dims[0] != labelCount) {
                throw new IOException(images + " holds " + dims[0] + " images but " + labels + " holds "
                        + labelCount + " labels; expected the same count");
            }
            pixels = Math.multiplyExact(dims[1], dims[2]);
            int n = y.length;
            byte[] raw = new byte[Math.multiplyExact(n, pixels)];
            readFully(in, raw, images, "pixels", n);
            x = new float[raw.length];
            for (int i = 0; i < raw.length; i++) {
                x[i] = (raw[i] & 0xff) / 255f;
            }
        }
        return new Dataset(name, Tensors.matrix(x, y.length, pixels, dtype), Tensors.oneHot(y, CLASSES, dtype),
                y, CLASSES);
    }

    private static DataInputStream open(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null, "no such file: " + file.toAbsolutePath());
        }
        InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        try {
            raw.mark(2);
            int b0 = raw.read();
            int b1 = raw.read();
            raw.reset();
            InputStream in = b0 == 0x1f && b1 == 0x8b ? new GZIPInputStream(raw, 1 << 16) : raw;
            return new DataInputStream(new BufferedInputStream(in, 1 << 16));
        } catch (IOException e) {
            raw.close();
            throw new IOException(file + ": cannot open as IDX or gzip: " + e.getMessage(), e);
        }
    }

    /** Reads the magic number and dimensions, checking the type and rank. */
    private static int[] header(DataInputStream in, Path file, int rank) throws IOException {
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
        return dims;
    }

    private static void readFully(DataInputStream in, byte[] buf, Path file, String what, int examples)
            throws IOException {
        int off = 0;
        while (off < buf.length) {
            int r;
            try {
                r = in.read(buf, off, buf.length - off);
            } catch (EOFException e) {
                r = -1; // a gzip stream cut short says so with an EOFException
            } catch (IOException e) {
                throw new IOException(file + ": corrupt " + what + ": " + e.getMessage(), e);
            }
            if (r < 0) {
                throw new IOException(file + ": truncated: " + what + " end after " + off + " of " + buf.length
                        + " bytes expected for " + examples + " examples");
            }
            off += r;
        }
    }
}
