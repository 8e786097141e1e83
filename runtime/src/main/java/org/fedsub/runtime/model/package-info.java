/**
 * Models as stateless functions of named parameters: the {@link org.fedsub.runtime.model.Model}
 * SPI, {@link org.fedsub.runtime.model.Params} and {@link org.fedsub.runtime.model.ParamSpec},
 * and the built-in logistic regression, linear regression, MLP and small CNN with hand-written
 * backward passes (weights stored {@code [in, out]}, convolution kernels as im2col matrices), built
 * from configuration by {@link org.fedsub.runtime.model.Models} among the
 * {@link org.fedsub.runtime.model.ModelProvider}s on the class path (plug-ins' too). Models as
 * files: {@link org.fedsub.runtime.model.ModelFiles} saves parameters as a NumPy {@code .npz}
 * with metadata (docs/models.md) and reads them back, checked against a model, as a
 * {@link org.fedsub.runtime.model.SavedModel}; a {@link org.fedsub.runtime.model.ConfiguredModel}
 * remembers the settings it was built from and may start from saved parameters.
 */
package org.fedsub.runtime.model;
