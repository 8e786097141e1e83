package org.fedsub.runtime.strategy;

import java.util.HashMap;
import java.util.Map;
import org.fedsub.runtime.model.Params;
import org.fedsub.runtime.strategy.StrategySettings.ServerOptimizerSettings;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Applies an aggregated pseudo-gradient {@code delta} (mean of client model changes) to the
 * global model: plain ({@code x += lr delta}), with server momentum (FedAvgM) or Adam without
 * bias correction, as FedAdam is defined in Reddi et al.
 */
final class ServerOptimizer {

    private final ServerOptimizerSettings s;
    private final Map<String, INDArray> m = new HashMap<>();
    private final Map<String, INDArray> v = new HashMap<>();

    ServerOptimizer(ServerOptimizerSettings settings) {
        this.s = settings;
    }

    /** Adds the moments held so far to {@code state} as {@code m:<param>} and {@code v:<param>}. */
    void export(org.fedsub.runtime.codec.Payload state) {
        m.forEach((name, t) -> state.tensor("m:" + name, t));
        v.forEach((name, t) -> state.tensor("v:" + name, t));
    }

    /** Replaces the moments with those {@link #export} put in {@code state}. */
    void restore(org.fedsub.runtime.codec.Payload state) {
        m.clear();
        v.clear();
        state.tensors().forEach((key, t) -> {
            if (key.startsWith("m:")) {
                m.put(key.substring(2), t.dup());
            } else if (key.startsWith("v:")) {
                v.put(key.substring(2), t.dup());
            }
        });
    }

    void apply(Params x, String name, INDArray delta) {
        x.get(name).addi(step(name, delta));
    }

    /**
     * The change the optimiser makes to parameter {@code name} for the aggregated {@code delta}
     * (its moments advanced): {@link #apply} adds it to the model.
     */
    INDArray step(String name, INDArray delta) {
        return switch (s.type()) {
            case "sgd" -> s.lr() == 1.0 ? delta : delta.mul(s.lr());
            case "momentum" -> {
                INDArray buf = m.computeIfAbsent(name, k -> delta.mul(0));
                buf.muli(s.momentum()).addi(delta);
                yield buf.mul(s.lr());
            }
            case "adam" -> {
                INDArray mm = m.computeIfAbsent(name, k -> delta.mul(0));
                INDArray vv = v.computeIfAbsent(name, k -> delta.mul(0));
                mm.muli(s.beta1()).addi(delta.mul(1 - s.beta1()));
                vv.muli(s.beta2()).addi(delta.mul(delta).muli(1 - s.beta2()));
                yield mm.div(Transforms.sqrt(vv, true).addi(s.epsilon())).muli(s.lr());
            }
            default -> throw new IllegalStateException("unknown server optimizer " + s.type());
        };
    }
}
