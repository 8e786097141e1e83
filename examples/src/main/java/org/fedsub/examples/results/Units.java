package org.fedsub.examples.results;

import java.util.Locale;

/** Human-readable bytes and durations for progress lines, plot axes and the summary table. */
public final class Units {

    private static final String[] BYTE_UNITS = {"B", "KiB", "MiB", "GiB", "TiB"};

    private Units() {}

    /** {@code 1536} -> {@code "1.50 KiB"}. */
    public static String bytes(double b) {
        int u = unitOf(b);
        double v = b / Math.pow(1024, u);
        return u == 0 ? String.format(Locale.ROOT, "%.0f B", v) : String.format(Locale.ROOT, "%.2f %s", v, BYTE_UNITS[u]);
    }

    /** Index into B, KiB, MiB, ... of the unit that shows {@code b} with 1 to 4 integer digits. */
    public static int unitOf(double b) {
        int u = 0;
        while (u < BYTE_UNITS.length - 1 && Math.abs(b) >= 1024 * 0.9999) {
            b /= 1024;
            u++;
        }
        return u;
    }

    public static String unitName(int u) {
        return BYTE_UNITS[u];
    }

    /** {@code 75.3} -> {@code "1:15"}, {@code 3725} -> {@code "1:02:05"}. */
    public static String duration(double seconds) {
        if (!Double.isFinite(seconds) || seconds < 0) {
            return "?";
        }
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }

    /** An accuracy in [0, 1] as a percentage, or "-" when there is none. */
    public static String percent(double a) {
        return Double.isNaN(a) ? "-" : String.format(Locale.ROOT, "%.2f%%", 100 * a);
    }

    /** A loss with four significant digits, or "-". */
    public static String loss(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.4g", v);
    }
}
