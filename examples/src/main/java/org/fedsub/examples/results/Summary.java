package org.fedsub.examples.results;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A comparison's table: one row per member with final and best test accuracy, rounds and uplink,
 * downlink and total (uplink + downlink) bytes until the target accuracy was first reached, total
 * traffic each way and both ways, and time; when some member
 * modelled a clock, the virtual seconds until the target and in all, and when some member ran
 * on actors, its late clients and dropped rounds. Written as
 * {@code summary.md} (for people) and {@code summary.csv} (raw numbers, empty where a value does
 * not exist).
 */
public final class Summary {

    public static final String SUMMARY_MD = "summary.md";
    public static final String SUMMARY_CSV = "summary.csv";

    private static final List<String> CSV_COLUMNS = List.of("name", "strategy", "rounds", "final_test_accuracy",
            "best_test_accuracy", "final_test_loss", "target_accuracy", "rounds_to_target", "uplink_bytes_to_target",
            "total_uplink_bytes", "total_downlink_bytes", "training_seconds", "wall_seconds",
            "virtual_seconds_to_target", "final_virtual_seconds", "late_clients", "dropped_rounds", "refused_updates",
            "lost_clients", "downlink_bytes_to_target", "total_bytes_to_target", "total_bytes");

    private Summary() {}

    public static void write(Path dir, List<RunRecord> runs, double target) throws IOException {
        Files.writeString(dir.resolve(SUMMARY_MD), markdown(runs, target), StandardCharsets.UTF_8);
        Files.writeString(dir.resolve(SUMMARY_CSV), csv(runs, target), StandardCharsets.UTF_8);
    }

    /** A Markdown table, also what {@code compare} prints at the end. */
    public static String markdown(List<RunRecord> runs, double target) {
        boolean accuracy = runs.stream().anyMatch(RunRecord::hasAccuracy);
        boolean virtual = runs.stream().anyMatch(RunRecord::usesVirtualTime);
        boolean actors = runs.stream().anyMatch(RunRecord::onActors);
        boolean refused = runs.stream().anyMatch(r -> r.totalRefused() > 0);
        boolean lost = runs.stream().anyMatch(r -> !r.lostClients().isEmpty());
        String t = Units.percent(target);
        List<String> header = new ArrayList<>(List.of("run", "strategy", "rounds"));
        if (accuracy) {
            header.addAll(List.of("final acc", "best acc", "rounds to " + t, "uplink to " + t, "downlink to " + t,
                    "total to " + t));
            if (virtual) {
                header.add("virtual s to " + t);
            }
        }
        if (virtual) {
            header.add("virtual time");
        }
        if (actors) {
            header.addAll(List.of("late", "dropped rounds"));
        }
        if (refused) {
            header.add("refused updates");
        }
        if (lost) {
            header.add("lost clients");
        }
        header.addAll(List.of("final test loss", "uplink total", "downlink total", "total bytes", "wall time"));
        List<List<String>> rows = new ArrayList<>();
        for (RunRecord r : runs) {
            // An interrupted run (Ctrl-C) says so where its rounds are counted.
            String rounds = r.interrupted() ? r.rounds().size() + " of " + r.plannedRounds() + ", interrupted"
                    : Integer.toString(r.rounds().size());
            List<String> row = new ArrayList<>(List.of(r.name(), r.strategy(), rounds));
            if (accuracy) {
                int toTarget = r.result().roundsToAccuracy(target);
                long upToTarget = r.result().uplinkBytesToAccuracy(target);
                long downToTarget = r.downlinkBytesToAccuracy(target);
                long totalToTarget = r.totalBytesToAccuracy(target);
                row.addAll(List.of(Units.percent(r.finalAccuracy()), Units.percent(r.bestAccuracy()),
                        toTarget < 0 ? "not reached" : Integer.toString(toTarget),
                        upToTarget < 0 ? "not reached" : Units.bytes(upToTarget),
                        downToTarget < 0 ? "not reached" : Units.bytes(downToTarget),
                        totalToTarget < 0 ? "not reached" : Units.bytes(totalToTarget)));
                if (virtual) {
                    double v = r.virtualSecondsToAccuracy(target);
                    row.add(!r.usesVirtualTime() ? "-" : Double.isNaN(v) ? "not reached" : seconds(v));
                }
            }
            if (virtual) {
                row.add(r.usesVirtualTime() ? seconds(r.finalVirtualSeconds()) : "-");
            }
            if (actors) {
                row.add(r.onActors() ? Integer.toString(r.totalLate()) : "-");
                row.add(r.onActors() ? Integer.toString(r.droppedRounds()) : "-");
            }
            if (refused) {
                row.add(r.totalRefused() == 0 ? "0" : r.refused().entrySet().stream()
                        .map(e -> e.getKey() + " " + e.getValue()).collect(java.util.stream.Collectors.joining(", ")));
            }
            if (lost) {
                row.add(r.lostClients().isEmpty() ? "0" : r.lostClients().size() + " " + r.lostClients());
            }
            row.addAll(List.of(Units.loss(r.finalTestLoss()), Units.bytes(r.result().totalUplinkBytes()),
                    Units.bytes(r.result().totalDownlinkBytes()), Units.bytes(r.totalBytes()),
                    String.format(Locale.ROOT, "%.1f s", r.wallSeconds())));
            rows.add(row);
        }
        return table(header, rows);
    }

    public static String csv(List<RunRecord> runs, double target) {
        StringBuilder b = new StringBuilder(String.join(",", CSV_COLUMNS)).append('\n');
        for (RunRecord r : runs) {
            int toTarget = r.hasAccuracy() ? r.result().roundsToAccuracy(target) : -1;
            long upToTarget = r.hasAccuracy() ? r.result().uplinkBytesToAccuracy(target) : -1;
            long downToTarget = r.hasAccuracy() ? r.downlinkBytesToAccuracy(target) : -1;
            long totalToTarget = r.hasAccuracy() ? r.totalBytesToAccuracy(target) : -1;
            List<String> cells = List.of(csvText(r.name()), r.strategy(), Integer.toString(r.rounds().size()),
                    num(r.finalAccuracy()), num(r.bestAccuracy()), num(r.finalTestLoss()), Double.toString(target),
                    toTarget < 0 ? "" : Integer.toString(toTarget), upToTarget < 0 ? "" : Long.toString(upToTarget),
                    Long.toString(r.result().totalUplinkBytes()), Long.toString(r.result().totalDownlinkBytes()),
                    Double.toString(r.trainingSeconds()), Double.toString(r.wallSeconds()),
                    num(r.hasAccuracy() ? r.virtualSecondsToAccuracy(target) : Double.NaN),
                    r.usesVirtualTime() ? Double.toString(r.finalVirtualSeconds()) : "",
                    r.onActors() ? Integer.toString(r.totalLate()) : "",
                    r.onActors() ? Integer.toString(r.droppedRounds()) : "", Integer.toString(r.totalRefused()),
                    r.onActors() ? Integer.toString(r.lostClients().size()) : "",
                    downToTarget < 0 ? "" : Long.toString(downToTarget),
                    totalToTarget < 0 ? "" : Long.toString(totalToTarget), Long.toString(r.totalBytes()));
            b.append(String.join(",", cells)).append('\n');
        }
        return b.toString();
    }

    private static String seconds(double v) {
        return String.format(Locale.ROOT, "%.1f s", v);
    }

    private static String num(double v) {
        return Double.isNaN(v) ? "" : Double.toString(v);
    }

    private static String csvText(String s) {
        return s.contains(",") || s.contains("\"") ? '"' + s.replace("\"", "\"\"") + '"' : s;
    }

    private static String table(List<String> header, List<List<String>> rows) {
        int[] w = new int[header.size()];
        for (int c = 0; c < w.length; c++) {
            w[c] = Math.max(3, header.get(c).length());
            for (List<String> row : rows) {
                w[c] = Math.max(w[c], row.get(c).length());
            }
        }
        StringBuilder b = new StringBuilder();
        line(b, header, w);
        b.append('|');
        for (int c = 0; c < w.length; c++) {
            // Text columns left-aligned, numbers right-aligned.
            b.append(c < 2 ? ":" + "-".repeat(w[c] + 1) : "-".repeat(w[c] + 1) + ":").append('|');
        }
        b.append('\n');
        for (List<String> row : rows) {
            line(b, row, w);
        }
        return b.toString();
    }

    private static void line(StringBuilder b, List<String> cells, int[] w) {
        b.append('|');
        for (int c = 0; c < w.length; c++) {
            String cell = cells.get(c).replace("|", "\\|");
            String pad = " ".repeat(Math.max(0, w[c] - cell.length()));
            b.append(' ').append(c < 2 ? cell + pad : pad + cell).append(" |");
        }
        b.append('\n');
    }
}
