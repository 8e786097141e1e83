package org.fedsub.runtime.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Files NumPy 1.24 wrote ({@code src/test/resources/npy/make_fixtures.py} made them): the reader
 * reads them with the values the script put in, and the writer's output for the same arrays is
 * byte for byte what {@code np.save} wrote.
 */
class NpyInteropTest {

    @TempDir
    Path dir;

    static Path fixture(String name) {
        try {
            return Path.of(NpyInteropTest.class.getResource("/npy/" + name).toURI());
        } catch (URISyntaxException | NullPointerException e) {
            throw new IllegalStateException("missing test resource npy/" + name, e);
        }
    }

    /** What the script saved in each file: the dtype, the shape and arange(n) + offset, cast. */
    private record Expected(String file, NpyDtype dtype, long[] shape, long[] longs, double[] doubles) {}

    private static final List<Expected> SAVED = List.of(
            new Expected("f4_2x3.npy", NpyDtype.FLOAT32, new long[] {2, 3}, null, new double[] {0.5, 1.5, 2.5, 3.5, 4.5, 5.5}),
            new Expected("f8_scalar.npy", NpyDtype.FLOAT64, new long[] {}, null, new double[] {-2.25}),
            new Expected("u1_4.npy", NpyDtype.UINT8, new long[] {4}, new long[] {253, 254, 255, 0}, null),
            new Expected("i1_2x2.npy", NpyDtype.INT8, new long[] {2, 2}, new long[] {-2, -1, 0, 1}, null),
            new Expected("i2_3.npy", NpyDtype.INT16, new long[] {3}, new long[] {-1, 0, 1}, null),
            new Expected("u2_3.npy", NpyDtype.UINT16, new long[] {3}, new long[] {65534, 65535, 0}, null),
            new Expected("i4_3.npy", NpyDtype.INT32, new long[] {3}, new long[] {-1, 0, 1}, null),
            new Expected("u4_2.npy", NpyDtype.UINT32, new long[] {2}, new long[] {4294967295L, 0}, null),
            new Expected("i8_2x1x2.npy", NpyDtype.INT64, new long[] {2, 1, 2},
                    new long[] {-(1L << 40), -(1L << 40) + 1, -(1L << 40) + 2, -(1L << 40) + 3}, null),
            new Expected("f4_0x3.npy", NpyDtype.FLOAT32, new long[] {0, 3}, null, new double[] {}),
            new Expected("f8_1x1x1x1.npy", NpyDtype.FLOAT64, new long[] {1, 1, 1, 1}, null, new double[] {7}));

    @Test
    void read_filesNumpySaved_giveTheSavedDtypeShapeAndValues() throws IOException {
        for (Expected e : SAVED) {
            NpyArray a = Npy.read(fixture(e.file()));

            assertEquals(e.dtype(), a.dtype(), e.file());
            assertArrayEquals(e.shape(), a.shape(), e.file());
            if (e.longs() != null) {
                assertArrayEquals(e.longs(), a.toLongs(), e.file());
            } else {
                assertArrayEquals(e.doubles(), a.toDoubles(), e.file());
            }
        }
    }

    @Test
    void write_sameArrays_isByteForByteWhatNumpySaved() throws IOException {
        for (Expected e : SAVED) {
            byte[] numpy = Files.readAllBytes(fixture(e.file()));
            NpyArray a = e.longs() != null ? rebuildIntegers(e) : rebuildFloating(e);

            assertArrayEquals(numpy, Npy.toBytes(a), e.file());
        }
    }

    private static NpyArray rebuildFloating(Expected e) {
        if (e.dtype() == NpyDtype.FLOAT64) {
            return NpyArray.ofDoubles(e.doubles(), e.shape());
        }
        float[] f = new float[e.doubles().length];
        for (int i = 0; i < f.length; i++) {
            f[i] = (float) e.doubles()[i];
        }
        return NpyArray.ofFloats(f, e.shape());
    }

    private static NpyArray rebuildIntegers(Expected e) {
        int w = e.dtype().itemSize();
        byte[] b = new byte[e.longs().length * w];
        for (int i = 0; i < e.longs().length; i++) {
            for (int k = 0; k < w; k++) {
                b[i * w + k] = (byte) (e.longs()[i] >>> (8 * k));
            }
        }
        return NpyArray.of(e.dtype(), b, e.shape());
    }

    @ParameterizedTest
    @ValueSource(strings = {"f4_2x3_v2.npy", "f4_2x3_v3.npy"})
    void read_formatVersions2And3_sameArrayAsVersion1(String file) throws IOException {
        assertEquals(Npy.read(fixture("f4_2x3.npy")), Npy.read(fixture(file)));
    }

    @Test
    void read_fortranOrder_isRefusedAndSaysHowToSave() {
        NpyFormatException e = assertThrows(NpyFormatException.class, () -> Npy.read(fixture("fortran.npy")));
        assertTrue(e.getMessage().contains("fortran.npy: byte 10: "), e.getMessage());
        assertTrue(e.getMessage().contains("fortran_order True (column-major data) is not supported"), e.getMessage());
        assertTrue(e.getMessage().contains("np.ascontiguousarray"), e.getMessage());
    }

    @Test
    void read_bigEndian_isRefusedAndSaysHowToSave() {
        NpyFormatException e = assertThrows(NpyFormatException.class, () -> Npy.read(fixture("bigendian.npy")));
        assertTrue(e.getMessage().contains("big-endian dtype '>f4' is not supported; save a.astype('<f4')"),
                e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"stored.npz", "deflated.npz"})
    void read_npzNumpySaved_givesItsArraysInOrder(String file) throws IOException {
        Npz npz = Npz.read(fixture(file));

        assertEquals(List.of("weight", "bias", "labels"), List.copyOf(npz.arrays().keySet()));
        assertEquals(NpyArray.ofFloats(new float[] {0.5f, 1.5f, 2.5f, 3.5f, 4.5f, 5.5f}, 3, 2), npz.arrays().get("weight"));
        assertEquals(NpyArray.ofDoubles(new double[] {0, 1}, 2), npz.arrays().get("bias"));
        assertEquals(NpyArray.ofUint8(new byte[] {0, 1, 2, 3, 4}, 5), npz.arrays().get("labels"));
        assertTrue(npz.files().isEmpty());
    }

    @Test
    void write_npz_entriesAreTheBytesNumpySaves() throws IOException {
        Npz numpy = Npz.read(fixture("stored.npz"));
        Path mine = dir.resolve("mine.npz");
        Npz.of(numpy.arrays()).write(mine, false);

        try (var a = new java.util.zip.ZipFile(fixture("stored.npz").toFile());
                var b = new java.util.zip.ZipFile(mine.toFile())) {
            for (String name : List.of("weight.npy", "bias.npy", "labels.npy")) {
                assertArrayEquals(a.getInputStream(a.getEntry(name)).readAllBytes(),
                        b.getInputStream(b.getEntry(name)).readAllBytes(), name);
                assertEquals(java.util.zip.ZipEntry.STORED, b.getEntry(name).getMethod());
            }
        }
        assertEquals(Map.copyOf(numpy.arrays()), Map.copyOf(Npz.read(mine).arrays()));
    }
}
