package org.fedsub.runtime.engine;

/**
 * A client was sent a task without the model on a delta downlink ({@code fedsub.downlink.mode
 * = delta}: the task's fields, field {@code since}, and the logged changes since that model
 * version) that it cannot rebuild the model from: it holds no model (a new or restarted client),
 * another version than {@code since}, or a change does not decode or apply. It trains nothing;
 * the server is to send it the task with the full model instead.
 */
public final class NeedsFullModelException extends RuntimeException {

    private final int clientId;
    private final int round;

    public NeedsFullModelException(int clientId, int round, String reason, Throwable cause) {
        super("client " + clientId + " cannot rebuild the model of round " + round + " from the task's changes: "
                + reason, cause);
        this.clientId = clientId;
        this.round = round;
    }

    public int clientId() {
        return clientId;
    }

    public int round() {
        return round;
    }
}
