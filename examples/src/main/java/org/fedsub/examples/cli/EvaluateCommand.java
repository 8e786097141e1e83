package org.fedsub.examples.cli;

import com.typesafe.config.Config;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.fedsub.examples.results.Units;
import org.fedsub.runtime.config.Settings;
import org.fedsub.runtime.data.Dataset;
import org.fedsub.runtime.data.FederatedData;
import org.fedsub.runtime.data.FederatedDatasets;
import org.fedsub.runtime.engine.Evaluation;
import org.fedsub.runtime.io.NpyFormatException;
import org.fedsub.runtime.model.Model;
import org.fedsub.runtime.model.ModelFileException;
import org.fedsub.runtime.model.ModelFiles;
import org.fedsub.runtime.model.Models;
import org.fedsub.runtime.model.ParamSpec;
import org.fedsub.runtime.model.Params;
import org.fedsub.runtime.model.SavedModel;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * {@code fedsub evaluate <run-folder-or-model.npz> [conf-file] [--set key=value]...}: scores a
 * saved model on the test set (and the training set) of the data a config names, by default the
 * config of the run that saved it. The model is rebuilt from the file's metadata; the numbers
 * are those the run computed for the same model and data, digit for digit.
 */
public final class EvaluateCommand {

    private EvaluateCommand() {}

    /**
     * The parsed command line.
     *
     * @param model the model file
     * @param args  the config file with its overrides, as the other commands take them
     */
    public record Request(Path model, Args args) {}

    /** Parses the arguments after {@code evaluate}. */
    public static Request parse(List<String> argv) {
        List<String> positional = new ArrayList<>();
        List<ConfigFiles.Override> sets = new ArrayList<>();
        boolean help = false;
        for (int i = 0; i < argv.size(); i++) {
            String a = argv.get(i);
            if (a.equals("-h") || a.equals("--help")) {
                help = true;
            } else if (a.equals("-s") || a.equals("--set")) {
                if (++i >= argv.size()) {
                    throw new UsageError(a + " needs a value: " + a + " key=value");
                }
                sets.add(ConfigFiles.parseSet(argv.get(i)));
            } else if (a.startsWith("--set=")) {
                sets.add(ConfigFiles.parseSet(a.substring("--set=".length())));
            } else if (a.startsWith("-") && a.length() > 1) {
                throw new UsageError("unknown option '" + a + "' for evaluate");
            } else {
                positional.add(a);
            }
        }
        if (help) {
            return new Request(null, new Args("evaluate", null, sets, null, 0, true, false));
        }
        if (positional.isEmpty() || positional.size() > 2) {
            throw new UsageError("evaluate takes a run folder or model file and optionally a config file, got "
                    + (positional.isEmpty() ? "none" : String.join(" ", positional))
                    + " (e.g. fedsub evaluate results/quickstart-20250101-120000)");
        }
        Path target = Path.of(positional.get(0));
        Path model = Files.isDirectory(target) ? target.resolve(ModelFiles.FILE_NAME) : target;
        if (!Files.isRegularFile(model)) {
            throw missing(model);
        }
        Path conf;
        if (positional.size() == 2) {
            conf = Path.of(positional.get(1));
        } else {
            Path folder = Files.isDirectory(target) ? target : target.toAbsolutePath().getParent();
            conf = folder == null ? null : folder.resolve(Runs.CONFIG_CONF);
            if (conf == null || !Files.isRegularFile(conf)) {
                throw new Refused("no " + Runs.CONFIG_CONF + " next to " + model + " to say which data to evaluate "
                        + "on; name a config file: fedsub evaluate " + target + " <conf-file>");
            }
        }
        return new Request(model, new Args("evaluate", conf, sets, null, 0, false, false));
    }

    /** Loads the model and the data, evaluates, prints the scores. */
    public static void execute(Request r, PrintStream out) {
        SavedModel saved = read(r.model());
        Config root = ConfigFiles.load(r.args().file(), r.args().sets());
        Config f = root.getConfig("fedsub");
        DataType dtype = saved.metadata().map(SavedModel.Metadata::dtype).orElseGet(() ->
                Settings.oneOf(f, "fedsub", "dtype", List.of("float32", "float64")).equals("float64")
                        ? DataType.DOUBLE : DataType.FLOAT);
        long seed = Settings.longAt(f, "fedsub", "seed");
        int trainLimit = Settings.atLeast("fedsub.eval-train-limit", Settings.intAt(f, "fedsub", "eval-train-limit"), 0);
        FederatedData data = FederatedDatasets.fromConfig(root.getConfig("fedsub.data"), "fedsub.data", dtype, seed);
        Dataset train = data.train();
        int outputs = train.isClassification() ? train.numClasses() : Math.toIntExact(train.targets().columns());

        Model model;
        Params params;
        try {
            if (saved.metadata().isPresent() && saved.metadata().get().modelConfig() != null) {
                SavedModel.Metadata m = saved.metadata().get();
                if (m.inputDim() != train.featureDim() || m.outputs() != outputs) {
                    throw new Refused(r.model() + " holds " + m.modelName() + " for " + m.inputDim()
                            + " features and " + m.outputs() + " outputs per example, but the data of " + r.args().file()
                            + " (" + data.name() + ") has " + train.featureDim() + " features and " + outputs
                            + " outputs; evaluate it on the data of the run that saved it");
                }
                model = saved.rebuild();
            } else {
                // A file with no model settings: the config's model, which its parameters must fit.
                model = Models.fromConfig(root.getConfig("fedsub.model"), "fedsub.model", train.featureDim(), outputs,
                        dtype);
            }
            params = saved.params(model);
        } catch (ModelFileException e) {
            throw new Refused(e.getMessage());
        }

        long count = model.params().stream().mapToLong(ParamSpec::size).sum();
        String origin = saved.metadata().map(SavedModel.Metadata::from).filter(p -> p != null)
                .map(p -> ", saved by run '" + p.experiment() + "' (" + p.strategy() + ") after " + p.rounds()
                        + " rounds").orElse("");
        out.println(String.format(Locale.ROOT, "%s: %s (%,d parameters, %s)%s", r.model(), model.name(), count,
                dtype == DataType.DOUBLE ? "float64" : "float32", origin));
        Evaluation test = Evaluation.of(model, params, data.test(), 0);
        Evaluation onTrain = Evaluation.of(model, params, train, trainLimit);
        out.println(String.format(Locale.ROOT, "data: %s from %s: %,d test examples, %,d train examples%s", data.name(),
                r.args().file(), test.examples(), train.size(),
                onTrain.examples() < train.size() ? " (the first " + onTrain.examples() + " scored, eval-train-limit)" : ""));
        String quality = model.isClassifier()
                ? "test accuracy " + Units.percent(test.accuracy()) + ", test loss " + Units.loss(test.loss())
                        + ", train accuracy " + Units.percent(onTrain.accuracy()) + ", train loss "
                        + Units.loss(onTrain.loss())
                : "test loss " + Units.loss(test.loss()) + ", train loss " + Units.loss(onTrain.loss());
        out.println(quality);
        // Every digit, as metrics.csv writes them, so a run's final row can be checked against its saved model.
        out.println("exact: test_accuracy=" + test.accuracy() + " test_loss=" + test.loss() + " train_accuracy="
                + onTrain.accuracy() + " train_loss=" + onTrain.loss());
    }

    private static Refused missing(Path file) {
        return new Refused("no such model file: " + file + (file.getFileName().toString().equals(ModelFiles.FILE_NAME)
                ? " (runs save their final model there; a run folder from before that has none)" : ""));
    }

    private static SavedModel read(Path file) {
        try {
            return ModelFiles.read(file);
        } catch (NoSuchFileException e) {
            throw missing(file);
        } catch (NpyFormatException | ModelFileException e) {
            throw new Refused(e.getMessage());
        } catch (IOException e) {
            throw new Refused("cannot read " + file + ": " + e);
        }
    }
}
