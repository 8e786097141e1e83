package org.fedsub.runtime.strategy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.fedsub.runtime.Seeds;
import org.fedsub.runtime.codec.Payload;
import org.fedsub.runtime.data.Batch;
import org.fedsub.runtime.data.ClientData;
import org.fedsub.runtime.model.ParamSpec;
import org.fedsub.runtime.model.Params;
import org.fedsub.runtime.strategy.StrategySettings.ServerOptimizerSettings;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * FedAvg (McMahan et al.) and the strategies that differ from it in one place: FedProx adds
 * the proximal term {@code mu/2 |w - x|^2} to every local step; FedAvgM and FedAdam apply the
 * averaged client change through a server optimizer (FedOpt, Reddi et al.).
 *
 * <p>Wire format: task {@code x:<param>} (the global model); update {@code d:<param>}
 * (the client's change {@code w - x}).
 */
final class FedAvg implements Strategy {

    private final String name;
    private final StrategySettings settings;
    private final StrategyContext ctx;
    private final double mu;
    private final Params global;
    private final ServerOptimizer optimizer;

    FedAvg(String name, StrategySettings settings, StrategyContext ctx, double mu, ServerOptimizerSettings opt) {
        this.name = name;
        this.settings = settings;
        this.ctx = ctx;
        this.mu = mu;
        this.global = ctx.initial().dup();
        this.optimizer = new ServerOptimizer(opt);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Params globalModel() {
        return global;
    }

    /** FedAvg and FedProx send model changes that can be weighted and summed; FedAvgM and FedAdam keep moments. */
    @Override
    public java.util.Optional<String> whyNotAsynchronous() {
        return name.equals("fedavg") || name.equals("fedprox") ? java.util.Optional.empty()
                : java.util.Optional.of(name + " keeps server optimiser moments that assume synchronous rounds");
    }

    @Override
    public Payload configure(int round, int clientId) {
        return Wire.withModel(new Payload().field(PayloadKeys.ROUND, round), global);
    }

    @Override
    public Aggregate aggregate(int round, List<ClientUpdate> updates, List<ClientFailure> failures) {
        List<ClientFailure> rejected = new ArrayList<>();
        List<ClientUpdate> ok = Updates.valid(round, ctx.numClients(), updates, expected(), rejected);
        if (!ok.isEmpty()) {
            double[] w = Updates.weights(ok, settings.byExamples());
            for (ParamSpec p : ctx.model().params()) {
                optimizer.apply(global, p.name(), Aggregation.weightedMean(Updates.tensors(ok, PayloadKeys.delta(p.name())), w));
            }
        }
        return new Aggregate(null, ok.stream().map(ClientUpdate::clientId).toList(), rejected);
    }

    private Map<String, long[]> expected() {
        Map<String, long[]> e = new LinkedHashMap<>();
        for (ParamSpec p : ctx.model().params()) {
            e.put(PayloadKeys.delta(p.name()), p.shape());
        }
        return e;
    }

    @Override
    public ClientAlgorithm newClient(int clientId) {
        return new Client(clientId);
    }

    private final class Client implements ClientAlgorithm {

        private final int id;

        Client(int id) {
            this.id = id;
        }

        @Override
        public ClientUpdate train(int round, Payload task, ClientData data) {
            TrainSettings ts = ctx.train();
            Params x = Wire.model(task, ctx.model());
            Params w = x.dup();
            Params grad = w.zerosLike();
            Sgd sgd = new Sgd(ts);
            Minibatches batches = new Minibatches(data, ts.batchSize(), Seeds.derive(ctx.seed(), Seeds.tag("batches"), round, id));
            double lossSum = 0;
            for (int s = 0; s < ts.localSteps(); s++) {
                Batch b = batches.next();
                lossSum += ctx.model().lossAndGradient(w, b, grad);
                double lr = ts.lrAt(round, s);
                for (String n : w.names()) {
                    INDArray g = grad.get(n);
                    if (mu != 0) {
                        g.addi(w.get(n).sub(x.get(n)).muli(mu));
                    }
                    sgd.step(n, w.get(n), g, lr);
                }
            }
            Payload up = new Payload().field(PayloadKeys.ROUND, round);
            for (String n : w.names()) {
                up.tensor(PayloadKeys.delta(n), w.get(n).subi(x.get(n)));
            }
            return new ClientUpdate(id, round, data.numExamples(), lossSum / ts.localSteps(), up);
        }
    }
}
