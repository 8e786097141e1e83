package org.fedsub.runtime.io;

import java.io.BufferedOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.LocalDateTime;
import java.util.Arrays;
import java.util.Collections;
import java.util.Enumeration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.zip.CRC32;
import java.util.zip.CheckedInputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/**
 * NumPy's {@code .npz}: a zip archive whose {@code <name>.npy} entries are arrays
 * ({@code np.savez} stores them, {@code np.savez_compressed} deflates them). Entries whose names
 * do not end in {@code .npy} are kept as raw bytes ({@link #files()}); {@code np.load} returns
 * such an entry as {@code bytes}. Both keep the archive's order.
 *
 * <p>Reading checks every entry as {@link Npy} does, plus the zip's own damage (a bad central
 * directory, a CRC that does not match, data cut short) and duplicate names; every problem is
 * an {@link NpyFormatException} naming the file and the entry. Writing goes to a temporary file
 * beside the target and is renamed over it, so a reader never sees half an archive; entries
 * carry a fixed timestamp, so the same arrays give the same bytes.
 */
public final class Npz {

    /** DOS time of every written entry (1980-01-01 00:00, the zip format's epoch): reproducible output. */
    private static final LocalDateTime ENTRY_TIME = LocalDateTime.of(1980, 1, 1, 0, 0);

    private final Map<String, NpyArray> arrays;
    private final Map<String, byte[]> files;

    private Npz(Map<String, NpyArray> arrays, Map<String, byte[]> files) {
        this.arrays = arrays;
        this.files = files;
    }

    /** An archive of {@code arrays} (iteration order kept). */
    public static Npz of(Map<String, NpyArray> arrays) {
        return of(arrays, Map.of());
    }

    /**
     * An archive of {@code arrays} and raw {@code files} (each iteration order kept; arrays first
     * when written).
     *
     * @throws IllegalArgumentException if a name is empty, or an array {@code x} and a file
     *                                  {@code x.npy} would be the same entry
     */
    public static Npz of(Map<String, NpyArray> arrays, Map<String, byte[]> files) {
        LinkedHashMap<String, NpyArray> a = new LinkedHashMap<>();
        arrays.forEach((k, v) -> a.put(checkName(k), Objects.requireNonNull(v, k)));
        LinkedHashMap<String, byte[]> f = new LinkedHashMap<>();
        files.forEach((k, v) -> {
            if (k.endsWith(".npy") && a.containsKey(k.substring(0, k.length() - 4))) {
                throw new IllegalArgumentException("file '" + k + "' and array '" + k.substring(0, k.length() - 4)
                        + "' would be the same zip entry");
            }
            f.put(checkName(k), v.clone());
        });
        return new Npz(Collections.unmodifiableMap(a), Collections.unmodifiableMap(f));
    }

    /** The arrays, by name without {@code .npy}, in archive order. */
    public Map<String, NpyArray> arrays() {
        return arrays;
    }

    /** The entries that are not arrays, by their full entry name, in archive order. */
    public Map<String, byte[]> files() {
        LinkedHashMap<String, byte[]> copy = new LinkedHashMap<>();
        files.forEach((k, v) -> copy.put(k, v.clone()));
        return Collections.unmodifiableMap(copy);
    }

    /** Reads the {@code .npz} file {@code file}. */
    public static Npz read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null, "no such file: " + file.toAbsolutePath());
        }
        LinkedHashMap<String, NpyArray> arrays = new LinkedHashMap<>();
        LinkedHashMap<String, byte[]> files = new LinkedHashMap<>();
        ZipFile zip;
        try {
            zip = new ZipFile(file.toFile());
        } catch (ZipException | EOFException e) {
            throw new NpyFormatException(file + ": not a .npz (zip) file: " + e, e);
        }
        try (zip) {
            Enumeration<? extends ZipEntry> entries = zip.entries();
            Set<String> seen = new HashSet<>();
            while (entries.hasMoreElements()) {
                ZipEntry e = entries.nextElement();
                String name = e.getName();
                String where = file + ", entry '" + name + "'";
                if (!seen.add(name)) {
                    throw new NpyFormatException(where + ": the archive holds two entries of this name");
                }
                if (e.isDirectory()) {
                    continue;
                }
                try (CheckedInputStream in = new CheckedInputStream(zip.getInputStream(e), new CRC32())) {
                    if (name.endsWith(".npy")) {
                        arrays.put(name.substring(0, name.length() - 4), Npy.read(in, e.getSize(), where));
                    } else {
                        files.put(name, readAll(in, where));
                    }
                    if (e.getCrc() != -1 && in.getChecksum().getValue() != e.getCrc()) {
                        throw new NpyFormatException(where + ": damaged: CRC-32 " + Long.toHexString(in.getChecksum()
                                .getValue()) + " of the data does not match the archive's " + Long.toHexString(e.getCrc()));
                    }
                } catch (NpyFormatException x) {
                    throw x;
                } catch (IOException x) {
                    // ZipException, EOFException from the inflater: the zip itself is damaged.
                    throw new NpyFormatException(where + ": damaged zip data: " + x, x);
                }
            }
        } catch (NpyFormatException x) {
            throw x;
        } catch (IOException | RuntimeException x) {
            // ZipFile reports some damage (entry names that are not UTF-8, bad offsets) unchecked.
            throw new NpyFormatException(file + ": damaged .npz (zip) file: " + x, x);
        }
        return new Npz(Collections.unmodifiableMap(arrays), Collections.unmodifiableMap(files));
    }

    /**
     * Writes this archive to {@code file}: arrays as {@code <name>.npy} entries, then the files;
     * stored like {@code np.savez}, or deflated like {@code np.savez_compressed}.
     */
    public void write(Path file, boolean compress) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Path tmp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp");
        try {
            try (OutputStream os = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16);
                    ZipOutputStream zip = new ZipOutputStream(os)) {
                for (Map.Entry<String, NpyArray> a : arrays.entrySet()) {
                    entry(zip, a.getKey() + ".npy", Npy.toBytes(a.getValue()), compress);
                }
                for (Map.Entry<String, byte[]> f : files.entrySet()) {
                    entry(zip, f.getKey(), f.getValue(), compress);
                }
            }
            try {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static void entry(ZipOutputStream zip, String name, byte[] bytes, boolean compress) throws IOException {
        ZipEntry e = new ZipEntry(name);
        e.setTimeLocal(ENTRY_TIME);
        if (compress) {
            e.setMethod(ZipEntry.DEFLATED);
        } else {
            CRC32 crc = new CRC32();
            crc.update(bytes);
            e.setMethod(ZipEntry.STORED);
            e.setSize(bytes.length);
            e.setCompressedSize(bytes.length);
            e.setCrc(crc.getValue());
        }
        zip.putNextEntry(e);
        zip.write(bytes);
        zip.closeEntry();
    }

    /** A raw entry's bytes, in a buffer that grows as they arrive. */
    private static byte[] readAll(InputStream in, String where) throws IOException {
        byte[] buf = new byte[1 << 12];
        int off = 0;
        while (true) {
            if (off == buf.length) {
                if (buf.length >= NpyArray.MAX_BYTES) {
                    throw new NpyFormatException(where + ": longer than " + NpyArray.MAX_BYTES + " bytes");
                }
                buf = Arrays.copyOf(buf, (int) Math.min(NpyArray.MAX_BYTES, 2L * buf.length));
            }
            int r;
            try {
                r = in.read(buf, off, buf.length - off);
            } catch (EOFException e) {
                throw new NpyFormatException(where + ": damaged zip data: cut short after " + off + " bytes", e);
            }
            if (r < 0) {
                return Arrays.copyOf(buf, off);
            }
            off += r;
        }
    }

    private static String checkName(String name) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("an .npz entry needs a non-empty name");
        }
        return name;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Npz n) || !n.arrays.equals(arrays) || !n.files.keySet().equals(files.keySet())) {
            return false;
        }
        return files.entrySet().stream().allMatch(e -> Arrays.equals(e.getValue(), n.files.get(e.getKey())));
    }

    @Override
    public int hashCode() {
        return arrays.hashCode() * 31 + files.keySet().hashCode();
    }

    @Override
    public String toString() {
        return "Npz" + arrays + (files.isEmpty() ? "" : " + " + files.keySet());
    }
}
