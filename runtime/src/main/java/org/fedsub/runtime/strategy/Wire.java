package org.fedsub.runtime.strategy;

import org.fedsub.runtime.codec.Payload;
import org.fedsub.runtime.model.Model;
import org.fedsub.runtime.model.ParamSpec;
import org.fedsub.runtime.model.Params;

/** Naming conventions shared by the strategies' payloads. */
final class Wire {

    private Wire() {}

    /** Adds every parameter of {@code model} as {@code x:<name>}. */
    static Payload withModel(Payload p, Params model) {
        for (String n : model.names()) {
            p.tensor("x:" + n, model.get(n));
        }
        return p;
    }

    /** Reads the {@code x:<name>} tensors of a task as parameters (copies, owned by the caller). */
    static Params model(Payload task, Model model) {
        Params x = Params.empty();
        for (ParamSpec s : model.params()) {
            x.put(s.name(), task.tensor("x:" + s.name()).dup());
        }
        return x;
    }
}
