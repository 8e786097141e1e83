package org.fedsub.runtime.engine;

import java.util.Objects;
import org.fedsub.runtime.codec.EncodedPayload;

/**
 * A client's update as it travels: who trained, on which round (or model version), on how many
 * examples, with what mean local loss, and the encoded payload.
 */
public record EncodedUpdate(int round, int clientId, long numExamples, double trainLoss, EncodedPayload update) {

    public EncodedUpdate {
        Objects.requireNonNull(update, "update");
    }
}
