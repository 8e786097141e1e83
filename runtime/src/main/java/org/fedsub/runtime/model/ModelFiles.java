package org.fedsub.runtime.model;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigSyntax;
import com.typesafe.config.ConfigValueFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.fedsub.runtime.io.NpyArray;
import org.fedsub.runtime.io.Npz;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Models as files: a NumPy {@code .npz} with one array per parameter, named as the model names
 * it ({@code fc1.weight}), in the model's dtype and shape, plus a {@value #METADATA} entry of
 * JSON saying what model it is (its {@code fedsub.model} settings, input and output sizes,
 * dtype) and where it came from (experiment, strategy, seed, rounds, final scores). The format is
 * documented in {@code docs/models.md}; NumPy reads it with {@code np.load}.
 */
public final class ModelFiles {

    /** The name a run gives its final model in its results folder. */
    public static final String FILE_NAME = "model.npz";

    /** The metadata entry of the archive. */
    public static final String METADATA = "fedsub.json";

    /** The value of the metadata's {@code format} field. */
    public static final String FORMAT = "fedsub-model";

    /** The metadata's {@code format_version} this code writes, and the newest it reads. */
    public static final int VERSION = 1;

    private ModelFiles() {}

    /**
     * Where a saved model came from; the scores are those of its last evaluation (NaN: none,
     * e.g. accuracy for a regression model).
     *
     * @param rounds rounds of training behind the model
     */
    public record Provenance(String experiment, String strategy, long seed, int rounds, double testAccuracy,
            double testLoss, double trainLoss) {}

    /**
     * Writes {@code params} of {@code model} to {@code file} (replaced atomically). If
     * {@code model} is a {@link ConfiguredModel}, the metadata records its settings, so that
     * {@link SavedModel#rebuild()} can build it again.
     *
     * @param from where the model came from, or null
     */
    public static void save(Path file, Model model, Params params, Provenance from) throws IOException {
        Map<String, NpyArray> arrays = new LinkedHashMap<>();
        List<String> names = new ArrayList<>();
        for (ParamSpec s : model.params()) {
            arrays.put(s.name(), NpyArray.fromNd4j(params.get(s.name())));
            names.add(s.name());
        }
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("format", FORMAT);
        meta.put("format_version", VERSION);
        meta.put("model_name", model.name());
        meta.put("dtype", model.dtype() == DataType.DOUBLE ? "float64" : "float32");
        meta.put("classifier", model.isClassifier());
        meta.put("parameters", names);
        if (model instanceof ConfiguredModel c) {
            meta.put("model", c.config().withoutPath("init-from").root().unwrapped());
            meta.put("input_dim", c.inputDim());
            meta.put("outputs", c.outputs());
        }
        if (from != null) {
            meta.put("experiment", from.experiment());
            meta.put("strategy", from.strategy());
            meta.put("seed", from.seed());
            meta.put("rounds", from.rounds());
            Map<String, Object> scores = new LinkedHashMap<>();
            putFinite(scores, "test_accuracy", from.testAccuracy());
            putFinite(scores, "test_loss", from.testLoss());
            putFinite(scores, "train_loss", from.trainLoss());
            meta.put("final", scores);
        }
        String json = ConfigValueFactory.fromMap(meta).render(ConfigRenderOptions.concise().setJson(true)
                .setFormatted(true)) + "\n";
        Npz.of(arrays, Map.of(METADATA, json.getBytes(StandardCharsets.UTF_8))).write(file, false);
    }

    private static void putFinite(Map<String, Object> m, String key, double v) {
        if (Double.isFinite(v)) {
            m.put(key, v);
        }
    }

    /**
     * Reads a model file. Its metadata is optional (an {@code .npz} of parameters written by
     * NumPy or PyTorch has none): without it, the file can still give parameters to a model
     * built elsewhere ({@link SavedModel#params}), but not rebuild one.
     *
     * @throws java.nio.file.NoSuchFileException if there is no such file
     * @throws org.fedsub.runtime.io.NpyFormatException if it is not a sound {@code .npz}
     * @throws ModelFileException if its metadata is malformed or from a newer format version
     */
    public static SavedModel read(Path file) throws IOException {
        Npz npz = Npz.read(file);
        byte[] json = npz.files().get(METADATA);
        if (json == null) {
            return new SavedModel(file, npz.arrays(), null);
        }
        Config meta;
        try {
            meta = ConfigFactory.parseString(new String(json, StandardCharsets.UTF_8),
                    ConfigParseOptions.defaults().setSyntax(ConfigSyntax.JSON).setOriginDescription(METADATA));
        } catch (ConfigException e) {
            throw new ModelFileException(file, METADATA + " is not valid JSON: " + e.getMessage(), e);
        }
        return new SavedModel(file, npz.arrays(), metadata(file, meta));
    }

    private static SavedModel.Metadata metadata(Path file, Config m) throws ModelFileException {
        try {
            String format = m.getString("format");
            if (!format.equals(FORMAT)) {
                throw new ModelFileException(file, METADATA + ": format is \"" + format + "\", expected \"" + FORMAT + "\"");
            }
            int version = m.getInt("format_version");
            if (version < 1 || version > VERSION) {
                throw new ModelFileException(file, METADATA + ": format_version " + version
                        + " is not one this fedsub reads (1" + (VERSION > 1 ? " to " + VERSION : "")
                        + "); it was saved by a newer fedsub");
            }
            String dtype = m.getString("dtype");
            if (!dtype.equals("float32") && !dtype.equals("float64")) {
                throw new ModelFileException(file, METADATA + ": dtype \"" + dtype + "\", expected float32 or float64");
            }
            boolean configured = m.hasPath("model");
            Provenance from = null;
            if (m.hasPath("experiment")) {
                Config f = m.hasPath("final") ? m.getConfig("final") : ConfigFactory.empty();
                from = new Provenance(m.getString("experiment"), m.getString("strategy"), m.getLong("seed"),
                        m.getInt("rounds"), score(f, "test_accuracy"), score(f, "test_loss"), score(f, "train_loss"));
            }
            return new SavedModel.Metadata(version, m.getString("model_name"),
                    dtype.equals("float64") ? DataType.DOUBLE : DataType.FLOAT,
                    configured ? m.getConfig("model") : null,
                    configured ? m.getInt("input_dim") : 0, configured ? m.getInt("outputs") : 0, from);
        } catch (ConfigException e) {
            throw new ModelFileException(file, METADATA + ": " + e.getMessage(), e);
        }
    }

    private static double score(Config c, String key) {
        return c.hasPath(key) ? c.getDouble(key) : Double.NaN;
    }
}
