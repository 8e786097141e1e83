package org.fedsub.runtime.data;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.stream.Collectors;
import org.fedsub.runtime.io.Npy;
import org.fedsub.runtime.io.NpyArray;
import org.fedsub.runtime.io.NpyDtype;
import org.fedsub.runtime.io.NpyFormatException;
import org.fedsub.runtime.io.Npz;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Features and labels as NumPy arrays (read with {@link org.fedsub.runtime.io}): two arrays of
 * one {@code .npz} archive, or two {@code .npy} files. Features are any float or integer dtype
 * with one example per index of the first axis, the rest flattened ({@code (N, 28, 28)} gives
 * 784 features); labels are integers ({@code (N,)} or {@code (N, 1)}; floats with whole values
 * are taken too). Problems are {@link DataFileException}s naming the file, the array and, for a
 * value, its index.
 *
 * <p>The arrays are read whole by the NumPy reader, which bounds what it allocates by the bytes
 * the file holds; they are read once to check every value and once more to fill the table, so
 * that no more than one file's arrays are held at a time.
 */
final class NpyTable implements TableFile {

    private final Path xFile;
    private final Path yFile;
    private final String xName;
    private final String yName;
    private final boolean archive;
    private final double divideBy;
    private final int classes;
    private final DataType dtype;
    private Shape shape;

    private NpyTable(Path xFile, Path yFile, String xName, String yName, boolean archive, double divideBy,
            int classes, DataType dtype) {
        this.xFile = xFile;
        this.yFile = yFile;
        this.xName = xName;
        this.yName = yName;
        this.archive = archive;
        this.divideBy = divideBy;
        this.classes = classes;
        this.dtype = dtype;
    }

    /** Arrays {@code xName} and {@code yName} of the archive {@code npz}. */
    static NpyTable archive(Path npz, String xName, String yName, double divideBy, int classes, DataType dtype) {
        return new NpyTable(npz, npz, xName, yName, true, divideBy, classes, dtype);
    }

    /** The {@code .npy} files {@code x} and {@code y}, called {@code xName} and {@code yName} in messages. */
    static NpyTable files(Path x, String xName, Path y, String yName, double divideBy, int classes, DataType dtype) {
        return new NpyTable(x, y, xName, yName, false, divideBy, classes, dtype);
    }

    @Override
    public Path file() {
        return xFile;
    }

    @Override
    public int features() throws IOException {
        return check(dtype).features();
    }

    /** Checks against the data type this table was made with (its features() needs the check too). */
    @Override
    public Shape check(DataType ignored) throws IOException {
        if (shape == null) {
            Pair p = load();
            int rows = p.rows();
            int features = p.features();
            ByteBuffer xb = p.x().data();
            NpyDtype xt = p.x().dtype();
            for (int i = 0; i < rows * features; i++) {
                double v = value(xb, xt, i);
                if (!Double.isFinite(v)) {
                    throw bad(xFile, xName, p.x(), i, features, v + " is not a finite number");
                }
                if (!Features.fits(v / divideBy, dtype)) {
                    throw bad(xFile, xName, p.x(), i, features, v + (divideBy == 1 ? "" : " divided by " + divideBy)
                            + " is beyond the range of " + dtype.name().toLowerCase(Locale.ROOT)
                            + "; scale it down (divide-by) or use float64");
                }
            }
            ByteBuffer yb = p.y().data();
            NpyDtype yt = p.y().dtype();
            int maxLabel = -1;
            int maxAt = 0;
            for (int i = 0; i < rows; i++) {
                double v = value(yb, yt, i);
                String problem = v != Math.rint(v) || !Double.isFinite(v) ? " is not an integer"
                        : v < 0 ? " is negative"
                        : classes > 0 && v >= classes ? " is not below the number of classes (classes = " + classes + ")"
                        : v >= HeapBudget.MAX_ARRAY ? " is too large" : null;
                if (problem != null) {
                    throw bad(yFile, yName, p.y(), i, 1, "label " + show(v) + problem
                            + "; labels are class numbers 0, 1, 2, ...");
                }
                if (v > maxLabel) {
                    maxLabel = (int) v;
                    maxAt = i;
                }
            }
            shape = new Shape(rows, features, maxLabel, where(yName, p.y(), maxAt, 1));
        }
        return shape;
    }

    @Override
    public void read(Shape s, Features x, int[] y, int offset) throws IOException {
        Pair p = load();
        if (p.rows() != s.rows() || p.features() != s.features()) {
            throw new DataFileException(xFile, "changed while it was being read; read it again");
        }
        ByteBuffer xb = p.x().data();
        NpyDtype xt = p.x().dtype();
        ByteBuffer yb = p.y().data();
        NpyDtype yt = p.y().dtype();
        int features = s.features();
        for (int r = 0; r < s.rows(); r++) {
            for (int j = 0; j < features; j++) {
                x.set(offset + r, j, value(xb, xt, r * features + j) / divideBy);
            }
            y[offset + r] = (int) value(yb, yt, r);
        }
    }

    /** The two arrays, their shapes checked against each other. */
    private Pair load() throws IOException {
        NpyArray x;
        NpyArray y;
        if (archive) {
            Npz npz;
            try {
                npz = Npz.read(checkSize(xFile));
            } catch (NpyFormatException e) {
                throw DataFileException.described(xFile, e);
            }
            x = array(npz, xName);
            y = array(npz, yName);
        } else {
            x = npy(xFile);
            y = npy(yFile);
        }
        long[] xs = x.shape();
        long[] ys = y.shape();
        if (xs.length == 0) {
            throw new DataFileException(xFile, label(xName) + "is 0-d (a single number); expected one row per example,"
                    + " shape (N, features...)");
        }
        if (ys.length == 0 || ys.length > 2 || (ys.length == 2 && ys[1] != 1)) {
            throw new DataFileException(yFile, label(yName) + "has shape " + y.shapeString() + "; expected one class"
                    + " number a row, shape (N,)" + (ys.length == 2 ? " (one-hot rows? store np.argmax(y, axis=1))"
                            : ""));
        }
        if (xs[0] != ys[0]) {
            throw new DataFileException(yFile, label(yName) + "has " + ys[0] + " labels but " + (archive ? "array '"
                    + xName + "'" : xFile.toString()) + " has " + xs[0] + " rows; expected one label a row");
        }
        if (xs[0] == 0) {
            throw new DataFileException(xFile, label(xName) + "has no rows (shape " + x.shapeString() + ")");
        }
        long features = xs.length == 1 ? 1 : x.size() / xs[0];
        if (features == 0) {
            throw new DataFileException(xFile, label(xName) + "has no features (shape " + x.shapeString() + ")");
        }
        return new Pair(x, y, (int) xs[0], (int) features);
    }

    private NpyArray npy(Path f) throws IOException {
        try {
            return Npy.read(checkSize(f));
        } catch (NpyFormatException e) {
            throw DataFileException.described(f, e);
        }
    }

    private record Pair(NpyArray x, NpyArray y, int rows, int features) {}

    private Path checkSize(Path f) throws IOException {
        if (!Files.isRegularFile(f)) {
            throw new DataFileException(f, Files.isDirectory(f) ? "is a directory; expected a NumPy file"
                    : "no such file (looked for " + f.toAbsolutePath() + ")");
        }
        long size = Files.size(f);
        HeapBudget.check(f, "the file's " + size + " bytes", 0, size);
        return f;
    }

    private NpyArray array(Npz npz, String name) throws DataFileException {
        NpyArray a = npz.arrays().get(name);
        if (a == null) {
            throw new DataFileException(xFile, "no array '" + name + "'; it holds " + (npz.arrays().isEmpty() ? "none"
                    : npz.arrays().keySet().stream().limit(10).map(k -> "'" + k + "'").collect(Collectors.joining(", "))
                            + (npz.arrays().size() > 10 ? ", ..." : "")));
        }
        return a;
    }

    private String label(String name) {
        return archive ? "array '" + name + "' " : "the " + name + " array ";
    }

    private DataFileException bad(Path f, String name, NpyArray a, int flat, int features, String problem) {
        return new DataFileException(f, (archive ? "array '" + name + "'" : "the " + name + " array") + ", "
                + where(name, a, flat, features) + ": " + problem);
    }

    /** NumPy's index of flat element {@code flat} of {@code a}, e.g. {@code x_train[17, 3, 4]}. */
    private static String where(String name, NpyArray a, int flat, int features) {
        long[] shape = a.shape();
        long[] index = new long[shape.length];
        long rest = flat;
        for (int d = shape.length - 1; d >= 0; d--) {
            index[d] = shape[d] == 0 ? 0 : rest % shape[d];
            rest = shape[d] == 0 ? 0 : rest / shape[d];
        }
        StringBuilder s = new StringBuilder("element [");
        for (int d = 0; d < index.length; d++) {
            s.append(d == 0 ? "" : ", ").append(index[d]);
        }
        return s.append("] (row ").append(flat / features).append(')').toString();
    }

    private static String show(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
    }

    /** Element {@code i} of a little-endian buffer of {@code t}, as a double. */
    private static double value(ByteBuffer b, NpyDtype t, int i) {
        int at = i * t.itemSize();
        return switch (t) {
            case FLOAT32 -> b.getFloat(at);
            case FLOAT64 -> b.getDouble(at);
            case UINT8 -> b.get(at) & 0xff;
            case INT8 -> b.get(at);
            case UINT16 -> b.getShort(at) & 0xffff;
            case INT16 -> b.getShort(at);
            case UINT32 -> b.getInt(at) & 0xffffffffL;
            case INT32 -> b.getInt(at);
            case INT64 -> b.getLong(at);
        };
    }
}
