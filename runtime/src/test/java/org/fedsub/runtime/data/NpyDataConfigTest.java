package org.fedsub.runtime.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.fedsub.runtime.config.ConfigError;
import org.fedsub.runtime.io.Npy;
import org.fedsub.runtime.io.NpyArray;
import org.fedsub.runtime.io.Npz;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code fedsub.data.type = npy}: NumPy arrays from config, and how bad arrays are reported. */
class NpyDataConfigTest {

    @TempDir
    Path dir;

    @Test
    void npz_imagesAreFlattened_labelsAnyIntegerDtype() throws IOException {
        float[] x = new float[6 * 2 * 2];
        for (int i = 0; i < x.length; i++) {
            x[i] = i;
        }
        Path npz = archive("d.npz", NpyArray.ofFloats(x, 6, 2, 2), NpyArray.ofLongs(new long[] {0, 1, 2, 0, 1, 2}, 6),
                NpyArray.ofFloats(new float[] {1, 2, 3, 4}, 1, 2, 2), NpyArray.ofInts(new int[] {1}, 1, 1));

        FederatedData data = OwnDataConfigTest.build("type = npy\nnpy.archive = \"" + npz + "\"\n"
                + "partition { type = iid, clients = 3 }");

        assertEquals(3, data.numClients());
        assertEquals(6, data.train().size());
        assertEquals(4, data.train().featureDim());
        assertEquals(3, data.train().numClasses());
        assertArrayEquals(new int[] {0, 1, 2, 0, 1, 2}, data.train().labels());
        assertArrayEquals(new double[] {4, 5, 6, 7}, data.train().features().getRow(1).dup().data().asDouble(), 0);
        assertArrayEquals(new int[] {1}, data.test().labels());
    }

    @Test
    void npyFiles_uint8PixelsDividedBy255_underTheNumpyAlias() throws IOException {
        Path xTrain = npy("xtr.npy", NpyArray.ofUint8(new byte[] {0, (byte) 255, 51, 102}, 2, 2));
        Path yTrain = npy("ytr.npy", NpyArray.ofInts(new int[] {1, 0}, 2));
        Path xTest = npy("xte.npy", NpyArray.ofUint8(new byte[] {0, 0}, 1, 2));
        Path yTest = npy("yte.npy", NpyArray.ofDoubles(new double[] {1.0}, 1));

        FederatedData data = OwnDataConfigTest.build("type = numpy\nnpy { divide-by = 255, files { x-train = \""
                + xTrain + "\", y-train = \"" + yTrain + "\", x-test = \"" + xTest + "\", y-test = \"" + yTest
                + "\" } }\npartition { type = iid, clients = 2 }");

        assertArrayEquals(new double[] {0, 1, 0.2, 0.4}, data.train().features().dup('c').data().asDouble(), 1e-6);
        assertArrayEquals(new int[] {1, 0}, data.train().labels());
        assertArrayEquals(new int[] {1}, data.test().labels());
    }

    @Test
    void badValues_nameFileArrayAndIndex() throws IOException {
        Path nan = archive("nan.npz", NpyArray.ofDoubles(new double[] {1, 2, 3, Double.NaN}, 2, 2),
                NpyArray.ofInts(new int[] {0, 1}, 2), NpyArray.ofDoubles(new double[] {1, 2}, 1, 2),
                NpyArray.ofInts(new int[] {0}, 1));
        Path negative = archive("neg.npz", NpyArray.ofDoubles(new double[] {1, 2, 3, 4}, 2, 2),
                NpyArray.ofInts(new int[] {0, -3}, 2), NpyArray.ofDoubles(new double[] {1, 2}, 1, 2),
                NpyArray.ofInts(new int[] {0}, 1));
        Path fraction = archive("frac.npz", NpyArray.ofDoubles(new double[] {1, 2, 3, 4}, 2, 2),
                NpyArray.ofInts(new int[] {0, 1}, 2), NpyArray.ofDoubles(new double[] {1, 2}, 1, 2),
                NpyArray.ofDoubles(new double[] {0.5}, 1));

        ConfigError e1 = assertThrows(ConfigError.class, () -> build(nan));
        ConfigError e2 = assertThrows(ConfigError.class, () -> build(negative));
        ConfigError e3 = assertThrows(ConfigError.class, () -> build(fraction));

        assertEquals("fedsub.data.npy.archive", e1.path());
        assertEquals("fedsub.data.npy.archive: " + nan + ": array 'x_train', element [1, 1] (row 1): NaN is not a"
                + " finite number", e1.getMessage());
        assertTrue(e2.getMessage().contains(negative + ": array 'y_train', element [1] (row 1): label -3 is negative"),
                e2.getMessage());
        assertTrue(e3.getMessage().contains(fraction + ": array 'y_test', element [0] (row 0): label 0.5 is not an"
                + " integer"), e3.getMessage());
    }

    @Test
    void badShapesAndMissingArrays_areNamed() throws IOException {
        NpyArray x = NpyArray.ofFloats(new float[] {1, 2, 3, 4}, 2, 2);
        NpyArray y = NpyArray.ofInts(new int[] {0, 1}, 2);
        Path oneHot = archive("onehot.npz", x, NpyArray.ofInts(new int[] {1, 0, 0, 1}, 2, 2), x, y);
        Path counts = archive("counts.npz", x, NpyArray.ofInts(new int[] {0, 1, 1}, 3), x, y);
        Map<String, NpyArray> renamed = new LinkedHashMap<>();
        renamed.put("X", x);
        renamed.put("y", y);
        Path missing = dir.resolve("missing.npz");
        Npz.of(renamed).write(missing, true);

        ConfigError e1 = assertThrows(ConfigError.class, () -> build(oneHot));
        ConfigError e2 = assertThrows(ConfigError.class, () -> build(counts));
        ConfigError e3 = assertThrows(ConfigError.class, () -> build(missing));

        assertTrue(e1.getMessage().contains("array 'y_train' has shape (2, 2); expected one class number a row")
                && e1.getMessage().contains("np.argmax(y, axis=1)"), e1.getMessage());
        assertTrue(e2.getMessage().contains("array 'y_train' has 3 labels but array 'x_train' has 2 rows"),
                e2.getMessage());
        assertTrue(e3.getMessage().contains(missing + ": no array 'x_train'; it holds 'X', 'y'"), e3.getMessage());
    }

    @Test
    void corruptFiles_carryTheReadersMessage_atTheirKey() throws IOException {
        Path npz = dir.resolve("bad.npz");
        Files.write(npz, new byte[] {'P', 'K', 3, 4, 1, 2});
        Path good = npy("x.npy", NpyArray.ofFloats(new float[] {1, 2}, 1, 2));
        Path y = npy("y.npy", NpyArray.ofInts(new int[] {0}, 1));
        Path truncated = dir.resolve("t.npy");
        byte[] bytes = Files.readAllBytes(y);
        Files.write(truncated, java.util.Arrays.copyOf(bytes, bytes.length - 2));

        ConfigError archive = assertThrows(ConfigError.class, () -> build(npz));
        ConfigError file = assertThrows(ConfigError.class, () -> OwnDataConfigTest.build("type = npy\nnpy.files {"
                + " x-train = \"" + good + "\", y-train = \"" + y + "\", x-test = \"" + good + "\", y-test = \""
                + truncated + "\" }\npartition.type = iid"));

        assertEquals("fedsub.data.npy.archive", archive.path());
        assertTrue(archive.getMessage().contains(npz.toString()), archive.getMessage());
        assertEquals("fedsub.data.npy.files.y-test", file.path());
        assertTrue(file.getMessage().startsWith("fedsub.data.npy.files.y-test: " + truncated), file.getMessage());
    }

    @Test
    void configMistakes_nameTheKey() {
        assertEquals("fedsub.data.npy.files.x-train", assertThrows(ConfigError.class,
                () -> OwnDataConfigTest.build("type = npy\npartition.type = iid")).path());
        assertEquals("fedsub.data.npy.files.y-test", assertThrows(ConfigError.class,
                () -> OwnDataConfigTest.build("type = npy\nnpy { archive = a.npz, files.y-test = b.npy }\n"
                        + "partition.type = iid")).path());
        assertEquals("fedsub.data.npy.arrays.y-train", assertThrows(ConfigError.class,
                () -> OwnDataConfigTest.build("type = npy\nnpy { archive = a.npz, arrays.y-train = \"\" }\n"
                        + "partition.type = iid")).path());
        assertEquals("fedsub.data.partition.type", assertThrows(ConfigError.class,
                () -> OwnDataConfigTest.build("type = npy\nnpy.archive = a.npz")).path());
    }

    @Test
    void folders_ofNpzFiles_areOneClientEach_andMismatchedFeaturesNameBothFiles() throws IOException {
        NpyArray y = NpyArray.ofInts(new int[] {0, 1}, 2);
        for (int k = 0; k < 3; k++) {
            Map<String, NpyArray> m = new LinkedHashMap<>();
            m.put("x_train", NpyArray.ofFloats(new float[] {k, 1, 2, 3}, 2, 2));
            m.put("y_train", y);
            Npz.of(m).write(Files.createDirectories(dir.resolve("c" + k)).resolve("train.npz"), k == 1);
        }
        Map<String, NpyArray> test = new LinkedHashMap<>();
        test.put("x_test", NpyArray.ofFloats(new float[] {1, 2}, 1, 2));
        test.put("y_test", NpyArray.ofInts(new int[] {1}, 1));
        Npz.of(test).write(dir.resolve("test.npz"), false);
        String conf = "type = folders\nfolders { dir = \"" + dir + "\", train-file = train.npz, test-file = test.npz }";

        FederatedData data = OwnDataConfigTest.build(conf);
        Map<String, NpyArray> wide = new LinkedHashMap<>();
        wide.put("x_train", NpyArray.ofFloats(new float[] {1, 2, 3, 4, 5, 6}, 2, 3));
        wide.put("y_train", y);
        Npz.of(wide).write(dir.resolve("c2/train.npz"), false);
        ConfigError e = assertThrows(ConfigError.class, () -> OwnDataConfigTest.build(conf));

        assertEquals(3, data.numClients());
        assertEquals(2.0, data.train().features().getDouble(4, 0)); // client 2's first row
        assertTrue(e.getMessage().contains(dir.resolve("c2/train.npz") + ": 3 features a row but "
                + dir.resolve("c0/train.npz") + " has 2"), e.getMessage());
    }

    private static FederatedData build(Path npz) {
        return OwnDataConfigTest.build("type = npy\nnpy.archive = \"" + npz + "\"\npartition.type = iid");
    }

    private Path archive(String name, NpyArray xTrain, NpyArray yTrain, NpyArray xTest, NpyArray yTest)
            throws IOException {
        Map<String, NpyArray> m = new LinkedHashMap<>();
        m.put("x_train", xTrain);
        m.put("y_train", yTrain);
        m.put("x_test", xTest);
        m.put("y_test", yTest);
        Path p = dir.resolve(name);
        Npz.of(m).write(p, true);
        return p;
    }

    private Path npy(String name, NpyArray a) throws IOException {
        Path p = dir.resolve(name);
        Npy.write(p, a);
        return p;
    }
}
