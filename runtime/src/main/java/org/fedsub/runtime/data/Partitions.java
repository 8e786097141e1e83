package org.fedsub.runtime.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Checks and small helpers shared by the partitioners. */
final class Partitions {

    private Partitions() {}

    static void checkArguments(String what, int[] labels, int numClasses, int clients) {
        if (clients < 1) {
            throw new IllegalArgumentException(what + " partition: clients must be >= 1, got " + clients);
        }
        if (labels.length < clients) {
            throw new IllegalArgumentException(what + " partition: " + labels.length + " rows cannot give "
                    + clients + " clients a row each; use at most " + labels.length + " clients");
        }
        if (numClasses < 1) {
            throw new IllegalArgumentException(what + " partition: numClasses must be >= 1, got " + numClasses);
        }
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= numClasses) {
                throw new IllegalArgumentException(what + " partition: row " + i + " has label " + labels[i]
                        + ", expected one in [0, " + numClasses + ")");
            }
        }
    }

    /** Row indices of each class, ascending. */
    static int[][] rowsByClass(int[] labels, int numClasses) {
        int[] counts = new int[numClasses];
        for (int l : labels) {
            counts[l]++;
        }
        int[][] rows = new int[numClasses][];
        for (int c = 0; c < numClasses; c++) {
            rows[c] = new int[counts[c]];
        }
        int[] fill = new int[numClasses];
        for (int i = 0; i < labels.length; i++) {
            rows[labels[i]][fill[labels[i]]++] = i;
        }
        return rows;
    }

    /** Sorted copies of growable per-client row lists, failing if any client is empty. */
    static List<int[]> finish(String what, List<IntList> parts) {
        List<int[]> out = new ArrayList<>(parts.size());
        for (int c = 0; c < parts.size(); c++) {
            int[] rows = parts.get(c).toArray();
            if (rows.length == 0) {
                throw new IllegalArgumentException(what + " partition left client " + c + " without rows");
            }
            Arrays.sort(rows);
            out.add(rows);
        }
        return List.copyOf(out);
    }

    static List<IntList> lists(int n) {
        List<IntList> l = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            l.add(new IntList());
        }
        return l;
    }

    /** A growable int array. */
    static final class IntList {
        private int[] a = new int[16];
        private int size;

        void add(int v) {
            if (size == a.length) {
                a = Arrays.copyOf(a, 2 * size);
            }
            a[size++] = v;
        }

        void addAll(int[] src, int from, int to) {
            for (int i = from; i < to; i++) {
                add(src[i]);
            }
        }

        int size() {
            return size;
        }

        int removeLast() {
            return a[--size];
        }

        int[] toArray() {
            return Arrays.copyOf(a, size);
        }
    }
}
