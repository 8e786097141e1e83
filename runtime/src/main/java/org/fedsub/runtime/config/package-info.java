/**
 * Start-up validation of Typesafe Config settings: {@link org.fedsub.runtime.config.ConfigError}
 * names the HOCON path, the bad value and what would be right.
 */
package org.fedsub.runtime.config;
