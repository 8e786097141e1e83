/**
 * Data for federated experiments: tables held once in memory ({@link org.fedsub.runtime.data.Dataset}),
 * clients as row-index views of them ({@link org.fedsub.runtime.data.ClientData}), the generated
 * benchmarks (FedProx Synthetic, heterogeneous least squares), an IDX reader for MNIST and
 * Fashion-MNIST, the user's own tables ({@link org.fedsub.runtime.data.CsvReader}, NumPy arrays,
 * per-client folders as {@link org.fedsub.runtime.data.ClientFolders} lists them; every file
 * checked before anything is allocated, errors as {@link org.fedsub.runtime.data.DataFileException}),
 * label-based partitioners (iid, Dirichlet, shards, by-class), and
 * {@link org.fedsub.runtime.data.FederatedDatasets#fromConfig} which builds what the
 * {@code fedsub.data} configuration names. Everything is deterministic in a seed.
 */
package org.fedsub.runtime.data;
