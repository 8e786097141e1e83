package org.fedsub.examples.plugins;

import java.util.Arrays;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Coordinate-wise trimmed mean (Yin et al., "Byzantine-robust distributed learning", 2018): for
 * every coordinate, the {@code trim} smallest and {@code trim} largest of the clients' values are
 * dropped and the rest averaged. {@code trim = 0} is the plain mean; {@code trim = (k - 1) / 2} of
 * {@code k} values is the coordinate-wise median. Up to {@code trim} arbitrary (even huge) values
 * per coordinate cannot move the result outside the range of the others.
 */
public final class RobustMean {

    private RobustMean() {}

    /** The trim count that makes the trimmed mean of {@code k} values their median. */
    public static int medianTrim(int k) {
        return (k - 1) / 2;
    }

    /** The trim count for a fraction {@code fraction} in [0, 0.5) of {@code k} values: {@code floor(fraction * k)}. */
    public static int trimFor(double fraction, int k) {
        return (int) Math.floor(fraction * k);
    }

    /**
     * The coordinate-wise trimmed mean of {@code values[client][coordinate]}.
     *
     * @throws IllegalArgumentException if rows differ in length or {@code 2 * trim >= values.length}
     */
    public static double[] trimmedMean(double[][] values, int trim) {
        int k = values.length;
        if (k == 0 || trim < 0 || 2 * trim >= k) {
            throw new IllegalArgumentException("a trimmed mean of " + k + " values cannot drop " + trim
                    + " from each end: at least one value must remain");
        }
        int n = values[0].length;
        for (double[] row : values) {
            if (row.length != n) {
                throw new IllegalArgumentException("every client needs " + n + " coordinates, one has " + row.length);
            }
        }
        double[] out = new double[n];
        double[] column = new double[k];
        for (int j = 0; j < n; j++) {
            for (int i = 0; i < k; i++) {
                column[i] = values[i][j];
            }
            Arrays.sort(column);
            double sum = 0;
            for (int i = trim; i < k - trim; i++) {
                sum += column[i];
            }
            out[j] = sum / (k - 2 * trim);
        }
        return out;
    }

    /** The coordinate-wise trimmed mean of equally shaped tensors, in the first one's shape and type. */
    public static INDArray trimmedMean(List<INDArray> xs, int trim) {
        INDArray first = xs.get(0);
        double[][] values = new double[xs.size()][];
        for (int i = 0; i < values.length; i++) {
            INDArray x = xs.get(i);
            if (!Arrays.equals(x.shape(), first.shape())) {
                throw new IllegalArgumentException("tensor " + i + " has shape " + Arrays.toString(x.shape())
                        + ", the first " + Arrays.toString(first.shape()));
            }
            values[i] = x.castTo(DataType.DOUBLE).dup('c').reshape(x.length()).toDoubleVector();
        }
        return Nd4j.create(trimmedMean(values, trim), first.shape(), DataType.DOUBLE).castTo(first.dataType());
    }
}
