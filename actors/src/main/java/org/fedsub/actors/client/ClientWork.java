package org.fedsub.actors.client;

import java.util.function.Supplier;
import org.fedsub.actors.protocol.EncodedPayload;
import org.fedsub.actors.protocol.FederatedProtocol.Aggregated;
import org.fedsub.actors.protocol.FederatedProtocol.TrainRound;
import org.fedsub.actors.protocol.FederatedProtocol.UpdateReady;
import org.fedsub.runtime.codec.Codec;
import org.fedsub.runtime.codec.MalformedPayloadException;
import org.fedsub.runtime.codec.Payload;
import org.fedsub.runtime.data.ClientData;
import org.fedsub.runtime.state.ClientStateStore;
import org.fedsub.runtime.strategy.ClientAlgorithm;
import org.fedsub.runtime.strategy.ClientUpdate;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Everything tensor-shaped about one client: its algorithm (with its private state), its data
 * view, and the codec that turns tasks and acknowledgements into tensors and updates back into
 * bytes, exactly as the reference engine does. Bytes in, bytes out, so that its actor never
 * sees a tensor. Not thread-safe: its actor runs one call at a time on the compute dispatcher.
 *
 * <p>The algorithm's state outlives actor restarts (it stands for what the device keeps on
 * disk); a training that threw only loses that round's work.
 *
 * <p>With a {@link ClientStateStore}, the client is dormant between calls: each call checks its
 * state out of the store, restores it into the algorithm, and suspends it back into the store
 * afterwards (also when the call throws), so an idle client holds no tensor and only the clients
 * the compute pool is running are live.
 */
public final class ClientWork {

    private final ClientAlgorithm algorithm;
    private final ClientData data;
    private final Codec codec;
    private final DataType dtype;
    private final ClientStateStore store;

    /** A client whose algorithm keeps its state live between rounds. */
    public ClientWork(ClientAlgorithm algorithm, ClientData data, Codec codec, DataType dtype) {
        this(algorithm, data, codec, dtype, null);
    }

    /** A client whose state is dormant in {@code store} between calls ({@code null}: kept live). */
    public ClientWork(ClientAlgorithm algorithm, ClientData data, Codec codec, DataType dtype, ClientStateStore store) {
        this.algorithm = algorithm;
        this.data = data;
        this.codec = codec;
        this.dtype = dtype;
        this.store = store;
    }

    public int clientId() {
        return data.clientId();
    }

    /** Decodes the task, runs the round's local steps, encodes the update. */
    public UpdateReady train(TrainRound cmd) {
        Payload task = decode(cmd.task());
        ClientUpdate u = awake(() -> algorithm.train(cmd.round(), task, data));
        EncodedPayload update = new EncodedPayload(codec.name(), codec.encode(u.payload()));
        return new UpdateReady(u.round(), u.clientId(), u.numExamples(), u.trainLoss(), update);
    }

    /** Folds the server's acknowledgement of a used update into the client's state. */
    public void acknowledge(Aggregated msg) {
        Payload ack = msg.ack() == null ? null : decode(msg.ack());
        awake(() -> {
            algorithm.onAggregated(msg.round(), ack);
            return null;
        });
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

    /** Bytes of persistent client state held live (duals, control variates); 0 while dormant in a store. */
    public long stateBytes() {
        return algorithm.stateBytes();
    }

    private Payload decode(EncodedPayload p) {
        if (!p.codec().equals(codec.name())) {
            throw new MalformedPayloadException("client " + clientId() + " decodes " + codec.name()
                    + " payloads, got one encoded with " + p.codec());
        }
        return p.read(b -> codec.decode(b, dtype));
    }
}
