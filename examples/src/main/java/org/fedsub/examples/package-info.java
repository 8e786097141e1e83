/**
 * Runnable programs: {@link org.fedsub.examples.Main} (the {@code ./fedsub} launcher's entry
 * point), and library-usage examples: {@link org.fedsub.examples.ProgrammaticSimulation} (an
 * experiment assembled in Java, no config file) and {@link org.fedsub.examples.CustomModel} (a
 * hand-written model plugged in through {@link org.fedsub.runtime.model.Model}). This module
 * picks the ND4J CPU backend and Logback.
 */
package org.fedsub.examples;
