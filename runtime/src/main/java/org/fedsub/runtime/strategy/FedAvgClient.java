package org.fedsub.runtime.strategy;

import org.fedsub.runtime.Seeds;
import org.fedsub.runtime.codec.Payload;
import org.fedsub.runtime.data.Batch;
import org.fedsub.runtime.data.ClientData;
import org.fedsub.runtime.model.Params;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The client half of the FedAvg family ({@link FedAvg}): local SGD from the global model, with
 * FedProx's proximal gradient {@code mu (w - x)} when {@code mu > 0}; sends {@code w - x}. It
 * keeps nothing between rounds.
 */
final class FedAvgClient implements ClientAlgorithm {

    private final StrategyContext ctx;
    private final double mu;
    private final int id;

    FedAvgClient(StrategyContext ctx, double mu, int id) {
        this.ctx = ctx;
        this.mu = mu;
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
