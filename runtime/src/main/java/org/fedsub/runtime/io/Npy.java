package org.fedsub.runtime.io;

import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Reads and writes NumPy's {@code .npy} format (NumPy's {@code format.py}, NEP 1): the magic
 * string {@code \x93NUMPY}, a version, a little-endian header length, a Python dict literal
 * {@code {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }} and the elements.
 *
 * <p>Reading takes format versions 1.0, 2.0 and 3.0, the dtypes of {@link NpyDtype}, C order
 * only, and any shape (0-d, empty). Every size is checked before anything is allocated: the
 * header length against {@link #MAX_HEADER_BYTES} and the bytes present, the shape's product
 * against overflow and {@link NpyArray#MAX_BYTES}, the data against the bytes that follow the
 * header (none missing, none left over). Every problem is an {@link NpyFormatException} naming
 * the source, the byte offset and what was wrong.
 *
 * <p>Writing produces exactly the bytes of {@code np.save} (NumPy 1.24: version 1.0 unless the
 * header needs 2.0, keys sorted, 21 characters of growth room after the first dimension, header
 * padded with spaces and a newline to a multiple of 64 bytes).
 */
public final class Npy {

    /** The six bytes every {@code .npy} file starts with. */
    static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};

    /**
     * Longest header read. NumPy itself refuses headers over 10,000 characters unless told to
     * trust the file; numeric arrays of up to 64 dimensions need a few hundred.
     */
    public static final int MAX_HEADER_BYTES = 1 << 16;

    /** NumPy pads the header so the data starts at a multiple of this. */
    private static final int ALIGN = 64;

    /** NumPy leaves room for the growth axis to reach this many digits. */
    private static final int GROWTH_AXIS_MAX_DIGITS = 21;

    /** First buffer of a read of unknown length; it doubles as data arrives. */
    private static final int FIRST_BUFFER = 1 << 16;

    private Npy() {}

    /** Reads the {@code .npy} file {@code file}. */
    public static NpyArray read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null, "no such file: " + file.toAbsolutePath());
        }
        long size = Files.size(file);
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            return read(in, size, file.toString());
        }
    }

    /** Reads {@code bytes}, a whole {@code .npy} file; {@code source} names it in errors. */
    public static NpyArray read(byte[] bytes, String source) throws NpyFormatException {
        try {
            return read(new ByteArrayInputStream(bytes), bytes.length, source);
        } catch (NpyFormatException e) {
            throw e;
        } catch (IOException e) {
            throw new UncheckedIOException("a byte array cannot fail to read", e);
        }
    }

    /**
     * Reads one {@code .npy} file from {@code in} up to its end, which must be the array's end.
     *
     * @param length the stream's length in bytes if known (a file's size), or -1; an unknown
     *               length costs buffers that grow with the data read, so a header that claims
     *               more than the stream holds costs no more memory than the stream
     * @param source names the stream in errors, e.g. {@code "model.npz, entry 'w.npy'"}
     */
    public static NpyArray read(InputStream in, long length, String source) throws IOException {
        Reader r = new Reader(in, length, source);
        return r.read();
    }

    /** The {@code .npy} bytes of {@code a}, as {@code np.save} writes them. */
    public static byte[] toBytes(NpyArray a) {
        byte[] header = header(a);
        byte[] out = Arrays.copyOf(header, header.length + a.size() * a.dtype().itemSize());
        a.data().get(out, header.length, out.length - header.length);
        return out;
    }

    /** Writes {@code a} to {@code out} as {@code np.save} would. */
    public static void write(OutputStream out, NpyArray a) throws IOException {
        out.write(header(a));
        ByteBuffer data = a.data();
        byte[] chunk = new byte[Math.min(data.remaining(), 1 << 16)];
        while (data.hasRemaining()) {
            int n = Math.min(chunk.length, data.remaining());
            data.get(chunk, 0, n);
            out.write(chunk, 0, n);
        }
    }

    /** Writes {@code a} to {@code file} (replacing it) as {@code np.save} would. */
    public static void write(Path file, NpyArray a) throws IOException {
        try (OutputStream out = new java.io.BufferedOutputStream(Files.newOutputStream(file), 1 << 16)) {
            write(out, a);
        }
    }

    /** Magic, version, header length and the padded header dict of {@code a}. */
    static byte[] header(NpyArray a) {
        long[] shape = a.shape();
        StringBuilder dict = new StringBuilder("{'descr': '").append(a.dtype().descr())
                .append("', 'fortran_order': False, 'shape': ").append(a.shapeString()).append(", }");
        if (shape.length > 0) {
            dict.append(" ".repeat(Math.max(0, GROWTH_AXIS_MAX_DIGITS - Long.toString(shape[0]).length())));
        }
        byte[] text = dict.toString().getBytes(StandardCharsets.US_ASCII);
        int hlen = text.length + 1; // the newline
        int version = 1;
        int prefix = MAGIC.length + 2 + 2;
        int pad = ALIGN - (prefix + hlen) % ALIGN;
        if (hlen + pad > 0xffff) {
            version = 2;
            prefix = MAGIC.length + 2 + 4;
            pad = ALIGN - (prefix + hlen) % ALIGN;
        }
        ByteBuffer b = ByteBuffer.allocate(prefix + hlen + pad).order(ByteOrder.LITTLE_ENDIAN);
        b.put(MAGIC).put((byte) version).put((byte) 0);
        if (version == 1) {
            b.putShort((short) (hlen + pad));
        } else {
            b.putInt(hlen + pad);
        }
        b.put(text);
        for (int i = 0; i < pad; i++) {
            b.put((byte) ' ');
        }
        b.put((byte) '\n');
        return b.array();
    }

    /** One read of one array: the stream, how far into it we are, and who to blame. */
    private static final class Reader {
        private final InputStream in;
        private final long length;
        private final String source;
        private long pos;

        Reader(InputStream in, long length, String source) {
            this.in = in;
            this.length = length;
            this.source = source;
        }

        NpyArray read() throws IOException {
            byte[] magic = bytes(MAGIC.length + 2, "the magic string and version");
            if (!Arrays.equals(Arrays.copyOf(magic, MAGIC.length), MAGIC)) {
                String hint = magic[0] == 'P' && magic[1] == 'K' ? " (this looks like a zip file: an .npz?)" : "";
                throw error(0, "not a .npy file: expected the magic string \\x93NUMPY, found " + hex(magic, MAGIC.length)
                        + hint);
            }
            int major = magic[6] & 0xff;
            int minor = magic[7] & 0xff;
            if (minor != 0 || major < 1 || major > 3) {
                throw error(6, "unsupported .npy format version " + major + "." + minor + "; expected 1.0, 2.0 or 3.0");
            }
            long hlen;
            if (major == 1) {
                ByteBuffer b = ByteBuffer.wrap(bytes(2, "the header length")).order(ByteOrder.LITTLE_ENDIAN);
                hlen = b.getShort() & 0xffff;
            } else {
                ByteBuffer b = ByteBuffer.wrap(bytes(4, "the header length")).order(ByteOrder.LITTLE_ENDIAN);
                hlen = b.getInt() & 0xffffffffL;
            }
            long headerAt = pos;
            if (hlen > MAX_HEADER_BYTES) {
                throw error(headerAt - (major == 1 ? 2 : 4), "header length " + hlen + " is over the limit of "
                        + MAX_HEADER_BYTES + " bytes");
            }
            if (length >= 0 && hlen > length - headerAt) {
                throw error(headerAt - (major == 1 ? 2 : 4), "truncated: header length " + hlen + " but only "
                        + (length - headerAt) + " bytes follow");
            }
            byte[] raw = bytes((int) hlen, "the header");
            String text;
            try {
                text = (major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1).newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(ByteBuffer.wrap(raw)).toString();
            } catch (CharacterCodingException e) {
                throw error(headerAt, "header is not valid UTF-8", e);
            }
            Header h = new HeaderParser(text, headerAt, major < 3, this).parse();
            long dataAt = pos;
            long elements;
            try {
                elements = NpyArray.elements(h.shape, h.dtype);
            } catch (IllegalArgumentException e) {
                throw error(headerAt, e.getMessage());
            }
            int bytes = (int) (elements * h.dtype.itemSize()); // elements() bounds this by MAX_BYTES
            String what = "shape " + NpyArray.shapeString(h.shape) + " of " + h.dtype.descr() + " (" + bytes + " bytes)";
            byte[] data;
            if (length >= 0) {
                long present = length - dataAt;
                if (present < bytes) {
                    throw error(dataAt, "truncated: the header promises " + what + " but only " + present
                            + " bytes follow the header");
                }
                if (present > bytes) {
                    throw error(dataAt + bytes, (present - bytes) + " trailing bytes after the data of " + what);
                }
                data = bytes(bytes, "the data of " + what);
                if (in.read() >= 0) {
                    throw error(pos, "trailing bytes after the data of " + what + " (the stream is longer than "
                            + length + " bytes)");
                }
            } else {
                data = growing(bytes, what);
                if (in.read() >= 0) {
                    throw error(pos, "trailing bytes after the data of " + what);
                }
            }
            return NpyArray.of(h.dtype, data, h.shape);
        }

        /** Exactly {@code n} bytes (n small, or checked against a known length). */
        private byte[] bytes(int n, String what) throws IOException {
            byte[] b = in.readNBytes(n);
            if (b.length < n) {
                throw error(pos + b.length, "truncated: the file ends " + b.length + " bytes into " + what + " of "
                        + n + " bytes");
            }
            pos += n;
            return b;
        }

        /** {@code n} bytes into a buffer that grows as they arrive. */
        private byte[] growing(int n, String what) throws IOException {
            byte[] buf = new byte[Math.min(n, FIRST_BUFFER)];
            int off = 0;
            while (off < n) {
                if (off == buf.length) {
                    buf = Arrays.copyOf(buf, (int) Math.min(n, 2L * buf.length));
                }
                int r;
                try {
                    r = in.read(buf, off, buf.length - off);
                } catch (EOFException e) {
                    r = -1;
                }
                if (r < 0) {
                    throw error(pos + off, "truncated: the header promises " + what + " but the data ends after "
                            + off + " bytes");
                }
                off += r;
            }
            pos += n;
            return buf;
        }

        NpyFormatException error(long offset, String problem) {
            return new NpyFormatException(source + ": byte " + offset + ": " + problem);
        }

        NpyFormatException error(long offset, String problem, Throwable cause) {
            return new NpyFormatException(source + ": byte " + offset + ": " + problem, cause);
        }
    }

    private static String hex(byte[] b, int n) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < n; i++) {
            s.append(i == 0 ? "" : " ").append(String.format("%02x", b[i] & 0xff));
        }
        return s.toString();
    }

    private record Header(NpyDtype dtype, long[] shape) {}

    /**
     * The header's dict literal: exactly the keys {@code descr} (a string), {@code fortran_order}
     * ({@code False}) and {@code shape} (a tuple of non-negative ints), in any order, with the
     * whitespace and trailing commas Python allows. Versions 1.0 and 2.0 may come from Python 2,
     * which wrote {@code 3L}; the suffix is accepted there as NumPy does.
     */
    private static final class HeaderParser {
        private final String s;
        private final long at;
        private final boolean longSuffix;
        private final Reader reader;
        private int i;

        HeaderParser(String s, long at, boolean longSuffix, Reader reader) {
            this.s = s;
            this.at = at;
            this.longSuffix = longSuffix;
            this.reader = reader;
        }

        Header parse() throws NpyFormatException {
            String descr = null;
            Boolean fortran = null;
            long[] shape = null;
            space();
            expect('{');
            space();
            while (peek() != '}') {
                int keyAt = i;
                String key = string();
                space();
                expect(':');
                space();
                switch (key) {
                    case "descr" -> {
                        check(descr == null, keyAt, "key 'descr' appears twice");
                        if (peek() == '[') {
                            throw fail(i, "structured dtypes (a list as 'descr') are not supported; expected one of "
                                    + NpyDtype.supported());
                        }
                        descr = string();
                    }
                    case "fortran_order" -> {
                        check(fortran == null, keyAt, "key 'fortran_order' appears twice");
                        fortran = bool();
                    }
                    case "shape" -> {
                        check(shape == null, keyAt, "key 'shape' appears twice");
                        shape = tuple();
                    }
                    default -> throw fail(keyAt, "unknown key '" + key
                            + "'; expected exactly 'descr', 'fortran_order' and 'shape'");
                }
                space();
                if (peek() == ',') {
                    i++;
                    space();
                } else if (peek() != '}') {
                    throw fail(i, "expected ',' or '}' after the value of '" + key + "', found " + found());
                }
            }
            i++;
            space();
            if (i < s.length()) {
                throw fail(i, "unexpected " + found() + " after the header's closing '}'");
            }
            check(descr != null, 0, "header has no 'descr' key");
            check(fortran != null, 0, "header has no 'fortran_order' key");
            check(shape != null, 0, "header has no 'shape' key");
            if (fortran) {
                throw fail(0, "fortran_order True (column-major data) is not supported; save a C-ordered array"
                        + " (np.ascontiguousarray(a))");
            }
            NpyDtype dtype = NpyDtype.parse(descr).orElse(null);
            if (dtype == null) {
                throw fail(0, descr.startsWith(">")
                        ? "big-endian dtype '" + descr + "' is not supported; save a.astype('<" + descr.substring(1) + "')"
                        : "dtype '" + descr + "' is not supported; expected one of " + NpyDtype.supported());
            }
            return new Header(dtype, shape);
        }

        private String string() throws NpyFormatException {
            char q = peek();
            if (q != '\'' && q != '"') {
                throw fail(i, "expected a quoted string, found " + found());
            }
            int start = ++i;
            while (i < s.length() && s.charAt(i) != q) {
                if (s.charAt(i) == '\\') {
                    throw fail(i, "escape sequences in header strings are not supported");
                }
                i++;
            }
            if (i >= s.length()) {
                throw fail(start - 1, "unterminated string");
            }
            return s.substring(start, i++);
        }

        private boolean bool() throws NpyFormatException {
            if (s.startsWith("True", i)) {
                i += 4;
                return true;
            }
            if (s.startsWith("False", i)) {
                i += 5;
                return false;
            }
            throw fail(i, "expected True or False for 'fortran_order', found " + found());
        }

        private long[] tuple() throws NpyFormatException {
            int start = i;
            if (peek() != '(') {
                throw fail(i, "expected a tuple for 'shape', found " + found());
            }
            i++;
            List<Long> dims = new ArrayList<>();
            boolean comma = false;
            space();
            while (peek() != ')') {
                if (dims.size() == NpyArray.MAX_DIMS) {
                    throw fail(i, "shape has more than " + NpyArray.MAX_DIMS + " dimensions");
                }
                dims.add(integer());
                space();
                comma = peek() == ',';
                if (comma) {
                    i++;
                    space();
                } else if (peek() != ')') {
                    throw fail(i, "expected ',' or ')' in 'shape', found " + found());
                }
            }
            i++;
            if (dims.size() == 1 && !comma) {
                throw fail(start, "'shape' (" + dims.get(0) + ") is an int, not a tuple; a 1-d shape is written ("
                        + dims.get(0) + ",)");
            }
            return dims.stream().mapToLong(Long::longValue).toArray();
        }

        private long integer() throws NpyFormatException {
            int start = i;
            boolean negative = peek() == '-';
            if (negative || peek() == '+') {
                i++;
            }
            int digits = i;
            while (i < s.length() && Character.isDigit(s.charAt(i)) && s.charAt(i) < 128) {
                i++;
            }
            if (i == digits) {
                throw fail(start, "expected a dimension (an int) in 'shape', found " + found());
            }
            String text = s.substring(digits, i);
            if (longSuffix && i < s.length() && s.charAt(i) == 'L') {
                i++;
            }
            if (negative) {
                throw fail(start, "negative dimension -" + text + " in 'shape'");
            }
            try {
                return Long.parseLong(text);
            } catch (NumberFormatException e) {
                throw fail(start, "dimension " + text + " in 'shape' is over 2^63");
            }
        }

        private void space() {
            while (i < s.length() && (s.charAt(i) == ' ' || s.charAt(i) == '\t' || s.charAt(i) == '\n'
                    || s.charAt(i) == '\r')) {
                i++;
            }
        }

        private void expect(char c) throws NpyFormatException {
            if (peek() != c) {
                throw fail(i, "expected '" + c + "', found " + found());
            }
            i++;
        }

        private char peek() {
            return i < s.length() ? s.charAt(i) : '\0';
        }

        private String found() {
            return i < s.length() ? "'" + s.charAt(i) + "'" : "the header's end";
        }

        private void check(boolean ok, int where, String problem) throws NpyFormatException {
            if (!ok) {
                throw fail(where, problem);
            }
        }

        private NpyFormatException fail(int where, String problem) {
            return reader.error(at + where, "header " + quote(s) + ": " + problem);
        }

        private static String quote(String header) {
            String t = header.strip();
            if (t.length() > 120) {
                t = t.substring(0, 117) + "...";
            }
            StringBuilder b = new StringBuilder();
            for (char c : t.toCharArray()) {
                b.append(c < 0x20 || c == 0x7f ? String.format("\\x%02x", (int) c) : c);
            }
            return b.toString();
        }
    }
}
