package org.fedsub.runtime.engine;

import static org.fedsub.runtime.config.Settings.atLeast;
import static org.fedsub.runtime.config.Settings.intAt;
import static org.fedsub.runtime.config.Settings.longAt;
import static org.fedsub.runtime.config.Settings.oneOf;
import static org.fedsub.runtime.config.Settings.stringAt;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import org.fedsub.runtime.codec.Codec;
import org.fedsub.runtime.config.ConfigError;
import org.fedsub.runtime.data.FederatedData;
import org.fedsub.runtime.data.FederatedDatasets;
import org.fedsub.runtime.model.ConfiguredModel;
import org.fedsub.runtime.model.Model;
import org.fedsub.runtime.model.ModelFileException;
import org.fedsub.runtime.model.ModelFiles;
import org.fedsub.runtime.model.Models;
import org.fedsub.runtime.model.Params;
import org.fedsub.runtime.strategy.StrategySettings;
import org.fedsub.runtime.strategy.TrainSettings;
import org.nd4j.linalg.api.buffer.DataType;

/** Builds an {@link Experiment} from configuration, failing at start-up on any bad key. */
public final class Experiments {

    private Experiments() {}

    /** Layers {@code overrides} over the defaults of every module's reference.conf. */
    public static Config load(Config overrides) {
        try {
            return overrides.withFallback(ConfigFactory.defaultReference()).resolve();
        } catch (ConfigException e) {
            throw new ConfigError(e.origin() == null ? "fedsub" : e.origin().description(), e.getMessage(), e);
        }
    }

    /**
     * The experiment of a HOCON text layered over every reference.conf, e.g.
     * {@code Experiments.parse("fedsub { rounds = 30, strategy.name = fedavg }")}.
     *
     * @throws ConfigError for a syntax error or a bad setting, naming the key
     */
    public static Experiment parse(String hocon) {
        Config c;
        try {
            c = ConfigFactory.parseString(hocon);
        } catch (ConfigException e) {
            throw new ConfigError(e.origin() == null ? "fedsub" : e.origin().description(), e.getMessage(), e);
        }
        return fromConfig(load(c));
    }

    /**
     * An experiment of {@code model} on {@code data}, every other setting (seed, rounds,
     * participation, evaluation, codec, training, strategy, server) the reference.conf default;
     * change them with {@link Experiment}'s {@code withX} methods.
     */
    public static Experiment of(String name, Model model, FederatedData data) {
        Config root = load(ConfigFactory.empty());
        Config f = root.getConfig("fedsub");
        return new Experiment(name, longAt(f, "fedsub", "seed"), intAt(f, "fedsub", "rounds"),
                Participation.fromConfig(root), intAt(f, "fedsub", "eval-every"), intAt(f, "fedsub", "eval-train-limit"),
                codec(f, "uplink-codec"), codec(f, "downlink-codec"), model, data, TrainSettings.fromConfig(root),
                StrategySettings.fromConfig(root), ServerSettings.fromConfig(root));
    }

    /**
     * The codec of one direction, {@code fedsub.<key>} ({@code uplink-codec} or {@code downlink-codec}),
     * or {@code fedsub.codec} where that is empty; a downlink codec must be exact (float32 or float64).
     */
    static Codec codec(Config f, String key) {
        String own = stringAt(f, "fedsub", key).strip();
        String path = own.isEmpty() ? "fedsub.codec" : "fedsub." + key;
        double fraction = f.getDouble("codec-topk.fraction");
        if (!(fraction > 0 && fraction <= 1)) {
            throw new ConfigError("fedsub.codec-topk.fraction", fraction, "a share of each tensor in (0, 1], e.g. 0.1");
        }
        Codec c = Codec.named(own.isEmpty() ? stringAt(f, "fedsub", "codec") : own, path, fraction);
        if (key.equals("downlink-codec")) {
            checkDownlink(c, oneOf(f, "fedsub", "downlink.mode", List.of("full", "delta")).equals("delta"), path);
        }
        return c;
    }

    /**
     * Refuses a lossy downlink codec with full tasks ({@code delta} false): the tasks carry the
     * global model, and a client must hold exactly the server's model. On a delta downlink the
     * codec encodes the logged changes, which the server applies as clients decode them, so
     * fp16, bf16, int8 and int4 are allowed; topk is not (biased: it would need error feedback on
     * the server).
     */
    static void checkDownlink(Codec c, boolean delta, String path) {
        if (!delta && !c.exact(DataType.FLOAT)) {
            throw new ConfigError(path, c.name(), "float32 or float64 for the downlink: the server's tasks carry the "
                    + "global model, which every client must hold exactly as the server does; lossy codecs ("
                    + c.name() + ") are for the uplink (fedsub.uplink-codec), or for the downlink with "
                    + "fedsub.downlink.mode = delta");
        }
        if (delta && c.errorFeedback()) {
            throw new ConfigError(path, c.name(), "float32, float64, fp16, bf16, int8 or int4 for a delta downlink: "
                    + c.name() + " drops values and would need error feedback on the server");
        }
    }

    /**
     * The codec full models go out in: {@code downlink} where it is exact for {@code dtype}
     * tensors, else the raw codec of {@code dtype} (a lossy codec only encodes a delta
     * downlink's logged changes).
     */
    public static Codec modelCodec(Codec downlink, DataType dtype) {
        if (downlink.exact(dtype)) {
            return downlink;
        }
        return Codec.named(dtype == DataType.DOUBLE ? "float64" : "float32", "fedsub.downlink-codec");
    }

    /** The experiment of a resolved root config (as {@link #load} returns). */
    public static Experiment fromConfig(Config root) {
        Config f = root.getConfig("fedsub");
        String name = stringAt(f, "fedsub", "name");
        long seed = longAt(f, "fedsub", "seed");
        DataType dtype = oneOf(f, "fedsub", "dtype", List.of("float32", "float64")).equals("float64")
                ? DataType.DOUBLE : DataType.FLOAT;
        int rounds = atLeast("fedsub.rounds", intAt(f, "fedsub", "rounds"), 1);
        int evalEvery = atLeast("fedsub.eval-every", intAt(f, "fedsub", "eval-every"), 1);
        int evalTrainLimit = atLeast("fedsub.eval-train-limit", intAt(f, "fedsub", "eval-train-limit"), 0);
        Codec uplink = codec(f, "uplink-codec");
        Codec downlink = codec(f, "downlink-codec");
        Participation participation = Participation.fromConfig(root);
        TrainSettings train = TrainSettings.fromConfig(root);
        StrategySettings strategy = StrategySettings.fromConfig(root);
        // Sizes that cannot fit this JVM are config errors before anything large is allocated.
        Footprint.Limits limits = Footprint.Limits.ofThisJvm();
        Footprint.checkData(root.getConfig("fedsub.data"), "fedsub.data", dtype, limits);
        FederatedData data = FederatedDatasets.fromConfig(root.getConfig("fedsub.data"), "fedsub.data", dtype, seed);
        int clients = data.numClients();
        if (participation.clientsPerRound() > clients) {
            throw new ConfigError("fedsub.participation.clients-per-round", participation.clientsPerRound(),
                    "the data (" + data.name() + ") has only " + clients + " clients");
        }
        if (participation.minClients() > clients) {
            throw new ConfigError("fedsub.participation.min-clients", participation.minClients(),
                    "the data (" + data.name() + ") has only " + clients + " clients");
        }
        int outputs = data.train().isClassification() ? data.train().numClasses()
                : Math.toIntExact(data.train().targets().columns());
        Config modelConfig = root.getConfig("fedsub.model");
        Model model = startingPoint(ConfiguredModel.of(Models.fromConfig(modelConfig, "fedsub.model",
                data.train().featureDim(), outputs, dtype), modelConfig, data.train().featureDim(), outputs), modelConfig);
        Footprint.checkModel(model, modelConfig, "fedsub.model", data, dtype, limits);
        return new Experiment(name, seed, rounds, participation, evalEvery, evalTrainLimit, uplink, downlink, model, data,
                train, strategy, ServerSettings.fromConfig(root));
    }

    /**
     * {@code model} starting from the file {@code fedsub.model.init-from} names, if it names one:
     * read and checked now (every parameter present, of the model's shape), so a wrong file stops
     * the run before it starts.
     */
    private static Model startingPoint(ConfiguredModel model, Config modelConfig) {
        String path = "fedsub.model.init-from";
        String from = stringAt(modelConfig, "fedsub.model", "init-from").strip();
        if (from.isEmpty()) {
            return model;
        }
        Path file = Path.of(from);
        try {
            Params start = ModelFiles.read(file).params(model);
            return model.startingFrom(start, from);
        } catch (NoSuchFileException e) {
            throw new ConfigError(path, from, "no such file (looked for " + file.toAbsolutePath().normalize()
                    + "); expected a model .npz, e.g. the model.npz of a run's results folder");
        } catch (ModelFileException e) {
            throw new ConfigError(path, from, e.problem());
        } catch (IOException e) {
            throw new ConfigError(path, from, "cannot read it as a model file: " + e.getMessage());
        }
    }
}
