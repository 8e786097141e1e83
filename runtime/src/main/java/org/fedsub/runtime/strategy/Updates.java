package org.fedsub.runtime.strategy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.fedsub.runtime.codec.Payload;
import org.fedsub.runtime.model.Model;
import org.fedsub.runtime.model.ParamSpec;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Checks that an update carries the expected tensors, shapes and finite values, and reads its
 * tensors and weights: public for plug-in strategies, which check updates as fedsub's own do.
 */
public final class Updates {

    private Updates() {}

    /**
     * Splits {@code updates} into those that match {@code expected} (tensor name to shape) and
     * come from a known client for this round, and failures naming what was wrong.
     */
    public static List<ClientUpdate> valid(int round, int numClients, List<ClientUpdate> updates,
            Map<String, long[]> expected, List<ClientFailure> rejected) {
        List<ClientUpdate> ok = new ArrayList<>();
        for (ClientUpdate u : updates) {
            String why = problem(round, numClients, u, expected);
            if (why == null) {
                ok.add(u);
            } else {
                rejected.add(new ClientFailure(u.clientId(), round, why));
            }
        }
        return ok;
    }

    /** What is wrong with {@code u} for {@code round}, or empty: {@link Strategy#problem}'s common part. */
    public static java.util.Optional<String> check(int round, int numClients, ClientUpdate u, Map<String, long[]> expected) {
        return java.util.Optional.ofNullable(problem(round, numClients, u, expected));
    }

    private static String problem(int round, int numClients, ClientUpdate u, Map<String, long[]> expected) {
        // The client's name is put into words only for an update that is refused: every update
        // is checked, and building the text for each showed in the server step's profile.
        if (u.clientId() < 0 || u.clientId() >= numClients) {
            return who(round, u) + ": unknown client (known ids are 0.." + (numClients - 1) + ")";
        }
        if (u.round() != round) {
            return who(round, u) + ": it was trained for round " + u.round();
        }
        if (u.numExamples() <= 0) {
            return who(round, u) + ": example count " + u.numExamples() + " is not positive";
        }
        Payload p = u.payload();
        for (Map.Entry<String, long[]> e : expected.entrySet()) {
            if (!p.has(e.getKey())) {
                return who(round, u) + ": tensor '" + e.getKey() + "' is missing";
            }
            INDArray t = p.tensor(e.getKey());
            if (!Arrays.equals(t.shape(), e.getValue())) {
                return who(round, u) + ": tensor '" + e.getKey() + "' has shape " + Arrays.toString(t.shape())
                        + ", expected " + Arrays.toString(e.getValue());
            }
            if (!Double.isFinite(squaredNorm(t))) {
                return who(round, u) + ": tensor '" + e.getKey() + "' contains NaN or infinite values";
            }
        }
        return null;
    }

    private static String who(int round, ClientUpdate u) {
        return "update from client " + u.clientId() + " for round " + round;
    }

    /**
     * The sum of the squares of {@code t}'s values, infinite where that sum overflows {@code t}'s
     * own type (a FLOAT tensor whose squared norm passes {@link Float#MAX_VALUE}, as an ND4J
     * float reduction overflows): such an update cannot be aggregated in its precision and counts
     * as non-finite. NaN if a value is.
     */
    public static double squaredNorm(INDArray t) {
        double sq = org.fedsub.runtime.compute.Rows.sumOfSquares(t);
        return t.dataType() == org.nd4j.linalg.api.buffer.DataType.FLOAT && sq > Float.MAX_VALUE
                ? Double.POSITIVE_INFINITY : sq;
    }

    /** The update tensors of the FedAvg family, {@link PayloadKeys#delta} of every parameter, by their shapes. */
    public static Map<String, long[]> deltas(Model model) {
        Map<String, long[]> e = new java.util.LinkedHashMap<>();
        for (ParamSpec p : model.params()) {
            e.put(PayloadKeys.delta(p.name()), p.shape());
        }
        return e;
    }

    /** Aggregation weight of an update: its example count, or 1 for a uniform mean. */
    public static double[] weights(List<ClientUpdate> ok, boolean byExamples) {
        double[] w = new double[ok.size()];
        for (int i = 0; i < w.length; i++) {
            w[i] = byExamples ? ok.get(i).numExamples() : 1.0;
        }
        return w;
    }

    /** Tensor {@code name} of each update, in order. */
    public static List<INDArray> tensors(List<ClientUpdate> ok, String name) {
        List<INDArray> xs = new ArrayList<>(ok.size());
        for (ClientUpdate u : ok) {
            xs.add(u.payload().tensor(name));
        }
        return xs;
    }
}
