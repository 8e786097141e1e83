package org.fedsub.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.fedsub.runtime.config.ConfigError;
import org.fedsub.runtime.model.ModelFiles;
import org.fedsub.runtime.model.Params;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code fedsub.model.init-from}: a run's global model starts from a saved model, which then
 * scores exactly what the run that saved it scored last; a file that does not fit is refused
 * when the run is built.
 */
class InitFromTest {

    private static final String TINY = "fedsub { seed = 5, rounds = 4, data.synthetic { users = 5, dim = 12, classes = 3,"
            + " max-samples-per-user = 40 }, model.type = mlp, model.hidden = [6], participation.clients-per-round = 3,"
            + " train { local-steps = 3, batch-size = 8, lr = 0.1 } }\n";

    @TempDir
    Path dir;

    private static Experiment experiment(String overrides) {
        return Experiments.fromConfig(Experiments.load(ConfigFactory.parseString(TINY + overrides)));
    }

    /** Trains TINY with {@code strategy} and saves its final model. */
    private RunResult trainAndSave(String strategy, Path file) throws IOException {
        Experiment exp = experiment("fedsub.strategy.name = " + strategy);
        RunResult r = new ReferenceEngine(exp).run(RoundListener.NONE);
        RoundMetrics last = r.lastEvaluated();
        ModelFiles.save(file, exp.model(), r.finalModel(), new ModelFiles.Provenance(exp.name(), r.strategy(),
                exp.seed(), r.rounds().size(), last.testAccuracy(), last.testLoss(), last.trainLoss()));
        return r;
    }

    @ParameterizedTest
    @ValueSource(strings = {"fedavg", "scaffold", "fedsub"})
    void initFrom_savedModel_isTheGlobalModelAtTheStartAndScoresTheSavedRunsFinalAccuracy(String strategy)
            throws IOException {
        Path file = dir.resolve("model.npz");
        RunResult first = trainAndSave(strategy, file);

        Experiment second = experiment("fedsub.strategy.name = " + strategy + "\nfedsub.model.init-from = \""
                + file + "\"");
        Params start = new ReferenceEngine(second).strategy().globalModel();

        for (String name : first.finalModel().names()) {
            assertEquals(first.finalModel().get(name), start.get(name), name);
        }
        Evaluation test = Evaluation.of(second.model(), start, second.data().test(), 0);
        assertEquals(first.lastEvaluated().testAccuracy(), test.accuracy(), "exactly, not approximately");
        assertEquals(first.lastEvaluated().testLoss(), test.loss());
        assertNotEquals(experiment("").model().init(5).get("fc1.weight"), start.get("fc1.weight"),
                "not the seeded initialisation");
        // And training goes on from there.
        RunResult more = new ReferenceEngine(second).run(RoundListener.NONE);
        assertEquals(4, more.rounds().size());
    }

    @Test
    void initFrom_aModelOfOtherShapes_isAConfigErrorNamingTheParameterAndShapes() throws IOException {
        Path file = dir.resolve("model.npz");
        trainAndSave("fedavg", file);

        ConfigError e = assertThrows(ConfigError.class,
                () -> experiment("fedsub.model.hidden = [7]\nfedsub.model.init-from = \"" + file + "\""));

        assertEquals("fedsub.model.init-from", e.path());
        assertEquals("fedsub.model.init-from = \"" + file + "\": parameter 'fc1.weight' has shape (12, 6), but "
                + "mlp[12-7-3] expects (12, 7)", e.getMessage());
    }

    @Test
    void initFrom_missingOrNotAModelFile_isAConfigError() throws IOException {
        ConfigError missing = assertThrows(ConfigError.class,
                () -> experiment("fedsub.model.init-from = \"" + dir.resolve("none.npz") + "\""));
        assertTrue(missing.getMessage().startsWith("fedsub.model.init-from = \"" + dir.resolve("none.npz")
                + "\": no such file"), missing.getMessage());

        Path text = Files.writeString(dir.resolve("notes.npz"), "not a zip");
        ConfigError notZip = assertThrows(ConfigError.class,
                () -> experiment("fedsub.model.init-from = \"" + text + "\""));
        assertTrue(notZip.getMessage().contains("not a .npz (zip) file"), notZip.getMessage());
    }
}
