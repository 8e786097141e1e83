package org.fedsub.runtime.engine;

/**
 * What one round did and cost. Losses and accuracy are NaN on rounds that were not evaluated.
 *
 * @param sampled        clients asked to train
 * @param used           clients whose update was aggregated
 * @param failed         sampled clients whose update did not count (lost, late or rejected)
 * @param clientLoss     mean over used clients of their mean local minibatch loss
 * @param trainLoss      global model's loss on the training data after the round
 * @param testLoss       global model's loss on the test data after the round
 * @param testAccuracy   global model's test accuracy after the round
 * @param uplinkBytes    encoded bytes all clients sent this round
 * @param downlinkBytes  encoded bytes all clients received this round
 * @param maxClientUplink the largest single client upload this round
 * @param wallMillis     wall-clock time of the round, evaluation excluded
 * @param virtualSeconds simulated time at the end of the round (0 where no clock is modelled)
 * @param rejected       updates that arrived and were refused, counted by reason ({@link Rejection#label()})
 */
public record RoundMetrics(int round, int sampled, int used, int failed, double clientLoss, double trainLoss,
        double testLoss, double testAccuracy, long uplinkBytes, long downlinkBytes, long maxClientUplink,
        double wallMillis, double virtualSeconds, java.util.SortedMap<String, Integer> rejected) {

    public RoundMetrics {
        rejected = java.util.Collections.unmodifiableSortedMap(new java.util.TreeMap<>(rejected));
    }

    /** A round in which no update was refused. */
    public RoundMetrics(int round, int sampled, int used, int failed, double clientLoss, double trainLoss,
            double testLoss, double testAccuracy, long uplinkBytes, long downlinkBytes, long maxClientUplink,
            double wallMillis, double virtualSeconds) {
        this(round, sampled, used, failed, clientLoss, trainLoss, testLoss, testAccuracy, uplinkBytes, downlinkBytes,
                maxClientUplink, wallMillis, virtualSeconds, new java.util.TreeMap<>());
    }

    /** Updates refused this round, whatever the reason. */
    public int rejectedTotal() {
        return rejected.values().stream().mapToInt(Integer::intValue).sum();
    }

    /** True on an evaluation round (a cluster's server has no train loss, only test scores). */
    public boolean evaluated() {
        return !Double.isNaN(trainLoss) || !Double.isNaN(testLoss);
    }
}
