package org.fedsub.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SortedMap;
import org.fedsub.runtime.codec.EncodedPayload;
import org.fedsub.runtime.strategy.Strategy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A client node's saved client state: written after each acknowledgement, and a client restored
 * from it (a restarted node) trains bit for bit as the one that never stopped.
 */
class ClientStatePersistenceTest {

    @TempDir
    Path dir;

    @Test
    void restoredClient_trainsAsTheOneThatNeverStopped() throws Exception {
        Experiment exp = Tiny.experiment("fedsub");
        Strategy strategy = Tiny.strategy(exp);
        ServerStep server = new ServerStep(exp, strategy);
        Path file = dir.resolve("client-0.state");
        ClientStep running = ClientStep.of(exp, strategy.newClient(0), 0, null);
        assertFalse(running.persistTo(file, "run a, client 0"), "nothing saved yet");

        ClientStep peer = ClientStep.of(exp, strategy.newClient(1), 1, null); // duals move only with a peer
        for (int round = 0; round < 2; round++) {
            SortedMap<Integer, EncodedPayload> tasks = server.tasks(round, new int[] {0, 1});
            List<EncodedUpdate> updates = List.of(running.train(round, tasks.get(0)), peer.train(round, tasks.get(1)));
            ServerStep.Outcome o = server.aggregate(round, updates, List.of());
            running.acknowledge(round, o.ackFor(0));
            peer.acknowledge(round, o.ackFor(1));
        }
        assertTrue(Files.size(file) > 100, "the duals are saved after the acknowledgement");

        ClientStep restarted = ClientStep.of(exp, strategy.newClient(0), 0, null);
        assertTrue(restarted.persistTo(file, "run a, client 0"));
        EncodedPayload task = server.tasks(2, new int[] {0}).get(0);
        byte[] expected = running.train(2, task).update().bytes();
        assertArrayEquals(expected, restarted.train(2, task).update().bytes());
        byte[] afresh = ClientStep.of(exp, strategy.newClient(0), 0, null).train(2, task).update().bytes();
        assertFalse(java.util.Arrays.equals(expected, afresh), "the saved duals make a difference");

        ClientStep other = ClientStep.of(exp, strategy.newClient(0), 0, null);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> other.persistTo(file, "run b, client 0"));
        assertTrue(e.getMessage().contains("the state of run a, client 0, not of run b, client 0"), e.getMessage());
        Files.write(file, new byte[] {1, 2, 3});
        assertThrows(IllegalArgumentException.class, () -> other.persistTo(file, "run a, client 0"));
    }

    /** What a resumed server does: the last round's acknowledgement again, then that round's task again. */
    @Test
    void replayableClient_ignoresAnAcknowledgementItFolded_andRetrainsAResentRoundFromTheSameState() throws Exception {
        Experiment exp = Tiny.experiment("fedsub");
        Strategy strategy = Tiny.strategy(exp);
        ServerStep server = new ServerStep(exp, strategy);
        Path file = dir.resolve("client-0.state");
        ClientStep client = ClientStep.of(exp, strategy.newClient(0), 0, null);
        client.replayable();
        client.persistTo(file, "run a, client 0");
        ClientStep peer = ClientStep.of(exp, strategy.newClient(1), 1, null);
        EncodedPayload ack0 = null;
        for (int round = 0; round < 2; round++) {
            SortedMap<Integer, EncodedPayload> tasks = server.tasks(round, new int[] {0, 1});
            List<EncodedUpdate> updates = List.of(client.train(round, tasks.get(0)), peer.train(round, tasks.get(1)));
            ServerStep.Outcome o = server.aggregate(round, updates, List.of());
            client.acknowledge(round, o.ackFor(0));
            peer.acknowledge(round, o.ackFor(1));
            ack0 = o.ackFor(0);
        }
        assertEquals(1, client.lastFolded());
        byte[] saved = Files.readAllBytes(file);
        client.acknowledge(1, ack0); // sent again by a resumed server
        assertArrayEquals(saved, Files.readAllBytes(file), "an acknowledgement folded already changes nothing");

        EncodedPayload task = server.tasks(2, new int[] {0}).get(0);
        byte[] first = client.train(2, task).update().bytes();
        byte[] again = client.train(2, task).update().bytes(); // the resumed server's round 2
        assertArrayEquals(first, again, "the round trained again from the state it started from");

        ClientStep restarted = ClientStep.of(exp, strategy.newClient(0), 0, null);
        restarted.persistTo(file, "run a, client 0");
        assertEquals(1, restarted.lastFolded(), "the last folded round is saved with the state");
        assertArrayEquals(first, restarted.train(2, task).update().bytes());
    }
}
