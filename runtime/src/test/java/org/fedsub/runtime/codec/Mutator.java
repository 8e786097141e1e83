package org.fedsub.runtime.codec;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Seeded mutations of valid encodings for fuzz tests: bit flips, byte inserts and deletes,
 * truncation, splices of two seeds, repeated ranges, and "interesting" values (0, -1, 2^31 - 1,
 * 2^31, 2^30, 65535, the bytes left, ...) written over the seed's own length and count fields,
 * where a decoder sizes its allocations. The same {@link Random} seed gives the same inputs.
 *
 * <p>Public for the actors module's fuzz test, which gets it from runtime's test jar (built with
 * this class only: see runtime/pom.xml).
 */
public final class Mutator {

    /** A length or count field of a seed: where it is and how many bytes (1, 2, 4 or 8) it has. */
    public record Field(int offset, int width) {}

    /** A valid encoding, the positions of its length and count fields, and what it is (a manifest, say). */
    public record Seed(String label, byte[] bytes, List<Field> sizes) {}

    private static final long[] INTERESTING = {0, 1, 2, 3, 4, 7, 8, 9, -1, -2, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff,
        0x10000, 1 << 30, 0x7fffffffL, 0x80000000L, 0xffffffffL, 1L << 31, 1L << 32, 1L << 62, Long.MAX_VALUE,
        Long.MIN_VALUE, 1_000_000};

    private final Random rnd;
    private final List<Seed> seeds;
    private final ByteOrder order;

    public Mutator(long seed, List<Seed> seeds, ByteOrder order) {
        this.rnd = new Random(seed);
        this.seeds = List.copyOf(seeds);
        this.order = order;
    }

    /** A seed chosen at random. */
    public Seed pick() {
        return seeds.get(rnd.nextInt(seeds.size()));
    }

    /** One to three mutations stacked on {@code s}. */
    public byte[] mutate(Seed s) {
        byte[] b = s.bytes().clone();
        int n = 1 + rnd.nextInt(3);
        for (int i = 0; i < n; i++) {
            b = mutate(b, s);
        }
        return b;
    }

    /** Random bytes (up to {@code maxLength}), half of them after {@code prefix} so that they pass a magic check. */
    public byte[] random(byte[] prefix, int maxLength) {
        byte[] b = new byte[rnd.nextInt(maxLength + 1)];
        rnd.nextBytes(b);
        if (rnd.nextBoolean() && b.length >= prefix.length) {
            System.arraycopy(prefix, 0, b, 0, prefix.length);
        }
        return b;
    }

    /** Random numbers of this mutator's sequence, for a test's own choices. */
    public Random rng() {
        return rnd;
    }

    private byte[] mutate(byte[] b, Seed s) {
        switch (rnd.nextInt(9)) {
            case 0, 1 -> { // flip one to four bits
                if (b.length > 0) {
                    for (int k = rnd.nextInt(4); k >= 0; k--) {
                        b[rnd.nextInt(b.length)] ^= (byte) (1 << rnd.nextInt(8));
                    }
                }
                return b;
            }
            case 2 -> { // insert random bytes
                int at = rnd.nextInt(b.length + 1);
                byte[] extra = new byte[1 + rnd.nextInt(8)];
                rnd.nextBytes(extra);
                return concat(Arrays.copyOf(b, at), extra, Arrays.copyOfRange(b, at, b.length));
            }
            case 3 -> { // delete a range
                if (b.length == 0) {
                    return b;
                }
                int at = rnd.nextInt(b.length);
                int len = Math.min(b.length - at, 1 + rnd.nextInt(8));
                return concat(Arrays.copyOf(b, at), Arrays.copyOfRange(b, at + len, b.length));
            }
            case 4 -> { // truncate
                return Arrays.copyOf(b, rnd.nextInt(b.length + 1));
            }
            case 5 -> { // splice: this one's head, another seed's tail
                byte[] other = seeds.get(rnd.nextInt(seeds.size())).bytes();
                return concat(Arrays.copyOf(b, rnd.nextInt(b.length + 1)),
                        Arrays.copyOfRange(other, rnd.nextInt(other.length + 1), other.length));
            }
            case 6 -> { // repeat a range (duplicate names, fields, tensors)
                if (b.length == 0) {
                    return b;
                }
                int at = rnd.nextInt(b.length);
                int len = Math.min(b.length - at, 1 + rnd.nextInt(32));
                return concat(Arrays.copyOf(b, at + len), Arrays.copyOfRange(b, at, b.length));
            }
            default -> { // an interesting value over one of the seed's length or count fields
                Field f = s.sizes().get(rnd.nextInt(s.sizes().size()));
                if (f.offset() + f.width() > b.length) {
                    return b; // an earlier mutation cut it off
                }
                long v = rnd.nextInt(4) == 0 ? (long) (b.length - f.offset() - f.width()) + rnd.nextInt(3) - 1
                        : INTERESTING[rnd.nextInt(INTERESTING.length)];
                ByteBuffer buf = ByteBuffer.wrap(b).order(order);
                switch (f.width()) {
                    case 1 -> buf.put(f.offset(), (byte) v);
                    case 2 -> buf.putShort(f.offset(), (short) v);
                    case 4 -> buf.putInt(f.offset(), (int) v);
                    default -> buf.putLong(f.offset(), v);
                }
                return b;
            }
        }
    }

    public static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    public static String hex(byte[] b) {
        StringBuilder s = new StringBuilder();
        for (byte x : b) {
            s.append(String.format("%02x", x));
        }
        return s.toString();
    }
}
