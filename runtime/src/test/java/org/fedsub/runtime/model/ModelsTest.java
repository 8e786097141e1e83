package org.fedsub.runtime.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.fedsub.runtime.config.ConfigError;
import org.fedsub.runtime.config.ServicesOnClassPath;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;

class ModelsTest {

    private static final String PATH = "fedsub.model";
    private static final Config DEFAULTS = ConfigFactory.parseResources("fedsub/model.conf").getConfig(PATH);

    private static Config with(String overrides) {
        return ConfigFactory.parseString(overrides).withFallback(DEFAULTS).resolve();
    }

    private static Model build(String overrides, int inputDim, int outputs) {
        return Models.fromConfig(with(overrides), PATH, inputDim, outputs, DataType.FLOAT);
    }

    @Test
    void fromConfig_defaults_buildTheDefaultMlp() {
        Model m = Models.fromConfig(DEFAULTS, PATH, 784, 10, DataType.FLOAT);

        assertEquals("mlp[784-200-200-10]", m.name());
        assertEquals(DataType.FLOAT, m.dtype());
    }

    @Test
    void fromConfig_eachType_buildsItsModel() {
        assertInstanceOf(LogisticRegression.class, build("type = logreg", 64, 10));
        assertInstanceOf(Mlp.class, build("type = mlp, hidden = [32]", 64, 10));
        assertEquals("mlp[64-32-10]", build("type = mlp, hidden = [32]", 64, 10).name());
        assertEquals("mlp[64-10]", build("type = mlp, hidden = []", 64, 10).name());
        SmallCnn cnn = (SmallCnn) build("type = cnn", 784, 10);
        assertEquals("cnn[1x28x28-16-32-k5s2p2-10]", cnn.name());
        assertEquals(List.of("conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias", "fc.weight", "fc.bias"),
                cnn.params().stream().map(ParamSpec::name).toList());
    }

    @Test
    void fromConfig_linear_honoursTheBiasFlag() {
        Model withBias = build("type = linear", 5, 2);
        Model without = build("type = linear, bias = false", 5, 2);

        assertFalse(withBias.isClassifier());
        assertEquals(2, withBias.params().size());
        assertEquals(List.of(ParamSpec.matrix("fc.weight", 5, 2)), without.params());
    }

    @Test
    void fromConfig_typeIsCaseInsensitive() {
        assertInstanceOf(LogisticRegression.class, build("type = LogReg", 4, 2));
    }

    @Test
    void fromConfig_unknownType_namesThePathAndTheKnownTypes() {
        ConfigError e = assertThrows(ConfigError.class, () -> build("type = resnet", 784, 10));

        assertEquals("fedsub.model.type", e.path());
        assertEquals("fedsub.model.type = \"resnet\": expected one of [logreg, linear, mlp, cnn]", e.getMessage());
    }

    @Test
    void fromConfig_cnnShapeNotMatchingTheData_namesTheCnnPathAndTheRightSize() {
        ConfigError e = assertThrows(ConfigError.class, () -> build("type = cnn", 64, 10));

        assertEquals("fedsub.model.cnn", e.path());
        assertTrue(e.getMessage().contains("1x28x28 = 784"), e.getMessage());
        assertTrue(e.getMessage().contains("input-channels * height * width = 64"), e.getMessage());
    }

    @Test
    void fromConfig_cnnKernelLargerThanALayersInput_namesTheKernelPath() {
        ConfigError e = assertThrows(ConfigError.class,
                () -> build("type = cnn, cnn { height = 8, width = 8, channels = [4, 4, 4], padding = 0 }", 64, 10));

        assertEquals("fedsub.model.cnn.kernel", e.path());
        assertTrue(e.getMessage().contains("conv2"), e.getMessage());
    }

    @Test
    void fromConfig_badCnnValues_nameTheirPaths() {
        assertEquals("fedsub.model.cnn.padding",
                assertThrows(ConfigError.class, () -> build("type = cnn, cnn.padding = 5", 784, 10)).path());
        assertEquals("fedsub.model.cnn.channels",
                assertThrows(ConfigError.class, () -> build("type = cnn, cnn.channels = []", 784, 10)).path());
        assertEquals("fedsub.model.cnn.stride",
                assertThrows(ConfigError.class, () -> build("type = cnn, cnn.stride = 0", 784, 10)).path());
        assertEquals("fedsub.model.cnn.kernel",
                assertThrows(ConfigError.class, () -> build("type = cnn, cnn.kernel = two", 784, 10)).path());
    }

    @Test
    void fromConfig_badHiddenWidth_namesThePathAndTheValue() {
        ConfigError e = assertThrows(ConfigError.class, () -> build("type = mlp, hidden = [200, 0]", 784, 10));

        assertEquals("fedsub.model.hidden", e.path());
        assertTrue(e.getMessage().startsWith("fedsub.model.hidden = [200, 0]: expected"), e.getMessage());
    }

    @Test
    void fromConfig_missingType_namesThePath() {
        ConfigError e = assertThrows(ConfigError.class,
                () -> Models.fromConfig(ConfigFactory.empty(), PATH, 4, 2, DataType.DOUBLE));

        assertEquals("fedsub.model.type", e.path());
    }

    /** A plug-in model as a user's jar would bring it: an MLP of one hidden layer, its width in its own section. */
    public static final class OneHiddenProvider implements ModelProvider {
        @Override
        public String type() {
            return "one-hidden";
        }

        @Override
        public Model create(Config c, String path, int inputDim, int outputs, DataType dtype) {
            int width = org.fedsub.runtime.config.Settings.intAt(c.getConfig(type()), path + "." + type(), "width");
            return new Mlp(List.of(inputDim, width, outputs), dtype);
        }
    }

    @Test
    void types_builtIns_areFoundThroughServiceLoaderInTheirUsualOrder() {
        assertEquals(List.of("logreg", "linear", "mlp", "cnn"), Models.types());
    }

    @Test
    void fromConfig_pluginOnTheClassPath_isFoundByType_andListedWhenATypeIsUnknown(@TempDir Path jar) {
        ServicesOnClassPath.with(jar, Map.of(ModelProvider.class, List.of(OneHiddenProvider.class.getName())), () -> {
            assertEquals("mlp[4-2-3]", build("type = one-hidden, one-hidden.width = 2", 4, 3).name());
            ConfigError e = assertThrows(ConfigError.class, () -> build("type = resnet", 784, 10));
            assertEquals("fedsub.model.type = \"resnet\": expected one of [logreg, linear, mlp, cnn, one-hidden]",
                    e.getMessage());
            return null;
        });
    }
}
