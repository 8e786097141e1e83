package org.fedsub.actors.sim;

import java.time.Duration;
import java.util.SplittableRandom;
import org.fedsub.actors.ActorSettings;
import org.fedsub.actors.client.ClientBehaviour;
import org.fedsub.actors.server.Timing;
import org.fedsub.runtime.Seeds;

/**
 * The simulated clients of a run, drawn from the experiment seed ({@code fedsub.actors.clients}):
 * each client's slowdown (log-normal with median 1, times {@code slow-factor} for the
 * stragglers), and per round whether it is available and whether it drops out. Every draw is a
 * pure function of (seed, client, round), so the same seed gives the same faults whatever the
 * thread scheduling, and a restarted client behaves as before.
 *
 * <p>Modelled time of a client's round: latency + task / downlink bandwidth + local steps x
 * step-seconds x slowdown + latency + update / uplink bandwidth. The virtual clock reads it as
 * {@link Timing}; on the real clock each client holds its answer back that long.
 */
public final class ClientProfiles implements Timing {

    private final ActorSettings.Clients model;
    private final long seed;
    private final int localSteps;
    private final boolean virtualClock;
    private final double[] slowdown;
    private final boolean[] straggler;

    public ClientProfiles(ActorSettings.Clients model, long seed, int numClients, int localSteps, boolean virtualClock) {
        this.model = model;
        this.seed = seed;
        this.localSteps = localSteps;
        this.virtualClock = virtualClock;
        this.slowdown = new double[numClients];
        this.straggler = new boolean[numClients];
        for (int id = 0; id < numClients; id++) {
            SplittableRandom rnd = new SplittableRandom(Seeds.derive(seed, Seeds.tag("speed"), id));
            straggler[id] = rnd.nextDouble() < model.slowFraction();
            slowdown[id] = Math.exp(model.speedSigma() * gaussian(rnd)) * (straggler[id] ? model.slowFactor() : 1.0);
        }
    }

    /** The factor by which {@code clientId} computes slower than a speed-1 client. */
    public double slowdown(int clientId) {
        return slowdown[clientId];
    }

    public boolean isStraggler(int clientId) {
        return straggler[clientId];
    }

    /** Whether {@code clientId} is available when asked in {@code round}. */
    public boolean available(int round, int clientId) {
        // A draw is in [0, 1): with availability 1 (the default) every client is there, undrawn.
        return model.availability() >= 1 || uniform("availability", round, clientId) < model.availability();
    }

    /** Whether {@code clientId} drops out of {@code round} (if it was available). */
    public boolean dropsOut(int round, int clientId) {
        // With dropout 0 (the default) no client drops out, undrawn.
        return model.dropout() > 0 && uniform("dropout", round, clientId) < model.dropout();
    }

    /** Modelled local training time of one round. */
    public double computeSeconds(int clientId) {
        return localSteps * model.stepSeconds() * slowdown[clientId];
    }

    @Override
    public double updateSeconds(int clientId, long taskBytes, long updateBytes) {
        double latency = model.latency().toNanos() / 1e9;
        return latency + transfer(taskBytes, model.downlinkBytesPerSec()) + computeSeconds(clientId) + latency
                + transfer(updateBytes, model.uplinkBytesPerSec());
    }

    @Override
    public double declineSeconds(int clientId, long taskBytes) {
        return 2 * model.latency().toNanos() / 1e9;
    }

    @Override
    public double earliestAnswerSeconds(int clientId, int round) {
        return available(round, clientId) ? updateSeconds(clientId, 0, 0) : declineSeconds(clientId, 0);
    }

    /** The behaviour of {@code clientId}'s actor. */
    public ClientBehaviour behaviour(int clientId) {
        return new ClientBehaviour() {
            @Override
            public Fate fate(int round) {
                if (!available(round, clientId)) {
                    return Fate.DECLINE;
                }
                return dropsOut(round, clientId) ? Fate.DROP_OUT : Fate.TRAIN;
            }

            @Override
            public Duration replyDelay(int round, long taskBytes, long updateBytes) {
                return virtualClock ? Duration.ZERO
                        : Duration.ofNanos(Math.round(updateSeconds(clientId, taskBytes, updateBytes) * 1e9));
            }

            @Override
            public boolean announcesDropouts() {
                return virtualClock;
            }
        };
    }

    private static double transfer(long bytes, double bytesPerSecond) {
        return bytesPerSecond > 0 ? bytes / bytesPerSecond : 0;
    }

    private double uniform(String what, int round, int clientId) {
        return (Seeds.derive(seed, Seeds.tag(what), round, clientId) >>> 11) * 0x1.0p-53;
    }

    private static double gaussian(SplittableRandom rnd) {
        double u = 1.0 - rnd.nextDouble(); // (0, 1]
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rnd.nextDouble());
    }
}
