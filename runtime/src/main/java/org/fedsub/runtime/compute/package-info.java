/**
 * Allocation-free tensor kernels for the training loop: BLAS products written into arrays the
 * caller owns ({@link org.fedsub.runtime.compute.Blas}) and row-wise access to dense matrices
 * from Java ({@link org.fedsub.runtime.compute.Rows}), for the element-wise passes that would
 * otherwise cost one ND4J op (and usually one fresh off-heap buffer) each. The ND4J op path
 * costs 5-300 us per op whatever its size; these calls cost the arithmetic plus about a
 * microsecond (benchmarks/README.md).
 */
package org.fedsub.runtime.compute;
