package org.fedsub.examples.results;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.fedsub.runtime.engine.RoundMetrics;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * The PNG plots of one run, or of several overlaid (a comparison): accuracy against rounds,
 * cumulative uplink bytes, cumulative uplink + downlink bytes and time, and loss against rounds. A regression (no accuracy) gets
 * loss plots in place of the accuracy ones.
 */
public final class Charts {

    public static final String ACCURACY_VS_ROUND = "accuracy_vs_round.png";
    public static final String ACCURACY_VS_UPLINK = "accuracy_vs_uplink_bytes.png";
    /** Against cumulative uplink + downlink bytes: the whole traffic, both directions. */
    public static final String ACCURACY_VS_TOTAL = "accuracy_vs_total_bytes.png";
    public static final String ACCURACY_VS_TIME = "accuracy_vs_time.png";
    public static final String LOSS_VS_ROUND = "loss_vs_round.png";
    public static final String LOSS_VS_UPLINK = "loss_vs_uplink_bytes.png";
    public static final String LOSS_VS_TOTAL = "loss_vs_total_bytes.png";
    public static final String LOSS_VS_TIME = "loss_vs_time.png";
    /** In place of the round plots when a run is asynchronous (its "rounds" are model versions). */
    public static final String ACCURACY_VS_UPDATES = "accuracy_vs_updates.png";
    public static final String LOSS_VS_UPDATES = "loss_vs_updates.png";

    /** Tableau's ten colours: distinct, and none as faint as JFreeChart's default yellow. */
    private static final Color[] PALETTE = {new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c),
        new Color(0xd62728), new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f),
        new Color(0xbcbd22), new Color(0x17becf)};

    private static final int WIDTH = 900;
    private static final int HEIGHT = 560;

    static {
        // No display on servers and CI; must be set before AWT initialises.
        System.setProperty("java.awt.headless", "true");
    }

    /** One line: {@code x[i], y[i]} pairs; NaN y values (rounds not evaluated) are skipped. */
    public record Series(String name, double[] x, double[] y) {}

    private Charts() {}

    /**
     * Writes the standard plots of {@code runs} (one line per run, or per metric for a single
     * run's loss plot) into {@code dir}; returns the file names written.
     */
    public static List<String> writeAll(Path dir, List<RunRecord> runs) throws IOException {
        List<String> written = new ArrayList<>();
        boolean accuracy = runs.stream().anyMatch(RunRecord::hasAccuracy);
        String title = runs.size() == 1 ? runs.get(0).name() + " (" + runs.get(0).strategy() + ", "
                + runs.get(0).data() + ")" : "comparison on " + runs.get(0).data();
        long maxUp = runs.stream().mapToLong(r -> r.result().totalUplinkBytes()).max().orElse(0);
        int unit = Units.unitOf(maxUp);
        double scale = Math.pow(1024, unit);
        boolean virtual = runs.stream().allMatch(RunRecord::usesVirtualTime);
        String timeLabel = virtual ? "simulated time (s)" : "wall-clock time (s, training, evaluation excluded)";
        String upLabel = "cumulative uplink (" + Units.unitName(unit) + ")";
        long maxTotal = runs.stream().mapToLong(RunRecord::totalBytes).max().orElse(0);
        int totalUnit = Units.unitOf(maxTotal);
        double totalScale = Math.pow(1024, totalUnit);
        String totalLabel = "cumulative uplink + downlink (" + Units.unitName(totalUnit) + ")";

        // Asynchronous runs make a model version per aggregation, not a round of sampled clients:
        // every run is then drawn against the client updates it used, which mean the same for all.
        boolean versions = runs.stream().anyMatch(RunRecord::asynchronous);
        java.util.function.Function<RunRecord, double[]> progress = versions ? RunRecord::cumulativeUpdatesUsed
                : Charts::rounds;
        String progressLabel = versions ? "client updates used" : "round";
        // Least squares: the gap to the optimum's train loss, on a log scale, shows convergence.
        boolean gap = !accuracy && runs.stream().allMatch(r -> !Double.isNaN(r.optimalTrainLoss()));
        String trainLabel = gap ? String.format(java.util.Locale.ROOT, "global train loss - optimum (%s)",
                Units.loss(runs.get(0).optimalTrainLoss())) : "global train loss";
        java.util.function.Function<RunRecord, double[]> train = r -> {
            double[] y = column(r, RoundMetrics::trainLoss);
            if (gap) {
                for (int i = 0; i < y.length; i++) {
                    y[i] -= r.optimalTrainLoss();
                }
            }
            return y;
        };
        if (accuracy) {
            String yLabel = "test accuracy";
            String byProgress = versions ? ACCURACY_VS_UPDATES : ACCURACY_VS_ROUND;
            write(dir.resolve(byProgress), title, progressLabel, yLabel, map(runs, progress,
                    r -> column(r, RoundMetrics::testAccuracy)), false, true);
            write(dir.resolve(ACCURACY_VS_UPLINK), title, upLabel, yLabel, map(runs, r -> scaled(r.cumulativeUplink(),
                    scale), r -> column(r, RoundMetrics::testAccuracy)), false, false);
            write(dir.resolve(ACCURACY_VS_TOTAL), title, totalLabel, yLabel, map(runs,
                    r -> scaled(r.cumulativeTotal(), totalScale), r -> column(r, RoundMetrics::testAccuracy)), false,
                    false);
            write(dir.resolve(ACCURACY_VS_TIME), title, timeLabel, yLabel, map(runs, RunRecord::timeAxis,
                    r -> column(r, RoundMetrics::testAccuracy)), false, false);
            written.addAll(List.of(byProgress, ACCURACY_VS_UPLINK, ACCURACY_VS_TOTAL, ACCURACY_VS_TIME));
        } else {
            write(dir.resolve(LOSS_VS_UPLINK), title, upLabel, trainLabel, map(runs,
                    r -> scaled(r.cumulativeUplink(), scale), train), true, false, gap);
            write(dir.resolve(LOSS_VS_TOTAL), title, totalLabel, trainLabel, map(runs,
                    r -> scaled(r.cumulativeTotal(), totalScale), train), true, false, gap);
            write(dir.resolve(LOSS_VS_TIME), title, timeLabel, trainLabel, map(runs, RunRecord::timeAxis, train), true,
                    false, gap);
            written.addAll(List.of(LOSS_VS_UPLINK, LOSS_VS_TOTAL, LOSS_VS_TIME));
        }
        List<Series> loss;
        if (runs.size() == 1 && !gap) {
            RunRecord r = runs.get(0);
            double[] x = progress.apply(r);
            loss = List.of(new Series("client loss (mean local)", x, column(r, RoundMetrics::clientLoss)),
                    new Series("global train loss", x, column(r, RoundMetrics::trainLoss)),
                    new Series("global test loss", x, column(r, RoundMetrics::testLoss)));
        } else {
            loss = map(runs, progress, train);
        }
        String byProgress = versions ? LOSS_VS_UPDATES : LOSS_VS_ROUND;
        write(dir.resolve(byProgress), title, progressLabel, runs.size() == 1 && !gap ? "loss" : trainLabel, loss,
                true, true, gap);
        written.add(byProgress);
        return written;
    }

    /**
     * Writes one line chart. {@code logIfWide}: a log y axis when every value is positive and
     * they span more than two decades (least-squares losses do).
     */
    public static void write(Path png, String title, String xLabel, String yLabel, List<Series> series,
            boolean logIfWide, boolean integerX) throws IOException {
        write(png, title, xLabel, yLabel, series, logIfWide, integerX, false);
    }

    /** As above; {@code logAlways}: a log y axis whenever every value is positive. */
    static void write(Path png, String title, String xLabel, String yLabel, List<Series> series,
            boolean logIfWide, boolean integerX, boolean logAlways) throws IOException {
        XYSeriesCollection data = new XYSeriesCollection();
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        int points = 0;
        for (Series s : series) {
            XYSeries xy = new XYSeries(s.name(), false, true);
            for (int i = 0; i < s.x().length; i++) {
                double y = s.y()[i];
                if (Double.isFinite(y) && Double.isFinite(s.x()[i])) {
                    xy.add(s.x()[i], y);
                    min = Math.min(min, y);
                    max = Math.max(max, y);
                }
            }
            points = Math.max(points, xy.getItemCount());
            data.addSeries(xy);
        }
        JFreeChart chart = ChartFactory.createXYLineChart(title, xLabel, yLabel, data, PlotOrientation.VERTICAL,
                true, false, false);
        chart.setBackgroundPaint(Color.WHITE);
        XYPlot plot = chart.getXYPlot();
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(new Color(0xDD, 0xDD, 0xDD));
        plot.setRangeGridlinePaint(new Color(0xDD, 0xDD, 0xDD));
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, points <= 30);
        for (int i = 0; i < series.size(); i++) {
            renderer.setSeriesStroke(i, new BasicStroke(2f));
            renderer.setSeriesPaint(i, PALETTE[i % PALETTE.length]);
        }
        plot.setRenderer(renderer);
        if ((logAlways || logIfWide && max / min > 100) && min > 0) {
            LogAxis log = new LogAxis(yLabel);
            log.setAutoRange(true);
            plot.setRangeAxis(log);
        } else {
            NumberAxis y = (NumberAxis) plot.getRangeAxis();
            y.setAutoRangeIncludesZero(false);
        }
        if (integerX) {
            plot.getDomainAxis().setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        }
        ChartUtils.saveChartAsPNG(png.toFile(), chart, WIDTH, HEIGHT);
    }

    private static List<Series> map(List<RunRecord> runs, java.util.function.Function<RunRecord, double[]> x,
            java.util.function.Function<RunRecord, double[]> y) {
        List<Series> out = new ArrayList<>();
        for (RunRecord r : runs) {
            out.add(new Series(r.name(), x.apply(r), y.apply(r)));
        }
        return out;
    }

    private static double[] rounds(RunRecord r) {
        double[] x = new double[r.rounds().size()];
        for (int i = 0; i < x.length; i++) {
            x[i] = r.rounds().get(i).round() + 1;
        }
        return x;
    }

    private static double[] column(RunRecord r, java.util.function.ToDoubleFunction<RoundMetrics> f) {
        return r.rounds().stream().mapToDouble(f).toArray();
    }

    private static double[] scaled(long[] v, double scale) {
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = v[i] / scale;
        }
        return out;
    }
}
