package org.fedsub.actors.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.util.List;
import java.util.Map;
import org.fedsub.actors.ActorSettings;
import org.fedsub.runtime.config.ConfigError;
import org.fedsub.runtime.engine.Experiments;
import org.junit.jupiter.api.Test;

class DevicesTest {

    private static ActorSettings read(String hocon) {
        return ActorSettings.fromConfig(Experiments.load(ConfigFactory.parseString(hocon)));
    }

    private static ConfigError error(String hocon) {
        ConfigError e = assertThrows(ConfigError.class, () -> read(hocon));
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
        return e;
    }

    @Test
    void defaults_oneCpuDevice_withComputePoolSizeThreads_roundRobin() {
        ActorSettings s = read("fedsub.actors.compute-pool-size = 3");

        assertEquals(Devices.oneCpu(), s.devices());
        assertEquals(List.of(Device.cpu(0).withThreads(3)), s.devices().resolve(s.computePoolSize()).list());
    }

    @Test
    void cpuDevices_areNumberedInOrder_andMayHaveTheirOwnThreads() {
        Devices d = read("""
                fedsub.actors.devices = [ { kind = cpu }, { kind = cpu, threads = 1 }, { kind = cpu } ]
                fedsub.actors.placement { policy = pinned, pinned { 3 = 2, 0 = 1 } }
                """).devices();

        assertEquals(List.of(Device.cpu(0), Device.cpu(1).withThreads(1), Device.cpu(2)), d.list());
        assertEquals(PlacementPolicy.PINNED, d.policy());
        assertEquals(Map.of(3, 2, 0, 1), d.pinned());
        assertEquals(List.of(2, 1, 2), d.resolve(2).list().stream().map(Device::threads).toList());
    }

    @Test
    void policies_areReadByName() {
        assertEquals(PlacementPolicy.LEAST_LOADED,
                read("fedsub.actors.placement.policy = least-loaded").devices().policy());
        assertEquals(PlacementPolicy.ROUND_ROBIN, read("").devices().policy());
    }

    @Test
    void cudaDevice_onThisCpuBuild_isAConfigErrorNamingItsIndex() {
        ConfigError e = error("fedsub.actors.devices = [ { kind = cpu }, { kind = cuda, index = 0 } ]");

        assertEquals("fedsub.actors.devices[1].index", e.path());
        assertTrue(e.getMessage().startsWith("fedsub.actors.devices[1].index = 0: this build has ND4J's CPU backend"),
                e.getMessage());
        assertTrue(e.getMessage().contains("CPU backend") && e.getMessage().contains("-P cuda"), e.getMessage());
    }

    @Test
    void badDeviceLists_areConfigErrorsNamingTheKey() {
        assertEquals("fedsub.actors.devices = []: expected at least one device, e.g. [ { kind = cpu } ]",
                error("fedsub.actors.devices = []").getMessage());
        assertEquals("fedsub.actors.devices", error("fedsub.actors.devices = cpu").path());
        assertEquals("fedsub.actors.devices[0]", error("fedsub.actors.devices = [ cpu ]").path());

        ConfigError e = error("fedsub.actors.devices = [ { kind = tpu } ]");
        assertEquals("fedsub.actors.devices[0].kind = \"tpu\": expected one of [cpu, cuda]", e.getMessage());

        assertEquals("fedsub.actors.devices[0].kind", error("fedsub.actors.devices = [ { threads = 1 } ]").path());
        assertEquals("fedsub.actors.devices[1].indx",
                error("fedsub.actors.devices = [ { kind = cpu }, { kind = cuda, indx = 0 } ]").path());
        assertEquals("fedsub.actors.devices[0].index",
                error("fedsub.actors.devices = [ { kind = cuda } ]").path());
        assertEquals("fedsub.actors.devices[0].index",
                error("fedsub.actors.devices = [ { kind = cuda, index = -1 } ]").path());
        assertEquals("fedsub.actors.devices[0].index",
                error("fedsub.actors.devices = [ { kind = cpu, index = 1 } ]").path());
        assertEquals("fedsub.actors.devices[0].threads",
                error("fedsub.actors.devices = [ { kind = cpu, threads = 0 } ]").path());
    }

    @Test
    void badPlacement_isAConfigErrorNamingTheKey() {
        ConfigError e = error("fedsub.actors.placement.policy = random");
        assertEquals("fedsub.actors.placement.policy", e.path());
        assertEquals("fedsub.actors.placement.policy = \"random\": expected one of [round-robin, least-loaded, pinned]",
                e.getMessage());

        String two = "fedsub.actors.devices = [ { kind = cpu }, { kind = cpu } ]\n";
        assertEquals("fedsub.actors.placement.pinned.4 = 2: expected a device position from 0 to 1 in fedsub.actors.devices",
                error(two + "fedsub.actors.placement { policy = pinned, pinned { 4 = 2 } }").getMessage());
        assertEquals("fedsub.actors.placement.pinned.first",
                error(two + "fedsub.actors.placement { policy = pinned, pinned { first = 1 } }").path());
        assertEquals("fedsub.actors.placement.pinned.4",
                error(two + "fedsub.actors.placement { policy = pinned, pinned { 4 = cpu1 } }").path());
        assertEquals("fedsub.actors.placement.pinned",
                error(two + "fedsub.actors.placement.pinned { 4 = 1 }").path(), "pinned without policy = pinned");
    }
}
