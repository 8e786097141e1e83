package org.fedsub.actors.client;

import org.fedsub.actors.protocol.EncodedPayload;
import org.fedsub.actors.protocol.FederatedProtocol.Aggregated;
import org.fedsub.actors.protocol.FederatedProtocol.TrainRound;
import org.fedsub.actors.protocol.FederatedProtocol.UpdateReady;
import org.fedsub.runtime.codec.Codec;
import org.fedsub.runtime.codec.MalformedPayloadException;
import org.fedsub.runtime.codec.Payload;
import org.fedsub.runtime.data.ClientData;
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
 */
public final class ClientWork {

    private final ClientAlgorithm algorithm;
    private final ClientData data;
    private final Codec codec;
    private final DataType dtype;

    public ClientWork(ClientAlgorithm algorithm, ClientData data, Codec codec, DataType dtype) {
        this.algorithm = algorithm;
        this.data = data;
        this.codec = codec;
        this.dtype = dtype;
    }

    public int clientId() {
        return data.clientId();
    }

    /** Decodes the task, runs the round's local steps, encodes the update. */
    public UpdateReady train(TrainRound cmd) {
        Payload task = decode(cmd.task());
        ClientUpdate u = algorithm.train(cmd.round(), task, data);
        EncodedPayload update = new EncodedPayload(codec.name(), codec.encode(u.payload()));
        return new UpdateReady(u.round(), u.clientId(), u.numExamples(), u.trainLoss(), update);
    }

    /** Folds the server's acknowledgement of a used update into the client's state. */
    public void acknowledge(Aggregated msg) {
        algorithm.onAggregated(msg.round(), msg.ack() == null ? null : decode(msg.ack()));
    }

    /** Bytes of persistent client state (duals, control variates). */
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
