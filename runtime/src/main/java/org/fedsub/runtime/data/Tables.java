package org.fedsub.runtime.data;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Loads a data set from {@link TableFile}s: one or more training files (one a client, for
 * per-client folders) read into one table, and a test file. Every file is checked before
 * anything is allocated: the feature counts from the first rows, then every value, then the
 * total size against the heap.
 */
final class Tables {

    /**
     * @param test null when only training files were given
     * @param starts the first row of each training file in {@code train}, and its size last
     */
    record Loaded(Dataset train, Dataset test, int[] starts) {}

    private Tables() {}

    /**
     * @param classes the number of classes, or 0 for the largest label of all files + 1
     */
    static Loaded load(String name, List<TableFile> trainFiles, TableFile testFile, int classes, DataType dtype)
            throws IOException {
        List<TableFile> all = new ArrayList<>(trainFiles);
        if (testFile != null) {
            all.add(testFile);
        }
        TableFile first = all.get(0);
        int features = first.features();
        for (TableFile f : all.subList(1, all.size())) {
            int d = f.features();
            if (d != features) {
                throw new DataFileException(f.file(), d + " features a row but " + first.file() + " has " + features
                        + "; every file of a data set needs the same feature columns");
            }
        }
        List<TableFile.Shape> shapes = new ArrayList<>(all.size());
        long trainRows = 0;
        int maxLabel = -1;
        TableFile maxLabelFile = first;
        String maxLabelAt = "";
        for (TableFile f : all) {
            TableFile.Shape s = f.check(dtype);
            shapes.add(s);
            if (f != testFile) {
                trainRows += s.rows();
            }
            if (s.maxLabel() > maxLabel) {
                maxLabel = s.maxLabel();
                maxLabelFile = f;
                maxLabelAt = s.maxLabelAt();
            }
        }
        int numClasses = classes > 0 ? classes : maxLabel + 1;
        if (numClasses < 2) {
            throw new DataFileException(first.file(), "every label is " + maxLabel + (all.size() > 1 ? " in every file"
                    : "") + ": a classifier needs at least 2 classes (set classes when a class is missing from the files)");
        }
        int testRows = testFile == null ? 0 : shapes.get(shapes.size() - 1).rows();
        long rows = trainRows + testRows;
        int bytes = HeapBudget.bytesPerValue(dtype);
        // The features and labels, and the one-hot targets (built in doubles, then copied to dtype).
        long need = rows * features * bytes + rows * 4 + rows * numClasses * (8L + bytes);
        String what = (testFile == null ? trainRows + " rows" : trainRows + " training and " + testRows + " test rows")
                + " of " + features + " features and " + numClasses + " classes"
                // When the classes outweigh the features, a stray large label is the likely cause: say where it is.
                + (classes > 0 || numClasses <= features ? "" : " (the largest label, " + maxLabel + ", is at "
                        + maxLabelAt + ")");
        HeapBudget.check(maxLabelFile.file(), what, Math.max(trainRows * Math.max(features, numClasses),
                testRows * (long) Math.max(features, numClasses)), need);

        Dataset train;
        Dataset test = null;
        int[] starts = new int[trainFiles.size() + 1];
        try {
            Features x = new Features((int) trainRows, features, dtype);
            int[] y = new int[(int) trainRows];
            for (int i = 0; i < trainFiles.size(); i++) {
                trainFiles.get(i).read(shapes.get(i), x, y, starts[i]);
                starts[i + 1] = starts[i] + shapes.get(i).rows();
            }
            train = new Dataset(name + "/train", x.matrix(), Tensors.oneHot(y, numClasses, dtype), y, numClasses);
            if (testFile != null) {
                Features tx = new Features(testRows, features, dtype);
                int[] ty = new int[testRows];
                testFile.read(shapes.get(shapes.size() - 1), tx, ty, 0);
                test = new Dataset(name + "/test", tx.matrix(), Tensors.oneHot(ty, numClasses, dtype), ty, numClasses);
            }
        } catch (OutOfMemoryError e) {
            // The estimate passed but the heap (or ND4J's off-heap memory) had no room after all.
            throw HeapBudget.tooLarge(maxLabelFile.file(), what, need);
        }
        return new Loaded(train, test, starts);
    }
}
