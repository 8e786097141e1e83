package org.fedsub.actors.cluster;

import java.util.List;
import org.apache.pekko.actor.typed.ActorRef;
import org.fedsub.actors.protocol.CborSerializable;
import org.fedsub.actors.protocol.FederatedProtocol.ToClient;

/**
 * How a client node offers its clients to the server: an explicit claim (the node's name, its
 * credential, each client id with the actor that answers for it) that the server checks against
 * {@code fedsub.cluster.nodes} before any of those actors is sampled, and the server's answer.
 * Both are CBOR; a claim the server cannot use is refused and counted, never an exception.
 */
public final class Registration {

    private Registration() {}

    /** One client a node hosts: its id and the actor that trains for it. */
    public record Hosted(int clientId, ActorRef<ToClient> client) implements CborSerializable {}

    /** A client node's claim: it may host {@code clients}. The server answers {@code replyTo}. */
    public record Register(String node, String credential, List<Hosted> clients, ActorRef<Result> replyTo)
            implements CborSerializable {

        @Override
        public String toString() {
            // Never log a credential.
            return "Register[node=" + node + ", clients=" + (clients == null ? "null" : clients.size()) + "]";
        }
    }

    /**
     * The server's answer: {@code accepted} and the ids now registered, or the reason the claim
     * was refused (nothing of it registered).
     */
    public record Result(boolean accepted, List<Integer> clients, String reason) implements CborSerializable {}
}
