package org.fedsub.runtime.io;

import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The NumPy dtypes fedsub reads and writes: little-endian numbers. {@link #descr()} is what
 * {@code np.save} writes in a header ({@code a.dtype.str}); {@link #parse} also takes the
 * spellings older writers used for one-byte types ({@code <u1}, {@code =i1}).
 */
public enum NpyDtype {
    FLOAT32("<f4", 4, true, true),
    FLOAT64("<f8", 8, true, true),
    UINT8("|u1", 1, false, false),
    INT8("|i1", 1, false, true),
    UINT16("<u2", 2, false, false),
    INT16("<i2", 2, false, true),
    UINT32("<u4", 4, false, false),
    INT32("<i4", 4, false, true),
    INT64("<i8", 8, false, true);

    private final String descr;
    private final int itemSize;
    private final boolean floating;
    private final boolean signed;

    NpyDtype(String descr, int itemSize, boolean floating, boolean signed) {
        this.descr = descr;
        this.itemSize = itemSize;
        this.floating = floating;
        this.signed = signed;
    }

    /** The header's spelling, e.g. {@code <f4}, {@code |u1}. */
    public String descr() {
        return descr;
    }

    /** Bytes per element. */
    public int itemSize() {
        return itemSize;
    }

    /** True for {@code <f4} and {@code <f8}. */
    public boolean isFloating() {
        return floating;
    }

    /** True for the floating types and the signed integers. */
    public boolean isSigned() {
        return signed;
    }

    /** The dtype a header's {@code descr} names, or empty if it is none of these. */
    public static Optional<NpyDtype> parse(String descr) {
        for (NpyDtype d : values()) {
            if (d.descr.equals(descr)) {
                return Optional.of(d);
            }
            // One-byte types have no byte order; '<', '=' and '>' all mean the same.
            if (d.itemSize == 1 && descr.length() == 3 && "<=>".indexOf(descr.charAt(0)) >= 0
                    && descr.substring(1).equals(d.descr.substring(1))) {
                return Optional.of(d);
            }
        }
        return Optional.empty();
    }

    /** Every supported spelling, for error messages. */
    public static String supported() {
        return Arrays.stream(values()).map(NpyDtype::descr).collect(Collectors.joining(", "));
    }
}
