package org.fedsub.runtime.engine;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueType;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import org.fedsub.runtime.config.ConfigError;
import org.fedsub.runtime.config.Settings;
import org.fedsub.runtime.data.Dataset;
import org.fedsub.runtime.data.FederatedData;
import org.fedsub.runtime.model.Model;
import org.fedsub.runtime.model.ParamSpec;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Lower bounds of the memory an experiment needs, checked against what this JVM may use before
 * anything large is allocated, so that {@code users = 1e9} or {@code hidden = [1000000000]} is a
 * {@link ConfigError} naming the key, its value and the limit, not an {@link OutOfMemoryError}
 * (or an integer overflow) later. Only what must exist at once is counted: the generated data
 * while it is generated (on the heap, in doubles), the data's tensors and three copies of the
 * parameters (the global model, a client's copy, its gradient) off the heap, where ND4J keeps
 * tensors. Per-client state (SCAFFOLD's control variates, FedSub's duals), activations and
 * parallel clients come on top, so a run these bounds pass may still not fit; one they refuse cannot.
 *
 * <p>Only the generated data sets are checked before they exist; a data set read from files is
 * bounded by its files. The model is checked once its shapes are known and before its tensors are.
 */
final class Footprint {

    /** The most elements a Java array (and so one generated table or one parameter tensor) may have. */
    static final long MAX_ARRAY = Integer.MAX_VALUE - 8;

    /** Parameter copies that exist at once in any run: the global model, a client's copy, its gradient. */
    static final int PARAM_COPIES = 3;

    /** The fewest examples a synthetic user has (FedProx draws {@code floor(lognormal(4, 2)) + 50}). */
    private static final int SYNTHETIC_MIN_EXAMPLES = 50;

    private static final String HEAP_HINT = "this JVM may use (-Xmx; ./fedsub takes more with FEDSUB_JAVA_OPTS=-Xmx...)";
    private static final String OFF_HEAP_HINT = "ND4J may allocate off the heap (-Dorg.bytedeco.javacpp.maxbytes; "
            + "./fedsub takes more with FEDSUB_JAVA_OPTS)";

    /**
     * What this JVM may use: the heap ({@code -Xmx}) and the off-heap memory ND4J's tensors live
     * in (JavaCPP's {@code org.bytedeco.javacpp.maxbytes}, whose default is the heap's size).
     */
    record Limits(long heap, long offHeap) {

        static Limits ofThisJvm() {
            long heap = Runtime.getRuntime().maxMemory();
            String max = System.getProperty("org.bytedeco.javacpp.maxbytes",
                    System.getProperty("org.bytedeco.javacpp.maxBytes"));
            long offHeap = parseBytes(max, heap);
            return new Limits(heap, offHeap <= 0 ? Long.MAX_VALUE : offHeap);
        }
    }

    /** One size setting that a bound depends on, with its reference.conf default (to blame the one raised most). */
    private record Size(String path, Object value, double magnitude, double reference) {}

    private Footprint() {}

    /**
     * Checks the generated data sets of {@code data} (the {@code fedsub.data} subtree at
     * {@code path}) before they are generated: synthetic and least-squares. Other types, and
     * settings bad in other ways, are left to the data's own reading, which names them.
     */
    static void checkData(Config data, String path, DataType dtype, Limits limits) {
        if (!data.hasPath("type") || data.getValue("type").valueType() != ConfigValueType.STRING) {
            return;
        }
        String type = data.getString("type").trim().toLowerCase(Locale.ROOT);
        if ((type.equals("synthetic") || type.equals("synthetic-iid")) && data.hasPath("synthetic")) {
            synthetic(data.getConfig("synthetic"), Settings.path(path, "synthetic"), dtype, limits);
        } else if (type.equals("least-squares") && data.hasPath("least-squares")) {
            leastSquares(data.getConfig("least-squares"), Settings.path(path, "least-squares"), dtype, limits);
        }
    }

    private static void synthetic(Config c, String path, DataType dtype, Limits limits) {
        int users = Settings.intAt(c, path, "users");
        int dim = Settings.intAt(c, path, "dim");
        int classes = Settings.intAt(c, path, "classes");
        int cap = Settings.intAt(c, path, "max-samples-per-user");
        if (users < 1 || dim < 1 || classes < 1 || cap < 0) {
            return; // the data's own checks name these
        }
        int perUser = cap > 0 ? Math.min(SYNTHETIC_MIN_EXAMPLES, cap) : SYNTHETIC_MIN_EXAMPLES;
        double rows = (double) users * perUser;
        List<Size> sizes = List.of(size(path, "users", users), size(path, "dim", dim), size(path, "classes", classes));
        String examples = users + " users x >= " + perUser + " examples";
        array(sizes, rows * dim, "the generated features", examples + " x " + dim + " features");
        array(sizes, rows * classes, "the one-hot targets", examples + " x " + classes + " classes");
        array(sizes, (double) dim * classes, "each user's model", dim + " features x " + classes + " classes");
        // While generating, each user's rows and the joined train and test tables are doubles at once.
        double heap = 8.0 * (2 * rows * dim + (double) users * dim + (double) dim * classes);
        if (heap > limits.heap()) {
            throw refuse(sizes, "generating the data needs at least " + bytes(heap) + " of heap (" + examples + " x "
                    + dim + " features x 8 bytes, twice), more than the " + bytes(limits.heap()) + " " + HEAP_HINT);
        }
        double offHeap = rows * (dim + classes) * bytesOf(dtype);
        if (offHeap > limits.offHeap()) {
            throw refuse(sizes, "the data's tensors need at least " + bytes(offHeap) + " (" + examples + " x ("
                    + dim + " features + " + classes + " one-hot targets) x " + bytesOf(dtype) + " bytes), more than the "
                    + bytes(limits.offHeap()) + " " + OFF_HEAP_HINT);
        }
    }

    private static void leastSquares(Config c, String path, DataType dtype, Limits limits) {
        int clients = Settings.intAt(c, path, "clients");
        int perClient = Settings.intAt(c, path, "rows-per-client");
        int dim = Settings.intAt(c, path, "dim");
        int outputs = Settings.intAt(c, path, "outputs");
        if (clients < 1 || perClient < 1 || dim < 1 || outputs < 1) {
            return;
        }
        double rows = (double) clients * perClient;
        List<Size> sizes = List.of(size(path, "clients", clients), size(path, "rows-per-client", perClient),
                size(path, "dim", dim), size(path, "outputs", outputs));
        String table = clients + " clients x " + perClient + " rows";
        array(sizes, rows, "the table's rows", table);
        array(sizes, rows * dim, "the features", table + " x " + dim + " features");
        array(sizes, rows * outputs, "the targets", table + " x " + outputs + " outputs");
        array(sizes, (double) dim * outputs, "each client's true model", dim + " features x " + outputs + " outputs");
        double heap = 8.0 * (rows * (dim + outputs) + (double) dim * dim);
        if (heap > limits.heap()) {
            throw refuse(sizes, "generating the data needs at least " + bytes(heap) + " of heap (" + table + " x ("
                    + dim + " features + " + outputs + " outputs) x 8 bytes, and a " + dim + " x " + dim
                    + " Gram matrix), more than the " + bytes(limits.heap()) + " " + HEAP_HINT);
        }
        double offHeap = rows * (dim + outputs) * bytesOf(dtype);
        if (offHeap > limits.offHeap()) {
            throw refuse(sizes, "the data's tensors need at least " + bytes(offHeap) + ", more than the "
                    + bytes(limits.offHeap()) + " " + OFF_HEAP_HINT);
        }
    }

    /**
     * Checks {@code model} (built from the {@code fedsub.model} subtree {@code modelConfig} at
     * {@code path}, its tensors not yet allocated) next to the already loaded {@code data}.
     */
    static void checkModel(Model model, Config modelConfig, String path, FederatedData data, DataType dtype,
            Limits limits) {
        List<ParamSpec> params = model.params();
        double total = params.stream().mapToDouble(p -> (double) p.size()).sum();
        ParamSpec largest = params.stream().max(Comparator.comparingDouble(p -> (double) p.size())).orElse(null);
        if (largest == null) {
            return;
        }
        Size blame = modelSize(modelConfig, path);
        String what = "the model " + model.name() + " has " + count(total) + " parameters";
        if (largest.size() > MAX_ARRAY) {
            throw refuse(List.of(blame), what + "; its tensor " + largest.name() + " " + shape(largest) + " has "
                    + count(largest.size()) + " values, more than one Java array holds (" + MAX_ARRAY + ")");
        }
        // The initial weights are drawn in doubles on the heap, one tensor at a time.
        double heap = 8.0 * largest.size();
        if (heap > limits.heap()) {
            throw refuse(List.of(blame), what + "; drawing its tensor " + largest.name() + " " + shape(largest)
                    + " needs " + bytes(heap) + " of heap, more than the " + bytes(limits.heap()) + " " + HEAP_HINT);
        }
        double dataBytes = tensorBytes(data);
        double offHeap = PARAM_COPIES * total * bytesOf(dtype) + dataBytes;
        if (offHeap > limits.offHeap()) {
            throw refuse(List.of(blame), what + "; " + PARAM_COPIES + " copies of them (the global model, a client's "
                    + "copy, its gradient) at " + bytesOf(dtype) + " bytes and the data's " + bytes(dataBytes)
                    + " need at least " + bytes(offHeap) + ", more than the " + bytes(limits.offHeap()) + " "
                    + OFF_HEAP_HINT);
        }
    }

    /** The setting that sizes the model: the hidden widths of an mlp, the channels of a cnn, else the type. */
    private static Size modelSize(Config c, String path) {
        String type = c.hasPath("type") ? String.valueOf(c.getValue("type").unwrapped()).trim().toLowerCase(Locale.ROOT)
                : "";
        String key = switch (type) {
            case "mlp" -> "hidden";
            case "cnn" -> "cnn.channels";
            default -> "type";
        };
        Object value = c.hasPath(key) ? c.getValue(key).unwrapped() : type;
        return new Size(Settings.path(path, key), value, 1, 1);
    }

    private static double tensorBytes(FederatedData data) {
        double b = tensorBytes(data.train());
        return data.test() == data.train() ? b : b + tensorBytes(data.test());
    }

    private static double tensorBytes(Dataset d) {
        return (double) d.features().length() * d.features().dataType().width()
                + (double) d.targets().length() * d.targets().dataType().width();
    }

    private static void array(List<Size> sizes, double values, String what, String formula) {
        if (values > MAX_ARRAY) {
            throw refuse(sizes, what + " (" + formula + "): at least " + count(values) + " values, more than one "
                    + "Java array holds (" + MAX_ARRAY + ")");
        }
    }

    /** A ConfigError at the size setting raised most above its default, the others named in {@code why}. */
    private static ConfigError refuse(List<Size> sizes, String why) {
        Size blame = sizes.stream().max(Comparator.comparingDouble(s -> s.magnitude() / s.reference())).orElseThrow();
        return new ConfigError(blame.path(), blame.value(), why);
    }

    private static Size size(String path, String key, int value) {
        String full = Settings.path(path, key);
        Config reference = ConfigFactory.defaultReference();
        double ref = reference.hasPath(full) && reference.getValue(full).unwrapped() instanceof Number n
                ? Math.max(1, n.doubleValue()) : 1;
        return new Size(full, value, value, ref);
    }

    private static int bytesOf(DataType dtype) {
        return dtype == DataType.DOUBLE ? 8 : 4;
    }

    private static String shape(ParamSpec p) {
        long[] s = p.shape();
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < s.length; i++) {
            b.append(i == 0 ? "" : " x ").append(s[i]);
        }
        return b.append(']').toString();
    }

    private static String count(double n) {
        return n < 1e15 ? String.format(Locale.ROOT, "%,.0f", n) : String.format(Locale.ROOT, "%.3g", n);
    }

    /** Binary units: {@code 3.0 GiB}. */
    static String bytes(double b) {
        if (b >= Long.MAX_VALUE) {
            return "unlimited";
        }
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
        int u = 0;
        while (b >= 1024 && u < units.length - 1) {
            b /= 1024;
            u++;
        }
        return u == 0 ? String.format(Locale.ROOT, "%.0f B", b) : String.format(Locale.ROOT, "%.1f %s", b, units[u]);
    }

    /** JavaCPP's size syntax: a number of bytes with an optional k, m, g or t suffix; {@code fallback} otherwise. */
    static long parseBytes(String s, long fallback) {
        if (s == null || s.isBlank()) {
            return fallback;
        }
        String t = s.trim().toLowerCase(Locale.ROOT);
        if (t.endsWith("b")) {
            t = t.substring(0, t.length() - 1);
        }
        long unit = 1;
        if (!t.isEmpty() && "kmgt".indexOf(t.charAt(t.length() - 1)) >= 0) {
            unit = 1L << (10 * ("kmgt".indexOf(t.charAt(t.length() - 1)) + 1));
            t = t.substring(0, t.length() - 1);
        }
        try {
            return Math.multiplyExact(Long.parseLong(t.trim()), unit);
        } catch (NumberFormatException | ArithmeticException e) {
            return fallback; // a percentage or a typo: JavaCPP's own default is the heap's size
        }
    }
}
