package org.fedsub.runtime.model;

import com.typesafe.config.Config;
import java.util.List;
import java.util.Optional;
import org.fedsub.runtime.data.Batch;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A model built from configuration that remembers how: its {@code fedsub.model} settings and the
 * data's input and output sizes, which a saved model file records so that the model can be
 * rebuilt from the file alone ({@link ModelFiles}). It may also start from given parameters
 * ({@code fedsub.model.init-from}): {@link #init} then returns a copy of them, whatever the seed,
 * so every runtime and strategy starts its global model there. Everything else delegates.
 */
public final class ConfiguredModel implements Model {

    private final Model model;
    private final Config config;
    private final int inputDim;
    private final int outputs;
    private final Params start;
    private final String startSource;

    private ConfiguredModel(Model model, Config config, int inputDim, int outputs, Params start, String startSource) {
        this.model = model;
        this.config = config;
        this.inputDim = inputDim;
        this.outputs = outputs;
        this.start = start;
        this.startSource = startSource;
    }

    /**
     * {@code model}, built from {@code config} (the {@code fedsub.model} subtree) for
     * {@code inputDim} features and {@code outputs} classes or targets.
     */
    public static ConfiguredModel of(Model model, Config config, int inputDim, int outputs) {
        return new ConfiguredModel(model, config, inputDim, outputs, null, null);
    }

    /**
     * This model, starting from {@code params} instead of a seeded initialisation.
     *
     * @param params the model's parameters, names and shapes as {@link #params()} declares
     *               (see {@link SavedModel#params(Model)}, which checks them)
     * @param source where they came from, e.g. the file, for descriptions
     */
    public ConfiguredModel startingFrom(Params params, String source) {
        for (ParamSpec s : model.params()) {
            if (!java.util.Arrays.equals(params.get(s.name()).shape(), s.shape())) {
                throw new IllegalArgumentException("parameter '" + s.name() + "' has shape "
                        + java.util.Arrays.toString(params.get(s.name()).shape()) + ", expected " + s);
            }
        }
        return new ConfiguredModel(model, config, inputDim, outputs, params.dup(), source);
    }

    /** The model this wraps. */
    public Model model() {
        return model;
    }

    /** The {@code fedsub.model} settings it was built from. */
    public Config config() {
        return config;
    }

    public int inputDim() {
        return inputDim;
    }

    public int outputs() {
        return outputs;
    }

    /** Where the starting parameters came from, if the model does not start from its seed. */
    public Optional<String> startSource() {
        return Optional.ofNullable(startSource);
    }

    @Override
    public String name() {
        return model.name();
    }

    @Override
    public List<ParamSpec> params() {
        return model.params();
    }

    @Override
    public DataType dtype() {
        return model.dtype();
    }

    /** A copy of the starting parameters if there are any, else the wrapped model's seeded ones. */
    @Override
    public Params init(long seed) {
        return start != null ? start.dup() : model.init(seed);
    }

    @Override
    public double lossAndGradient(Params params, Batch batch, Params gradOut) {
        return model.lossAndGradient(params, batch, gradOut);
    }

    @Override
    public double lossAndGradient(Params params, Batch batch, Params gradOut, java.util.Map<String, int[]> rows) {
        return model.lossAndGradient(params, batch, gradOut, rows);
    }

    @Override
    public double loss(Params params, Batch batch) {
        return model.loss(params, batch);
    }

    @Override
    public INDArray predict(Params params, INDArray features) {
        return model.predict(params, features);
    }

    @Override
    public Scored score(Params params, Batch batch) {
        return model.score(params, batch); // the wrapped model's one-pass evaluation, if it has one
    }

    @Override
    public boolean isClassifier() {
        return model.isClassifier();
    }

    @Override
    public String toString() {
        return model.toString();
    }
}
