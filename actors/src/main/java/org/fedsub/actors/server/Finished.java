package org.fedsub.actors.server;

import java.util.List;
import org.fedsub.actors.protocol.CborSerializable;

/**
 * A run ended, synchronous or not: every round's report, and the error that ended it early, or
 * null. Sent only once every client the run used is idle (see {@link QuiesceQuery}).
 */
public record Finished(List<RoundReport> rounds, String error) implements CborSerializable {

    public Finished {
        rounds = List.copyOf(rounds);
    }
}
