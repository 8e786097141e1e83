package org.fedsub.actors.server;

/**
 * The virtual clock's model of how long a client's answers take to reach the server, in
 * simulated seconds from the moment its task is sent. A simulation derives it from the
 * modelled client speeds and links; a round on the virtual clock orders and cuts answers by it
 * instead of by their wall-clock arrival, so that its outcome does not depend on scheduling.
 */
public interface Timing {

    /** Seconds until the update of {@code clientId} arrives: task download, local training, upload. */
    double updateSeconds(int clientId, long taskBytes, long updateBytes);

    /** Seconds until the server learns that {@code clientId} declines or failed. */
    double declineSeconds(int clientId, long taskBytes);

    /**
     * A lower bound of the seconds until any answer of {@code clientId} to a task of
     * {@code round} can arrive. An asynchronous run on the virtual clock processes an answer
     * only once no client still working could answer earlier; a tighter bound (a simulation
     * knows which clients will train) lets more clients train at once in wall-clock time,
     * without changing any result.
     */
    default double earliestAnswerSeconds(int clientId, int round) {
        return Math.min(declineSeconds(clientId, 0), updateSeconds(clientId, 0, 0));
    }

    /** Everything arrives at once: the virtual clock of ideal clients. */
    Timing INSTANT = new Timing() {
        @Override
        public double updateSeconds(int clientId, long taskBytes, long updateBytes) {
            return 0;
        }

        @Override
        public double declineSeconds(int clientId, long taskBytes) {
            return 0;
        }
    };
}
