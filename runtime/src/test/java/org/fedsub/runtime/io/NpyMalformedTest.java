package org.fedsub.runtime.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Broken files give one exception type, {@link NpyFormatException}, whose message names the
 * file, the entry, the byte offset and the problem; and never allocate what the bytes do not
 * justify. Hand-made cases for each check, then seeded mutation fuzzing.
 */
class NpyMalformedTest {

    @TempDir
    Path dir;

    /** A version 1.0 file with {@code header} (padded as NumPy does) and {@code data}. */
    static byte[] npy(String header, byte[] data) {
        return npy(1, header, data);
    }

    static byte[] npy(int version, String header, byte[] data) {
        byte[] text = header.getBytes(StandardCharsets.ISO_8859_1);
        int prefix = version == 1 ? 10 : 12;
        int pad = 64 - (prefix + text.length + 1) % 64;
        ByteBuffer b = ByteBuffer.allocate(prefix + text.length + pad + 1 + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(Npy.MAGIC).put((byte) version).put((byte) 0);
        if (version == 1) {
            b.putShort((short) (text.length + pad + 1));
        } else {
            b.putInt(text.length + pad + 1);
        }
        b.put(text).put(" ".repeat(pad).getBytes(StandardCharsets.US_ASCII)).put((byte) '\n').put(data);
        return b.array();
    }

    private static String message(byte[] bytes) {
        NpyFormatException e = assertThrows(NpyFormatException.class, () -> Npy.read(bytes, "x.npy"));
        // The stream path (unknown length) refuses the same input.
        assertThrows(NpyFormatException.class, () -> Npy.read(new ByteArrayInputStream(bytes), -1, "x.npy"));
        return e.getMessage();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }|8|ok",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }|8|x.npy: byte 128: truncated: the header promises shape (3,) of <f4 (12 bytes) but only 8 bytes follow the header",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }|8|x.npy: byte 132: 4 trailing bytes after the data of shape (1,) of <f4 (4 bytes)",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296), }|8|more elements than 2^63",
        "{'descr': '<f8', 'fortran_order': False, 'shape': (536870912,), }|8|is 536870912 elements, more than one array of at most 2147483639 bytes holds",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,), }|8|dimension 99999999999999999999 in 'shape' is over 2^63",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (-2,), }|8|negative dimension -2 in 'shape'",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (2), }|8|'shape' (2) is an int, not a tuple; a 1-d shape is written (2,)",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'extra': 1}|8|unknown key 'extra'; expected exactly 'descr', 'fortran_order' and 'shape'",
        "{'descr': '<f4', 'shape': (2,), }|8|header has no 'fortran_order' key",
        "{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (2,)}|8|key 'descr' appears twice",
        "{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }|8|dtype '<c8' is not supported; expected one of <f4, <f8, |u1, |i1, <u2, <i2, <u4, <i4, <i8",
        "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }|8|structured dtypes",
        "{'descr': '<f4', 'fortran_order': 0, 'shape': (2,), }|8|expected True or False for 'fortran_order', found '0'",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), } x|8|unexpected 'x' after the header's closing '}'",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (2,)|8|expected ',' or '}' after the value of 'shape', found the header's end",
        "{'descr: '<f4', 'fortran_order': False, 'shape': (2,)}|8|x.npy: byte 20: header {'descr: '<f4', 'fortran_order': False, 'shape': (2,)}: expected ':', found '<'",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (2L,), }|8|ok",
        "{\"descr\": \"<f4\", \"fortran_order\": False, \"shape\": ( 1 , 1 , ) ,}|4|ok",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (0, 4294967296, 4294967296, 4294967296), }|0|ok",
    })
    void read_header_refusedWithItsProblem(String header, int dataBytes, String expected) throws IOException {
        byte[] file = npy(header, new byte[dataBytes]);
        if (expected.equals("ok")) {
            Npy.read(file, "x.npy");
            return;
        }
        String m = message(file);
        assertTrue(m.contains(expected), m);
        assertTrue(m.startsWith("x.npy: byte "), m);
    }

    @Test
    void read_prefixProblems_nameTheOffset() {
        byte[] good = npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", new byte[8]);

        assertTrue(message(new byte[0]).contains("x.npy: byte 0: truncated: the file ends 0 bytes into the magic string"));
        assertTrue(message("PK\3\4abcdefgh".getBytes(StandardCharsets.ISO_8859_1)).contains(
                "byte 0: not a .npy file: expected the magic string \\x93NUMPY, found 50 4b 03 04 61 62 (this looks like a zip file: an .npz?)"));
        byte[] v4 = good.clone();
        v4[6] = 4;
        assertTrue(message(v4).contains("byte 6: unsupported .npy format version 4.0; expected 1.0, 2.0 or 3.0"));
        byte[] longHeader = good.clone();
        longHeader[8] = (byte) 0xff;
        longHeader[9] = (byte) 0xff;
        assertTrue(message(longHeader).contains("byte 8: truncated: header length 65535 but only 126 bytes follow"),
                message(longHeader));
        byte[] hugeV2 = npy(2, "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", new byte[8]);
        ByteBuffer.wrap(hugeV2).order(ByteOrder.LITTLE_ENDIAN).putInt(8, Integer.MAX_VALUE);
        assertTrue(message(hugeV2).contains("byte 8: header length 2147483647 is over the limit of 65536 bytes"));
        byte[] badUtf8 = npy(3, "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", new byte[8]);
        badUtf8[20] = (byte) 0xff;
        assertTrue(message(badUtf8).contains("byte 12: header is not valid UTF-8"));
        String cut = message(Arrays.copyOf(good, 60));
        assertTrue(cut.contains("byte 8: truncated: header length 118 but only 50 bytes follow"), cut);
        NpyFormatException streamed = assertThrows(NpyFormatException.class,
                () -> Npy.read(new ByteArrayInputStream(Arrays.copyOf(good, 60)), -1, "x.npy"));
        assertTrue(streamed.getMessage().contains("x.npy: byte 60: truncated: the file ends 50 bytes into the header of 118 bytes"),
                streamed.getMessage());
    }

    @Test
    void read_missingFile_isNoSuchFile() {
        assertThrows(NoSuchFileException.class, () -> Npy.read(dir.resolve("none.npy")));
        assertThrows(NoSuchFileException.class, () -> Npz.read(dir.resolve("none.npz")));
    }

    @Test
    void npz_problems_nameFileAndEntry() throws IOException {
        byte[] good = Npy.toBytes(NpyArray.ofFloats(new float[] {1, 2}, 2));

        Path notZip = write("notzip.npz", good);
        assertTrue(npzMessage(notZip).startsWith(notZip + ": not a .npz (zip) file: "), npzMessage(notZip));

        Path truncatedEntry = write("t.npz", zip(Map.of("w.npy", Arrays.copyOf(good, good.length - 1)), false));
        assertTrue(npzMessage(truncatedEntry).startsWith(truncatedEntry + ", entry 'w.npy': byte 128: truncated"),
                npzMessage(truncatedEntry));

        byte[] archive = zip(Map.of("w.npy", good), false);
        int at = indexOf(archive, good) + good.length - 1; // the last data byte: only the CRC can tell
        archive[at] ^= 1;
        Path crc = write("crc.npz", archive);
        assertTrue(npzMessage(crc).startsWith(crc + ", entry 'w.npy': damaged: CRC-32 "), npzMessage(crc));

        byte[] deflated = zip(Map.of("w.npy", good), true);
        Path cut = write("cut.npz", Arrays.copyOf(deflated, deflated.length - 30));
        assertTrue(npzMessage(cut).startsWith(cut.toString()), npzMessage(cut));

        Path dup = write("dup.npz", zipEntries(List.of("w.npy", "w.npy"), good));
        assertTrue(npzMessage(dup).contains("entry 'w.npy': the archive holds two entries of this name"), npzMessage(dup));
    }

    private String npzMessage(Path file) {
        return assertThrows(NpyFormatException.class, () -> Npz.read(file)).getMessage();
    }

    private Path write(String name, byte[] bytes) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, bytes);
        return p;
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new IllegalStateException("not found");
    }

    /** A zip of {@code entries}, stored (with correct CRCs) or deflated. */
    static byte[] zip(Map<String, byte[]> entries, boolean deflate) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZipOutputStream z = new ZipOutputStream(out)) {
            for (Map.Entry<String, byte[]> e : new TreeMap<>(entries).entrySet()) {
                z.putNextEntry(entry(e.getKey(), e.getValue(), deflate));
                z.write(e.getValue());
                z.closeEntry();
            }
        }
        return out.toByteArray();
    }

    private static ZipEntry entry(String name, byte[] data, boolean deflate) {
        ZipEntry ze = new ZipEntry(name);
        if (!deflate) {
            CRC32 crc = new CRC32();
            crc.update(data);
            ze.setMethod(ZipEntry.STORED);
            ze.setSize(data.length);
            ze.setCompressedSize(data.length);
            ze.setCrc(crc.getValue());
        }
        return ze;
    }

    /** A zip with two entries of the same name: ZipOutputStream refuses, so rename the second one's bytes. */
    private static byte[] zipEntries(List<String> names, byte[] data) throws IOException {
        byte[] z = zip(Map.of("w.npy", data, "v.npy", data), false);
        byte[] from = "v.npy".getBytes(StandardCharsets.US_ASCII);
        byte[] to = names.get(1).getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i + from.length <= z.length; i++) {
            if (Arrays.equals(z, i, i + from.length, from, 0, from.length)) {
                System.arraycopy(to, 0, z, i, to.length);
            }
        }
        return z;
    }

    // ---- fuzzing ----

    /** Mutants per seed family; most are refused, each refusal is tens of microseconds. */
    private static final int NPY_MUTANTS = 6_000;
    private static final int NPZ_MUTANTS = 800;
    /** Heap one read may allocate beyond a multiple of its input: exception, buffers, zip tables. */
    private static final long ALLOCATION_SLACK = 1 << 20;
    private static final int ALLOCATION_PER_INPUT_BYTE = 64;

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();

    private static List<byte[]> npySeeds() {
        Random rnd = new Random(11);
        List<byte[]> seeds = new ArrayList<>();
        for (NpyDtype d : NpyDtype.values()) {
            seeds.add(Npy.toBytes(NpyRoundTripTest.random(d, new long[] {2, 3}, rnd)));
        }
        seeds.add(Npy.toBytes(NpyArray.ofDoubles(new double[] {1})));
        seeds.add(Npy.toBytes(NpyArray.ofFloats(new float[0], 0, 4)));
        seeds.add(npy(2, "{'descr': '<i8', 'fortran_order': False, 'shape': (1, 2), }", new byte[16]));
        seeds.add(npy(3, "{'descr': '|u1', 'fortran_order': False, 'shape': (3,), }", new byte[3]));
        return seeds;
    }

    @Test
    void npy_mutatedBytes_readOrThrowNpyFormatExceptionOnly() throws IOException {
        List<byte[]> seeds = npySeeds();
        Random rnd = new Random(42);
        Map<String, Integer> outcomes = new TreeMap<>();
        for (byte[] s : seeds) {
            Npy.read(s, "warm-up").hashCode(); // warms up classes before allocations are measured
        }
        for (int i = 0; i < NPY_MUTANTS; i++) {
            byte[] input = mutate(seeds.get(rnd.nextInt(seeds.size())), rnd);
            boolean stream = i % 2 == 0;
            long before = THREADS.getCurrentThreadAllocatedBytes();
            try {
                NpyArray a = stream ? Npy.read(new ByteArrayInputStream(input), -1, "m") : Npy.read(input, "m");
                // Accepted: it must survive its own round trip.
                assertEquals(a, Npy.read(Npy.toBytes(a), "again"));
                outcomes.merge("accepted", 1, Integer::sum);
            } catch (NpyFormatException e) {
                outcomes.merge(kind(e.getMessage()), 1, Integer::sum);
            } catch (IOException | RuntimeException e) {
                fail("mutant " + i + " (" + (stream ? "stream" : "bytes") + ") threw " + e + " for "
                        + Arrays.toString(input), e);
            }
            long allocated = THREADS.getCurrentThreadAllocatedBytes() - before;
            assertTrue(allocated < ALLOCATION_SLACK + (long) ALLOCATION_PER_INPUT_BYTE * input.length,
                    "mutant " + i + " of " + input.length + " bytes allocated " + allocated + " bytes");
        }
        for (String kind : List.of("accepted", "magic", "version", "truncated", "trailing", "header", "dtype")) {
            assertTrue(outcomes.containsKey(kind), "no mutant reached '" + kind + "': " + outcomes);
        }
    }

    @Test
    void npz_mutatedArchives_readOrThrowNpyFormatExceptionOnly() throws IOException {
        List<byte[]> npys = npySeeds();
        Random rnd = new Random(7);
        Map<String, Integer> outcomes = new TreeMap<>();
        Path file = dir.resolve("m.npz");
        for (int i = 0; i < NPZ_MUTANTS; i++) {
            byte[] a = npys.get(rnd.nextInt(npys.size()));
            byte[] b = npys.get(rnd.nextInt(npys.size()));
            boolean deflate = rnd.nextBoolean();
            byte[] input;
            if (rnd.nextBoolean()) {
                // A sound zip around a mutated array: reaches the .npy checks through the zip streams.
                input = zip(Map.of("a.npy", mutate(a, rnd), "b.npy", b, "meta.json", new byte[rnd.nextInt(40)]), deflate);
            } else {
                input = mutate(zip(Map.of("a.npy", a, "b.npy", b), deflate), rnd);
            }
            Files.write(file, input);
            long before = THREADS.getCurrentThreadAllocatedBytes();
            try {
                Npz.read(file);
                outcomes.merge("accepted", 1, Integer::sum);
            } catch (NpyFormatException e) {
                assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
                outcomes.merge(e.getMessage().contains(", entry '") ? "entry" : "archive", 1, Integer::sum);
            } catch (IOException | RuntimeException e) {
                Files.write(dir.resolve("failing-" + i + ".npz"), input);
                fail("npz mutant " + i + " threw " + e, e);
            }
            long allocated = THREADS.getCurrentThreadAllocatedBytes() - before;
            assertTrue(allocated < 4 * ALLOCATION_SLACK + (long) ALLOCATION_PER_INPUT_BYTE * input.length,
                    "npz mutant " + i + " of " + input.length + " bytes allocated " + allocated + " bytes");
        }
        for (String kind : List.of("accepted", "entry", "archive")) {
            assertTrue(outcomes.containsKey(kind), "no mutant reached '" + kind + "': " + outcomes);
        }
    }

    private static String kind(String message) {
        for (String k : List.of("magic", "version", "trailing", "truncated", "dtype", "header length", "header",
                "elements", "UTF-8")) {
            if (message.contains(k)) {
                return k;
            }
        }
        return "other: " + message;
    }

    private static final long[] INTERESTING = {0, 1, 2, 7, 8, 9, 0x7f, 0x80, 0xff, 0xffff, 0x10000, 0x7fffffffL,
        0x80000000L, 0xffffffffL, 1L << 32, 1L << 62, Long.MAX_VALUE, -1, 1_000_000};

    private static final String[] TOKENS = {"(", ")", ",", "'", "{", "}", ":", "L", "-", "9999999999", "0", "True",
        "'<f8'", "'>f4'", "'|u1'", "'shape'", "(1,)", "(2, 3)", "()", " ", "\n", "\u00e9", "\\"};

    /** One to three stacked mutations: bit flips, interesting integers, header tokens, cuts, inserts, splices. */
    static byte[] mutate(byte[] seed, Random rnd) {
        byte[] b = seed.clone();
        int n = 1 + rnd.nextInt(3);
        for (int k = 0; k < n; k++) {
            if (b.length == 0) {
                return b;
            }
            int at = rnd.nextInt(b.length);
            switch (rnd.nextInt(8)) {
                case 0 -> b[at] ^= (byte) (1 << rnd.nextInt(8));
                case 1 -> b[at] = (byte) rnd.nextInt(256);
                case 2 -> {
                    // an interesting value over a length field (byte 8) or anywhere
                    int pos = rnd.nextBoolean() && b.length > 12 ? 8 : at;
                    int width = new int[] {1, 2, 4, 8}[rnd.nextInt(4)];
                    long v = INTERESTING[rnd.nextInt(INTERESTING.length)];
                    for (int j = 0; j < width && pos + j < b.length; j++) {
                        b[pos + j] = (byte) (v >>> (8 * j));
                    }
                }
                case 3 -> b = Arrays.copyOf(b, rnd.nextInt(b.length)); // truncate
                case 4 -> { // insert random bytes
                    byte[] ins = new byte[1 + rnd.nextInt(8)];
                    rnd.nextBytes(ins);
                    b = splice(b, at, at, ins);
                }
                case 5 -> { // delete a range
                    int end = Math.min(b.length, at + 1 + rnd.nextInt(8));
                    b = splice(b, at, end, new byte[0]);
                }
                default -> { // a header token over a header position, same length or not
                    int pos = 10 + rnd.nextInt(Math.max(1, Math.min(b.length, 128) - 10));
                    byte[] t = TOKENS[rnd.nextInt(TOKENS.length)].getBytes(StandardCharsets.UTF_8);
                    int end = rnd.nextBoolean() ? Math.min(b.length, pos + t.length) : Math.min(b.length, pos + 1);
                    b = splice(b, Math.min(pos, b.length), end, t);
                }
            }
        }
        return b;
    }

    private static byte[] splice(byte[] b, int from, int to, byte[] ins) {
        byte[] out = new byte[b.length - (to - from) + ins.length];
        System.arraycopy(b, 0, out, 0, from);
        System.arraycopy(ins, 0, out, from, ins.length);
        System.arraycopy(b, to, out, from + ins.length, b.length - to);
        return out;
    }
}
