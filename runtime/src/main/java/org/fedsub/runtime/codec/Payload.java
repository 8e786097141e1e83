package org.fedsub.runtime.codec;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The content of one message between server and client, before encoding: named tensors in a
 * fixed order plus named integer fields (round, basis id, example count, ...). Strategies
 * produce and consume payloads; {@link Codec}s turn them into bytes.
 */
public final class Payload {

    private final LinkedHashMap<String, INDArray> tensors = new LinkedHashMap<>();
    private final LinkedHashMap<String, Long> fields = new LinkedHashMap<>();
    private boolean receiverOwns;
    private boolean spentOnceSent;
    /** Tensors marked one by one with {@link #spentOnceSent(String)}. */
    private java.util.Set<String> spentNames = java.util.Set.of();

    public Payload tensor(String name, INDArray value) {
        tensors.put(name, value);
        return this;
    }

    public Payload field(String name, long value) {
        fields.put(name, value);
        return this;
    }

    /**
     * Marks the tensors as its receiver's own: made for this payload alone (decoded from bytes
     * for one receiver) and referenced by nothing else, so the receiver may change them in place
     * instead of copying ({@link org.fedsub.runtime.strategy.Wire#takeModel}).
     */
    public Payload ownedByReceiver() {
        receiverOwns = true;
        return this;
    }

    /** Whether {@link #ownedByReceiver} was called: else its tensors may be shared and must not be changed. */
    public boolean isOwnedByReceiver() {
        return receiverOwns;
    }

    /**
     * Marks the tensors as its sender's to give up: made for this payload alone and referenced by
     * nothing else once it is sent, so whoever encodes and sends it may hand them to
     * {@link org.fedsub.runtime.compute.HostArrays#recycle} afterwards (a client's FedAvg update:
     * its delta's memory takes the next round's model copy instead of fresh pages).
     */
    public Payload spentOnceSent() {
        spentOnceSent = true;
        return this;
    }

    /**
     * As {@link #spentOnceSent()}, for the tensor {@code name} alone (before or after it is put
     * here): the others stay their sender's (a client's FedSub update: its plain parameters'
     * deltas are spent once sent, its subspace update stays pending until acknowledged).
     */
    public Payload spentOnceSent(String name) {
        if (spentNames.isEmpty()) {
            spentNames = new java.util.HashSet<>();
        }
        spentNames.add(name);
        return this;
    }

    /** Whether {@link #spentOnceSent()} was called (all of its tensors): else see {@link #spentTensors}. */
    public boolean isSpentOnceSent() {
        return spentOnceSent;
    }

    /**
     * The tensors whoever sends this payload may recycle once it is sent: all of them after
     * {@link #spentOnceSent()}, else those marked by name; the sender must leave any other alone.
     */
    public java.util.List<INDArray> spentTensors() {
        if (spentOnceSent) {
            return java.util.List.copyOf(tensors.values());
        }
        java.util.List<INDArray> spent = new java.util.ArrayList<>(spentNames.size());
        tensors.forEach((name, t) -> {
            if (spentNames.contains(name)) {
                spent.add(t);
            }
        });
        return spent;
    }

    /** Removes the tensor {@code name} and returns it; a clear error if there is none. */
    public INDArray take(String name) {
        INDArray t = tensor(name);
        tensors.remove(name);
        return t;
    }

    public Map<String, INDArray> tensors() {
        return Collections.unmodifiableMap(tensors);
    }

    public Map<String, Long> fields() {
        return Collections.unmodifiableMap(fields);
    }

    public boolean has(String name) {
        return tensors.containsKey(name);
    }

    /** The tensor {@code name}; a clear error if the sender did not include it. */
    public INDArray tensor(String name) {
        INDArray t = tensors.get(name);
        if (t == null) {
            throw new MalformedPayloadException("payload has no tensor '" + name + "'; it has " + tensors.keySet());
        }
        return t;
    }

    public long field(String name) {
        Long v = fields.get(name);
        if (v == null) {
            throw new MalformedPayloadException("payload has no field '" + name + "'; it has " + fields.keySet());
        }
        return v;
    }

    public long fieldOr(String name, long fallback) {
        return fields.getOrDefault(name, fallback);
    }

    /** Number of scalars across all tensors. */
    public long scalars() {
        long n = 0;
        for (INDArray t : tensors.values()) {
            n += t.length();
        }
        return n;
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("Payload{");
        tensors.forEach((k, v) -> b.append(k).append(java.util.Arrays.toString(v.shape())).append(' '));
        return b.append(fields).append('}').toString();
    }
}
