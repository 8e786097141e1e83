/**
 * What a run leaves behind: the results folder ({@code config.conf}, {@code metrics.csv},
 * {@code metrics.json}, {@code timing.csv}), the JFreeChart PNG plots, and a comparison's
 * overlay plots and summary table. {@code metrics.csv} holds only deterministic columns, so the
 * same config and seed give the same file byte for byte; wall-clock times go to
 * {@code timing.csv} and {@code metrics.json}.
 */
package org.fedsub.examples.results;
