package org.fedsub.examples;

import java.util.List;
import java.util.Locale;
import org.fedsub.examples.results.Units;
import org.fedsub.runtime.data.FederatedData;
import org.fedsub.runtime.data.SyntheticData;
import org.fedsub.runtime.engine.Experiment;
import org.fedsub.runtime.engine.Participation;
import org.fedsub.runtime.engine.ReferenceEngine;
import org.fedsub.runtime.engine.RoundMetrics;
import org.fedsub.runtime.engine.RunResult;
import org.fedsub.runtime.model.Mlp;
import org.fedsub.runtime.model.Model;
import org.fedsub.runtime.strategy.StrategySettings;
import org.fedsub.runtime.strategy.StrategySettings.FedSubSettings;
import org.fedsub.runtime.strategy.TrainSettings;
import org.fedsub.runtime.subspace.Generator;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * An experiment assembled in Java code, no config file: FedProx's Synthetic(1,1) over 30
 * clients, a 60-32-10 MLP, FedSub at half rank with 10 clients a round, printing each round's
 * accuracy and bytes; then the same with FedAvg, to compare the uplink.
 *
 * <pre>./fedsub example ProgrammaticSimulation [rounds]</pre>
 */
public final class ProgrammaticSimulation {

    private ProgrammaticSimulation() {}

    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 30;
        long seed = 42;
        DataType dtype = DataType.FLOAT;

        // Data: 30 users of FedProx Synthetic(1,1), each user one client (the natural split).
        FederatedData data = SyntheticData.generate(SyntheticData.Spec.fedProx(1, 1), dtype, seed);
        // Model: any org.fedsub.runtime.model.Model; see CustomModel for one written by hand.
        Model model = new Mlp(List.of(60, 32, 10), dtype);
        // FedSub: every weight matrix compressed to half its in-dimension with signed coordinate
        // selection, a new basis every 100 local steps (5 rounds), per-client duals on (the default).
        StrategySettings strategy = StrategySettings.of("fedsub").withFedSub(FedSubSettings.defaults()
                .withRankRate(0.5)
                .withGenerator(Generator.CD)
                .withUpdateCpFreq(100));
        // Everything not set here is the default of reference.conf (evaluation every round, float32
        // on the wire, the server's update checks).
        Experiment exp = Experiment.of("programmatic", model, data)
                .withSeed(seed)
                .withRounds(rounds)
                .withParticipation(Participation.perRound(10))
                // Clients: 20 local SGD steps of batch 10 at lr 0.05 each round.
                .withTrain(TrainSettings.defaults(rounds).withLocalSteps(20).withBatchSize(10).withLr(0.05))
                .withStrategy(strategy);

        System.out.println("FedSub, " + model.name() + " on " + data.name() + ", " + rounds + " rounds");
        System.out.println("round  test acc   uplink     downlink");
        RunResult sub = new ReferenceEngine(exp).run(ProgrammaticSimulation::print);

        // The same experiment with another strategy: only the settings record changes.
        RunResult avg = new ReferenceEngine(exp.withStrategy(strategy.withName("fedavg"))).run(m -> {});

        System.out.println();
        summary(sub);
        summary(avg);
        System.out.printf(Locale.ROOT, "FedSub sent %.1f%% of FedAvg's uplink bytes%n",
                100.0 * sub.totalUplinkBytes() / avg.totalUplinkBytes());
    }

    private static void print(RoundMetrics m) {
        System.out.printf(Locale.ROOT, "%5d  %8s  %9s  %9s%n", m.round() + 1, Units.percent(m.testAccuracy()),
                Units.bytes(m.uplinkBytes()), Units.bytes(m.downlinkBytes()));
    }

    private static void summary(RunResult r) {
        System.out.printf(Locale.ROOT, "%-7s final test accuracy %s, uplink %s, downlink %s%n", r.strategy(),
                Units.percent(r.lastEvaluated().testAccuracy()), Units.bytes(r.totalUplinkBytes()),
                Units.bytes(r.totalDownlinkBytes()));
    }
}
