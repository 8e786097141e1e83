package org.fedsub.actors.protocol;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.NotSerializableException;
import java.io.UncheckedIOException;
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

    private static final byte VERSION = 1;
    private static final String TRAIN_ROUND = "T";
    private static final String AGGREGATED = "A";
    private static final String UPDATE_READY = "U";
    private static final String PAYLOAD = "P";

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
        if (o instanceof TrainRound) {
            return TRAIN_ROUND;
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

    @Override
    public Object fromBinary(byte[] bytes, String manifest) throws NotSerializableException {
        try {
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes));
            int version = in.readByte();
            if (version != VERSION) {
                throw new NotSerializableException("fedsub payload message version " + version + ", expected " + VERSION);
            }
            return switch (manifest) {
                case TRAIN_ROUND -> {
                    int round = in.readInt();
                    int client = in.readInt();
                    EncodedPayload task = readPayload(in);
                    ActorRef<ToServer> replyTo = resolver().resolveActorRef(in.readUTF());
                    yield new TrainRound(round, client, task, replyTo);
                }
                case AGGREGATED -> {
                    int round = in.readInt();
                    int client = in.readInt();
                    yield new Aggregated(round, client, in.readBoolean() ? readPayload(in) : null);
                }
                case UPDATE_READY -> new UpdateReady(in.readInt(), in.readInt(), in.readLong(), in.readDouble(),
                        readPayload(in));
                case PAYLOAD -> readPayload(in);
                default -> throw new NotSerializableException("unknown fedsub payload manifest '" + manifest
                        + "'; known: T, A, U, P");
            };
        } catch (IOException e) {
            NotSerializableException n = new NotSerializableException("malformed fedsub payload message (manifest '"
                    + manifest + "', " + bytes.length + " bytes): " + e);
            n.initCause(e);
            throw n;
        }
    }

    private static int payloadSize(Object o) {
        if (o instanceof TrainRound m) {
            return m.task().size();
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

    private static EncodedPayload readPayload(DataInputStream in) throws IOException {
        String codec = in.readUTF();
        int n = in.readInt();
        if (n < 0 || n > in.available()) {
            throw new IOException("payload length " + n + " exceeds the " + in.available() + " bytes left");
        }
        byte[] b = new byte[n];
        in.readFully(b);
        return new EncodedPayload(codec, b);
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
