package org.fedsub.actors.transport;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.NotSerializableException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import org.apache.pekko.actor.ActorPaths;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.serialization.SerializerWithStringManifest;

/**
 * Binary serializer of {@link Chunk}: a version byte, the sender's ref, the header fields
 * big-endian, the manifest, the target's ref and the data as length and raw bytes. Reading
 * checks every length against the bytes left before allocating, the chunk's place against its
 * count and its data against the message size, and throws only {@link NotSerializableException}
 * naming the field and offset.
 */
public final class ChunkSerializer extends SerializerWithStringManifest {

    /** Unique among the system's serializers (next to PayloadSerializer's 471_100). */
    public static final int IDENTIFIER = 471_101;

    static final String MANIFEST = "C";
    private static final byte VERSION = 1;
    /** Longest actor ref and manifest on the wire, in modified UTF-8 bytes. */
    static final int MAX_REF = 1024;
    static final int MAX_MANIFEST = 256;

    private final ExtendedActorSystem system;
    private volatile ActorRefResolver resolver; // lazy: the typed system is not ready while serializers are made

    public ChunkSerializer(ExtendedActorSystem system) {
        this.system = system;
    }

    @Override
    public int identifier() {
        return IDENTIFIER;
    }

    @Override
    public String manifest(Object o) {
        if (o instanceof Chunk) {
            return MANIFEST;
        }
        throw new IllegalArgumentException("ChunkSerializer cannot serialize " + o.getClass().getName());
    }

    @Override
    public byte[] toBinary(Object o) {
        if (!(o instanceof Chunk c)) {
            throw new IllegalArgumentException("ChunkSerializer cannot serialize " + o.getClass().getName());
        }
        String from = resolver().toSerializationFormat(c.from());
        String target = resolver().toSerializationFormat(c.target());
        // What the reader would refuse is refused here, at the sender.
        if (utfLength(c.manifest()) > MAX_MANIFEST || utfLength(from) > MAX_REF || utfLength(target) > MAX_REF) {
            throw new IllegalArgumentException("chunk manifest or actor ref too long for the wire: " + c);
        }
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(c.data().length + 512);
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeByte(VERSION);
            out.writeUTF(from);
            out.writeLong(c.transfer());
            out.writeInt(c.index());
            out.writeInt(c.count());
            out.writeInt(c.size());
            out.writeInt(c.serializerId());
            out.writeUTF(c.manifest());
            out.writeUTF(target);
            out.writeInt(c.data().length);
            out.write(c.data());
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public Object fromBinary(byte[] bytes, String manifest) throws NotSerializableException {
        if (!MANIFEST.equals(manifest)) {
            throw new NotSerializableException("unknown fedsub chunk manifest " + (manifest == null ? "null"
                    : "'" + manifest + "'") + "; known: [" + MANIFEST + "]");
        }
        if (bytes == null) {
            throw new NotSerializableException("no bytes for a fedsub chunk");
        }
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        int version = get(buf, 1, "version").get();
        if (version != VERSION) {
            throw new NotSerializableException("fedsub chunk version " + version + ", expected " + VERSION);
        }
        ActorRef<Ack> from = ref(buf, "sender ref");
        long transfer = get(buf, 8, "transfer").getLong();
        int index = get(buf, 4, "chunk index").getInt();
        int count = get(buf, 4, "chunk count").getInt();
        if (count < 1 || index < 0 || index >= count) {
            throw malformed(buf, 8, "chunk index " + index + " of count " + count
                    + "; expected a count >= 1 and 0 <= index < count");
        }
        int size = get(buf, 4, "message size").getInt();
        if (size < 0) {
            throw malformed(buf, 4, "message size " + size + " is negative");
        }
        int serializerId = get(buf, 4, "serializer id").getInt();
        String inner = utf(buf, "message manifest", MAX_MANIFEST);
        ActorRef<Object> target = ref(buf, "target ref");
        int n = get(buf, 4, "data length").getInt();
        if (n < 0 || n > size) {
            throw malformed(buf, 4, "data length " + n + "; expected 0 to the message size " + size);
        }
        // Checked before the array is made: a corrupt length must not allocate gigabytes (it did, and
        // a mutated chunk claiming 2^31 - 1 bytes ran a test JVM out of heap).
        get(buf, n, "data of " + n + " bytes");
        byte[] data = new byte[n];
        buf.get(data);
        if (buf.hasRemaining()) {
            throw malformed(buf, 0, buf.remaining() + " bytes after the chunk's data");
        }
        return new Chunk(from, transfer, index, count, size, serializerId, inner, target, data);
    }

    /** Bytes of {@code s} in modified UTF-8, as {@link DataOutputStream#writeUTF} writes it. */
    private static int utfLength(String s) {
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            n += ch >= 1 && ch <= 0x7f ? 1 : ch <= 0x7ff ? 2 : 3;
        }
        return n;
    }

    private static ByteBuffer get(ByteBuffer buf, int n, String what) throws NotSerializableException {
        if (buf.remaining() < n) {
            throw new NotSerializableException("fedsub chunk of " + buf.capacity() + " bytes ends at offset "
                    + buf.position() + " inside the " + what + " (" + n + " bytes needed, " + buf.remaining() + " left)");
        }
        return buf;
    }

    private static NotSerializableException malformed(ByteBuffer buf, int back, String what) {
        return new NotSerializableException("malformed fedsub chunk at offset " + (buf.position() - back) + ": " + what);
    }

    private static String utf(ByteBuffer buf, String what, int maxBytes) throws NotSerializableException {
        int len = Short.toUnsignedInt(get(buf, 2, what + " length").getShort());
        if (len > maxBytes) {
            throw malformed(buf, 2, what + " of " + len + " bytes; at most " + maxBytes);
        }
        get(buf, len, what + " of " + len + " bytes");
        int start = buf.position() - 2;
        buf.position(buf.position() + len);
        try {
            return new DataInputStream(new ByteArrayInputStream(buf.array(), start, 2 + len)).readUTF();
        } catch (IOException e) {
            NotSerializableException n = malformed(buf, len, what + " is not modified UTF-8: " + e.getMessage());
            n.initCause(e);
            throw n;
        }
    }

    private <T> ActorRef<T> ref(ByteBuffer buf, String what) throws NotSerializableException {
        String s = utf(buf, what, MAX_REF);
        try {
            ActorPaths.fromString(s); // garbage would resolve quietly to dead letters
            return resolver().resolveActorRef(s);
        } catch (Exception e) {
            String shown = s.length() > 100 ? s.substring(0, 100) + "..." : s;
            NotSerializableException n = malformed(buf, 0, what + " '" + shown + "' is not an actor path: " + e);
            n.initCause(e);
            throw n;
        }
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
