package org.fedsub.benchmarks;

import java.io.File;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;

/**
 * Reads a JMH JSON result file ({@code -rf json}) and prints the ratios the benchmarks exist
 * for. Every number is the median over measurement iterations (robust to the bursts of a noisy
 * shared machine); JMH's own table shows the means. Ratios are only meaningful between numbers
 * of one run (one JSON file). Benchmarks absent from the file are skipped.
 *
 * <p>Usage: {@code java -cp ... org.fedsub.benchmarks.Ratios benchmarks/results.json}
 */
public final class Ratios {

    private Ratios() {}

    /** Per-iteration scores of one benchmark + params, and its unit. */
    record Result(double[] iterations, String unit, Map<String, double[]> secondary) {
        double median() {
            return Ratios.median(iterations);
        }
    }

    public static void main(String[] args) throws IOException {
        String path = args.length > 0 ? args[0] : "benchmarks/results.json";
        JsonNode root = new ObjectMapper().readTree(new File(path));
        Map<String, Result> s = new HashMap<>();
        for (JsonNode r : root) {
            StringBuilder key = new StringBuilder(r.get("benchmark").asText().replace("org.fedsub.benchmarks.", ""));
            JsonNode params = r.get("params");
            if (params != null) {
                Map<String, String> sorted = new TreeMap<>();
                params.fields().forEachRemaining(e -> sorted.put(e.getKey(), e.getValue().asText()));
                sorted.forEach((k, v) -> key.append(' ').append(k).append('=').append(v));
            }
            Map<String, double[]> secondary = new HashMap<>();
            JsonNode sec = r.get("secondaryMetrics");
            if (sec != null) {
                sec.fields().forEachRemaining(e -> secondary.put(e.getKey(), raw(e.getValue())));
            }
            JsonNode pm = r.get("primaryMetric");
            s.put(key.toString(), new Result(raw(pm), pm.get("scoreUnit").asText(), secondary));
        }
        System.out.println();
        System.out.println("== fedsub benchmark ratios (" + path + "; medians over iterations, one run) ==");
        localStep(s);
        for (String n : new String[] {"784", "200"}) {
            ratio(s, "cd/dense project     n=" + n + " m=200 r=n/2",
                    "ProjectionBenchmark.cdProject n=" + n, "ProjectionBenchmark.denseProject n=" + n);
            ratio(s, "cd/dense liftAddi    n=" + n + " m=200 r=n/2",
                    "ProjectionBenchmark.cdLiftAddi n=" + n, "ProjectionBenchmark.denseLiftAddi n=" + n);
        }
        double mb = AggregationBenchmark.K * AggregationBenchmark.LENGTH * 4 / 1e6;
        Result agg = s.get("AggregationBenchmark.weightedMean");
        Result copy = s.get("AggregationBenchmark.arraycopy");
        if (agg != null && copy != null) {
            double a = agg.median();
            double c = copy.median();
            row("weightedMean/arraycopy K=10 x 200k", a / c, String.format(Locale.ROOT,
                    "separate trials; %.0f vs %.0f us = %.1f vs %.1f GB/s of input", a, c, mb / a * 1e3, mb / c * 1e3));
        }
        Result il = s.get("AggregationBenchmark.interleaved");
        if (il != null && il.secondary().containsKey("calls")) {
            Map<String, double[]> m = il.secondary();
            double[] calls = m.get("calls");
            double[] ratio = new double[calls.length];
            double[] mean = new double[calls.length];
            double[] copyUs = new double[calls.length];
            double[] zeros = new double[calls.length];
            for (int i = 0; i < calls.length; i++) {
                mean[i] = m.get("meanNs")[i] / calls[i] / 1e3;
                copyUs[i] = m.get("copyNs")[i] / calls[i] / 1e3;
                zeros[i] = m.get("zerosNs")[i] / calls[i] / 1e3;
                ratio[i] = mean[i] / copyUs[i];
            }
            row("weightedMean/arraycopy K=10 x 200k", median(ratio), String.format(Locale.ROOT,
                    "interleaved; %.0f vs %.0f us = %.1f vs %.1f GB/s of input", median(mean), median(copyUs),
                    mb / median(mean) * 1e3, mb / median(copyUs) * 1e3));
            row("  its zeroed accumulator / weightedMean", median(zeros) / median(mean), String.format(Locale.ROOT,
                    "interleaved; Nd4j.zeros(200k floats) %.0f us", median(zeros)));
        }
    }

    private static void localStep(Map<String, Result> s) {
        Result a1 = s.get("LocalStepBenchmark.train strategy=fedavg tau=1");
        Result a20 = s.get("LocalStepBenchmark.train strategy=fedavg tau=20");
        Result s1 = s.get("LocalStepBenchmark.train strategy=fedsub tau=1");
        Result s20 = s.get("LocalStepBenchmark.train strategy=fedsub tau=20");
        int tau = LocalStepBenchmark.LONG_TAU;
        if (a1 != null && a20 != null && s1 != null && s20 != null) {
            double avg = (a20.median() - a1.median()) / (tau - 1);
            double sub = (s20.median() - s1.median()) / (tau - 1);
            row("FedSub/FedAvg per step (train)", sub / avg, String.format(Locale.ROOT,
                    "separate trials; %.2f vs %.2f ms/step", sub, avg));
        }
        Result il = s.get("LocalStepBenchmark.interleaved");
        if (il != null && il.secondary().containsKey("rounds")) {
            Map<String, double[]> m = il.secondary();
            double[] rounds = m.get("rounds");
            int k = rounds.length;
            double[] ratio = new double[k];
            double[] avgStep = new double[k];
            double[] subStep = new double[k];
            double[] subFixed = new double[k];
            double[] avgFixed = new double[k];
            for (int i = 0; i < k; i++) {
                double r = rounds[i] * 1e6; // ns -> ms per round
                avgStep[i] = (m.get("fedavg20Ns")[i] - m.get("fedavg1Ns")[i]) / r / (tau - 1);
                subStep[i] = (m.get("fedsub20Ns")[i] - m.get("fedsub1Ns")[i]) / r / (tau - 1);
                avgFixed[i] = m.get("fedavg1Ns")[i] / r - avgStep[i];
                subFixed[i] = m.get("fedsub1Ns")[i] / r - subStep[i];
                ratio[i] = subStep[i] / avgStep[i];
            }
            double[] sorted = ratio.clone();
            Arrays.sort(sorted);
            row("FedSub/FedAvg per step (interleaved)", median(ratio), String.format(Locale.ROOT,
                    "target <= 1.10: %s; iterations %.2f..%.2f; %.2f vs %.2f ms/step",
                    median(ratio) <= 1.10 ? "met" : "MISSED", sorted[0], sorted[k - 1], median(subStep),
                    median(avgStep)));
            row("FedSub/FedAvg fixed cost per round", median(subFixed) / median(avgFixed), String.format(Locale.ROOT,
                    "interleaved; %.2f vs %.2f ms (train() minus tau steps)", median(subFixed), median(avgFixed)));
        }
    }

    private static void ratio(Map<String, Result> s, String label, String num, String den) {
        Result a = s.get(num);
        Result b = s.get(den);
        if (a != null && b != null) {
            row(label, a.median() / b.median(), String.format(Locale.ROOT, "time; %.1f vs %.1f %s",
                    a.median(), b.median(), a.unit()));
        }
    }

    private static void row(String label, double value, String note) {
        System.out.printf(Locale.ROOT, "%-40s %6.3f  (%s)%n", label, value, note);
    }

    /** The per-iteration values of a metric (JMH's rawData: forks x iterations, flattened). */
    private static double[] raw(JsonNode metric) {
        List<Double> v = new ArrayList<>();
        for (JsonNode fork : metric.get("rawData")) {
            for (JsonNode x : fork) {
                v.add(x.asDouble());
            }
        }
        return v.stream().mapToDouble(Double::doubleValue).toArray();
    }

    static double median(double[] xs) {
        double[] c = xs.clone();
        Arrays.sort(c);
        int n = c.length;
        return n % 2 == 1 ? c[n / 2] : (c[n / 2 - 1] + c[n / 2]) / 2;
    }
}
