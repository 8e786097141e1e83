package org.fedsub.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.fedsub.runtime.codec.EncodedPayload;
import org.fedsub.runtime.codec.Payload;
import org.fedsub.runtime.data.ClientData;
import org.fedsub.runtime.state.ClientStateStore;
import org.fedsub.runtime.state.StateSettings;
import org.fedsub.runtime.strategy.ClientAlgorithm;
import org.fedsub.runtime.strategy.ClientUpdate;
import org.fedsub.runtime.strategy.Strategy;
import org.junit.jupiter.api.Test;

/**
 * An empty acknowledgement (FedAvg's) wakes a dormant client's algorithm only if the algorithm
 * folds acknowledgements ({@link ClientAlgorithm#onAggregated} overridden): one that does is
 * called with it as before; one that does not keeps its stored state untouched, and the
 * acknowledgement still counts as folded.
 */
class ClientStepAcknowledgeTest {

    /** {@code real} with the times it is woken counted (each is put back to sleep once). */
    private static class Counted implements ClientAlgorithm {
        final ClientAlgorithm real;
        final int[] wakes;

        Counted(ClientAlgorithm real, int[] wakes) {
            this.real = real;
            this.wakes = wakes;
        }

        @Override
        public ClientUpdate train(int round, Payload task, ClientData data) {
            return real.train(round, task, data);
        }

        @Override
        public byte[] suspend() {
            wakes[0]++;
            return real.suspend();
        }
    }

    /** As {@link Counted}, folding each acknowledgement's round into {@code folded}. */
    private static final class CountedFolding extends Counted {
        final List<Integer> folded;

        CountedFolding(ClientAlgorithm real, int[] wakes, List<Integer> folded) {
            super(real, wakes);
            this.folded = folded;
        }

        @Override
        public void onAggregated(int round, Payload ack) {
            folded.add(round);
        }
    }

    private static ClientStep fedAvgClient(ClientAlgorithm wrapped, ClientStateStore store, Experiment exp) {
        return ClientStep.of(exp, wrapped, 0, store);
    }

    @Test
    void anAlgorithmThatFoldsNothing_isNotWokenForAnEmptyAcknowledgement() {
        Experiment exp = Tiny.experiment("fedavg");
        Strategy s = Tiny.strategy(exp);
        int[] wakes = {0};
        try (ClientStateStore store = ClientStateStore.open(StateSettings.unbounded())) {
            ClientStep step = fedAvgClient(new Counted(s.newClient(0), wakes), store, exp);
            EncodedPayload task = new ServerStep(exp, s).tasks(0, new int[] {0}).get(0);
            step.train(0, task);
            assertEquals(1, wakes[0], "woken to train");

            step.acknowledge(0, null);

            assertEquals(1, wakes[0], "not woken for an acknowledgement with nothing in it");
            assertEquals(0, step.lastFolded(), "the acknowledgement is folded all the same");
            step.acknowledge(0, null);
            assertEquals(0, step.lastFolded());
        }
    }

    @Test
    void anAlgorithmThatFoldsAcknowledgements_isWokenAndCalledWithAnEmptyOne() {
        Experiment exp = Tiny.experiment("fedavg");
        Strategy s = Tiny.strategy(exp);
        int[] wakes = {0};
        List<Integer> folded = new ArrayList<>();
        try (ClientStateStore store = ClientStateStore.open(StateSettings.unbounded())) {
            ClientStep step = fedAvgClient(new CountedFolding(s.newClient(0), wakes, folded), store, exp);
            EncodedPayload task = new ServerStep(exp, s).tasks(0, new int[] {0}).get(0);
            step.train(0, task);

            step.acknowledge(0, null);

            assertEquals(2, wakes[0], "woken to train, then to fold");
            assertEquals(List.of(0), folded);
            assertEquals(0, step.lastFolded());
        }
    }

    @Test
    void foldsEmptyAcknowledgements_onlyWhenOneCanChangeTheClient() throws Exception {
        Experiment exp = Tiny.experiment("fedavg");
        Strategy s = Tiny.strategy(exp);
        int[] wakes = {0};

        assertFalse(fedAvgClient(new Counted(s.newClient(0), wakes), null, exp).foldsEmptyAcknowledgements(),
                "FedAvg's client keeps the interface's onAggregated");
        assertTrue(fedAvgClient(new CountedFolding(s.newClient(0), wakes, new ArrayList<>()), null, exp)
                .foldsEmptyAcknowledgements(), "an algorithm that overrides onAggregated");
        ClientStep replaying = fedAvgClient(new Counted(s.newClient(0), wakes), null, exp);
        replaying.replayable();
        assertTrue(replaying.foldsEmptyAcknowledgements(), "a replayable client drops its saved state at each");
        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("fedsub-ack");
        try {
            ClientStep persisted = fedAvgClient(new Counted(s.newClient(0), wakes), null, exp);
            persisted.persistTo(dir.resolve("client-0.state"), "test");
            assertTrue(persisted.foldsEmptyAcknowledgements(), "a client that saves its state at each");
        } finally {
            try (var files = java.nio.file.Files.list(dir)) {
                for (java.nio.file.Path f : files.toList()) {
                    java.nio.file.Files.delete(f);
                }
            }
            java.nio.file.Files.delete(dir);
        }
    }
}
