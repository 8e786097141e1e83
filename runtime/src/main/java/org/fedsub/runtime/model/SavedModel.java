package org.fedsub.runtime.model;

import com.typesafe.config.Config;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.fedsub.runtime.config.ConfigError;
import org.fedsub.runtime.io.NpyArray;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * A model file as read by {@link ModelFiles#read}: its parameter arrays and, if it has any, its
 * metadata. {@link #rebuild()} builds the model the metadata describes; {@link #params(Model)}
 * gives a model its parameters, checking every name and shape.
 */
public final class SavedModel {

    /**
     * What the metadata entry says.
     *
     * @param modelConfig the {@code fedsub.model} settings, or null if the model was not built from configuration
     * @param inputDim    features per example (0 with no settings)
     * @param outputs     classes or regression targets (0 with no settings)
     * @param from        where the model came from, or null
     */
    public record Metadata(int version, String modelName, DataType dtype, Config modelConfig, int inputDim,
            int outputs, ModelFiles.Provenance from) {}

    private final Path file;
    private final Map<String, NpyArray> arrays;
    private final Metadata metadata;

    SavedModel(Path file, Map<String, NpyArray> arrays, Metadata metadata) {
        this.file = file;
        this.arrays = arrays;
        this.metadata = metadata;
    }

    public Path file() {
        return file;
    }

    /** The parameter arrays by name, in the file's order. */
    public Map<String, NpyArray> arrays() {
        return arrays;
    }

    /** The metadata; empty for an {@code .npz} of parameters alone. */
    public Optional<Metadata> metadata() {
        return Optional.ofNullable(metadata);
    }

    /**
     * The model the metadata describes, built as {@code fedsub.model} would build it.
     *
     * @throws ModelFileException if the file has no metadata, or no model settings in it, or they are invalid
     */
    public ConfiguredModel rebuild() throws ModelFileException {
        if (metadata == null) {
            throw new ModelFileException(file, "has no " + ModelFiles.METADATA + " entry saying which model it holds");
        }
        if (metadata.modelConfig() == null) {
            throw new ModelFileException(file, "holds " + metadata.modelName()
                    + ", a model not built from fedsub.model settings; its metadata cannot rebuild it");
        }
        try {
            Model m = Models.fromConfig(metadata.modelConfig(), "fedsub.model", metadata.inputDim(), metadata.outputs(),
                    metadata.dtype());
            return ConfiguredModel.of(m, metadata.modelConfig(), metadata.inputDim(), metadata.outputs());
        } catch (ConfigError | IllegalArgumentException e) {
            throw new ModelFileException(file, "its model settings do not build a model: " + e.getMessage(), e);
        }
    }

    /**
     * The parameters for {@code model}, in its dtype: the file must hold exactly the model's
     * parameters, each of its shape, in {@code <f4} or {@code <f8}.
     *
     * @throws ModelFileException naming the first parameter that is missing, extra, of another
     *                            shape or not floating point, with the expected and found shapes
     */
    public Params params(Model model) throws ModelFileException {
        Params p = Params.empty();
        List<String> expected = new ArrayList<>();
        for (ParamSpec s : model.params()) {
            expected.add(s.name());
            NpyArray a = arrays.get(s.name());
            if (a == null) {
                throw new ModelFileException(file, "no parameter '" + s.name() + "' (expected shape " + shape(s.shape())
                        + " for " + model.name() + "); the file holds " + describe());
            }
            if (!Arrays.equals(a.shape(), s.shape())) {
                throw new ModelFileException(file, "parameter '" + s.name() + "' has shape " + a.shapeString()
                        + ", but " + model.name() + " expects " + shape(s.shape()));
            }
            if (!a.dtype().isFloating()) {
                throw new ModelFileException(file, "parameter '" + s.name() + "' has dtype " + a.dtype().descr()
                        + ", expected <f4 or <f8");
            }
            p.put(s.name(), a.toNd4j(model.dtype()));
        }
        for (String name : arrays.keySet()) {
            if (!expected.contains(name)) {
                throw new ModelFileException(file, "parameter '" + name + "' is not one of " + model.name() + "'s "
                        + expected + "; is this the model's file?");
            }
        }
        return p;
    }

    private String describe() {
        return arrays.isEmpty() ? "no arrays" : arrays.entrySet().stream()
                .map(e -> e.getKey() + " " + e.getValue().shapeString()).collect(Collectors.joining(", "));
    }

    /** A shape as Python writes it, as {@link NpyArray#shapeString()} does. */
    private static String shape(long[] s) {
        if (s.length == 1) {
            return "(" + s[0] + ",)";
        }
        return Arrays.stream(s).mapToObj(Long::toString).collect(Collectors.joining(", ", "(", ")"));
    }
}
