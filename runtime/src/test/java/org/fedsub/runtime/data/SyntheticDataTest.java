package org.fedsub.runtime.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

class SyntheticDataTest {

    @Test
    void fedProx_defaults_give30UsersOfAtLeast50Examples60Features10Classes() {
        FederatedData data = SyntheticData.generate(SyntheticData.Spec.fedProx(1, 1), DataType.FLOAT, 7);

        assertEquals(30, data.numClients());
        assertEquals(60, data.train().featureDim());
        assertEquals(10, data.train().numClasses());
        assertEquals(10, data.train().targets().columns());
        for (ClientData c : data.clients()) {
            int total = c.trainRows().length + c.testRows().length;
            assertTrue(total >= 50, "user " + c.clientId() + " has " + total + " examples");
            assertEquals((int) (0.9 * total), c.trainRows().length, "90/10 split of user " + c.clientId());
            assertSame(data.train(), c.train());
            assertSame(data.test(), c.test());
        }
    }

    @Test
    void generate_viewsCoverTrainAndTestTablesExactlyOnce() {
        FederatedData data = SyntheticData.generate(small(0.5, 0.5), DataType.DOUBLE, 3);

        boolean[] train = new boolean[data.train().size()];
        boolean[] test = new boolean[data.test().size()];
        for (ClientData c : data.clients()) {
            for (int r : c.trainRows()) {
                assertTrue(!train[r], "train row " + r + " used twice");
                train[r] = true;
            }
            for (int r : c.testRows()) {
                assertTrue(!test[r], "test row " + r + " used twice");
                test[r] = true;
            }
        }
        for (boolean b : train) {
            assertTrue(b);
        }
        for (boolean b : test) {
            assertTrue(b);
        }
    }

    @Test
    void generate_targetsAreOneHotOfLabels() {
        Dataset train = SyntheticData.generate(small(1, 1), DataType.FLOAT, 5).train();

        INDArray t = train.targets();
        for (int i = 0; i < train.size(); i++) {
            assertEquals(1.0, t.getDouble(i, train.labels()[i]));
            assertEquals(1.0, t.getRow(i).sumNumber().doubleValue(), 1e-6);
        }
    }

    @Test
    void generate_sameSeed_givesSameData_otherSeedDiffers() {
        FederatedData a = SyntheticData.generate(small(1, 1), DataType.FLOAT, 42);
        FederatedData b = SyntheticData.generate(small(1, 1), DataType.FLOAT, 42);
        FederatedData c = SyntheticData.generate(small(1, 1), DataType.FLOAT, 43);

        assertEquals(a.train().features(), b.train().features());
        assertArrayEquals(a.train().labels(), b.train().labels());
        assertEquals(a.test().features(), b.test().features());
        assertEquals(a.clients(), b.clients());
        assertNotEquals(a.train().features(), c.train().features());
    }

    @Test
    void generate_requestedType_isUsedForEveryArray() {
        for (DataType dtype : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
            FederatedData data = SyntheticData.generate(small(1, 1), dtype, 1);
            assertEquals(dtype, data.train().features().dataType());
            assertEquals(dtype, data.train().targets().dataType());
            assertEquals(dtype, data.test().features().dataType());
            assertEquals(dtype, data.test().targets().dataType());
        }
    }

    @Test
    void generate_cap_limitsExamplesPerUser() {
        FederatedData data = SyntheticData.generate(SyntheticData.Spec.fedProx(1, 1).withMaxSamplesPerUser(20),
                DataType.FLOAT, 9);

        for (ClientData c : data.clients()) {
            assertEquals(20, c.trainRows().length + c.testRows().length);
        }
    }

    @Test
    void heterogeneous_labelDistributions_differMoreAcrossUsersThanIid() {
        double skewed = 0;
        double iid = 0;
        for (long seed = 0; seed < 3; seed++) {
            skewed += labelSpread(SyntheticData.generate(small(1, 1), DataType.FLOAT, seed));
            iid += labelSpread(SyntheticData.generate(SyntheticData.Spec.fedProxIid().withMaxSamplesPerUser(200),
                    DataType.FLOAT, seed));
        }

        skewed /= 3;
        iid /= 3;
        assertTrue(skewed > iid + 0.3, "mean TV distance to the pooled labels: (1,1) " + skewed + ", iid " + iid);
    }

    @Test
    void spec_negativeAlphaOrTinyCap_isRejected() {
        assertThrows(IllegalArgumentException.class, () -> new SyntheticData.Spec(-1, 0, false, 30, 60, 10, 0));
        assertThrows(IllegalArgumentException.class, () -> SyntheticData.Spec.fedProx(1, 1).withMaxSamplesPerUser(1));
    }

    private static SyntheticData.Spec small(double alpha, double beta) {
        return SyntheticData.Spec.fedProx(alpha, beta).withMaxSamplesPerUser(200);
    }

    /** Mean total-variation distance between each user's label histogram and the pooled one. */
    static double labelSpread(FederatedData data) {
        int k = data.train().numClasses();
        double[] pooled = new double[k];
        for (int l : data.train().labels()) {
            pooled[l] += 1.0 / data.train().size();
        }
        double sum = 0;
        for (ClientData c : data.clients()) {
            int[] counts = c.labelCounts();
            double tv = 0;
            for (int j = 0; j < k; j++) {
                tv += Math.abs((double) counts[j] / c.numExamples() - pooled[j]);
            }
            sum += tv / 2;
        }
        return sum / data.numClients();
    }
}
