/**
 * The sequential reference engine: an {@link org.fedsub.runtime.engine.Experiment} built from
 * configuration by {@link org.fedsub.runtime.engine.Experiments}, run round by round by
 * {@link org.fedsub.runtime.engine.ReferenceEngine} with seeded client sampling, every message
 * passed through the codec, and per-round {@link org.fedsub.runtime.engine.RoundMetrics}. It is
 * the oracle the actor runtime is checked against.
 */
package org.fedsub.runtime.engine;
