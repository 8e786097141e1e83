package org.fedsub.runtime.strategy;

import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.fedsub.runtime.codec.Payload;

/**
 * The outcome of a round's aggregation.
 *
 * @param ack       what the server sends back to every client whose update was used (FedSub: the
 *                  mean subspace update its duals need), or null when the strategy sends nothing
 * @param used      ids of the clients whose updates were aggregated, in the order they were used
 * @param rejected  updates refused (wrong shape, non-finite values, unknown client, too stale), with reasons
 * @param perClient acknowledgements that differ by client (asynchronous aggregation: each client's
 *                  is its version group's; a null value sends that client nothing); a client absent
 *                  here gets {@code ack}
 */
public record Aggregate(Payload ack, List<Integer> used, List<ClientFailure> rejected, Map<Integer, Payload> perClient) {

    public Aggregate {
        used = List.copyOf(used);
        rejected = List.copyOf(rejected);
        perClient = Collections.unmodifiableMap(new HashMap<>(perClient));
    }

    /** One acknowledgement for every used client. */
    public Aggregate(Payload ack, List<Integer> used, List<ClientFailure> rejected) {
        this(ack, used, rejected, Map.of());
    }

    /** The acknowledgement of used client {@code clientId} (null: none is sent). */
    public Payload ackFor(int clientId) {
        return perClient.containsKey(clientId) ? perClient.get(clientId) : ack;
    }
}
