package org.fedsub.runtime.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Random;
import org.fedsub.runtime.data.Batch;
import org.fedsub.runtime.subspace.CoordinateProjection;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A gradient asked for at some rows only (FedSub's coordinate bases) holds exactly those rows of
 * the whole gradient, in the order asked, and the other parameters' gradients are unchanged.
 */
class GradientRowsTest {

    private static List<Model> models(DataType t) {
        return List.of(new Mlp(List.of(64, 20, 12, 3), t), new LogisticRegression(64, 3, t),
                new SmallCnn(new SmallCnn.Geometry(1, 8, 8, List.of(3, 4), 3, 2, 1), 3, t));
    }

    @ParameterizedTest
    @EnumSource(value = DataType.class, names = {"FLOAT", "DOUBLE"})
    void rowsOfEveryMatrix_equalThoseRowsOfTheWholeGradient_bitForBit(DataType t) {
        for (Model m : models(t)) {
            Random r = new Random(11);
            Params p = ModelFixtures.randomParams(m, r);
            Batch batch = ModelFixtures.classificationBatch(r, t, 17, 64, 3);
            Params whole = p.zerosLike();
            double loss = m.lossAndGradient(p, batch, whole);

            Map<String, int[]> rows = new java.util.HashMap<>();
            Params part = Params.empty();
            long seed = 1;
            for (ParamSpec s : m.params()) {
                // Every weight of a dense net; the CNN's first matrix only (the default path).
                if (s.isMatrix() && s.in() > 1 && (s.name().endsWith(".weight") || rows.isEmpty())) {
                    int[] sel = CoordinateProjection.random(Math.toIntExact(s.in()), Math.toIntExact(s.in() / 2 + 1),
                            seed++, t).rows();
                    rows.put(s.name(), sel);
                    part.put(s.name(), Nd4j.zeros(t, sel.length, s.out()));
                } else {
                    part.put(s.name(), Nd4j.zeros(t, s.shape()));
                }
            }
            assertTrue(!rows.isEmpty(), m.name());
            assertEquals(loss, m.lossAndGradient(p, batch, part, rows), 0.0, m.name());
            for (ParamSpec s : m.params()) {
                INDArray want = rows.containsKey(s.name()) ? Nd4j.pullRows(whole.get(s.name()), 1, rows.get(s.name()))
                        : whole.get(s.name());
                assertEquals(want, part.get(s.name()), m.name() + " " + s.name());
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = DataType.class, names = {"FLOAT"})
    void anUnknownParameter_orAGradientOfTheWrongShape_isRefusedByName(DataType t) {
        Model m = new Mlp(List.of(8, 4, 3), t);
        Random r = new Random(2);
        Params p = ModelFixtures.randomParams(m, r);
        Batch batch = ModelFixtures.classificationBatch(r, t, 5, 8, 3);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> m.lossAndGradient(p, batch, Params.empty(), Map.of("fc9.weight", new int[] {0})));
        assertTrue(e.getMessage().contains("fc9.weight"), e.getMessage());
        Params wrong = Params.empty().put("fc1.weight", Nd4j.zeros(t, 8, 4));
        e = assertThrows(IllegalArgumentException.class,
                () -> m.lossAndGradient(p, batch, wrong, Map.of("fc1.weight", new int[] {0, 5})));
        assertTrue(e.getMessage().contains("fc1.weight") && e.getMessage().contains("[2, 4]"), e.getMessage());

        // The default path (a model without its own) refuses an unknown name the same way.
        Model cnn = new SmallCnn(new SmallCnn.Geometry(1, 8, 8, List.of(3, 4), 3, 2, 1), 3, t);
        Params cp = ModelFixtures.randomParams(cnn, r);
        Batch cb = ModelFixtures.classificationBatch(r, t, 5, 64, 3);
        e = assertThrows(IllegalArgumentException.class,
                () -> cnn.lossAndGradient(cp, cb, Params.empty(), Map.of("fc9.weight", new int[] {0})));
        assertTrue(e.getMessage().contains("fc9.weight"), e.getMessage());
    }
}
