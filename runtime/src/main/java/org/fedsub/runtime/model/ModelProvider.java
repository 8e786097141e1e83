package org.fedsub.runtime.model;

import com.typesafe.config.Config;
import org.fedsub.runtime.config.ConfigError;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * A model architecture that configuration can name: {@code fedsub.model.type = <type()>}.
 *
 * <p>Providers are found with {@link java.util.ServiceLoader}: a jar lists its providers' class
 * names, one a line, in {@code META-INF/services/org.fedsub.runtime.model.ModelProvider}, and each
 * needs a public no-argument constructor. fedsub's own models (logreg, linear, mlp, cnn) are
 * registered exactly so. A provider's own settings live under {@code fedsub.model.<type> { ... }}
 * (as the built-in cnn's do), with their defaults and documentation in its jar's
 * {@code reference.conf}.
 */
public interface ModelProvider {

    /**
     * The name configuration uses, lower-case letters, digits and {@code -}, e.g.
     * {@code "wide-deep"}; also the key of the provider's settings section. Unique on the class path.
     */
    String type();

    /**
     * The model for examples of {@code inputDim} features and {@code outputs} classes (or
     * regression targets), computing in {@code dtype} (FLOAT or DOUBLE).
     *
     * @param modelConfig the whole {@code fedsub.model} subtree; a plug-in reads its own settings
     *                    from {@code modelConfig.getConfig(type())}
     * @param path        the full path of {@code modelConfig} ({@code "fedsub.model"}), for messages
     * @throws ConfigError naming the offending key, its value and what would be right
     */
    Model create(Config modelConfig, String path, int inputDim, int outputs, DataType dtype);
}
