package org.fedsub.runtime.strategy;

import java.util.SplittableRandom;
import org.fedsub.runtime.compute.HostArrays;
import org.fedsub.runtime.data.Batch;
import org.fedsub.runtime.data.ClientData;

/**
 * An endless stream of minibatches over one client's rows: shuffled epochs drawn from a seed,
 * so a client's batches in a round depend only on (experiment seed, round, client).
 */
final class Minibatches {

    private final ClientData data;
    private final int batchSize;
    private final SplittableRandom rnd;
    private final int[] order;
    private final int[] rows;
    private Batch batch;
    private int pos;

    Minibatches(ClientData data, int batchSize, long seed) {
        this.data = data;
        this.batchSize = batchSize == 0 ? data.numExamples() : Math.min(batchSize, data.numExamples());
        this.rnd = new SplittableRandom(seed);
        this.order = data.trainRows().clone();
        this.pos = order.length;
        this.rows = new int[this.batchSize];
    }

    /** The next batch; its arrays are reused by the call after, so use it before asking again. */
    Batch next() {
        if (batchSize == order.length) {
            // Full batch: no shuffling, so the gradient is the exact full-data gradient.
            batch = data.train().gather(order, batch);
            return batch;
        }
        if (pos + batchSize > order.length) {
            for (int i = order.length - 1; i > 0; i--) {
                int j = rnd.nextInt(i + 1);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
            pos = 0;
        }
        System.arraycopy(order, pos, rows, 0, batchSize);
        pos += batchSize;
        batch = data.train().gather(rows, batch);
        return batch;
    }

    /**
     * Hands the batch's arrays to {@link HostArrays#recycle} (the next client's batch on this
     * thread takes their memory): the stream is done, and its last batch must not be used again.
     */
    void release() {
        if (batch != null) {
            HostArrays.recycle(batch.features());
            HostArrays.recycle(batch.targets());
            batch = null;
        }
    }
}
