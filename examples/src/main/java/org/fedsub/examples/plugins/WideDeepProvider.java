package org.fedsub.examples.plugins;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import java.util.List;
import java.util.Locale;
import org.fedsub.runtime.config.ConfigError;
import org.fedsub.runtime.config.Settings;
import org.fedsub.runtime.model.Model;
import org.fedsub.runtime.model.ModelProvider;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * {@code fedsub.model.type = wide-deep}: {@link WideDeep}. Settings under
 * {@code fedsub.model.wide-deep { hidden, activation }}, defaults in this module's reference.conf.
 */
public final class WideDeepProvider implements ModelProvider {

    @Override
    public String type() {
        return "wide-deep";
    }

    @Override
    public Model create(Config modelConfig, String path, int inputDim, int outputs, DataType dtype) {
        String p = Settings.path(path, type());
        Config c;
        try {
            c = modelConfig.getConfig(type());
        } catch (ConfigException e) {
            throw new ConfigError(p, "expected an object { hidden, activation } (defaults in the examples' "
                    + "reference.conf)", e);
        }
        int hidden = Settings.atLeast(Settings.path(p, "hidden"), Settings.intAt(c, p, "hidden"), 1);
        String activation = Settings.oneOf(c, p, "activation", List.of("tanh", "sigmoid"));
        if (outputs < 2) {
            throw new ConfigError(Settings.path(path, "type"), type(),
                    "wide-deep is a classifier and the data have " + outputs + " output(s); expected classes >= 2");
        }
        return new WideDeep(inputDim, hidden, outputs, WideDeep.Activation.valueOf(activation.toUpperCase(Locale.ROOT)),
                dtype);
    }
}
