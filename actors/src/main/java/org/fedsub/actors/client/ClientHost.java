package org.fedsub.actors.client;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import org.apache.pekko.actor.ActorCell;
import org.apache.pekko.actor.Cancellable;
import org.apache.pekko.actor.FunctionRef;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.ExtensibleBehavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.Signal;
import org.apache.pekko.actor.typed.TypedActorContext;
import org.apache.pekko.actor.typed.internal.RestartSupervisor;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.fedsub.actors.ActorSettings;
import org.fedsub.actors.device.ComputePlacement;
import org.fedsub.actors.protocol.FederatedProtocol.Aggregated;
import org.fedsub.actors.protocol.FederatedProtocol.Quiesce;
import org.fedsub.actors.protocol.FederatedProtocol.Quiesced;
import org.fedsub.actors.protocol.FederatedProtocol.ToClient;
import org.fedsub.actors.protocol.FederatedProtocol.ToServer;
import org.fedsub.actors.protocol.FederatedProtocol.TrainRound;
import org.fedsub.actors.protocol.FederatedProtocol.UpdateReady;
import org.fedsub.runtime.codec.MalformedPayloadException;
import org.fedsub.runtime.engine.ClientStep;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.jdk.javaapi.DurationConverters;

/**
 * Many simulated clients of one device hosted by one actor ({@code fedsub.actors.client-hosting
 * = hosted}, a simulation's default): each client is state of the host, not an actor of its own,
 * and has an address of its own, a function reference ({@link #address}) that hands what it is
 * told to the host on the sender's thread, so the server sends to it, watches it and learns of
 * its end exactly as it does a {@link ClientActor}. The host runs on its device's dispatcher and
 * does each client's work in its handler, one message at a time.
 *
 * <p>What a client actor gets from Pekko, a host keeps per client: messages that arrive while
 * the client holds an update back for its modelled delay, or backs off after a failure, wait in
 * a queue of that client (bounded as a client's stash is, past it dropped and counted; a
 * {@link Quiesce} is never dropped); a training that throws is answered as a client actor
 * answers it ({@link ClientActor#answerFailure}), and the client is restarted after a jittered
 * exponential back-off, at most {@code fedsub.actors.client-restarts} times (the count is reset
 * after {@code client-backoff.reset-after} without a failure), and then stops: its address stops,
 * so whoever watches it learns of it, and its device no longer counts it. An error (not an
 * exception) stops the client at once, as it stops a client actor. Nothing a client does stops
 * the host or another client.
 *
 * <p>Why: a client actor costs its cell, mailbox, behaviour and supervisor (1.0-1.7 KB more than a
 * hosted client), and each
 * task to a client not touched for rounds a mailbox run and the cache misses of those objects;
 * the writes into them, scattered over the old generation, also lengthened the young collections
 * (benchmarks/SCALE.md).
 */
public final class ClientHost extends ExtensibleBehavior<ClientHost.Command> {

    private static final Logger log = LoggerFactory.getLogger(ClientHost.class);

    /** What a host handles. */
    public sealed interface Command extends NoSerializationVerificationNeeded {}

    /** Something told to {@code guest}'s address. */
    private record ForClient(Guest guest, Object msg) implements Command {}

    /** {@code guest}'s held-back update is due: send it. */
    private record Release(Guest guest, ActorRef<ToServer> replyTo, UpdateReady update) implements Command {}

    /** {@code guest}'s back-off is over: it is restarted. */
    private record Restart(Guest guest) implements Command {}

    /**
     * One hosted client: its work, how it behaves, and what the host keeps of it. Made by the
     * spawner of the host ({@link #guest}), which gives it its address.
     */
    public static final class Guest {
        private final ClientStep step;
        private final ClientBehaviour behaviour;
        private FunctionRef address;
        private ActorCell owner;
        /** Holding an update back, or backing off: what arrives waits in {@link #queued}. */
        private boolean busy;
        private boolean stopped;
        private ArrayDeque<Object> queued;
        private Cancellable pending;
        private int restarts;
        private long lastFailureNanos;
        private long dropped;

        private Guest(ClientStep step, ClientBehaviour behaviour) {
            this.step = step;
            this.behaviour = behaviour;
        }

        public int clientId() {
            return step.clientId();
        }
    }

    /** A client to be hosted: {@code step}'s work, behaving as {@code behaviour} says. */
    public static Guest guest(ClientStep step, ClientBehaviour behaviour) {
        return new Guest(step, behaviour);
    }

    /**
     * The address of {@code guest}, hosted by {@code host}: a reference named {@code name} under
     * the actor of {@code owner} (the spawner of the host; it stops with that actor), whose every
     * message goes to the host's mailbox as the sender tells it. Made once per guest.
     */
    public static ActorRef<ToClient> address(ActorContext<?> owner, ActorRef<Command> host, Guest guest, String name) {
        if (guest.address != null) {
            throw new IllegalStateException("client " + guest.clientId() + " has an address already");
        }
        ActorCell cell = (ActorCell) Adapter.toClassic(owner);
        guest.owner = cell;
        guest.address = cell.addFunctionRef((sender, msg) -> {
            host.tell(new ForClient(guest, msg));
            return scala.runtime.BoxedUnit.UNIT;
        }, name);
        return Adapter.toTyped(guest.address);
    }

    /**
     * A host of {@code guests}, each given its address ({@link #address}) before it is told
     * anything, placed by {@code placement} (released when each stops), restarted as
     * {@code settings} says.
     */
    public static Behavior<Command> create(List<Guest> guests, ActorSettings settings, ComputePlacement placement) {
        return Behaviors.setup(ctx -> new ClientHost(ctx, List.copyOf(guests), settings, placement));
    }

    private final ActorContext<Command> context;
    private final List<Guest> guests;
    private final ActorSettings settings;
    private final ComputePlacement placement;

    private ClientHost(ActorContext<Command> context, List<Guest> guests, ActorSettings settings,
            ComputePlacement placement) {
        this.context = context;
        this.guests = guests;
        this.settings = settings;
        this.placement = placement;
    }

    @Override
    public Behavior<Command> receive(TypedActorContext<Command> ctx, Command msg) {
        if (msg instanceof ForClient f) {
            deliver(f.guest(), f.msg());
        } else if (msg instanceof Release r) {
            if (free(r.guest())) {
                r.replyTo().tell(r.update());
                drain(r.guest());
            }
        } else if (msg instanceof Restart r) {
            if (free(r.guest())) {
                log.info("client {}: restarted", r.guest().clientId());
                drain(r.guest());
            }
        }
        return this;
    }

    /** What kept {@code g} busy (a held-back update, a back-off) is over; false if it has stopped meanwhile. */
    private static boolean free(Guest g) {
        g.pending = null;
        g.busy = false;
        return !g.stopped;
    }

    @Override
    public Behavior<Command> receiveSignal(TypedActorContext<Command> ctx, Signal signal) {
        if (signal instanceof PostStop) {
            for (Guest g : guests) {
                if (!g.stopped) {
                    stop(g); // a host that stops (or fails) takes its clients with it, as their watchers learn
                }
            }
            return this;
        }
        return Behaviors.unhandled();
    }

    private void deliver(Guest g, Object msg) {
        if (g.stopped) {
            log.debug("client {}: stopped, dropped a {}", g.clientId(), msg.getClass().getSimpleName());
            return;
        }
        if (g.busy) {
            queue(g, msg);
            return;
        }
        try {
            if (msg instanceof TrainRound t) {
                train(g, t);
            } else if (msg instanceof Aggregated a) {
                acknowledge(g, a);
            } else if (msg instanceof Quiesce q) {
                q.replyTo().tell(new Quiesced(g.clientId()));
            } else {
                log.warn("client {}: ignored a message it does not handle: {}", g.clientId(), msg);
            }
        } catch (RuntimeException | Error e) {
            // Not the client's work (that is caught below) but its handling: the client, not the host, fails.
            crash(g, -1, e);
        }
    }

    private void train(Guest g, TrainRound cmd) {
        if (!ClientActor.accepts(g.behaviour, cmd, g.clientId())) {
            return;
        }
        UpdateReady update;
        try {
            update = UpdateReady.of(g.step.train(cmd.round(), cmd.task(), cmd.changes()),
                    g.step.foldsEmptyAcknowledgements());
        } catch (RuntimeException | Error e) {
            switch (ClientActor.answerFailure(cmd, g.clientId(), e)) {
                case ASKED_FOR_MODEL -> { }
                case MALFORMED -> {
                    g.dropped++;
                    log.warn("client {}: dropped the malformed task of round {} ({} messages dropped): {}",
                            g.clientId(), cmd.round(), g.dropped, e.getMessage());
                }
                default -> crash(g, cmd.round(), e);
            }
            return;
        }
        Duration delay = g.behaviour.replyDelay(cmd.round(), cmd.bytes(), update.update().size());
        if (delay.isZero()) {
            cmd.replyTo().tell(update);
            return;
        }
        // Busy until the modelled compute and upload are over.
        g.busy = true;
        g.pending = context.scheduleOnce(delay, context.getSelf(), new Release(g, cmd.replyTo(), update));
    }

    private void acknowledge(Guest g, Aggregated msg) {
        try {
            g.step.acknowledge(msg.round(), msg.ack());
        } catch (MalformedPayloadException e) {
            g.dropped++;
            log.warn("client {}: dropped the malformed acknowledgement of round {} ({} messages dropped): {}",
                    g.clientId(), msg.round(), g.dropped, e.getMessage());
        } catch (RuntimeException | Error e) {
            crash(g, msg.round(), e);
        }
    }

    /** Keeps {@code msg} for when {@code g} is free again; past the capacity drops it (never a Quiesce). */
    private void queue(Guest g, Object msg) {
        if (g.queued == null) {
            g.queued = new ArrayDeque<>();
        }
        if (g.queued.size() >= ClientActor.STASH_CAPACITY && !(msg instanceof Quiesce)) {
            g.dropped++;
            log.warn("client {}: busy with {} messages queued, dropped a {} ({} messages dropped)", g.clientId(),
                    g.queued.size(), msg.getClass().getSimpleName(), g.dropped);
            return;
        }
        g.queued.add(msg);
    }

    /** Works off what waited for {@code g}, until it is busy again or nothing is left. */
    private void drain(Guest g) {
        while (!g.busy && !g.stopped && g.queued != null && !g.queued.isEmpty()) {
            deliver(g, g.queued.poll());
        }
    }

    /**
     * {@code g}'s work threw: restarted after its back-off (what arrives meanwhile waits), or, past
     * its restarts or for an {@link Error}, stopped.
     */
    private void crash(Guest g, int round, Throwable cause) {
        int max = settings.clientRestarts();
        long now = System.nanoTime();
        ActorSettings.Backoff b = settings.backoff();
        if (g.restarts > 0 && now - g.lastFailureNanos >= b.resetAfter().toNanos()) {
            g.restarts = 0;
        }
        g.lastFailureNanos = now;
        if (cause instanceof Error || g.restarts >= max) {
            log.error("client {}: failed in round {} and is given up on after {} restarts: {}", g.clientId(), round,
                    g.restarts, cause.toString(), cause);
            stop(g);
            return;
        }
        // Pekko's own formula, the one a supervised client actor's back-off uses.
        Duration delay = DurationConverters.toJava(RestartSupervisor.calculateDelay(g.restarts,
                DurationConverters.toScala(b.min()), DurationConverters.toScala(b.max()), b.randomFactor()));
        g.restarts++;
        log.warn("client {}: failed in round {} ({}); restart {} of {} in {} ms", g.clientId(), round, cause,
                g.restarts, max, delay.toMillis());
        g.busy = true;
        g.pending = context.scheduleOnce(delay, context.getSelf(), new Restart(g));
    }

    /** Gives {@code g} up: its address stops (its watchers learn of it) and what waited for it is dropped. */
    private void stop(Guest g) {
        int waiting = g.queued == null ? 0 : g.queued.size();
        if (waiting > 0) {
            log.warn("client {}: stopped with {} messages waiting, dropped", g.clientId(), waiting);
        }
        g.stopped = true;
        g.queued = null;
        if (g.pending != null) {
            g.pending.cancel();
            g.pending = null;
        }
        placement.release(g.clientId());
        g.owner.removeFunctionRef(g.address);
    }
}
