package org.fedsub.runtime.strategy;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Predicate;
import org.fedsub.runtime.codec.Payload;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A client's error-feedback residual under a biased uplink codec ({@code topk}): per update
 * tensor, what the encoding left out of the client's updates so far, added to its next update
 * (EF-SGD). Part of the client's state, exported with it. It assumes that the server used the
 * part that was sent, which holds under full participation with every update used; an update
 * lost or refused loses its sent part.
 */
final class ErrorFeedback {

    static final String PREFIX = "residual:";

    private final Map<String, INDArray> residual = new LinkedHashMap<>();

    /** Adds the residual into the matching tensors of {@code up}, in place. */
    void addTo(Payload up) {
        residual.forEach((name, r) -> {
            if (up.has(name)) {
                up.tensor(name).addi(r);
            }
        });
    }

    /** The residual becomes what {@code update} (residual included) held minus what the server decodes of it. */
    void sent(Payload update, Payload asDecoded, boolean errorFeedback) {
        residual.clear();
        if (errorFeedback) {
            update.tensors().forEach((name, t) -> residual.put(name, t.sub(asDecoded.tensor(name))));
        }
    }

    /** Drops the residual of the tensors {@code which} names (FedSub's b after a basis change). */
    void drop(Predicate<String> which) {
        residual.keySet().removeIf(which);
    }

    boolean isEmpty() {
        return residual.isEmpty();
    }

    long bytes() {
        return residual.values().stream().mapToLong(a -> a.length() * a.dataType().width()).sum();
    }

    void exportTo(Payload state) {
        residual.forEach((name, t) -> state.tensor(PREFIX + name, t));
    }

    void restoreFrom(Payload state) {
        if (!residual.isEmpty()) { // no write to an idle client's map: it stays clean for the collector
            residual.clear();
        }
        if (state != null) {
            state.tensors().forEach((name, t) -> {
                if (name.startsWith(PREFIX)) {
                    residual.put(name.substring(PREFIX.length()), t);
                }
            });
        }
    }
}
