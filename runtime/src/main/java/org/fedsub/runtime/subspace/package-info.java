/**
 * FedSub's random subspaces: the {@link org.fedsub.runtime.subspace.Projection} SPI over
 * weights stored {@code [n, m]}, the {@code cd}/{@code idx} signed coordinate selection with its
 * gather/scatter fast path, the dense {@code rd}, {@code ss} and {@code svd} projections, and the
 * seeded {@link org.fedsub.runtime.subspace.Generator}s, so that a basis is named by a seed and
 * never sent.
 */
package org.fedsub.runtime.subspace;
