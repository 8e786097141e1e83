package org.fedsub.runtime.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.fedsub.runtime.data.Batch;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

class FloatModelsTest {

    private static final List<Model> MODELS = List.of(
            new LogisticRegression(64, 3, DataType.FLOAT),
            new LinearRegression(64, 3, true, DataType.FLOAT),
            new Mlp(List.of(64, 10, 3), DataType.FLOAT),
            new SmallCnn(new SmallCnn.Geometry(1, 8, 8, List.of(3, 4), 3, 2, 1), 3, DataType.FLOAT),
            new SmallCnn(new SmallCnn.Geometry(1, 8, 8, List.of(3, 4), 3, 2, 1), 3, DataType.FLOAT, 100));

    @Test
    void floatModels_onFloatAndDoubleBatches_computeInFloat() {
        Random r = new Random(31);
        for (Model m : MODELS) {
            Params p = m.init(1);
            for (DataType batchType : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
                Batch b = ModelFixtures.classificationBatch(r, batchType, 9, 64, 3);
                Params g = p.zerosLike();

                double loss = m.lossAndGradient(p, b, g);

                assertTrue(Double.isFinite(loss) && loss > 0, m.name() + " loss " + loss);
                assertEquals(loss, m.loss(p, b), 1e-5, m.name());
                assertFalse(g.hasNonFinite(), m.name());
                assertTrue(g.norm2() > 0, m.name());
                g.asMap().forEach((k, v) -> assertEquals(DataType.FLOAT, v.dataType(), m.name() + " " + k));
                assertEquals(DataType.FLOAT, m.predict(p, b.features()).dataType(), m.name());
            }
            p.asMap().forEach((k, v) -> assertEquals(DataType.FLOAT, v.dataType(), m.name() + " " + k));
        }
    }

    @Test
    void floatModels_gradientIntoAnEmptyParams_addsEveryParameter() {
        Random r = new Random(32);
        for (Model m : MODELS) {
            Params g = Params.empty();

            m.lossAndGradient(m.init(2), ModelFixtures.classificationBatch(r, DataType.FLOAT, 4, 64, 3), g);

            assertEquals(m.params().stream().map(ParamSpec::name).toList(), g.names(), m.name());
        }
    }
}
