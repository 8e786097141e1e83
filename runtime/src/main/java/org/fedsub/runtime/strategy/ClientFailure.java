package org.fedsub.runtime.strategy;

/** A sampled client whose update did not count this round, and why. */
public record ClientFailure(int clientId, int round, String reason) {}
