package org.fedsub.actors.transport;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.fedsub.runtime.config.ConfigError;

/**
 * Messages of any size between nodes: {@link #outbound} gives a local stand-in for an actor on
 * another node that delivers every message to it in order, cut into chunks below Artery's
 * large-frame limit and reassembled there (see {@link Outbound} and {@link Inbound}). Loaded
 * at start-up on every actor system with a remote or cluster provider (listed in
 * {@code pekko.actor.typed.library-extensions} by this module's reference.conf), so each node
 * has its inbound actor at {@value #INBOUND_PATH}, which must be among Artery's
 * {@code large-message-destinations} ({@link ClusterTransport#pekkoConfig} puts it there).
 */
public final class ChunkedTransport implements Extension {

    static final String INBOUND_NAME = "fedsub-inbound";

    /** Where each node's inbound actor lives. */
    public static final String INBOUND_PATH = "/system/" + INBOUND_NAME;

    /** The extension's id. */
    public static final class Id extends ExtensionId<ChunkedTransport> {

        /**
         * The one instance. Named as Scala names an object's instance, because Pekko loads
         * extensions listed in config through this field, and extension ids are compared by
         * identity: a second instance would start a second extension.
         */
        public static final Id MODULE$ = new Id();

        private Id() {}

        @Override
        public ChunkedTransport createExtension(ActorSystem<?> system) {
            return new ChunkedTransport(system);
        }
    }

    private final TransportSettings settings;
    private final boolean remote;

    private ChunkedTransport(ActorSystem<?> system) {
        this.settings = TransportSettings.fromConfig(system.settings().config());
        String provider = system.settings().config().getString("pekko.actor.provider");
        this.remote = !provider.equals("local") && !provider.endsWith("LocalActorRefProvider");
        if (remote) {
            String key = "pekko.remote.artery.advanced.maximum-large-frame-size";
            long frame = system.settings().config().getBytes(key);
            if (settings.chunkSize() + TransportSettings.HEADER_BYTES > frame) {
                throw new ConfigError(TransportSettings.PATH + ".chunk-size", settings.chunkSize(), "a chunk and its "
                        + "header (" + TransportSettings.HEADER_BYTES + " bytes) must fit " + key + " (" + frame
                        + " bytes): lower the chunk size or raise the frame size");
            }
            system.systemActorOf(Inbound.create(settings), INBOUND_NAME, Props.empty());
        }
    }

    /** The extension of {@code system}. */
    public static ChunkedTransport get(ActorSystem<?> system) {
        return Id.MODULE$.apply(system);
    }

    /** This node's settings of the transport. */
    public TransportSettings settings() {
        return settings;
    }

    /**
     * A stand-in for {@code target}, a child of {@code ctx}'s actor, that delivers every message
     * sent to it to {@code target} in order, however big, and stops when {@code target} stops
     * (watch it to see that). For a target on this node, the target itself.
     */
    public <T> ActorRef<T> outbound(ActorContext<?> ctx, ActorRef<T> target) {
        if (!remote || target.path().address().hasLocalScope()) {
            return target;
        }
        ActorRef<Object> o = ctx.spawnAnonymous(Outbound.create(target, settings));
        return o.narrow();
    }
}
