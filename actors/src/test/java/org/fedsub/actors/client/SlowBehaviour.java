package org.fedsub.actors.client;

import java.time.Duration;

/** A client that always trains and holds each update back for a fixed modelled delay (a straggler). */
final class SlowBehaviour {

    private SlowBehaviour() {}

    static ClientBehaviour holdingEachUpdateFor(Duration delay) {
        return new ClientBehaviour() {
            @Override
            public Fate fate(int round) {
                return Fate.TRAIN;
            }

            @Override
            public Duration replyDelay(int round, long taskBytes, long updateBytes) {
                return delay;
            }

            @Override
            public boolean announcesDropouts() {
                return false;
            }
        };
    }
}
