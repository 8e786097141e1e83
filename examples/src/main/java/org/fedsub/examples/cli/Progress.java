package org.fedsub.examples.cli;

import java.io.PrintStream;
import java.util.Locale;
import org.fedsub.examples.results.Units;
import org.fedsub.runtime.engine.RoundListener;
import org.fedsub.runtime.engine.RoundMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Shows a run's progress: on a terminal, one line redrawn in place with {@code \r}; otherwise
 * (a pipe, a CI log) one log line per round, or every k-th round for long runs so that a log
 * stays around {@value #LOG_LINES} lines. Also records when each round ended, for timing.csv.
 */
final class Progress implements RoundListener {

    private static final Logger log = LoggerFactory.getLogger(Progress.class);
    private static final int LOG_LINES = 25;
    private static final int BAR = 20;

    private final String label;
    private final int rounds;
    private final PrintStream terminal;
    private final int logEvery;
    private final long startNanos = System.nanoTime();
    private final double[] elapsed;
    private long uplink;
    private double lastAccuracy = Double.NaN;
    private double lastTestLoss = Double.NaN;
    private int lastWidth;

    /** {@code terminal}: where to draw the bar, or null to log instead. */
    Progress(String label, int rounds, PrintStream terminal) {
        this.label = label;
        this.rounds = rounds;
        this.terminal = terminal;
        this.logEvery = Math.max(1, (int) Math.ceil(rounds / (double) LOG_LINES));
        this.elapsed = new double[rounds];
    }

    @Override
    public void onRound(RoundMetrics m) {
        double seconds = (System.nanoTime() - startNanos) / 1e9;
        int done = m.round() + 1;
        elapsed[m.round()] = seconds;
        uplink += m.uplinkBytes();
        if (!Double.isNaN(m.testAccuracy())) {
            lastAccuracy = m.testAccuracy();
        }
        if (!Double.isNaN(m.testLoss())) {
            lastTestLoss = m.testLoss();
        }
        double eta = seconds / done * (rounds - done);
        String quality = !Double.isNaN(lastAccuracy) ? "acc " + Units.percent(lastAccuracy)
                : "test loss " + Units.loss(lastTestLoss);
        if (terminal != null) {
            int filled = (int) Math.round(BAR * (double) done / rounds);
            String line = String.format(Locale.ROOT, "%s %s %d/%d  loss %s  %s  up %s  %s %s", label,
                    "[" + "#".repeat(filled) + ".".repeat(BAR - filled) + "]", done, rounds, Units.loss(m.clientLoss()),
                    quality, Units.bytes(uplink), done == rounds ? "took" : "ETA",
                    Units.duration(done == rounds ? seconds : eta));
            String pad = " ".repeat(Math.max(0, lastWidth - line.length()));
            terminal.print("\r" + line + pad);
            terminal.flush();
            lastWidth = line.length();
        } else if (done % logEvery == 0 || done == rounds || done == 1) {
            log.info("{} round {}/{}: client loss {}, {}, uplink {}, elapsed {}, ETA {}", label, done, rounds,
                    Units.loss(m.clientLoss()), quality, Units.bytes(uplink), Units.duration(seconds),
                    Units.duration(eta));
        }
    }

    /** Ends the in-place line so later output starts on a fresh one. */
    void finish() {
        if (terminal != null && lastWidth > 0) {
            terminal.println();
            terminal.flush();
        }
    }

    /** Seconds from the start to the end of each round. */
    double[] elapsedSeconds() {
        return elapsed.clone();
    }
}
