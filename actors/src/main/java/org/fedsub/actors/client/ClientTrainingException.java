package org.fedsub.actors.client;

/**
 * A client's local training (or its handling of an acknowledgement) threw. The only failure a
 * client actor's supervisor restarts; anything else stops the client.
 */
public final class ClientTrainingException extends RuntimeException {

    private final int clientId;
    private final int round;

    public ClientTrainingException(int clientId, int round, Throwable cause) {
        super("client " + clientId + " failed in round " + round + ": " + cause, cause);
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
