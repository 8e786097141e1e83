package org.fedsub.runtime.model;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import java.util.ArrayList;
import java.util.List;
import org.fedsub.runtime.config.ConfigError;
import org.fedsub.runtime.config.Settings;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Builds the model a configuration names. The defaults and the meaning of every key are in
 * {@code fedsub/model.conf} ({@code fedsub.model { type, hidden, bias, cnn { ... } } }); only the
 * keys of the chosen type are read.
 */
public final class Models {

    /** The model types {@code fedsub.model.type} accepts. */
    public static final List<String> TYPES = List.of("logreg", "linear", "mlp", "cnn");

    private Models() {}

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
        String type = Settings.oneOf(modelConfig, path, "type", TYPES);
        return switch (type) {
            case "logreg" -> new LogisticRegression(inputDim, outputs, dtype);
            case "linear" -> new LinearRegression(inputDim, outputs, Settings.boolAt(modelConfig, path, "bias"), dtype);
            case "mlp" -> mlp(modelConfig, path, inputDim, outputs, dtype);
            case "cnn" -> new SmallCnn(cnnGeometry(modelConfig, path, inputDim), outputs, dtype);
            default -> throw new IllegalStateException("unhandled model type " + type);
        };
    }

    private static Model mlp(Config c, String path, int inputDim, int outputs, DataType dtype) {
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
