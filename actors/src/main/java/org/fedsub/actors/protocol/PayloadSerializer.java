package org.fedsub.actors.protocol;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.NotSerializableException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.List;
import org.apache.pekko.actor.ActorPaths;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.serialization.SerializerWithStringManifest;
import org.fedsub.actors.protocol.FederatedProtocol.Aggregated;
import org.fedsub.actors.protocol.FederatedProtocol.ToServer;
import org.fedsub.actors.protocol.FederatedProtocol.TrainRound;
import org.fedsub.actors.protocol.FederatedProtocol.UpdateReady;
import org.fedsub.runtime.codec.EncodedPayload;

/**
 * Binary serializer of the messages that carry an {@link EncodedPayload}: a version byte, the
 * fixed fields big-endian, the payload as codec name, length and raw bytes, actor refs in
 * their {@link ActorRefResolver} format. A payload costs its own size plus a few bytes, against
 * about five bytes a float for CBOR.
 */
public final class PayloadSerializer extends SerializerWithStringManifest {

    /** Unique among the system's serializers (Pekko reserves 0 to 40). */
    public static final int IDENTIFIER = 471_100;

    private static final byte VERSION = 2;
    private static final String TRAIN_ROUND = "T";
    /** A {@link TrainRound} with changes (delta downlink): as {@code T}, with a count and the changes after the task. */
    private static final String TRAIN_DELTA = "D";
    private static final String AGGREGATED = "A";
    private static final String UPDATE_READY = "U";
    private static final String PAYLOAD = "P";
    private static final List<String> MANIFESTS = List.of(TRAIN_ROUND, TRAIN_DELTA, AGGREGATED, UPDATE_READY,
            PAYLOAD);

    /** Longest codec name on the wire, in modified UTF-8 bytes (codec names are like {@code float64}). */
    static final int MAX_CODEC_NAME = 64;

    private final ExtendedActorSystem system;
    // Lazy: the typed system is not ready yet while serializers are created.
    private volatile ActorRefResolver resolver;

    public PayloadSerializer(ExtendedActorSystem system) {
        this.system = system;
    }

    @Override
    public int identifier() {
        return IDENTIFIER;
    }

    @Override
    public String manifest(Object o) {
        if (o instanceof TrainRound m) {
            return m.changes().isEmpty() ? TRAIN_ROUND : TRAIN_DELTA;
        } else if (o instanceof Aggregated) {
            return AGGREGATED;
        } else if (o instanceof UpdateReady) {
            return UPDATE_READY;
        } else if (o instanceof EncodedPayload) {
            return PAYLOAD;
        }
        throw new IllegalArgumentException("PayloadSerializer cannot serialize " + o.getClass().getName());
    }

    @Override
    public byte[] toBinary(Object o) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + payloadSize(o));
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeByte(VERSION);
            if (o instanceof TrainRound m) {
                out.writeInt(m.round());
                out.writeInt(m.clientId());
                writePayload(out, m.task());
                if (!m.changes().isEmpty()) { // manifest TRAIN_DELTA
                    out.writeInt(m.changes().size());
                    for (EncodedPayload c : m.changes()) {
                        writePayload(out, c);
                    }
                }
                out.writeUTF(resolver().toSerializationFormat(m.replyTo()));
            } else if (o instanceof Aggregated m) {
                out.writeInt(m.round());
                out.writeInt(m.clientId());
                out.writeBoolean(m.ack() != null);
                if (m.ack() != null) {
                    writePayload(out, m.ack());
                }
            } else if (o instanceof UpdateReady m) {
                out.writeInt(m.round());
                out.writeInt(m.clientId());
                out.writeLong(m.numExamples());
                out.writeDouble(m.trainLoss());
                out.writeBoolean(m.foldsEmptyAck());
                writePayload(out, m.update());
            } else if (o instanceof EncodedPayload p) {
                writePayload(out, p);
            } else {
                throw new IllegalArgumentException("PayloadSerializer cannot serialize " + o.getClass().getName());
            }
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Reads a message; for any bytes and manifest the only exception is a
     * {@link NotSerializableException} saying what was wrong and where. Every length is checked
     * against the bytes left before anything is allocated (codec names also against
     * {@value #MAX_CODEC_NAME} bytes), nothing may follow the message, a flag is 0 or 1, and an
     * actor ref must parse as an actor path and resolve.
     */
    @Override
    public Object fromBinary(byte[] bytes, String manifest) throws NotSerializableException {
        if (manifest == null || !MANIFESTS.contains(manifest)) { // List.of(..).contains(null) throws
            throw new NotSerializableException("unknown fedsub payload manifest " + (manifest == null ? "null"
                    : "'" + manifest + "'") + "; known: " + MANIFESTS);
        }
        if (bytes == null) {
            throw new NotSerializableException("no bytes for a fedsub payload message (manifest '" + manifest + "')");
        }
        Reader in = new Reader(bytes, manifest);
        int version = in.readByte("version");
        if (version != VERSION) {
            throw new NotSerializableException("fedsub payload message version " + version + ", expected " + VERSION);
        }
        Object message = switch (manifest) {
            case TRAIN_ROUND -> {
                int round = in.readInt("round");
                int client = in.readInt("client id");
                EncodedPayload task = in.readPayload();
                yield new TrainRound(round, client, task, in.readRef());
            }
            case TRAIN_DELTA -> {
                int round = in.readInt("round");
                int client = in.readInt("client id");
                EncodedPayload task = in.readPayload();
                int n = in.readInt("change count");
                if (n < 1 || n > in.remaining() / 6) { // each change takes at least 6 bytes
                    throw in.malformed("change count " + n + " with " + in.remaining() + " bytes left", 4);
                }
                List<EncodedPayload> changes = new java.util.ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    changes.add(in.readPayload());
                }
                yield new TrainRound(round, client, task, changes, in.readRef());
            }
            case AGGREGATED -> {
                int round = in.readInt("round");
                int client = in.readInt("client id");
                yield new Aggregated(round, client, in.readBoolean("ack flag") ? in.readPayload() : null);
            }
            case UPDATE_READY -> {
                int round = in.readInt("round");
                int client = in.readInt("client id");
                long examples = in.readLong("example count");
                double loss = in.readDouble("train loss");
                boolean foldsEmptyAck = in.readBoolean("empty acknowledgement flag");
                yield new UpdateReady(round, client, examples, loss, in.readPayload(), foldsEmptyAck);
            }
            case PAYLOAD -> in.readPayload();
            default -> throw new NotSerializableException("unknown fedsub payload manifest '" + manifest + "'");
        };
        in.end();
        return message;
    }

    /**
     * The bytes of one message being read: each read checks that its bytes are there, and each
     * problem is a {@link NotSerializableException} naming the manifest, the size and the offset.
     */
    private final class Reader {

        private final ByteBuffer buf; // big-endian, as DataOutputStream writes
        private final String manifest;

        Reader(byte[] bytes, String manifest) {
            this.buf = ByteBuffer.wrap(bytes);
            this.manifest = manifest;
        }

        int readByte(String what) throws NotSerializableException {
            need(1, what);
            return buf.get();
        }

        boolean readBoolean(String what) throws NotSerializableException {
            int b = readByte(what);
            if (b != 0 && b != 1) {
                throw malformed(what + " is " + b + ", expected 0 or 1", 1);
            }
            return b == 1;
        }

        int readInt(String what) throws NotSerializableException {
            need(4, what);
            return buf.getInt();
        }

        long readLong(String what) throws NotSerializableException {
            need(8, what);
            return buf.getLong();
        }

        double readDouble(String what) throws NotSerializableException {
            need(8, what);
            return buf.getDouble();
        }

        EncodedPayload readPayload() throws NotSerializableException {
            String codec = readUtf("codec name", MAX_CODEC_NAME);
            int n = readInt("payload length");
            if (n < 0) {
                throw malformed("payload length " + n + " is negative", 4);
            }
            need(n, "payload of " + n + " bytes");
            byte[] b = new byte[n];
            buf.get(b);
            return new EncodedPayload(codec, b);
        }

        ActorRef<ToServer> readRef() throws NotSerializableException {
            int at = buf.position();
            String s = readUtf("reply-to actor ref", 0xffff);
            try {
                ActorPaths.fromString(s); // garbage would resolve quietly to dead letters
                return resolver().resolveActorRef(s);
            } catch (Exception e) { // the parse throws MalformedURLException, undeclared
                String shown = s.length() > 100 ? s.substring(0, 100) + "..." : s;
                NotSerializableException n = malformed("reply-to actor ref '" + shown + "' is not an actor path: " + e,
                        buf.position() - at);
                n.initCause(e);
                throw n;
            }
        }

        /** A string as {@link DataOutputStream#writeUTF} writes it: a 16-bit length and modified UTF-8. */
        private String readUtf(String what, int maxBytes) throws NotSerializableException {
            need(2, what + " length");
            int len = Short.toUnsignedInt(buf.getShort());
            if (len > maxBytes) {
                throw malformed(what + " of " + len + " bytes; at most " + maxBytes, 2);
            }
            need(len, what + " of " + len + " bytes");
            int start = buf.position() - 2;
            buf.position(buf.position() + len);
            String s;
            try {
                s = new DataInputStream(new ByteArrayInputStream(buf.array(), start, 2 + len)).readUTF();
            } catch (IOException e) { // UTFDataFormatException: not modified UTF-8
                NotSerializableException n = malformed(what + " is not modified UTF-8: " + e.getMessage(), len);
                n.initCause(e);
                throw n;
            }
            if (utfLength(s) != len) { // readUTF takes a raw zero byte, which writeUTF writes in two
                throw malformed(what + " is not modified UTF-8: it holds a raw zero byte", len);
            }
            return s;
        }

        int remaining() {
            return buf.remaining();
        }

        void end() throws NotSerializableException {
            if (buf.hasRemaining()) {
                throw malformed(buf.remaining() + " trailing bytes after the message", 0);
            }
        }

        private void need(int n, String what) throws NotSerializableException {
            if (buf.remaining() < n) {
                throw malformed("truncated: " + what + " needs " + n + " bytes, " + buf.remaining() + " left", 0);
            }
        }

        /** @param back how many bytes before the current position the bad value starts */
        private NotSerializableException malformed(String what, int back) {
            return new NotSerializableException("malformed fedsub payload message (manifest '" + manifest + "', "
                    + buf.capacity() + " bytes): " + what + " at byte " + (buf.position() - back));
        }
    }

    private static int payloadSize(Object o) {
        if (o instanceof TrainRound m) {
            return (int) Math.min(Integer.MAX_VALUE - 64, m.bytes() + 70L * m.changes().size());
        } else if (o instanceof Aggregated m) {
            return m.ack() == null ? 0 : m.ack().size();
        } else if (o instanceof UpdateReady m) {
            return m.update().size();
        } else if (o instanceof EncodedPayload p) {
            return p.size();
        }
        return 0;
    }

    private static void writePayload(DataOutputStream out, EncodedPayload p) throws IOException {
        if (utfLength(p.codec()) > MAX_CODEC_NAME) { // fail here, not at the receiver
            throw new IllegalArgumentException("codec name '" + p.codec() + "' is " + utfLength(p.codec())
                    + " bytes in modified UTF-8; at most " + MAX_CODEC_NAME);
        }
        out.writeUTF(p.codec());
        out.writeInt(p.size());
        p.read(b -> {
            try {
                out.write(b);
                return null;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /** Bytes of {@code s} in {@link DataOutputStream#writeUTF}'s modified UTF-8. */
    private static int utfLength(String s) {
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            n += c >= 0x0001 && c <= 0x007f ? 1 : c <= 0x07ff ? 2 : 3;
        }
        return n;
    }

    private ActorRefResolver resolver() {
        ActorRefResolver r = resolver;
        if (r == null) {
            r = ActorRefResolver.get(Adapter.toTyped(system));
            resolver = r;
        }
        return r;
    }
}
