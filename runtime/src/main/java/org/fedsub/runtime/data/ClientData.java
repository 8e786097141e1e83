package org.fedsub.runtime.data;

import java.util.Arrays;

/**
 * One client's share of a {@link Dataset}: a list of row indices into it (a view, not a
 * copy), and optionally its own test rows.
 */
public record ClientData(int clientId, Dataset train, int[] trainRows, Dataset test, int[] testRows) {

    public ClientData {
        if (trainRows.length == 0) {
            throw new IllegalArgumentException("client " + clientId + " has no training examples");
        }
    }

    /**
     * A client whose rows live on another node (a cluster's server, or a client node that does
     * not host it): only its example count is known here. Its row indices are -1, so that any
     * attempt to read its rows fails at once instead of training on someone else's data.
     */
    public static ClientData elsewhere(int clientId, Dataset train, int numExamples) {
        int[] rows = new int[numExamples];
        Arrays.fill(rows, -1);
        return new ClientData(clientId, train, rows, null, null);
    }

    /** True for a client made by {@link #elsewhere}: its rows are not in this process. */
    public boolean isElsewhere() {
        return trainRows.length > 0 && trainRows[0] < 0;
    }

    public int numExamples() {
        return trainRows.length;
    }

    /** Label histogram of this client's training rows (classification only). */
    public int[] labelCounts() {
        int[] counts = new int[train.numClasses()];
        for (int r : trainRows) {
            counts[train.labels()[r]]++;
        }
        return counts;
    }

    @Override
    public String toString() {
        return "ClientData[" + clientId + ", " + trainRows.length + " train rows"
                + (testRows == null ? "" : ", " + testRows.length + " test rows") + "]";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ClientData c && c.clientId == clientId && Arrays.equals(c.trainRows, trainRows);
    }

    @Override
    public int hashCode() {
        return clientId * 31 + Arrays.hashCode(trainRows);
    }
}
