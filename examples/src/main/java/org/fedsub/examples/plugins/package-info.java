/**
 * Plug-ins as a user's own jar would bring them, found by name through
 * {@link java.util.ServiceLoader} (this module's {@code META-INF/services/...}) with their
 * defaults in its {@code reference.conf}: robust aggregation strategies
 * ({@code fedsub.strategy.name = trimmed-mean} or {@code median}: {@link
 * org.fedsub.examples.plugins.TrimmedMeanProvider}, {@link org.fedsub.examples.plugins.MedianProvider})
 * and a wide-and-deep classifier ({@code fedsub.model.type = wide-deep}: {@link
 * org.fedsub.examples.plugins.WideDeepProvider}). {@code conf/plugin-strategy.conf} runs both.
 */
package org.fedsub.examples.plugins;
