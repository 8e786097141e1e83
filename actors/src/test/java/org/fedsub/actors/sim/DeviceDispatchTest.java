package org.fedsub.actors.sim;

import static org.fedsub.actors.Fixtures.assertSameModel;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.apache.pekko.actor.typed.Behavior;
import org.fedsub.actors.ActorSettings;
import org.fedsub.actors.Fixtures;
import org.fedsub.actors.device.Device;
import org.fedsub.actors.device.DeviceDispatchers;
import org.fedsub.actors.device.Devices;
import org.fedsub.actors.device.PlacementPolicy;
import org.fedsub.actors.protocol.FederatedProtocol.ToClient;
import org.fedsub.actors.server.Finished;
import org.fedsub.runtime.codec.Payload;
import org.fedsub.runtime.data.ClientData;
import org.fedsub.runtime.engine.Experiment;
import org.fedsub.runtime.engine.Participation;
import org.fedsub.runtime.engine.ReferenceEngine;
import org.fedsub.runtime.engine.RoundListener;
import org.fedsub.runtime.engine.RoundMetrics;
import org.fedsub.runtime.engine.RunResult;
import org.fedsub.runtime.strategy.ClientAlgorithm;
import org.fedsub.runtime.strategy.ClientUpdate;
import org.fedsub.runtime.strategy.Strategy;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Several simulated CPU devices: every client's work runs on a thread of its device's
 * dispatcher, and the run computes exactly what the one-device run (and the reference engine)
 * computes.
 */
@ExtendWith(LogCapturingExtension.class)
class DeviceDispatchTest {

    private static final ActorTestKit testKit = ActorTestKit.create();

    @AfterAll
    static void cleanup() {
        testKit.shutdownTestKit();
    }

    /** A client that notes the name of every thread its work runs on. */
    private record Recording(ClientAlgorithm inner, List<String> threads) implements ClientAlgorithm {
        private void note() {
            threads.add(Thread.currentThread().getName());
        }

        @Override
        public ClientUpdate train(int round, Payload task, ClientData data) {
            note();
            return inner.train(round, task, data);
        }

        @Override
        public void onAggregated(int round, Payload ack) {
            note();
            inner.onAggregated(round, ack);
        }

        @Override
        public void sent(int round, Payload update, Payload asDecoded, boolean errorFeedback) {
            inner.sent(round, update, asDecoded, errorFeedback);
        }

        @Override
        public long stateBytes() {
            return inner.stateBytes();
        }

        @Override
        public byte[] exportState() {
            return inner.exportState();
        }

        @Override
        public void restoreState(byte[] state) {
            inner.restoreState(state);
        }
    }

    /** Each client's work threads, and the threads its actor handled its tasks on. */
    private record Run(RunResult result, Map<Integer, List<String>> threads, Map<Integer, List<String>> actorThreads) {}

    /** A client's behaviour that notes the thread its actor takes each task on. */
    private record NotingBehaviour(org.fedsub.actors.client.ClientBehaviour inner, List<String> names)
            implements org.fedsub.actors.client.ClientBehaviour {
        @Override
        public Fate fate(int round) {
            names.add(Thread.currentThread().getName());
            return inner.fate(round);
        }

        @Override
        public Duration replyDelay(int round, long taskBytes, long updateBytes) {
            return inner.replyDelay(round, taskBytes, updateBytes);
        }

        @Override
        public boolean announcesDropouts() {
            return inner.announcesDropouts();
        }
    }

    private static Run run(Experiment exp, ActorSettings settings) throws Exception {
        Strategy strategy = ActorSimulation.newStrategy(exp);
        ClientProfiles profiles = ActorSimulation.profiles(exp, settings);
        Map<Integer, List<String>> threads = new ConcurrentHashMap<>();
        Map<Integer, List<String>> actorThreads = new ConcurrentHashMap<>();
        Map<Integer, Behavior<ToClient>> clients = new HashMap<>();
        for (int id = 0; id < exp.data().numClients(); id++) {
            List<String> names = java.util.Collections.synchronizedList(new ArrayList<>());
            List<String> actorNames = java.util.Collections.synchronizedList(new ArrayList<>());
            threads.put(id, names);
            actorThreads.put(id, actorNames);
            clients.put(id, org.fedsub.actors.client.ClientActor.supervised(
                    org.fedsub.runtime.engine.ClientStep.of(exp, new Recording(strategy.newClient(id), names), id, null),
                    new NotingBehaviour(profiles.behaviour(id), actorNames), settings));
        }
        CompletableFuture<Finished> done = new CompletableFuture<>();
        var guardian = testKit.spawn(ActorSimulation.behavior(exp, strategy, settings, clients, RoundListener.NONE, done));
        Run r = new Run(ActorSimulation.outcome(exp, strategy, done.get(60, TimeUnit.SECONDS)).result(), threads,
                actorThreads);
        // Its clients stop (and leave their devices) before it does: the next run starts from empty devices.
        testKit.createTestProbe().expectTerminated(guardian, Duration.ofSeconds(30));
        return r;
    }

    private static ActorSettings settings(Devices devices) {
        return Fixtures.settings(Duration.ofSeconds(30)).withDevices(devices);
    }

    /** The prefix of the names of device {@code d}'s threads (its threads resolved). */
    private static String threadsOf(Device d) {
        return testKit.system().name() + "-" + DeviceDispatchers.dispatcherId(d) + "-";
    }

    private static void assertSameRun(RunResult expected, RunResult actual) {
        assertSameModel(expected.finalModel(), actual.finalModel());
        assertEquals(expected.rounds().size(), actual.rounds().size());
        for (int i = 0; i < expected.rounds().size(); i++) {
            RoundMetrics e = expected.rounds().get(i);
            RoundMetrics a = actual.rounds().get(i);
            String at = "round " + i;
            assertEquals(e.used(), a.used(), at);
            assertEquals(e.uplinkBytes(), a.uplinkBytes(), at);
            assertEquals(e.clientLoss(), a.clientLoss(), 0.0, at);
            assertEquals(e.testAccuracy(), a.testAccuracy(), 0.0, at);
            assertEquals(e.testLoss(), a.testLoss(), 0.0, at);
        }
    }

    @ParameterizedTest
    @EnumSource(PlacementPolicy.class)
    void threeCpuDevices_computeExactlyWhatOneDeviceComputes(PlacementPolicy policy) throws Exception {
        Experiment exp = Fixtures.experiment("fedsub", 4, Participation.full());
        Devices three = new Devices(Devices.cpus(3, policy).list(), policy,
                policy == PlacementPolicy.PINNED ? Map.of(0, 2, 1, 2) : Map.of());

        Run one = run(exp, settings(Devices.oneCpu()));
        Run many = run(exp, settings(three));

        assertSameRun(one.result(), many.result());
        assertSameRun(new ReferenceEngine(exp).run(RoundListener.NONE), many.result());
        assertTrue(one.result().finalModel().dup().subi(exp.model().init(exp.seed())).norm2() > 1e-3, "the model moved");
    }

    @Test
    void roundRobin_everyClientsWorkRunsOnItsDevicesThreads() throws Exception {
        Experiment exp = Fixtures.experiment("fedsub", 3, Participation.full());
        ActorSettings s = settings(Devices.cpus(3, PlacementPolicy.ROUND_ROBIN));
        List<Device> devices = s.devices().resolve(s.computePoolSize()).list();

        Run r = run(exp, s);

        for (int id = 0; id < exp.data().numClients(); id++) {
            List<String> names = r.threads().get(id);
            assertEquals(6, names.size(), "3 trainings and 3 acknowledgements of client " + id + ": " + names);
            String prefix = threadsOf(devices.get(id % 3));
            assertTrue(names.stream().allMatch(n -> n.startsWith(prefix)), "client " + id + " on " + prefix + ": " + names);
            // The actor itself runs on its device's dispatcher: no hand-off between thread pools
            // at each task and acknowledgement.
            List<String> actor = r.actorThreads().get(id);
            assertEquals(3, actor.size(), "3 tasks taken by client " + id + ": " + actor);
            assertTrue(actor.stream().allMatch(n -> n.startsWith(prefix)), "client " + id + "'s actor on " + prefix
                    + ": " + actor);
        }
        assertEquals("DeviceDispatchTest-fedsub-device-cpu1-t2-", threadsOf(devices.get(1)), "names that say the device");
        // A device's pool never grows past its threads (each bound to the device when it starts).
        for (Device d : devices) {
            java.util.Set<String> used = new java.util.TreeSet<>();
            r.threads().values().forEach(l -> l.stream().filter(n -> n.startsWith(threadsOf(d))).forEach(used::add));
            r.actorThreads().values().forEach(l -> l.stream().filter(n -> n.startsWith(threadsOf(d))).forEach(used::add));
            assertTrue(used.size() <= d.threads(), d.label() + " has " + d.threads() + " threads, work ran on " + used);
        }
    }

    @Test
    void pinnedAndLeastLoaded_everyClientStaysOnOneDevice_whereThePolicyPutsIt() throws Exception {
        Experiment exp = Fixtures.experiment("fedavg", 2, Participation.full());
        ActorSettings pinned = settings(new Devices(Devices.cpus(3, PlacementPolicy.PINNED).list(),
                PlacementPolicy.PINNED, Map.of(0, 2, 1, 2, 5, 1)));
        List<Device> devices = pinned.devices().resolve(pinned.computePoolSize()).list();

        Map<Integer, List<String>> threads = run(exp, pinned).threads();

        Map<Integer, Integer> expected = Map.of(0, 2, 1, 2, 2, 2, 3, 0, 4, 1, 5, 1);
        expected.forEach((id, d) -> assertTrue(threads.get(id).stream().allMatch(n -> n.startsWith(threadsOf(devices.get(d)))),
                "client " + id + " on device " + d + ": " + threads.get(id)));

        // Least-loaded places clients in the order their actors start: which client lands where
        // may vary, but each stays on one device, and 6 clients on 3 equal devices make 2 each.
        Map<Integer, List<String>> ll = run(exp, settings(Devices.cpus(3, PlacementPolicy.LEAST_LOADED))).threads();
        Map<String, Long> perDevice = ll.values().stream().map(names -> {
            String device = devices.stream().map(DeviceDispatchTest::threadsOf)
                    .filter(p -> names.stream().allMatch(n -> n.startsWith(p))).findFirst().orElse("none: " + names);
            return device;
        }).collect(Collectors.groupingBy(d -> d, Collectors.counting()));
        assertEquals(Map.of(threadsOf(devices.get(0)), 2L, threadsOf(devices.get(1)), 2L, threadsOf(devices.get(2)), 2L),
                perDevice);
        assertFalse(ll.values().stream().anyMatch(List::isEmpty));
    }
}
