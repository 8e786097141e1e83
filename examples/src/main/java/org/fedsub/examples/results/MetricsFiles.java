package org.fedsub.examples.results;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.fedsub.actors.server.RoundReport;
import org.fedsub.runtime.engine.RoundMetrics;

/**
 * Writes a run's {@code metrics.csv}, {@code timing.csv} and {@code metrics.json}.
 *
 * <p>{@code metrics.csv} has only the columns a rerun reproduces (doubles as
 * {@link Double#toString}, which round-trips exactly; {@code NaN} where a round was not
 * evaluated), so the same config and seed give the same bytes. Wall-clock time differs on every
 * run and goes to {@code timing.csv} and {@code metrics.json} only. Rounds are numbered from 1.
 * A run on the actor runtime adds the columns {@code late} (sampled clients with no answer when
 * the round closed) and {@code dropped} (1 when the round aggregated nothing and kept the model).
 *
 * <p>{@code metrics.csv} is written twice: line by line as the rounds finish ({@link #appender}),
 * so that a killed run keeps its finished rounds, and whole at the end, with the same bytes.
 * {@code metrics.json} says how many rounds were planned and whether the run was interrupted.
 */
public final class MetricsFiles {

    public static final String METRICS_CSV = "metrics.csv";
    public static final String TIMING_CSV = "timing.csv";
    public static final String METRICS_JSON = "metrics.json";

    static final List<String> METRICS_COLUMNS = List.of("round", "sampled", "used", "failed", "client_loss",
            "train_loss", "test_loss", "test_accuracy", "uplink_bytes", "downlink_bytes", "max_client_uplink",
            "cum_uplink_bytes", "cum_downlink_bytes", "virtual_seconds", "refused");

    /** Appended to {@link #METRICS_COLUMNS} for a run on the actor runtime. */
    static final List<String> ACTOR_COLUMNS = List.of("late", "dropped");

    static final List<String> TIMING_COLUMNS = List.of("round", "wall_millis", "cum_wall_seconds", "elapsed_seconds");

    private MetricsFiles() {}

    /** Writes the three files into {@code dir}, metrics.json with no target accuracy. */
    public static void write(Path dir, RunRecord run) throws IOException {
        write(dir, run, Double.NaN);
    }

    /**
     * Writes the three files into {@code dir}; metrics.json reports the rounds and bytes until
     * the test accuracy first reached {@code target} ({@code fedsub.compare.target-accuracy};
     * NaN: none).
     */
    public static void write(Path dir, RunRecord run, double target) throws IOException {
        Files.writeString(dir.resolve(METRICS_CSV), metricsCsv(run), StandardCharsets.UTF_8);
        Files.writeString(dir.resolve(TIMING_CSV), timingCsv(run), StandardCharsets.UTF_8);
        Files.writeString(dir.resolve(METRICS_JSON), json(run, target), StandardCharsets.UTF_8);
    }

    public static String metricsCsv(RunRecord run) {
        StringBuilder b = new StringBuilder(metricsHeader(run.onActors()));
        long[] up = run.cumulativeUplink();
        long[] down = run.cumulativeDownlink();
        List<RoundMetrics> rounds = run.rounds();
        for (int i = 0; i < rounds.size(); i++) {
            b.append(metricsLine(rounds.get(i), up[i], down[i], run.onActors() ? run.reports().get(i) : null));
        }
        return b.toString();
    }

    /** The first line of metrics.csv, with its newline. */
    static String metricsHeader(boolean onActors) {
        return String.join(",", METRICS_COLUMNS) + (onActors ? "," + String.join(",", ACTOR_COLUMNS) : "") + "\n";
    }

    /** One round's line of metrics.csv, with its newline; {@code report} is null for the reference engine. */
    static String metricsLine(RoundMetrics m, long cumUplink, long cumDownlink, RoundReport report) {
        StringBuilder b = new StringBuilder();
        b.append(m.round() + 1).append(',').append(m.sampled()).append(',').append(m.used()).append(',')
                .append(m.failed()).append(',').append(m.clientLoss()).append(',').append(m.trainLoss())
                .append(',').append(m.testLoss()).append(',').append(m.testAccuracy()).append(',')
                .append(m.uplinkBytes()).append(',').append(m.downlinkBytes()).append(',')
                .append(m.maxClientUplink()).append(',').append(cumUplink).append(',').append(cumDownlink).append(',')
                .append(m.virtualSeconds()).append(',').append(m.rejectedTotal());
        if (report != null) {
            b.append(',').append(report.late()).append(',').append(report.dropped() ? 1 : 0);
        }
        return b.append('\n').toString();
    }

    /**
     * Opens {@code dir/metrics.csv} for a run about to start and writes its header; each
     * {@link Appender#append} then adds one round's line and flushes it, so a run that is killed
     * keeps every round it finished. The lines are those {@link #write} writes at the end.
     */
    public static Appender appender(Path dir, boolean onActors) throws IOException {
        return new Appender(dir.resolve(METRICS_CSV), onActors, List.of());
    }

    /**
     * As {@link #appender(Path, boolean)} for a resumed run on the reference engine: metrics.csv
     * is rewritten with the rounds {@code before} it (those of its checkpoint, whatever lines a
     * killed run had appended after it) and grows from there.
     */
    public static Appender resumed(Path dir, List<RoundMetrics> before) throws IOException {
        return new Appender(dir.resolve(METRICS_CSV), false, before);
    }

    /**
     * As {@link #resumed} for a resumed run on the actor runtime ({@code fedsub server --resume}):
     * metrics.csv holds the rounds of the checkpoint's reports, whatever a killed server had
     * appended after it, and grows from there.
     */
    public static Appender resumedOnActors(Path dir, List<RoundReport> before) throws IOException {
        return new Appender(dir.resolve(METRICS_CSV), true, before.stream().map(RoundReport::metrics).toList(),
                before);
    }

    /** metrics.csv, written as the rounds finish. */
    public static final class Appender implements java.io.Closeable {

        private final java.io.Writer out;
        private final boolean onActors;
        private long cumUplink;
        private long cumDownlink;

        private Appender(Path file, boolean onActors, List<RoundMetrics> before) throws IOException {
            this(file, onActors, before, null);
        }

        /** {@code reports}: those of {@code before} on the actor runtime, else null. */
        private Appender(Path file, boolean onActors, List<RoundMetrics> before, List<RoundReport> reports)
                throws IOException {
            this.out = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
            this.onActors = onActors;
            out.write(metricsHeader(onActors));
            for (int i = 0; i < before.size(); i++) {
                RoundMetrics m = before.get(i);
                cumUplink += m.uplinkBytes();
                cumDownlink += m.downlinkBytes();
                out.write(metricsLine(m, cumUplink, cumDownlink, reports == null ? null : reports.get(i)));
            }
            out.flush();
        }

        /**
         * Appends round {@code m} and flushes; {@code report} (the actor runtime's) is null on the
         * reference engine. A failure to write is an {@link java.io.UncheckedIOException}: a run
         * whose results cannot be kept should stop.
         */
        public synchronized void append(RoundMetrics m, RoundReport report) {
            cumUplink += m.uplinkBytes();
            cumDownlink += m.downlinkBytes();
            try {
                out.write(metricsLine(m, cumUplink, cumDownlink, onActors ? report : null));
                out.flush();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException("cannot write " + METRICS_CSV + ": " + e.getMessage(), e);
            }
        }

        @Override
        public synchronized void close() throws IOException {
            out.close();
        }
    }

    public static String timingCsv(RunRecord run) {
        StringBuilder b = new StringBuilder(String.join(",", TIMING_COLUMNS)).append('\n');
        double[] elapsed = run.elapsedSeconds();
        double cum = 0;
        for (int i = 0; i < run.rounds().size(); i++) {
            RoundMetrics m = run.rounds().get(i);
            cum += m.wallMillis() / 1000.0;
            b.append(m.round() + 1).append(',').append(m.wallMillis()).append(',').append(cum).append(',')
                    .append(elapsed[i]).append('\n');
        }
        return b.toString();
    }

    /** Everything: what was run, every round with every field (wall time included), and totals. */
    public static String json(RunRecord run) {
        return json(run, Double.NaN);
    }

    /**
     * As {@link #json(RunRecord)}, the summary also holding {@code to_target}: for the target
     * accuracy {@code target} (NaN: left out, as for a model without accuracy), whether it was
     * reached and, if so, the round (from 1) and the uplink, downlink and total bytes sent until
     * then, that round included (null where it was not reached).
     */
    public static String json(RunRecord run, double target) {
        Json j = new Json();
        j.open('{');
        j.field("experiment").string(run.name());
        j.field("strategy").string(run.strategy());
        j.field("runtime").string(run.onActors() ? "actors" : "reference");
        j.field("model").string(run.model());
        j.field("data").string(run.data());
        j.field("clients").number(run.clients());
        j.field("parameters").number(run.parameters());
        j.field("planned_rounds").number(run.plannedRounds());
        j.field("rounds").open('[');
        long[] up = run.cumulativeUplink();
        long[] down = run.cumulativeDownlink();
        double[] elapsed = run.elapsedSeconds();
        for (int i = 0; i < run.rounds().size(); i++) {
            RoundMetrics m = run.rounds().get(i);
            j.element().open('{');
            j.field("round").number(m.round() + 1);
            j.field("sampled").number(m.sampled());
            j.field("used").number(m.used());
            j.field("failed").number(m.failed());
            j.field("client_loss").number(m.clientLoss());
            j.field("train_loss").number(m.trainLoss());
            j.field("test_loss").number(m.testLoss());
            j.field("test_accuracy").number(m.testAccuracy());
            j.field("uplink_bytes").number(m.uplinkBytes());
            j.field("downlink_bytes").number(m.downlinkBytes());
            j.field("max_client_uplink").number(m.maxClientUplink());
            j.field("cum_uplink_bytes").number(up[i]);
            j.field("cum_downlink_bytes").number(down[i]);
            j.field("wall_millis").number(m.wallMillis());
            j.field("elapsed_seconds").number(elapsed[i]);
            j.field("virtual_seconds").number(m.virtualSeconds());
            j.field("refused").open('{');
            m.rejected().forEach((k, v) -> j.field(k).number(v));
            j.close('}');
            if (run.onActors()) {
                RoundReport r = run.reports().get(i);
                j.field("late").number(r.late());
                j.field("dropped").bool(r.dropped());
            }
            j.close('}');
        }
        j.close(']');
        j.field("summary").open('{');
        j.field("rounds_run").number(run.rounds().size());
        j.field("interrupted").bool(run.interrupted());
        j.field("final_test_accuracy").number(run.finalAccuracy());
        j.field("best_test_accuracy").number(run.bestAccuracy());
        j.field("final_test_loss").number(run.finalTestLoss());
        j.field("final_train_loss").number(run.finalTrainLoss());
        j.field("total_uplink_bytes").number(run.result().totalUplinkBytes());
        j.field("total_downlink_bytes").number(run.result().totalDownlinkBytes());
        j.field("total_bytes").number(run.totalBytes());
        if (!Double.isNaN(target) && run.hasAccuracy()) {
            int round = run.result().roundsToAccuracy(target);
            j.field("to_target").open('{');
            j.field("accuracy").number(target);
            j.field("reached").bool(round >= 0);
            countOrNull(j.field("round"), round);
            countOrNull(j.field("uplink_bytes"), run.result().uplinkBytesToAccuracy(target));
            countOrNull(j.field("downlink_bytes"), run.downlinkBytesToAccuracy(target));
            countOrNull(j.field("total_bytes"), run.totalBytesToAccuracy(target));
            j.close('}');
        }
        j.field("training_seconds").number(run.trainingSeconds());
        j.field("wall_seconds").number(run.wallSeconds());
        j.field("refused").open('{');
        run.refused().forEach((k, v) -> j.field(k).number(v));
        j.close('}');
        if (run.onActors()) {
            j.field("total_late").number(run.totalLate());
            j.field("dropped_rounds").number(run.droppedRounds());
        }
        j.close('}');
        j.close('}');
        return j.toString() + "\n";
    }

    /** {@code v}, or null where it is negative (not reached). */
    private static void countOrNull(Json j, long v) {
        if (v < 0) {
            j.number(Double.NaN);
        } else {
            j.number(v);
        }
    }

    /** A minimal pretty-printing JSON writer; NaN and infinities become null (JSON has no NaN). */
    static final class Json {

        private final StringBuilder b = new StringBuilder();
        private int depth;
        private boolean first = true;

        Json open(char c) {
            b.append(c);
            depth++;
            first = true;
            return this;
        }

        Json close(char c) {
            depth--;
            newline();
            b.append(c);
            first = false;
            return this;
        }

        Json field(String name) {
            element();
            quote(name);
            b.append(": ");
            return this;
        }

        Json element() {
            if (!first) {
                b.append(',');
            }
            newline();
            first = false;
            return this;
        }

        Json string(String s) {
            quote(s);
            return this;
        }

        Json number(long v) {
            b.append(v);
            return this;
        }

        Json bool(boolean v) {
            b.append(v);
            return this;
        }

        Json number(double v) {
            b.append(Double.isFinite(v) ? Double.toString(v) : "null");
            return this;
        }

        private void newline() {
            b.append('\n').append("  ".repeat(depth));
        }

        private void quote(String s) {
            b.append('"');
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                switch (c) {
                    case '"' -> b.append("\\\"");
                    case '\\' -> b.append("\\\\");
                    case '\n' -> b.append("\\n");
                    case '\r' -> b.append("\\r");
                    case '\t' -> b.append("\\t");
                    default -> {
                        if (c < 0x20) {
                            b.append(String.format("\\u%04x", (int) c));
                        } else {
                            b.append(c);
                        }
                    }
                }
            }
            b.append('"');
        }

        @Override
        public String toString() {
            return b.toString();
        }
    }
}
