package org.fedsub.runtime.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Arrays written by {@link Npy} and {@link Npz} read back equal, for every dtype and shape. */
class NpyRoundTripTest {

    private static final List<long[]> SHAPES = List.of(new long[] {}, new long[] {0}, new long[] {1}, new long[] {7},
            new long[] {2, 3}, new long[] {0, 3}, new long[] {3, 0}, new long[] {1, 1, 1}, new long[] {2, 3, 4},
            new long[] {2, 0, 4, 1}, new long[] {1, 2, 1, 2, 1, 2});

    @TempDir
    Path dir;

    static NpyArray random(NpyDtype dtype, long[] shape, Random rnd) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        byte[] data = new byte[(int) n * dtype.itemSize()];
        rnd.nextBytes(data); // every bit pattern is a valid value, NaN payloads included
        return NpyArray.of(dtype, data, shape);
    }

    @ParameterizedTest
    @EnumSource(NpyDtype.class)
    void npy_everyShape_readsBackEqualFromBytesStreamAndFile(NpyDtype dtype) throws IOException {
        Random rnd = new Random(dtype.ordinal());
        for (long[] shape : SHAPES) {
            NpyArray a = random(dtype, shape, rnd);

            byte[] bytes = Npy.toBytes(a);
            Path file = dir.resolve(dtype + "-" + shape.length + ".npy");
            Npy.write(file, a);

            assertEquals(0, (bytes.length - a.size() * dtype.itemSize()) % 64, "data starts 64-byte aligned");
            assertEquals(a, Npy.read(bytes, "bytes"));
            assertEquals(a, Npy.read(new ByteArrayInputStream(bytes), -1, "stream"));
            assertEquals(a, Npy.read(file));
            assertArrayEquals(bytes, Files.readAllBytes(file));
            assertArrayEquals(shape, Npy.read(file).shape());
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void npz_arraysAndFiles_readBackEqualInOrder(boolean compress) throws IOException {
        Random rnd = new Random(3);
        Map<String, NpyArray> arrays = new LinkedHashMap<>();
        for (NpyDtype d : NpyDtype.values()) {
            arrays.put("z." + d.name().toLowerCase(), random(d, SHAPES.get(rnd.nextInt(SHAPES.size())), rnd));
        }
        arrays.put("empty", NpyArray.ofFloats(new float[0], 0, 5));
        Npz npz = Npz.of(arrays, Map.of("meta.json", "{\"a\": 1}".getBytes(StandardCharsets.UTF_8)));
        Path file = dir.resolve("a.npz");

        npz.write(file, compress);
        Npz back = Npz.read(file);

        assertEquals(npz, back);
        assertEquals(List.copyOf(arrays.keySet()), List.copyOf(back.arrays().keySet()));
        assertEquals("{\"a\": 1}", new String(back.files().get("meta.json"), StandardCharsets.UTF_8));
        try (var stream = Files.list(dir)) {
            assertEquals(List.of(file), stream.toList(), "no temporary file left behind");
        }
    }

    @Test
    void npz_sameArraysTwice_sameBytes() throws IOException {
        Npz npz = Npz.of(Map.of("w", NpyArray.ofDoubles(new double[] {1, 2, 3}, 3)));
        npz.write(dir.resolve("a.npz"), false);
        npz.write(dir.resolve("b.npz"), false);
        assertArrayEquals(Files.readAllBytes(dir.resolve("a.npz")), Files.readAllBytes(dir.resolve("b.npz")));
    }

    @Test
    void npz_noArrays_readsBackEmpty() throws IOException {
        Path file = dir.resolve("empty.npz");
        Npz.of(Map.of()).write(file, false);
        assertTrue(Npz.read(file).arrays().isEmpty());
    }

    @Test
    void values_convertAsJavaCastsDo() {
        NpyArray u8 = NpyArray.ofUint8(new byte[] {(byte) 255, 0, 1}, 3);
        NpyArray i8 = NpyArray.ofInt8(new byte[] {(byte) 255, 0, 1}, 3);
        NpyArray u4 = NpyArray.of(NpyDtype.UINT32, new byte[] {-1, -1, -1, -1}, 1);

        assertArrayEquals(new long[] {255, 0, 1}, u8.toLongs());
        assertArrayEquals(new long[] {-1, 0, 1}, i8.toLongs());
        assertArrayEquals(new long[] {4294967295L}, u4.toLongs());
        assertArrayEquals(new double[] {255, 0, 1}, u8.toDoubles());
        assertArrayEquals(new float[] {1.5f, -2f}, NpyArray.ofDoubles(new double[] {1.5, -2}, 2).toFloats());
        assertArrayEquals(new long[] {1, -2}, NpyArray.ofFloats(new float[] {1.9f, -2.9f}, 2).toLongs());
    }

    @Test
    void nd4j_roundTripKeepsShapeValuesAndType() {
        INDArray m = Nd4j.linspace(1, 12, 12, DataType.DOUBLE).reshape('c', 3, 4);
        INDArray view = m.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(1, 3),
                org.nd4j.linalg.indexing.NDArrayIndex.interval(1, 3));

        NpyArray a = NpyArray.fromNd4j(m.castTo(DataType.FLOAT));
        NpyArray v = NpyArray.fromNd4j(view);

        assertEquals(NpyDtype.FLOAT32, a.dtype());
        assertEquals(m.castTo(DataType.FLOAT), a.toNd4j(DataType.FLOAT));
        assertEquals(m, a.toNd4j(DataType.DOUBLE));
        assertArrayEquals(new double[] {6, 7, 10, 11}, v.toDoubles());
        assertEquals(Nd4j.scalar(2.5), NpyArray.ofDoubles(new double[] {2.5}).toNd4j(DataType.DOUBLE));
        assertArrayEquals(new long[] {0, 3}, NpyArray.ofFloats(new float[0], 0, 3).toNd4j(DataType.FLOAT).shape());
        assertThrows(IllegalArgumentException.class, () -> a.toNd4j(DataType.INT));
    }

    @Test
    void of_bytesThatDoNotMatchTheShape_isRefused() {
        assertThrows(IllegalArgumentException.class, () -> NpyArray.ofFloats(new float[5], 2, 3));
        assertThrows(IllegalArgumentException.class, () -> NpyArray.ofFloats(new float[0], -1));
        assertThrows(IllegalArgumentException.class, () -> NpyArray.of(NpyDtype.FLOAT64, new byte[0], 1L << 62, 4));
    }
}
