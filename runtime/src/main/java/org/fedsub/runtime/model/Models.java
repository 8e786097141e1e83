package org.fedsub.runtime.model;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.fedsub.runtime.config.ConfigError;
import org.fedsub.runtime.config.Plugins;
import org.fedsub.runtime.config.Settings;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Builds the model a configuration names, among the {@link ModelProvider}s on the class path
 * (fedsub's own and any plug-in's, all found through {@link java.util.ServiceLoader}). The
 * defaults and the meaning of every key are in {@code fedsub/model.conf}
 * ({@code fedsub.model { type, hidden, bias, cnn { ... } } }) and in each plug-in's
 * reference.conf; only the keys of the chosen type are read.
 */
public final class Models {

    /** Keys of {@code fedsub.model} that are not a model's own section, so no model type may be named so. */
    static final List<String> RESERVED = List.of("type", "hidden", "bias", "init-from");

    private Models() {}

    /** Every model type {@code fedsub.model.type} accepts, fedsub's own first, e.g. {@code [logreg, linear, mlp, cnn]}. */
    public static List<String> types() {
        return List.copyOf(providers().keySet());
    }

    /**
     * The provider of model type {@code type}.
     *
     * @throws ConfigError at {@code <path>.type} listing every available type when none is
     */
    public static ModelProvider provider(String type, String path) {
        Map<String, ModelProvider> all = providers();
        ModelProvider p = all.get(type);
        if (p == null) {
            throw new ConfigError(Settings.path(path, "type"), type, "expected one of " + all.keySet());
        }
        return p;
    }

    private static Map<String, ModelProvider> providers() {
        return Plugins.load(ModelProvider.class, ModelProvider::type, "model", RESERVED);
    }

    /**
     * The model described by {@code modelConfig} (the {@code fedsub.model} subtree, whose full
     * path {@code path} is used in error messages) for examples with {@code inputDim} features
     * and {@code outputs} classes (or regression targets), computing in {@code dtype}.
     *
     * @throws ConfigError naming the offending key, its value and what would be right
     */
    public static Model fromConfig(Config modelConfig, String path, int inputDim, int outputs, DataType dtype) {
        Layers.checkPositive("input dimension", inputDim);
        Layers.checkPositive("outputs", outputs);
        Layers.checkDtype(dtype);
        String type = Settings.stringAt(modelConfig, path, "type").trim().toLowerCase(Locale.ROOT);
        return provider(type, path).create(modelConfig, path, inputDim, outputs, dtype);
    }

    /** The MLP of {@code hidden}: the built-in {@code mlp}. */
    static Model mlp(Config c, String path, int inputDim, int outputs, DataType dtype) {
        List<Integer> hidden = Settings.intListAt(c, path, "hidden");
        if (hidden.stream().anyMatch(w -> w < 1)) {
            throw new ConfigError(Settings.path(path, "hidden"), hidden,
                    "expected hidden layer widths, each >= 1, e.g. [200, 200] (or [] for no hidden layer)");
        }
        List<Integer> widths = new ArrayList<>();
        widths.add(inputDim);
        widths.addAll(hidden);
        widths.add(outputs);
        return new Mlp(widths, dtype);
    }

    /** Reads and checks {@code cnn { ... }} against the data's {@code inputDim}. */
    static SmallCnn.Geometry cnnGeometry(Config modelConfig, String path, int inputDim) {
        String cp = Settings.path(path, "cnn");
        Config c;
        try {
            c = modelConfig.getConfig("cnn");
        } catch (ConfigException e) {
            throw new ConfigError(cp, "expected an object { input-channels, height, width, channels, kernel, "
                    + "stride, padding }", e);
        }
        int inC = Settings.atLeast(Settings.path(cp, "input-channels"), Settings.intAt(c, cp, "input-channels"), 1);
        int h = Settings.atLeast(Settings.path(cp, "height"), Settings.intAt(c, cp, "height"), 1);
        int w = Settings.atLeast(Settings.path(cp, "width"), Settings.intAt(c, cp, "width"), 1);
        List<Integer> channels = Settings.intListAt(c, cp, "channels");
        if (channels.isEmpty() || channels.stream().anyMatch(x -> x < 1)) {
            throw new ConfigError(Settings.path(cp, "channels"), channels,
                    "expected the output channels of each convolution, at least one, each >= 1, e.g. [16, 32]");
        }
        int k = Settings.atLeast(Settings.path(cp, "kernel"), Settings.intAt(c, cp, "kernel"), 1);
        int s = Settings.atLeast(Settings.path(cp, "stride"), Settings.intAt(c, cp, "stride"), 1);
        int p = Settings.intAt(c, cp, "padding");
        if (p < 0 || p >= k) {
            throw new ConfigError(Settings.path(cp, "padding"), p,
                    "expected an integer in [0, kernel - 1] = [0, " + (k - 1) + "]");
        }
        if ((long) inC * h * w != inputDim) {
            throw new ConfigError(cp, inC + "x" + h + "x" + w + " = " + ((long) inC * h * w) + " inputs",
                    "the data has " + inputDim + " features per example; set input-channels * height * width = "
                            + inputDim + (inputDim == 784 ? " (e.g. 1 x 28 x 28)" : ""));
        }
        int ih = h;
        int iw = w;
        for (int l = 0; l < channels.size(); l++) {
            if (ih + 2 * p < k || iw + 2 * p < k) {
                throw new ConfigError(Settings.path(cp, "kernel"), k, "conv" + (l + 1) + " gets a " + ih + "x" + iw
                        + " input, padded by " + p + ": expected kernel <= " + (Math.min(ih, iw) + 2 * p)
                        + ", or fewer channels entries, or a smaller stride");
            }
            ih = SmallCnn.Geometry.outSize(ih, k, s, p);
            iw = SmallCnn.Geometry.outSize(iw, k, s, p);
        }
        return new SmallCnn.Geometry(inC, h, w, channels, k, s, p);
    }
}
