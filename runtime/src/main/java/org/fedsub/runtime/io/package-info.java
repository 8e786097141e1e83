/**
 * NumPy's file formats in plain Java: {@link org.fedsub.runtime.io.Npy} reads and writes one
 * array as a {@code .npy} file (format versions 1.0, 2.0 and 3.0; little-endian numeric dtypes,
 * C order, any shape), and {@link org.fedsub.runtime.io.Npz} a zip of them ({@code np.savez},
 * stored or deflated). Arrays are {@link org.fedsub.runtime.io.NpyArray} values (dtype, shape and
 * the raw little-endian bytes) with conversions to Java arrays and ND4J. Readers bound every size
 * against the bytes actually present before they allocate, and every problem with a file is an
 * {@link org.fedsub.runtime.io.NpyFormatException} naming the file, the entry and the byte offset.
 */
package org.fedsub.runtime.io;
