/**
 * The command line behind {@code ./fedsub}: argument parsing, loading an experiment file with
 * {@code --set} overrides (unknown keys refused with a suggestion), the {@code run},
 * {@code compare} and {@code evaluate} commands and the progress display. Every mistake found before a run starts is
 * reported as one line and exit code 2.
 */
package org.fedsub.examples.cli;
