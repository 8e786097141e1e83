package org.fedsub.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.function.UnaryOperator;
import org.fedsub.runtime.codec.EncodedPayload;
import org.fedsub.runtime.codec.Payload;
import org.fedsub.runtime.model.Params;
import org.fedsub.runtime.strategy.ClientUpdate;
import org.fedsub.runtime.strategy.PayloadKeys;
import org.fedsub.runtime.strategy.Strategy;
import org.junit.jupiter.api.Test;

/** The server step refuses every kind of bad update, counts it by reason, and never ends the run over one. */
class ServerStepTest {

    private static final int[] ALL = {0, 1, 2, 3, 4, 5};

    /** A round of honest updates from every client, as their client halves make them. */
    private static List<EncodedUpdate> honest(Experiment exp, ServerStep step, int round) {
        List<EncodedUpdate> out = new ArrayList<>();
        step.tasks(round, ALL).forEach((id, task) -> out.add(
                ClientStep.of(exp, step.strategy().newClient(id), id, null).train(round, task)));
        return out;
    }

    private static EncodedUpdate withPayload(Experiment exp, EncodedUpdate u, UnaryOperator<Payload> change) {
        Payload p = u.update().read(b -> exp.codec().decode(b, exp.model().dtype()));
        return new EncodedUpdate(u.round(), u.clientId(), u.numExamples(), u.trainLoss(),
                new EncodedPayload(exp.codec().name(), exp.codec().encode(change.apply(p))));
    }

    /** Every tensor of the payload multiplied by {@code factor}, in place. */
    private static Payload scaled(Payload p, double factor) {
        p.tensors().values().forEach(t -> t.muli(factor));
        return p;
    }

    /** One value of every tensor of the payload set to NaN, in place (a diverged client). */
    private static Payload withNaN(Payload p) {
        p.tensors().values().forEach(t -> t.putScalar(0, Double.NaN));
        return p;
    }

    private static List<EncodedUpdate> replace(List<EncodedUpdate> us, int index, EncodedUpdate bad) {
        List<EncodedUpdate> out = new ArrayList<>(us);
        out.set(index, bad);
        return out;
    }

    private static SortedMap<String, Integer> refusedWith(List<EncodedUpdate> updates, Experiment exp,
            ServerStep step) {
        ServerStep.Outcome o = step.aggregate(0, updates, List.of());
        assertEquals(5, o.used().size(), "the honest updates are used: " + o.rejected() + " " + o.used());
        return o.rejectedBy();
    }

    @Test
    void eachKindOfBadUpdate_isRefusedUnderItsReason_andTheHonestOnesAreUsed() {
        Experiment exp = Tiny.experiment("fedavg");
        record Case(String reason, java.util.function.BiFunction<Experiment, EncodedUpdate, EncodedUpdate> bad) {}
        List<Case> cases = List.of(
                new Case("malformed", (e, u) -> new EncodedUpdate(u.round(), u.clientId(), u.numExamples(),
                        u.trainLoss(), new EncodedPayload(e.codec().name(), new byte[41]))),
                new Case("wrong-round", (e, u) -> new EncodedUpdate(7, u.clientId(), u.numExamples(), u.trainLoss(),
                        u.update())),
                new Case("example-count", (e, u) -> new EncodedUpdate(u.round(), u.clientId(), Long.MAX_VALUE,
                        u.trainLoss(), u.update())),
                new Case("example-count", (e, u) -> new EncodedUpdate(u.round(), u.clientId(), -100, u.trainLoss(),
                        u.update())),
                new Case("non-finite", (e, u) -> withPayload(e, u, ServerStepTest::withNaN)),
                new Case("norm", (e, u) -> withPayload(e, u, p -> {
                    p.tensors().values().forEach(t -> t.assign(1e17));
                    return p;
                })),
                new Case("invalid", (e, u) -> withPayload(e, u, p -> {
                    Payload q = new Payload().field(PayloadKeys.ROUND, 0);
                    p.tensors().forEach((k, t) -> q.tensor(k, t.reshape(1, t.length())));
                    return q;
                })));
        for (Case c : cases) {
            ServerStep step = new ServerStep(exp, Tiny.strategy(exp));
            List<EncodedUpdate> us = honest(exp, step, 0);

            SortedMap<String, Integer> refused;
            try {
                refused = refusedWith(replace(us, 3, c.bad().apply(exp, us.get(3))), exp, step);
            } catch (AssertionError e) {
                throw new AssertionError(c.reason() + ": " + e.getMessage(), e);
            }

            assertEquals(Map.of(c.reason(), 1), refused, c.reason());
        }
    }

    @Test
    void updatesFromClientsNotAsked_andSecondUpdatesForOneTask_areRefused() {
        Experiment exp = Tiny.experiment("fedavg");
        ServerStep step = new ServerStep(exp, Tiny.strategy(exp));
        List<EncodedUpdate> us = new ArrayList<>(honest(exp, step, 0));
        EncodedUpdate first = us.get(0);
        us.add(first);
        us.add(new EncodedUpdate(0, 99, 10, 0.5, first.update()));

        ServerStep.Outcome o = step.aggregate(0, us, List.of());
        step.tasks(1, new int[] {0}); // client 4 is not asked for round 1
        ServerStep.Outcome late = step.aggregate(1, List.of(new EncodedUpdate(1, 4, 10, 0.5, first.update()),
                new EncodedUpdate(0, 2, us.get(2).numExamples(), 0.5, us.get(2).update())), List.of());

        assertEquals(List.of(0, 1, 2, 3, 4, 5), o.used());
        assertEquals(Map.of("duplicate", 1, "unsampled", 1), o.rejectedBy());
        assertEquals(Map.of("duplicate", 1, "unsampled", 1), late.rejectedBy(),
                "a replay of an answered task is a duplicate; a client not asked is unsampled");
    }

    @Test
    void aHugeFiniteUpdate_amongHonestOnes_isRefusedByTheMedianBound() {
        Experiment exp = Tiny.experiment("fedavg").withServer(ServerSettings.defaults().withNormBounds(1e12, 100));
        ServerStep step = new ServerStep(exp, Tiny.strategy(exp));
        List<EncodedUpdate> us = honest(exp, step, 0);
        EncodedUpdate huge = withPayload(exp, us.get(1), p -> scaled(p, 1e4));
        Params before = step.globalModel().dup();

        ServerStep.Outcome o = step.aggregate(0, replace(us, 1, huge), List.of());

        assertEquals(Map.of("norm", 1), o.rejectedBy());
        for (String n : before.names()) {
            double moved = step.globalModel().get(n).sub(before.get(n)).amaxNumber().doubleValue();
            assertTrue(moved < 10, n + " moved by " + moved + ": the model is not poisoned");
        }
    }

    @Test
    void aRoundWithFewerValidUpdatesThanMinValid_isDropped_andTheModelKept() {
        Experiment exp = Tiny.experiment("fedavg");
        ServerStep step = new ServerStep(exp, Tiny.strategy(exp));
        List<EncodedUpdate> us = honest(exp, step, 0);
        Params before = step.globalModel().dup();

        ServerStep.Outcome o = step.aggregate(0, us, List.of(), 7);

        assertTrue(o.dropped());
        assertEquals(List.of(), o.used());
        assertEquals(Map.of("round-dropped", 6), o.rejectedBy());
        for (String n : before.names()) {
            assertEquals(before.get(n), step.globalModel().get(n), n);
        }
    }

    @Test
    void svd_aDroppedRoundAtTheEndOfABasis_doesNotEndTheRun_thePreviousBasisCarriesOn() {
        // tau 5, a new basis every 5 local steps: every round starts a basis.
        Experiment exp = Tiny.experiment("fedsub", "fedsub.generator = svd, fedsub.update-cp-freq = 5");
        ServerStep step = new ServerStep(exp, Tiny.strategy(exp));
        step.aggregate(0, honest(exp, step, 0), List.of(), Double.POSITIVE_INFINITY); // dropped
        Params before = step.globalModel().dup();

        ServerStep.Outcome o = step.aggregate(1, honest(exp, step, 1), List.of());

        assertEquals(6, o.used().size(), o.rejected().toString());
        boolean moved = false;
        for (String n : before.names()) {
            moved |= !before.get(n).equals(step.globalModel().get(n));
        }
        assertTrue(moved, "round 1 trained in basis 1 and moved the model");
    }

    @Test
    void aStrategyThatThrows_refusesTheRoundsUpdates_restoresTheModel_andTheRunGoesOn() {
        Experiment exp = Tiny.experiment("fedavg");
        Strategy real = Tiny.strategy(exp);
        Strategy throwing = new Delegating(real) {
            @Override
            public org.fedsub.runtime.strategy.Aggregate aggregate(int round, List<ClientUpdate> updates,
                    List<org.fedsub.runtime.strategy.ClientFailure> failures) {
                real.globalModel().get("fc.weight").addi(1000); // half done when it throws
                throw new IllegalStateException("simulated bug in aggregation");
            }
        };
        ServerStep step = new ServerStep(exp, throwing);
        Params before = step.globalModel().dup();

        ServerStep.Outcome o = step.aggregate(0, honest(exp, step, 0), List.of());

        assertEquals(Map.of("aggregation-failed", 6), o.rejectedBy());
        for (String n : before.names()) {
            assertEquals(before.get(n), step.globalModel().get(n), n + " is restored");
        }
    }

    @Test
    void roundsThatUseNothing_stopTheRunAfterMaxIdleRounds_namingTheLikelyCause() {
        Experiment exp = Tiny.experiment("fedavg").withServer(ServerSettings.defaults().withMaxIdleRounds(3));
        ServerStep step = new ServerStep(exp, Tiny.strategy(exp));
        for (int r = 0; r < 3; r++) {
            assertFalse(step.stalled().isPresent(), "round " + r);
            List<EncodedUpdate> nan = new ArrayList<>();
            for (EncodedUpdate u : honest(exp, step, r)) {
                nan.add(withPayload(exp, u, ServerStepTest::withNaN));
            }
            step.aggregate(r, nan, List.of());
        }

        String why = step.stalled().orElseThrow(() -> new AssertionError("not stalled"));
        assertTrue(why.contains("lower the learning rate"), why);
        assertTrue(why.contains("non-finite=18"), why);
    }

    @Test
    void aRoundThatUsesSomething_resetsTheIdleCount() {
        Experiment exp = Tiny.experiment("fedavg").withServer(ServerSettings.defaults().withMaxIdleRounds(2));
        ServerStep step = new ServerStep(exp, Tiny.strategy(exp));
        step.aggregate(0, List.of(), List.of());
        step.aggregate(1, honest(exp, step, 1), List.of());
        step.aggregate(2, List.of(), List.of());

        assertFalse(step.stalled().isPresent());
        step.aggregate(3, List.of(), List.of());
        String why = step.stalled().orElseThrow();
        assertTrue(why.contains("none arrived"), why);
    }
    /** {@code real}, recording the update tensors it is given; it says it keeps them as {@code keeps} says. */
    private static Strategy recording(Strategy real, boolean keeps, List<org.nd4j.linalg.api.ndarray.INDArray> given) {
        return new Delegating(real) {
            @Override
            public org.fedsub.runtime.strategy.Aggregate aggregate(int round, List<ClientUpdate> updates,
                    List<org.fedsub.runtime.strategy.ClientFailure> failures) {
                updates.forEach(u -> given.addAll(u.payload().tensors().values()));
                return real.aggregate(round, updates, failures);
            }

            @Override
            public boolean keepsUpdateTensors() {
                return keeps;
            }
        };
    }

    /** A strategy that is {@code real} but for what a test overrides. */
    private abstract static class Delegating implements Strategy {
        final Strategy real;

        Delegating(Strategy real) {
            this.real = real;
        }

        @Override
        public String name() {
            return real.name();
        }

        @Override
        public Params globalModel() {
            return real.globalModel();
        }

        @Override
        public Payload configure(int round, int clientId) {
            return real.configure(round, clientId);
        }

        @Override
        public org.fedsub.runtime.strategy.Aggregate aggregate(int round, List<ClientUpdate> updates,
                List<org.fedsub.runtime.strategy.ClientFailure> failures) {
            return real.aggregate(round, updates, failures);
        }

        @Override
        public org.fedsub.runtime.strategy.ClientAlgorithm newClient(int clientId) {
            return real.newClient(clientId);
        }
    }

    /** Up to {@code HostArrays.SPARES} new arrays shaped as {@code like}: whatever spare memory this thread holds for it. */
    private static java.util.Set<org.nd4j.linalg.api.ndarray.INDArray> sparesLike(org.nd4j.linalg.api.ndarray.INDArray like) {
        java.util.Set<org.nd4j.linalg.api.ndarray.INDArray> got = java.util.Collections.newSetFromMap(
                new java.util.IdentityHashMap<>());
        for (int i = 0; i < 256; i++) {
            got.add(org.fedsub.runtime.compute.HostArrays.uninitialised(like.dataType(), like.shape()));
        }
        return got;
    }

    @Test
    void updatesOfAStrategyThatKeepsNoneOfThem_giveTheirMemoryToLaterArrays() {
        Experiment exp = Tiny.experiment("fedavg");
        assertFalse(Tiny.strategy(exp).keepsUpdateTensors(), "FedAvg only reads its updates");
        List<org.nd4j.linalg.api.ndarray.INDArray> given = new ArrayList<>();
        ServerStep step = new ServerStep(exp, recording(Tiny.strategy(exp), false, given));

        assertEquals(6, step.aggregate(0, honest(exp, step, 0), List.of()).used().size());

        java.util.Set<org.nd4j.linalg.api.ndarray.INDArray> spares = sparesLike(given.get(0));
        assertTrue(given.stream().anyMatch(spares::contains), "the decoded updates were recycled");
    }

    @Test
    void updatesOfAStrategyThatMayKeepThem_areLeftAlone_andKeepTheirValues() {
        Experiment exp = Tiny.experiment("fedavg");
        List<org.nd4j.linalg.api.ndarray.INDArray> given = new ArrayList<>();
        ServerStep step = new ServerStep(exp, recording(Tiny.strategy(exp), true, given));

        step.aggregate(0, honest(exp, step, 0), List.of());
        List<org.nd4j.linalg.api.ndarray.INDArray> copies = given.stream().map(t -> t.dup()).toList();
        java.util.Set<org.nd4j.linalg.api.ndarray.INDArray> spares = sparesLike(given.get(0));
        spares.forEach(a -> a.assign(-7)); // what a later decode into recycled memory would do
        step.aggregate(1, honest(exp, step, 1), List.of());

        assertFalse(given.subList(0, copies.size()).stream().anyMatch(spares::contains), "none was recycled");
        for (int i = 0; i < copies.size(); i++) {
            assertEquals(copies.get(i), given.get(i), "update tensor " + i + " as the strategy was given it");
        }
    }
}
