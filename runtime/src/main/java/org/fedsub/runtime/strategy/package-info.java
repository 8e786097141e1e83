/**
 * Federated algorithms behind one SPI in Flower's shape: {@link org.fedsub.runtime.strategy.Strategy}
 * (server half: configure, aggregate, global model) and
 * {@link org.fedsub.runtime.strategy.ClientAlgorithm} (client half with its private state).
 * FedAvg, FedProx, FedAvgM, FedAdam, SCAFFOLD, FedSub and any plug-in's strategies are
 * {@link org.fedsub.runtime.strategy.StrategyProvider}s found by name through
 * {@link java.util.ServiceLoader} in {@link org.fedsub.runtime.strategy.Strategies}, which builds a
 * server with its clients, or only the client halves
 * ({@link org.fedsub.runtime.strategy.ClientFactory}) for a client node; every
 * client half runs the same local-SGD loop with its strategy's hooks. Payload names are in
 * {@link org.fedsub.runtime.strategy.PayloadKeys}; settings are records read eagerly from
 * {@code fedsub.strategy} and {@code fedsub.train}.
 */
package org.fedsub.runtime.strategy;
