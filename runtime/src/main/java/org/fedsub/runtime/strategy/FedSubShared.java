package org.fedsub.runtime.strategy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.fedsub.runtime.codec.Payload;
import org.fedsub.runtime.config.ConfigError;
import org.fedsub.runtime.model.ParamSpec;
import org.fedsub.runtime.model.Params;
import org.fedsub.runtime.strategy.StrategySettings.FedSubSettings;
import org.fedsub.runtime.subspace.DenseProjection;
import org.fedsub.runtime.subspace.Generator;
import org.fedsub.runtime.subspace.Projection;

/**
 * What FedSub's server and all its clients share and never change: the settings, the layer table
 * (which weights are compressed, at which rank), the round-to-basis schedule and the seeded
 * projections, memoised. Building it checks the layer table against the model.
 */
final class FedSubShared {

    /** One compressed weight {@code [n, m]}, trained through a subspace update {@code [r, m]}. */
    record Layer(int index, String name, int n, int m, int r) {}

    private final FedSubSettings fs;
    private final StrategyContext ctx;
    private final List<Layer> layers;
    private final Map<String, Layer> byName;
    private final List<ParamSpec> plain;
    private final Map<Long, Projection[]> seededBases = new ConcurrentHashMap<>();

    /** Reads the model, training settings and seed of {@code ctx}, not its initial model. */
    FedSubShared(FedSubSettings fs, StrategyContext ctx) {
        this.fs = fs;
        this.ctx = ctx;
        List<Layer> compressed = new ArrayList<>();
        Map<String, Layer> names = new LinkedHashMap<>();
        List<ParamSpec> others = new ArrayList<>();
        Pattern pattern = Pattern.compile(fs.layers());
        String p = StrategySettings.PATH + ".fedsub";
        for (ParamSpec s : ctx.model().params()) {
            if (s.isMatrix() && pattern.matcher(s.name()).matches()) {
                int n = Math.toIntExact(s.in());
                int r = fs.rankFor(n);
                if (r > n) {
                    throw new ConfigError(p + ".rank", r, "layer '" + s.name() + "' has in-dimension n = " + n
                            + "; r must be <= n (lower rank, or exclude the layer with " + p + ".layers)");
                }
                if (fs.generator() == Generator.IDX && r != n) {
                    throw new ConfigError(p + ".generator", "idx", "idx needs r = n, but layer '" + s.name()
                            + "' has r = " + r + ", n = " + n + " (set rank-rate = 1.0)");
                }
                Layer l = new Layer(compressed.size(), s.name(), n, Math.toIntExact(s.out()), r);
                compressed.add(l);
                names.put(s.name(), l);
            } else {
                others.add(s);
            }
        }
        if (compressed.isEmpty()) {
            throw new ConfigError(p + ".layers", fs.layers(), "matches no weight matrix of model "
                    + ctx.model().name() + "; its parameters are " + ctx.model().params());
        }
        this.layers = List.copyOf(compressed);
        this.byName = Collections.unmodifiableMap(names);
        this.plain = List.copyOf(others);
    }

    FedSubSettings settings() {
        return fs;
    }

    StrategyContext context() {
        return ctx;
    }

    /** The compressed weights, by index. */
    List<Layer> layers() {
        return layers;
    }

    /** The compressed weight named {@code param}, or null if it is trained and averaged plainly. */
    Layer layer(String param) {
        return byName.get(param);
    }

    /** The parameters that are not compressed. */
    List<ParamSpec> plain() {
        return plain;
    }

    /** Basis id of a round. */
    long basisOf(int round) {
        return (long) round * ctx.train().localSteps() / fs.updateCpFreq();
    }

    /** Whether basis {@code k} is a pure function of its id (else it is an svd basis the server computed). */
    boolean seededBasis(long k) {
        return fs.generator() != Generator.SVD || k == 0;
    }

    /** The seeded projections of basis {@code k} (memoised, shared by the server and every client built from this). */
    Projection[] seeded(long k) {
        Projection[] cached = seededBases.get(k);
        if (cached != null) {
            return cached;
        }
        // Keep the memo small (a client needs the current basis and, to move its duals, the one
        // it last trained in, which it holds itself); never mutate the map inside computeIfAbsent.
        seededBases.keySet().removeIf(old -> old < k - 8);
        return seededBases.computeIfAbsent(k, key -> {
            Projection[] ps = new Projection[layers.size()];
            Generator g = fs.generator() == Generator.SVD ? Generator.CD : fs.generator();
            for (Layer l : layers) {
                ps[l.index()] = g.generate(ctx.seed(), key, l.index(), l.n(), l.r(), ctx.model().dtype());
            }
            return ps;
        });
    }

    /**
     * Applies a logged change (a delta downlink's, see {@link Strategy#applyChange}): lifts each
     * {@code b:<p>} with the seeded basis of the change's {@code basis} field ({@code x += P^T B})
     * and adds each {@code d:<p>}, in the order aggregation does. The server and the clients
     * built from this both apply changes here, so they compute the same model bit for bit.
     */
    void applyChange(Params model, Payload change) {
        Projection[] basis = seeded(change.field(PayloadKeys.BASIS));
        for (Layer l : layers) {
            basis[l.index()].liftAddi(model.get(l.name()), change.tensor(PayloadKeys.subspace(l.name())));
        }
        for (ParamSpec s : plain()) {
            model.get(s.name()).addi(change.tensor(PayloadKeys.delta(s.name())));
        }
    }

    /**
     * The projections a client trains basis {@code k} in: seeded ones from the id, an svd basis
     * after the first from the task's {@link PayloadKeys#projection} tensors.
     */
    Projection[] taskBasis(long k, Payload task) {
        if (seededBasis(k)) {
            return seeded(k);
        }
        Projection[] ps = new Projection[layers.size()];
        for (Layer l : layers) {
            ps[l.index()] = new DenseProjection(task.tensor(PayloadKeys.projection(l.name())), 1.0);
        }
        return ps;
    }
}
