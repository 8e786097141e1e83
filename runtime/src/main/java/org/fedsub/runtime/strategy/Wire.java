package org.fedsub.runtime.strategy;

import org.fedsub.runtime.codec.Payload;
import org.fedsub.runtime.compute.HostArrays;
import org.fedsub.runtime.model.Model;
import org.fedsub.runtime.model.ParamSpec;
import org.fedsub.runtime.model.Params;

/**
 * Helpers that put the global model into a task and read it back ({@link PayloadKeys#model}):
 * public for plug-in strategies that send the model as fedsub's own do.
 */
public final class Wire {

    private Wire() {}

    /** Adds every parameter of {@code model} as its {@link PayloadKeys#model} tensor. */
    public static Payload withModel(Payload p, Params model) {
        for (String n : model.names()) {
            p.tensor(PayloadKeys.model(n), model.get(n));
        }
        return p;
    }

    /**
     * As {@link #model}, without the copies when the task's tensors are {@link
     * Payload#isOwnedByReceiver its receiver's own}: they are then taken out of the task (it no
     * longer has the model) and returned as they are, for the caller to change.
     */
    public static Params takeModel(Payload task, Model model) {
        if (!task.isOwnedByReceiver()) {
            return model(task, model);
        }
        Params x = Params.empty();
        for (ParamSpec s : model.params()) {
            x.put(s.name(), task.take(PayloadKeys.model(s.name())));
        }
        return x;
    }

    /** Reads the {@link PayloadKeys#model} tensors of a task as parameters (copies, owned by the caller). */
    public static Params model(Payload task, Model model) {
        Params x = Params.empty();
        for (ParamSpec s : model.params()) {
            x.put(s.name(), HostArrays.copyOf(task.tensor(PayloadKeys.model(s.name()))));
        }
        return x;
    }
}
