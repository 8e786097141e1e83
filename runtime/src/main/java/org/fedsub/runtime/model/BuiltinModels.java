package org.fedsub.runtime.model;

import com.typesafe.config.Config;
import org.fedsub.runtime.config.Settings;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * fedsub's own models as {@link ModelProvider}s, registered in this module's
 * {@code META-INF/services/org.fedsub.runtime.model.ModelProvider} as a plug-in's would be.
 * Their keys and defaults are in {@code fedsub/model.conf}.
 */
public final class BuiltinModels {

    private BuiltinModels() {}

    /** {@code logreg}: multinomial logistic regression. */
    public static final class LogisticRegressionProvider implements ModelProvider {
        @Override
        public String type() {
            return "logreg";
        }

        @Override
        public Model create(Config c, String path, int inputDim, int outputs, DataType dtype) {
            return new LogisticRegression(inputDim, outputs, dtype);
        }
    }

    /** {@code linear}: least-squares linear regression, with an intercept if {@code bias}. */
    public static final class LinearRegressionProvider implements ModelProvider {
        @Override
        public String type() {
            return "linear";
        }

        @Override
        public Model create(Config c, String path, int inputDim, int outputs, DataType dtype) {
            return new LinearRegression(inputDim, outputs, Settings.boolAt(c, path, "bias"), dtype);
        }
    }

    /** {@code mlp}: dense layers of widths {@code hidden} with ReLU. */
    public static final class MlpProvider implements ModelProvider {
        @Override
        public String type() {
            return "mlp";
        }

        @Override
        public Model create(Config c, String path, int inputDim, int outputs, DataType dtype) {
            return Models.mlp(c, path, inputDim, outputs, dtype);
        }
    }

    /** {@code cnn}: the small convolutional net of {@code cnn { ... }}. */
    public static final class CnnProvider implements ModelProvider {
        @Override
        public String type() {
            return "cnn";
        }

        @Override
        public Model create(Config c, String path, int inputDim, int outputs, DataType dtype) {
            return new SmallCnn(Models.cnnGeometry(c, path, inputDim), outputs, dtype);
        }
    }
}
