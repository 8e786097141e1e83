package org.fedsub.runtime.engine;

import java.util.function.Supplier;
import org.fedsub.runtime.codec.Codec;
import org.fedsub.runtime.codec.EncodedPayload;
import org.fedsub.runtime.codec.MalformedPayloadException;
import org.fedsub.runtime.codec.Payload;
import org.fedsub.runtime.data.ClientData;
import org.fedsub.runtime.state.ClientStateStore;
import org.fedsub.runtime.strategy.ClientAlgorithm;
import org.fedsub.runtime.strategy.ClientUpdate;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * One client's half of a round, bytes in and bytes out: decode the task, restore the client's
 * state, train on its data, encode the update, put the state away; and later fold the server's
 * acknowledgement into that state. {@link ReferenceEngine} and the actor runtime's client actors
 * call the same object. Not thread-safe: one call at a time.
 *
 * <p>The algorithm's state outlives the caller (it stands for what the device keeps on disk); a
 * training that threw only loses that round's work.
 *
 * <p>With a {@link ClientStateStore}, the client is dormant between calls: each call checks its
 * state out of the store, restores it into the algorithm, and suspends it back into the store
 * afterwards (also when the call throws), so an idle client holds no tensor.
 */
public final class ClientStep {

    private final ClientAlgorithm algorithm;
    private final ClientData data;
    private final Codec uplink;
    private final Codec downlink;
    /** Decodes full models: {@code downlink}, or where that is lossy (a delta downlink) the raw codec of {@code dtype}. */
    private final Codec modelCodec;
    private final long seed;
    private final DataType dtype;
    private final ClientStateStore store;

    /** A client with {@code codec} in both directions and encoding seed 0 (see the full constructor). */
    public ClientStep(ClientAlgorithm algorithm, ClientData data, Codec codec, DataType dtype, ClientStateStore store) {
        this(algorithm, data, codec, codec, 0, dtype, store);
    }

    /**
     * A client whose state is dormant in {@code store} between calls ({@code null}: kept live),
     * encoding its updates with {@code uplink} (randomness seeded from {@code seed}, its id and
     * the round) and decoding tasks and acknowledgements with {@code downlink}.
     */
    public ClientStep(ClientAlgorithm algorithm, ClientData data, Codec uplink, Codec downlink, long seed,
            DataType dtype, ClientStateStore store) {
        this.algorithm = algorithm;
        this.data = data;
        this.uplink = uplink;
        this.downlink = downlink;
        this.modelCodec = Experiments.modelCodec(downlink, dtype);
        this.seed = seed;
        this.dtype = dtype;
        this.store = store;
    }

    /** Client {@code id} of {@code exp}, running {@code algorithm} on its data view. */
    public static ClientStep of(Experiment exp, ClientAlgorithm algorithm, int id, ClientStateStore store) {
        return new ClientStep(algorithm, exp.data().client(id), exp.uplinkCodec(), exp.downlinkCodec(), exp.seed(),
                exp.model().dtype(), store);
    }

    public int clientId() {
        return data.clientId();
    }

    /**
     * Decodes the task of {@code round}, runs the round's local steps, encodes the update. With a
     * lossy uplink the algorithm is then shown its update as the server will decode it
     * ({@link ClientAlgorithm#sent}).
     */
    public EncodedUpdate train(int round, EncodedPayload task) {
        Payload decoded = decode(task);
        return awake(() -> {
            ClientUpdate u = algorithm.train(round, decoded, data);
            byte[] bytes = uplink.encode(u.payload(), Codec.seed(seed, clientId(), u.round(), Codec.Direction.UPLINK));
            if (!uplink.exact(dtype)) {
                algorithm.sent(u.round(), u.payload(), uplink.decode(bytes, dtype), uplink.errorFeedback());
            }
            return new EncodedUpdate(u.round(), u.clientId(), u.numExamples(), u.trainLoss(),
                    new EncodedPayload(uplink.name(), bytes));
        });
    }

    /** Folds the server's acknowledgement of the used update of {@code round} ({@code null}: none sent) into the state. */
    public void acknowledge(int round, EncodedPayload ack) {
        Payload decoded = ack == null ? null : decode(ack);
        awake(() -> {
            algorithm.onAggregated(round, decoded);
            return null;
        });
    }

    /** Bytes of persistent client state held live (duals, control variates); 0 while dormant in a store. */
    public long stateBytes() {
        return algorithm.stateBytes();
    }

    /** Runs {@code call} with the client's state restored from the store, and suspends it back. */
    private <T> T awake(Supplier<T> call) {
        if (store == null) {
            return call.get();
        }
        int id = clientId();
        byte[] before = store.checkOut(id);
        try {
            algorithm.restoreState(before);
        } catch (RuntimeException e) {
            store.checkIn(id, before); // not the client's bytes: leave them as they were
            throw e;
        }
        byte[] after = before;
        try {
            return call.get();
        } finally {
            // Also after a failed call: the state stays as the call left it, as without a store.
            try {
                after = algorithm.suspend();
            } finally {
                store.checkIn(id, after);
            }
        }
    }

    /** Decodes a task or acknowledgement: full models come in the model codec, a delta downlink's changes in {@code downlink}. */
    private Payload decode(EncodedPayload p) {
        Codec c = p.codec().equals(downlink.name()) ? downlink : p.codec().equals(modelCodec.name()) ? modelCodec : null;
        if (c == null) {
            throw new MalformedPayloadException("client " + clientId() + " decodes " + downlink.name()
                    + (modelCodec == downlink ? "" : " and " + modelCodec.name()) + " payloads, got one encoded with "
                    + p.codec());
        }
        return p.read(b -> c.decode(b, dtype));
    }
}
