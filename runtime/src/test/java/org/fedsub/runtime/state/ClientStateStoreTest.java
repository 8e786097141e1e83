package org.fedsub.runtime.state;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.fedsub.runtime.config.ConfigError;
import org.fedsub.runtime.strategy.ClientAlgorithm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClientStateStoreTest {

    @TempDir
    Path tmp;

    private static byte[][] states(int count, int size, long seed) {
        Random rnd = new Random(seed);
        byte[][] s = new byte[count][];
        for (int i = 0; i < count; i++) {
            s[i] = new byte[size + i]; // lengths differ, so a mix-up shows
            rnd.nextBytes(s[i]);
        }
        return s;
    }

    private static void put(ClientStateStore store, int id, byte[] state) {
        store.checkOut(id);
        store.checkIn(id, state);
    }

    @Test
    void store_pastItsBudget_spillsLeastRecent_andReadsEveryStateBackIdentically() {
        byte[][] states = states(10, 1000, 1);
        try (ClientStateStore store = ClientStateStore.open(StateSettings.unbounded().withMemoryBudget(3500)
                .withSpillDir(tmp))) {
            for (int id = 0; id < states.length; id++) {
                put(store, id, states[id].clone());
            }

            ClientStateStore.Stats s = store.stats();
            assertEquals(3, s.inMemory());
            assertTrue(s.memoryBytes() <= 3500);
            assertEquals(7, s.spilled());
            assertEquals(10, s.dormant());
            assertTrue(Files.exists(store.spillFile(0)), "the oldest state is on disk");
            assertFalse(Files.exists(store.spillFile(9)), "the newest state is in memory");
            for (int id = 0; id < states.length; id++) {
                byte[] back = store.checkOut(id);
                assertArrayEquals(states[id], back, "client " + id);
                store.checkIn(id, back);
            }
            assertEquals(10, store.stats().dormant());
            assertEquals(1, store.stats().peakLive());
            assertTrue(store.stats().spillReads() >= 7);
        }
    }

    @Test
    void clientWithoutState_checksOutNoState_andCostsNothing() {
        try (ClientStateStore store = ClientStateStore.open(StateSettings.unbounded())) {
            assertSame(ClientAlgorithm.NO_STATE, store.checkOut(4));
            store.checkIn(4, ClientAlgorithm.NO_STATE);
            assertEquals(0, store.stats().dormant());
            assertNull(store.spillDirectory(), "nothing spilled, no directory made");
        }
    }

    @Test
    void corruptSpillFile_givesAnErrorNamingTheFile_andKeepsIt() throws Exception {
        try (ClientStateStore store = ClientStateStore.open(StateSettings.unbounded().withMemoryBudget(0)
                .withSpillDir(tmp))) {
            put(store, 3, states(1, 500, 2)[0]);
            Path file = store.spillFile(3);
            byte[] bytes = Files.readAllBytes(file);
            bytes[100] ^= 0x10;
            Files.write(file, bytes);

            StateStoreException e = assertThrows(StateStoreException.class, () -> store.checkOut(3));

            assertEquals(file, e.file());
            assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
            assertTrue(e.getMessage().contains("client 3") && e.getMessage().contains("corrupt"), e.getMessage());
            assertTrue(Files.exists(file), "the evidence is kept");
            assertEquals(0, store.stats().live(), "the state stays dormant");
        }
    }

    @Test
    void truncatedOrMissingSpillFile_givesAnErrorNamingTheFile() throws Exception {
        try (ClientStateStore store = ClientStateStore.open(StateSettings.unbounded().withMemoryBudget(0)
                .withSpillDir(tmp))) {
            byte[][] states = states(2, 300, 3);
            put(store, 0, states[0]);
            put(store, 1, states[1]);
            Path truncated = store.spillFile(0);
            Files.write(truncated, java.util.Arrays.copyOf(Files.readAllBytes(truncated), 40));
            Files.delete(store.spillFile(1));

            StateStoreException t = assertThrows(StateStoreException.class, () -> store.checkOut(0));
            StateStoreException m = assertThrows(StateStoreException.class, () -> store.checkOut(1));

            assertTrue(t.getMessage().contains(truncated.toString()) && t.getMessage().contains("truncated"),
                    t.getMessage());
            assertTrue(m.getMessage().contains(store.spillFile(1).toString()) && m.getMessage().contains("missing"),
                    m.getMessage());
        }
    }

    @Test
    void close_deletesTheSpillDirectory() {
        ClientStateStore store = ClientStateStore.open(StateSettings.unbounded().withMemoryBudget(0).withSpillDir(tmp));
        put(store, 1, new byte[] {1, 2, 3});
        Path dir = store.spillDirectory();
        assertTrue(Files.isDirectory(dir));
        assertTrue(dir.startsWith(tmp));

        store.close();

        assertFalse(Files.exists(dir));
        assertThrows(IllegalStateException.class, () -> store.checkOut(1));
    }

    @Test
    void checkOut_twice_isRefused() {
        try (ClientStateStore store = ClientStateStore.open(StateSettings.unbounded())) {
            store.checkOut(5);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> store.checkOut(5));
            assertTrue(e.getMessage().contains("client 5"), e.getMessage());
            assertThrows(IllegalStateException.class, () -> store.checkIn(6, new byte[1]));
        }
    }

    @Test
    void settings_fromReferenceConf_andErrorsNameThePath() {
        StateSettings defaults = StateSettings.fromConfig(ConfigFactory.load());
        assertEquals(256L << 20, defaults.memoryBudget());
        assertTrue(defaults.spillDir().isEmpty());

        ConfigError bad = assertThrows(ConfigError.class, () -> StateSettings.fromConfig(
                ConfigFactory.parseString("fedsub.state { memory-budget = lots, spill-dir = \"\" }")));
        ConfigError negative = assertThrows(ConfigError.class, () -> StateSettings.fromConfig(
                ConfigFactory.parseString("fedsub.state { memory-budget = -1, spill-dir = \"\" }")));

        assertEquals("fedsub.state.memory-budget", bad.path());
        assertTrue(bad.getMessage().contains("lots"), bad.getMessage());
        assertEquals("fedsub.state.memory-budget", negative.path());
    }
}
