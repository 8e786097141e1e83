package org.fedsub.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import org.fedsub.runtime.codec.Codec;
import org.fedsub.runtime.codec.EncodedPayload;
import org.fedsub.runtime.codec.Payload;
import org.fedsub.runtime.config.ConfigError;
import org.fedsub.runtime.model.Params;
import org.fedsub.runtime.strategy.PayloadKeys;
import org.fedsub.runtime.strategy.Strategy;
import org.fedsub.runtime.strategy.Wire;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The delta downlink ({@code fedsub.downlink.mode = delta}): a client rebuilds the server's model
 * bit for bit from what it is sent, the bytes counted are those messages' encoded sizes, and with
 * an exact codec the run is the full-downlink run with fewer downlink bytes.
 */
class DeltaDownlinkTest {

    private static final int ROUNDS = 30;

    /** Tiny's 6 clients, 2 a round (so clients skip rounds), a delta downlink keeping {@code versions} versions. */
    private static Experiment experiment(String strategy, String codec, int versions) {
        Experiment e = Tiny.experiment(strategy).withRounds(ROUNDS).withEvaluation(10, 0).withParticipation(Participation.perRound(2))
                .withServer(ServerSettings.defaults().withDownlink(new DownlinkSettings(DownlinkSettings.Mode.DELTA,
                        versions)));
        return codec == null ? e : e.withCodecs(e.uplinkCodec(), Codec.named(codec, "fedsub.downlink-codec"));
    }

    private static boolean sameBits(Params a, Params b) {
        for (String n : a.names()) {
            if (!Arrays.equals(a.get(n).dup().data().asDouble(), b.get(n).dup().data().asDouble())) {
                return false;
            }
        }
        return a.names().equals(b.names());
    }

    private static Payload decode(Experiment exp, EncodedPayload p) {
        Codec c = p.codec().equals(exp.downlinkCodec().name()) ? exp.downlinkCodec()
                : Experiments.modelCodec(exp.downlinkCodec(), exp.model().dtype());
        assertEquals(c.name(), p.codec());
        return p.read(b -> c.decode(b, exp.model().dtype()));
    }

    /** What the clients rebuilt, and how often each kind of task was sent. */
    private record Replay(int deltas, int fulls, int current, long downlink) {}

    /**
     * Runs {@code exp} round by round as the reference engine does, each client keeping the model
     * it rebuilds from what it is sent ({@link ServerStep#sent} and its acknowledgements), and
     * checks it against the server's model every time.
     */
    private static Replay replay(Experiment exp, List<Long> downlinkPerRound) {
        Strategy strategy = Tiny.strategy(exp);
        ServerStep server = new ServerStep(exp, strategy);
        Map<Integer, ClientStep> steps = new HashMap<>();
        Map<Integer, Params> held = new HashMap<>();
        Map<Integer, Integer> version = new HashMap<>();
        int deltas = 0;
        int fulls = 0;
        int current = 0;
        long total = 0;
        for (int r = 0; r < exp.rounds(); r++) {
            long down = 0;
            SortedMap<Integer, EncodedPayload> tasks = server.tasks(r, server.sample(r));
            List<EncodedUpdate> updates = new ArrayList<>();
            for (Map.Entry<Integer, EncodedPayload> t : tasks.entrySet()) {
                int id = t.getKey();
                List<EncodedPayload> msgs = server.sent(id);
                long bytes = msgs.stream().mapToLong(EncodedPayload::size).sum();
                assertEquals(bytes, server.taskBytes(id), "the bytes counted are the messages' encoded sizes");
                down += bytes;
                Payload first = decode(exp, msgs.get(0));
                if (first.has(PayloadKeys.model(exp.model().params().get(0).name()))) {
                    assertEquals(1, msgs.size());
                    assertEquals(t.getValue().size(), bytes);
                    held.put(id, Wire.model(first, exp.model()));
                    fulls++;
                } else {
                    assertEquals(version.get(id), (int) first.field(ServerStep.SINCE), "client " + id + " round " + r);
                    assertTrue(bytes < t.getValue().size(), "a delta is sent only when smaller than the model");
                    for (EncodedPayload change : msgs.subList(1, msgs.size())) {
                        strategy.applyChange(held.get(id), decode(exp, change));
                    }
                    if (msgs.size() == 1) {
                        current++;
                    } else {
                        deltas++;
                    }
                }
                version.put(id, r);
                assertTrue(sameBits(server.globalModel(), held.get(id)), "client " + id + " rebuilt the server's "
                        + "model of round " + r);
                assertTrue(sameBits(Wire.model(decode(exp, t.getValue()), exp.model()), held.get(id)));
                ClientStep step = steps.computeIfAbsent(id, i -> ClientStep.of(exp, strategy.newClient(i), i, null));
                updates.add(step.train(r, t.getValue()));
            }
            ServerStep.Outcome o = server.aggregate(r, updates, List.of());
            for (int id : o.used()) {
                EncodedPayload ack = o.ackFor(id);
                steps.get(id).acknowledge(r, ack);
                if (ack != null) {
                    down += ack.size();
                    strategy.applyChange(held.get(id), decode(exp, ack));
                    version.put(id, r + 1);
                    assertTrue(sameBits(server.globalModel(), held.get(id)), "client " + id + " after the "
                            + "acknowledgement of round " + r);
                }
            }
            downlinkPerRound.add(down);
            total += down;
        }
        return new Replay(deltas, fulls, current, total);
    }

    @ParameterizedTest
    @CsvSource({"fedsub, ", "fedsub, int8", "fedsub, int4", "fedsub, fp16", "fedavg, int8", "fedadam, int8",
            "fedavgm, bf16"})
    void clientsThatSkipRounds_rebuildTheServersModelBitForBit_fromTheLoggedChanges(String strategy, String codec) {
        Experiment exp = experiment(strategy, codec, 5);
        Replay r = replay(exp, new ArrayList<>());
        assertTrue(r.deltas() > 10, "deltas sent: " + r);
        assertTrue(r.fulls() > 6, "clients never seen or older than 5 versions get the model: " + r);
    }

    /** FedAvg's exact change is as large as the model, so a delta never pays: every task carries the model. */
    @ParameterizedTest
    @ValueSource(strings = {"fedavg", "fedavgm"})
    void exactFedAvgChanges_areNeverSmallerThanTheModel_soTheModelIsSent(String strategy) {
        Replay r = replay(experiment(strategy, null, 5), new ArrayList<>());
        assertEquals(0, r.deltas());
        assertEquals(2 * ROUNDS, r.fulls());
    }

    @ParameterizedTest
    @ValueSource(strings = {"float64", "int8"})
    void theEngine_countsTheBytesOfWhatIsSent(String codec) {
        Experiment exp = experiment("fedsub", codec, 5);
        List<Long> expected = new ArrayList<>();
        replay(exp, expected);
        RunResult run = new ReferenceEngine(exp).run(m -> {});
        assertEquals(expected, run.rounds().stream().map(RoundMetrics::downlinkBytes).toList());
    }

    @ParameterizedTest
    @ValueSource(strings = {"fedsub", "fedavg", "fedadam"})
    void exactDelta_runsTheFullDownlinksTrajectory_bitForBit_withNoMoreDownlinkBytes(String strategy) {
        Experiment delta = experiment(strategy, null, 20);
        Experiment full = delta.withServer(ServerSettings.defaults());
        RunResult a = new ReferenceEngine(full).run(m -> {});
        RunResult b = new ReferenceEngine(delta).run(m -> {});
        assertTrue(sameBits(a.finalModel(), b.finalModel()));
        for (int r = 9; r < ROUNDS; r += 10) {
            RoundMetrics x = a.rounds().get(r);
            RoundMetrics y = b.rounds().get(r);
            assertEquals(x.trainLoss(), y.trainLoss(), 0.0);
            assertEquals(x.testAccuracy(), y.testAccuracy(), 0.0);
            assertEquals(x.clientLoss(), y.clientLoss(), 0.0);
            assertEquals(x.uplinkBytes(), y.uplinkBytes());
        }
        if (strategy.equals("fedsub")) {
            assertTrue(b.totalDownlinkBytes() < a.totalDownlinkBytes(), b.totalDownlinkBytes() + " vs "
                    + a.totalDownlinkBytes());
        } else {
            assertEquals(a.totalDownlinkBytes(), b.totalDownlinkBytes(), "an exact FedAvg change is the model's size");
        }
    }

    @Test
    void lossyDelta_costsFewerBytesThanExact_andTheServerAppliesTheDequantizedChanges() {
        RunResult exact = new ReferenceEngine(experiment("fedsub", null, 20)).run(m -> {});
        RunResult int8 = new ReferenceEngine(experiment("fedsub", "int8", 20)).run(m -> {});
        assertTrue(int8.totalDownlinkBytes() < exact.totalDownlinkBytes());
        assertFalse(sameBits(exact.finalModel(), int8.finalModel()), "the int8 run's model is the sum of the "
                + "dequantized changes, not the exact ones");
        assertEquals(exact.totalUplinkBytes(), int8.totalUplinkBytes());
    }

    @Test
    void badDownlinkConfig_isAConfigErrorNamingTheKey() {
        ConfigError e = assertThrows(ConfigError.class, () -> DownlinkSettings.fromConfig(Experiments.load(
                ConfigFactory.parseString("fedsub.downlink.mode = partial"))));
        assertEquals("fedsub.downlink.mode", e.path());
        e = assertThrows(ConfigError.class, () -> DownlinkSettings.fromConfig(Experiments.load(
                ConfigFactory.parseString("fedsub.downlink.log-versions = 0"))));
        assertEquals("fedsub.downlink.log-versions", e.path());
        e = assertThrows(ConfigError.class, () -> Experiments.codec(Experiments.load(ConfigFactory.parseString(
                "fedsub.downlink-codec = int8")).getConfig("fedsub"), "downlink-codec"));
        assertTrue(e.getMessage().contains("fedsub.downlink.mode = delta"), e.getMessage());
        e = assertThrows(ConfigError.class, () -> Experiments.codec(Experiments.load(ConfigFactory.parseString(
                "fedsub { downlink.mode = delta, downlink-codec = topk }")).getConfig("fedsub"), "downlink-codec"));
        assertEquals("fedsub.downlink-codec", e.path());
        assertEquals("int8", Experiments.codec(Experiments.load(ConfigFactory.parseString(
                "fedsub { downlink.mode = delta, downlink-codec = int8 }")).getConfig("fedsub"), "downlink-codec")
                .name());
        Experiment scaffold = experiment("scaffold", null, 5);
        e = assertThrows(ConfigError.class, () -> new ReferenceEngine(scaffold));
        assertEquals("fedsub.downlink.mode", e.path());
        assertTrue(e.getMessage().contains("scaffold"), e.getMessage());
        Experiment svd = Tiny.experiment("fedsub", "fedsub.generator = svd").withServer(ServerSettings.defaults()
                .withDownlink(new DownlinkSettings(DownlinkSettings.Mode.DELTA, 5)));
        e = assertThrows(ConfigError.class, () -> new ReferenceEngine(svd));
        assertTrue(e.getMessage().contains("svd") && !e.getMessage().contains("\n"), e.getMessage());
        Experiment fedavg = experiment("fedavg", null, 5);
        e = assertThrows(ConfigError.class, () -> new ServerStep(fedavg, new org.fedsub.runtime.strategy
                .AsyncAggregation(Tiny.strategy(fedavg), true, 3, s -> 1.0, 1)));
        assertEquals("fedsub.downlink.mode", e.path());
    }
}
