package org.fedsub.runtime;

/**
 * Derives independent 64-bit seeds from an experiment seed and a path of integers
 * (round, client, layer, ...), so that every random draw in a run is a pure function of
 * where it happens, not of the order in which threads happen to run.
 */
public final class Seeds {

    private Seeds() {}

    /** SplitMix64 finaliser. */
    public static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    /** A seed for {@code base} at the given path; distinct paths give unrelated seeds. */
    public static long derive(long base, long... path) {
        long h = mix(base + 0x9e3779b97f4a7c15L);
        for (long p : path) {
            h = mix(h ^ mix(p + 0x632be59bd9b4e019L));
        }
        return h;
    }

    /** Stable 64-bit code of a label, for use in {@link #derive}. */
    public static long tag(String label) {
        long h = 1125899906842597L;
        for (int i = 0; i < label.length(); i++) {
            h = 31 * h + label.charAt(i);
        }
        return h;
    }
}
