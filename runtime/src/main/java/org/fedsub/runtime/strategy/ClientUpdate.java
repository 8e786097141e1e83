package org.fedsub.runtime.strategy;

import org.fedsub.runtime.codec.Payload;

/**
 * What a client returns after its local work in a round.
 *
 * @param numExamples the client's training examples (weights the mean when weighting = examples)
 * @param trainLoss   mean minibatch loss over the round's local steps
 */
public record ClientUpdate(int clientId, int round, long numExamples, double trainLoss, Payload payload) {}
