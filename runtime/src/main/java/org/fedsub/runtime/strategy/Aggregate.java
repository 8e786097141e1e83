package org.fedsub.runtime.strategy;

import java.util.List;
import org.fedsub.runtime.codec.Payload;

/**
 * The outcome of a round's aggregation.
 *
 * @param ack      what the server sends back to every client whose update was used (FedSub: the
 *                 mean subspace update its duals need), or null when the strategy sends nothing
 * @param used     ids of the clients whose updates were aggregated
 * @param rejected updates refused (wrong shape, non-finite values, unknown client), with reasons
 */
public record Aggregate(Payload ack, List<Integer> used, List<ClientFailure> rejected) {

    public Aggregate {
        used = List.copyOf(used);
        rejected = List.copyOf(rejected);
    }
}
