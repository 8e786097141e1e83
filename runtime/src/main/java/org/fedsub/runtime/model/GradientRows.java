package org.fedsub.runtime.model;

import java.util.Arrays;
import java.util.Map;
import org.fedsub.runtime.compute.Blas;
import org.fedsub.runtime.compute.Rows;
import org.fedsub.runtime.data.Batch;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@link Model#lossAndGradient(Params, Batch, Params, Map)} for a model that computes whole
 * gradients only: the wanted parameters' whole gradients go to this thread's buffers, kept from
 * call to call (a fresh buffer a step would cost more to page in than its rows to copy), and
 * their rows are copied out.
 */
final class GradientRows {

    private GradientRows() {}

    private static final ThreadLocal<Params> WHOLE = ThreadLocal.withInitial(Params::empty);

    static double viaWholeGradient(Model m, Params params, Batch batch, Params gradOut, Map<String, int[]> rows) {
        if (rows.isEmpty()) {
            return m.lossAndGradient(params, batch, gradOut);
        }
        Layers.prepareGradOut(gradOut, m.params(), m.dtype(), rows);
        Params buffers = WHOLE.get();
        Params whole = Params.empty();
        for (ParamSpec s : m.params()) {
            if (!rows.containsKey(s.name())) {
                whole.put(s.name(), gradOut.get(s.name()));
                continue;
            }
            INDArray b = buffers.contains(s.name()) ? buffers.get(s.name()) : null;
            if (b == null || b.dataType() != m.dtype() || !Arrays.equals(b.shape(), s.shape())) {
                b = Nd4j.zeros(m.dtype(), s.shape());
                buffers.put(s.name(), b);
            }
            whole.put(s.name(), b);
        }
        double loss = m.lossAndGradient(params, batch, whole);
        rows.forEach((name, r) -> Rows.gather(Blas.denseOrCopy(whole.get(name)), r, gradOut.get(name)));
        return loss;
    }
}
