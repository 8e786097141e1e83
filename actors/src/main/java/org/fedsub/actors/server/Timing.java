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
