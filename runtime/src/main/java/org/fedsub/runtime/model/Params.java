package org.fedsub.runtime.model;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * An ordered set of named tensors: a model's parameters, their gradient, an update.
 * Iteration order is the model's parameter order, so every loop over params is deterministic.
 */
public final class Params {

    private final LinkedHashMap<String, INDArray> tensors;

    private Params(LinkedHashMap<String, INDArray> tensors) {
        this.tensors = tensors;
    }

    public static Params empty() {
        return new Params(new LinkedHashMap<>());
    }

    /** Zeros shaped like {@code specs}, in {@code dtype}. */
    public static Params zeros(List<ParamSpec> specs, DataType dtype) {
        Params p = empty();
        for (ParamSpec s : specs) {
            p.put(s.name(), Nd4j.zeros(dtype, s.shape()));
        }
        return p;
    }

    public Params put(String name, INDArray value) {
        tensors.put(name, value);
        return this;
    }

    public INDArray get(String name) {
        INDArray t = tensors.get(name);
        if (t == null) {
            throw new IllegalArgumentException("no parameter named '" + name + "'; known: " + tensors.keySet());
        }
        return t;
    }

    public boolean contains(String name) {
        return tensors.containsKey(name);
    }

    public List<String> names() {
        return Collections.unmodifiableList(new ArrayList<>(tensors.keySet()));
    }

    public Map<String, INDArray> asMap() {
        return Collections.unmodifiableMap(tensors);
    }

    public int count() {
        return tensors.size();
    }

    /** Total number of scalars. */
    public long length() {
        long n = 0;
        for (INDArray t : tensors.values()) {
            n += t.length();
        }
        return n;
    }

    /** Deep copy. */
    public Params dup() {
        return map((k, v) -> v.dup());
    }

    /** Zeros shaped like this. */
    public Params zerosLike() {
        return map((k, v) -> Nd4j.zeros(v.dataType(), v.shape()));
    }

    public Params map(BiFunction<String, INDArray, INDArray> f) {
        LinkedHashMap<String, INDArray> out = new LinkedHashMap<>();
        tensors.forEach((k, v) -> out.put(k, f.apply(k, v)));
        return new Params(out);
    }

    /** {@code this += other} for every tensor of this. */
    public Params addi(Params other) {
        tensors.forEach((k, v) -> v.addi(other.get(k)));
        return this;
    }

    /** {@code this -= other} for every tensor of this. */
    public Params subi(Params other) {
        tensors.forEach((k, v) -> v.subi(other.get(k)));
        return this;
    }

    /** {@code this += alpha * other} for every tensor of this. */
    public Params axpyi(double alpha, Params other) {
        tensors.forEach((k, v) -> v.addi(other.get(k).mul(alpha)));
        return this;
    }

    public Params muli(double alpha) {
        tensors.values().forEach(v -> v.muli(alpha));
        return this;
    }

    /** Euclidean norm over all tensors. */
    public double norm2() {
        double s = 0;
        for (INDArray t : tensors.values()) {
            double n = t.norm2Number().doubleValue();
            s += n * n;
        }
        return Math.sqrt(s);
    }

    /** True if any entry is NaN or infinite. */
    public boolean hasNonFinite() {
        for (INDArray t : tensors.values()) {
            double s = t.sumNumber().doubleValue();
            if (!Double.isFinite(s)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("Params{");
        tensors.forEach((k, v) -> b.append(k).append(java.util.Arrays.toString(v.shape())).append(' '));
        return b.append('}').toString();
    }
}
