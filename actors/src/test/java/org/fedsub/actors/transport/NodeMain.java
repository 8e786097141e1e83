package org.fedsub.actors.transport;

import java.nio.file.Path;
import org.apache.pekko.actor.AddressFromURIString;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.fedsub.actors.protocol.FederatedProtocol.ToClient;
import org.fedsub.actors.protocol.FederatedProtocol.TrainRound;
import org.fedsub.actors.protocol.FederatedProtocol.UpdateReady;

/**
 * A cluster node in its own JVM, for {@link MultiJvmTlsTest}: joins the seed node given, over
 * TLS from a make-certs.sh node folder, runs as its guardian ({@code /user}) a client that answers every
 * task with an update carrying the task's payload, prints {@code ADDRESS <address>}, and
 * exits when its standard input closes (its parent stopped or killed it).
 *
 * <p>Arguments: the node folder, the seed node's address.
 */
public final class NodeMain {

    private NodeMain() {}

    public static void main(String[] args) throws Exception {
        ActorSystem<ToClient> system = ActorSystem.create(Behaviors.receive(ToClient.class)
                .onMessage(TrainRound.class, t -> {
                    t.replyTo().tell(new UpdateReady(t.round(), t.clientId(), 1, 0.5, t.task()));
                    return Behaviors.same();
                }).build(), "fedsub", Nodes.config(Path.of(args[0])));
        Cluster.get(system).manager().tell(Join.create(AddressFromURIString.parse(args[1])));
        System.out.println("ADDRESS " + Nodes.address(system));
        System.out.flush();
        while (System.in.read() >= 0) {
            // wait for the parent to go away
        }
        system.terminate();
        System.exit(0);
    }
}
