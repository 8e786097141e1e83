package org.fedsub.runtime.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.fedsub.runtime.io.NpyArray;
import org.fedsub.runtime.io.Npz;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;

/** A model saved to a file reads back as the same model with the same parameters, bit for bit. */
class ModelFilesTest {

    @TempDir
    Path dir;

    private static ConfiguredModel build(String hocon, int in, int out, DataType dtype) {
        Config c = ConfigFactory.parseString(hocon).withFallback(ConfigFactory.defaultReference().getConfig("fedsub.model"));
        return ConfiguredModel.of(Models.fromConfig(c, "fedsub.model", in, out, dtype), c, in, out);
    }

    private static final ModelFiles.Provenance FROM = new ModelFiles.Provenance("exp", "fedsub", 7, 12, 0.8125, 0.5,
            Double.NaN);

    @ParameterizedTest(name = "{0} {3}")
    @CsvSource(delimiter = '|', value = {
        "type = logreg|12|3|FLOAT",
        "type = linear, bias = false|5|2|DOUBLE",
        "type = mlp, hidden = [7, 4]|10|3|FLOAT",
        "type = cnn, cnn { height = 8, width = 8, channels = [2], kernel = 3, stride = 2, padding = 1 }|64|4|DOUBLE",
    })
    void saveThenRead_sameParametersAndARebuiltModelOfTheSameShape(String hocon, int in, int out, DataType dtype)
            throws IOException {
        ConfiguredModel model = build(hocon, in, out, dtype);
        Params params = model.init(3);
        Path file = dir.resolve("model.npz");

        ModelFiles.save(file, model, params, FROM);
        SavedModel saved = ModelFiles.read(file);
        ConfiguredModel rebuilt = saved.rebuild();

        assertEquals(model.name(), rebuilt.name());
        assertEquals(model.params(), rebuilt.params());
        assertEquals(dtype, rebuilt.dtype());
        Params back = saved.params(rebuilt);
        for (ParamSpec s : model.params()) {
            assertEquals(params.get(s.name()), back.get(s.name()), s.name());
            assertEquals(dtype, back.get(s.name()).dataType());
        }
        SavedModel.Metadata m = saved.metadata().orElseThrow();
        assertEquals(FROM, m.from());
        assertEquals(in, m.inputDim());
        assertEquals(out, m.outputs());
        assertEquals(List.copyOf(saved.arrays().keySet()), model.params().stream().map(ParamSpec::name).toList());
    }

    @Test
    void metadata_isJsonNamingModelDataAndRun() throws IOException {
        ConfiguredModel model = build("type = mlp, hidden = [4]", 6, 2, DataType.FLOAT);
        Path file = dir.resolve("m.npz");
        ModelFiles.save(file, model, model.init(1), FROM);

        String json = new String(Npz.read(file).files().get(ModelFiles.METADATA), StandardCharsets.UTF_8);

        for (String part : List.of("\"format\" : \"fedsub-model\"", "\"format_version\" : 1", "\"type\" : \"mlp\"",
                "\"hidden\" : [\n", "\"input_dim\" : 6", "\"outputs\" : 2", "\"dtype\" : \"float32\"",
                "\"experiment\" : \"exp\"", "\"rounds\" : 12", "\"test_accuracy\" : 0.8125")) {
            assertTrue(json.contains(part), "metadata has " + part + ": " + json);
        }
        assertFalse(json.contains("train_loss"), "a NaN score is left out (JSON has no NaN)");
        assertFalse(json.contains("init-from"), "the starting point is not part of the model's definition");
    }

    @Test
    void params_missingExtraMisShapedOrIntegerArrays_nameTheParameterAndShapes() throws IOException {
        ConfiguredModel model = build("type = logreg", 4, 3, DataType.FLOAT);
        NpyArray w = NpyArray.ofFloats(new float[12], 4, 3);
        NpyArray b = NpyArray.ofFloats(new float[3], 1, 3);

        assertEquals("no parameter 'fc.bias' (expected shape (1, 3) for logreg[4-3]); the file holds fc.weight (4, 3)",
                problem(model, Map.of("fc.weight", w)));
        assertEquals("parameter 'fc.weight' has shape (3, 4), but logreg[4-3] expects (4, 3)",
                problem(model, Map.of("fc.weight", NpyArray.ofFloats(new float[12], 3, 4), "fc.bias", b)));
        assertEquals("parameter 'fc.bias' has dtype <i4, expected <f4 or <f8",
                problem(model, Map.of("fc.weight", w, "fc.bias", NpyArray.ofInts(new int[3], 1, 3))));
        assertEquals("parameter 'fc2.weight' is not one of logreg[4-3]'s [fc.weight, fc.bias]; is this the model's file?",
                problem(model, Map.of("fc.weight", w, "fc.bias", b, "fc2.weight", w)));
    }

    private String problem(Model model, Map<String, NpyArray> arrays) throws IOException {
        Path file = dir.resolve("p.npz");
        Npz.of(new LinkedHashMap<>(arrays)).write(file, false);
        SavedModel saved = ModelFiles.read(file);
        assertTrue(saved.metadata().isEmpty());
        ModelFileException e = assertThrows(ModelFileException.class, () -> saved.params(model));
        assertEquals(file + ": " + e.problem(), e.getMessage());
        return e.problem();
    }

    @Test
    void plainNpzOfParameters_givesParametersButCannotRebuild() throws IOException {
        ConfiguredModel model = build("type = logreg", 2, 2, DataType.DOUBLE);
        Path file = dir.resolve("plain.npz");
        Npz.of(Map.of("fc.weight", NpyArray.ofFloats(new float[] {1, 2, 3, 4}, 2, 2),
                "fc.bias", NpyArray.ofFloats(new float[] {5, 6}, 1, 2))).write(file, true);

        SavedModel saved = ModelFiles.read(file);

        assertEquals(4.0, saved.params(model).get("fc.weight").getDouble(1, 1));
        assertEquals(DataType.DOUBLE, saved.params(model).get("fc.bias").dataType(), "converted to the model's dtype");
        ModelFileException e = assertThrows(ModelFileException.class, saved::rebuild);
        assertTrue(e.getMessage().contains("has no fedsub.json entry saying which model it holds"), e.getMessage());
    }

    @Test
    void read_metadataFromANewerFormat_isRefused() throws IOException {
        Path file = dir.resolve("new.npz");
        String json = "{\"format\": \"fedsub-model\", \"format_version\": 2, \"dtype\": \"float32\", \"model_name\": \"x\"}";
        Npz.of(Map.of(), Map.of(ModelFiles.METADATA, json.getBytes(StandardCharsets.UTF_8))).write(file, false);

        ModelFileException e = assertThrows(ModelFileException.class, () -> ModelFiles.read(file));

        assertTrue(e.getMessage().contains("fedsub.json: format_version 2 is not one this fedsub reads (1)"),
                e.getMessage());
    }

    @Test
    void modelNotBuiltFromConfig_savesParametersButCannotRebuild() throws IOException {
        Model plain = new LogisticRegression(3, 2, DataType.FLOAT);
        Path file = dir.resolve("plain-model.npz");
        ModelFiles.save(file, plain, plain.init(1), null);

        SavedModel saved = ModelFiles.read(file);

        assertEquals(plain.init(1).get("fc.weight"), saved.params(plain).get("fc.weight"));
        assertTrue(assertThrows(ModelFileException.class, saved::rebuild).getMessage()
                .contains("holds logreg[3-2], a model not built from fedsub.model settings"));
    }
}
