package org.fedsub.runtime.engine;

import java.util.function.Supplier;
import org.fedsub.runtime.codec.Codec;
import org.fedsub.runtime.codec.EncodedPayload;
import org.fedsub.runtime.codec.MalformedPayloadException;
import org.fedsub.runtime.codec.Payload;
import org.fedsub.runtime.compute.HostArrays;
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
    /** Where the state is saved after each acknowledgement (a cluster's client node), or null. */
    private java.nio.file.Path stateFile;
    private String stateOwner;
    /** The last round whose acknowledgement was folded (-1: none): a second one is ignored. */
    private int lastFolded = -1;
    /** With {@link #replayable()}: the state before the last training, until it is acknowledged. */
    private boolean replayable;
    private byte[] beforeTraining;
    private int trainedRound = -1;
    /**
     * Delta downlink ({@link #keepsModel}): the model this client holds, as a model of version
     * {@code heldVersion - acknowledged.size()} encoded with the model codec (host bytes, no
     * tensor between calls) and the acknowledged changes since, applied when the next task needs
     * them; null and -1 while it holds none.
     */
    private org.fedsub.runtime.model.Model modelSpec;
    private EncodedPayload held;
    private final java.util.List<EncodedPayload> acknowledged = new java.util.ArrayList<>();
    private int heldVersion = -1;

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
        ClientStep step = new ClientStep(algorithm, exp.data().client(id), exp.uplinkCodec(), exp.downlinkCodec(),
                exp.seed(), exp.model().dtype(), store);
        if (exp.server().downlink().delta()) {
            step.keepsModel(exp.model());
        }
        return step;
    }

    /**
     * From now on keeps the model of its last task (a delta downlink, {@code fedsub.downlink.mode
     * = delta}): a task without the model ({@link ServerStep#SINCE}) followed by the logged
     * changes since the version it holds is rebuilt into the full task by applying each change
     * as the server did ({@link ClientAlgorithm#applyChange}); an acknowledgement of a round it
     * holds the model of is that round's change, and takes it to the next version.
     */
    public synchronized void keepsModel(org.fedsub.runtime.model.Model model) {
        this.modelSpec = model;
    }

    /** The version (round) of the model this client holds on a delta downlink, -1 for none. */
    public synchronized int heldModelVersion() {
        return heldVersion;
    }

    /** Drops the model this client holds (what a restarted client node has lost): its next task must carry the model. */
    public synchronized void forgetModel() {
        held = null;
        acknowledged.clear();
        heldVersion = -1;
    }

    public int clientId() {
        return data.clientId();
    }

    private static final int STATE_MAGIC = 0x46534353; // "FSCS"
    private static final int STATE_VERSION = 2;

    /**
     * From now on a task for a round this client has already trained (and not had acknowledged)
     * is trained again from the state it had before: what a cluster's client node needs when a
     * resumed server sends again the round it was killed in, so the retrained update is the one
     * an uninterrupted run would have seen. Keeps a copy of the state from each training to its
     * acknowledgement.
     */
    public synchronized void replayable() {
        this.replayable = true;
    }

    /** The last round whose acknowledgement this client folded, -1 for none. */
    public synchronized int lastFolded() {
        return lastFolded;
    }

    /**
     * From now on saves this client's private state (duals, control variates) to {@code file}
     * after each acknowledgement it folds (written, synced, then renamed over the old file), and
     * restores it from {@code file} now if there is one: a restarted client node goes on with
     * the state of its last acknowledged round. {@code owner} names the run and client the state
     * belongs to (experiment, strategy, seed, id): a file of another owner is refused.
     *
     * @return whether a saved state was restored
     * @throws IllegalArgumentException if {@code file} is not a state file of {@code owner}
     * @throws java.io.UncheckedIOException if it cannot be read
     */
    public synchronized boolean persistTo(java.nio.file.Path file, String owner) {
        this.stateFile = file;
        this.stateOwner = owner;
        if (!java.nio.file.Files.isRegularFile(file)) {
            return false;
        }
        byte[] state;
        int folded = -1;
        try (java.io.DataInputStream in = new java.io.DataInputStream(new java.io.BufferedInputStream(
                java.nio.file.Files.newInputStream(file)))) {
            int version = in.readInt() == STATE_MAGIC ? in.readInt() : -1;
            if (version < 1 || version > STATE_VERSION) {
                throw new IllegalArgumentException(file + ": not a fedsub client state file");
            }
            String was = in.readUTF();
            if (!was.equals(owner)) {
                throw new IllegalArgumentException(file + ": the state of " + was + ", not of " + owner
                        + "; remove it (or use another fedsub.cluster.state-dir) to start this client afresh");
            }
            folded = version >= 2 ? in.readInt() : -1;
            int n = in.readInt();
            if (n < 0 || n > java.nio.file.Files.size(file)) {
                throw new IllegalArgumentException(file + ": truncated (" + n + " bytes of state announced)");
            }
            state = in.readNBytes(n);
            if (state.length != n) {
                throw new IllegalArgumentException(file + ": truncated");
            }
        } catch (java.io.EOFException e) {
            throw new IllegalArgumentException(file + ": truncated", e);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot read " + file, e);
        }
        awake(() -> {
            algorithm.restoreState(state);
            return null;
        });
        lastFolded = folded;
        return true;
    }

    private void saveState() {
        byte[] state = algorithm.exportState();
        java.nio.file.Path tmp = stateFile.resolveSibling(stateFile.getFileName() + ".tmp");
        try {
            try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(tmp,
                    java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.TRUNCATE_EXISTING,
                    java.nio.file.StandardOpenOption.WRITE)) {
                java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream(state.length + 64);
                try (java.io.DataOutputStream out = new java.io.DataOutputStream(b)) {
                    out.writeInt(STATE_MAGIC);
                    out.writeInt(STATE_VERSION);
                    out.writeUTF(stateOwner);
                    out.writeInt(lastFolded);
                    out.writeInt(state.length);
                    out.write(state);
                }
                java.nio.ByteBuffer buf = java.nio.ByteBuffer.wrap(b.toByteArray());
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                ch.force(true);
            }
            java.nio.file.Files.move(tmp, stateFile, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot save client " + clientId() + "'s state to " + stateFile, e);
        }
    }

    /**
     * Decodes the task of {@code round}, runs the round's local steps, encodes the update. With a
     * lossy uplink the algorithm is then shown its update as the server will decode it
     * ({@link ClientAlgorithm#sent}).
     */
    public synchronized EncodedUpdate train(int round, EncodedPayload task) {
        return train(round, task, java.util.List.of());
    }

    /**
     * As {@link #train(int, EncodedPayload)}, on a delta downlink: {@code task} may be a task
     * without the model (field {@link ServerStep#SINCE}) followed by {@code changes}, the logged
     * changes since that version, oldest first; the client rebuilds the model from the one it
     * holds and trains from it as from the full task.
     *
     * @throws NeedsFullModelException if it cannot (it holds no model or another version, or a
     *         change does not decode or apply); it then trains nothing
     */
    public synchronized EncodedUpdate train(int round, EncodedPayload task, java.util.List<EncodedPayload> changes) {
        Payload decoded = decode(task);
        if (decoded.fields().containsKey(ServerStep.SINCE)) {
            decoded = rebuild(round, decoded, changes);
        } else if (!changes.isEmpty()) {
            throw new MalformedPayloadException("a task with the model followed by " + changes.size() + " changes");
        } else if (modelSpec != null) {
            held = task; // a full task is encoded with the model codec
            acknowledged.clear();
            heldVersion = round;
        }
        Payload full = decoded;
        return awake(() -> {
            if (replayable) {
                if (round <= trainedRound && beforeTraining != null) {
                    algorithm.restoreState(beforeTraining); // the same round again: from where it started
                } else {
                    beforeTraining = algorithm.exportState();
                }
                trainedRound = round;
            }
            ClientUpdate u = algorithm.train(round, full, data);
            byte[] bytes = uplink.encode(u.payload(), Codec.seed(seed, clientId(), u.round(), Codec.Direction.UPLINK));
            if (!uplink.exact(dtype)) {
                algorithm.sent(u.round(), u.payload(), uplink.decode(bytes, dtype), uplink.errorFeedback());
            }
            u.payload().spentTensors().forEach(HostArrays::recycle); // sent: they take the next round's arrays
            return new EncodedUpdate(u.round(), u.clientId(), u.numExamples(), u.trainLoss(),
                    new EncodedPayload(uplink.name(), bytes));
        });
    }

    /**
     * Folds the server's acknowledgement of the used update of {@code round} ({@code null}: none
     * sent) into the state; one for a round already folded (a resumed server sends the last
     * round's again) is ignored.
     */
    public synchronized void acknowledge(int round, EncodedPayload ack) {
        if (round <= lastFolded) {
            return;
        }
        Payload decoded = ack == null ? null : decode(ack);
        if (ack != null && held != null && heldVersion == round) {
            // A delta downlink's acknowledgement is the round's change: the client now holds the
            // next version (the change is applied, and checked, when a task needs it).
            acknowledged.add(ack);
            heldVersion = round + 1;
        }
        if (decoded == null && stateFile == null && !FOLDS_ACKNOWLEDGEMENTS.get(algorithm.getClass())) {
            // Nothing to fold and no state file to write: the algorithm's state (in the store, for
            // a dormant client) is not touched, so it is not restored and suspended for it.
            folded(round);
            return;
        }
        awake(() -> {
            algorithm.onAggregated(round, decoded);
            folded(round);
            if (stateFile != null) {
                saveState();
            }
            return null;
        });
    }

    /**
     * Whether an acknowledgement that carries nothing ({@code null}) can change this client: when
     * its algorithm's class overrides {@link ClientAlgorithm#onAggregated}, when it saves its state
     * after each acknowledgement ({@link #persistTo}) or when it keeps the state before a training
     * until it is acknowledged ({@link #replayable}). When none of these holds, folding one only
     * records its round, and a server may leave it unsent (the actor runtime's client says so in
     * each update it sends).
     */
    public synchronized boolean foldsEmptyAcknowledgements() {
        return stateFile != null || replayable || FOLDS_ACKNOWLEDGEMENTS.get(algorithm.getClass());
    }

    private void folded(int round) {
        lastFolded = round;
        if (round >= trainedRound) {
            beforeTraining = null; // acknowledged: that training is never run again
        }
    }

    /**
     * Whether an algorithm class overrides {@link ClientAlgorithm#onAggregated}: only then can an
     * empty acknowledgement change its state (the interface's own does nothing).
     */
    private static final ClassValue<Boolean> FOLDS_ACKNOWLEDGEMENTS = new ClassValue<>() {
        @Override
        protected Boolean computeValue(Class<?> type) {
            try {
                return type.getMethod("onAggregated", int.class, Payload.class).getDeclaringClass()
                        != ClientAlgorithm.class;
            } catch (NoSuchMethodException e) {
                return true;
            }
        }
    };

    /** The task of {@code round} with the model rebuilt from the one held and {@code changes}. */
    private Payload rebuild(int round, Payload header, java.util.List<EncodedPayload> changes) {
        long since = header.field(ServerStep.SINCE);
        if (modelSpec == null) {
            throw new NeedsFullModelException(clientId(), round, "it keeps no model (fedsub.downlink.mode is not "
                    + "delta where it runs)", null);
        }
        if (held == null) {
            throw new NeedsFullModelException(clientId(), round, "it holds no model (a new or restarted client)", null);
        }
        if (heldVersion != since) {
            throw new NeedsFullModelException(clientId(), round, "it holds model version " + heldVersion
                    + ", the changes start from version " + since, null);
        }
        org.fedsub.runtime.model.Params model;
        try {
            model = heldModel();
            // The acknowledged changes, of the rounds just before since, then the task's, from since on.
            long next = since - acknowledged.size();
            for (EncodedPayload c : acknowledged) {
                apply(model, decode(c), next, next);
                next++;
            }
            for (EncodedPayload c : changes) {
                next = apply(model, decode(c), next, round - 1) + 1;
            }
        } catch (RuntimeException e) {
            forgetModel(); // whatever it held may be half changed: never trained on
            throw new NeedsFullModelException(clientId(), round, "its changes do not apply: " + e.getMessage(), e);
        }
        hold(round, model); // kept as bytes: the rebuilt tensors are the task's alone
        Payload task = new Payload().ownedByReceiver();
        header.fields().forEach((k, v) -> {
            if (!k.equals(ServerStep.SINCE)) {
                task.field(k, v);
            }
        });
        header.tensors().forEach(task::tensor);
        return org.fedsub.runtime.strategy.Wire.withModel(task, model);
    }

    /**
     * Applies one logged change, after checking that it is of a round in {@code from .. to} and
     * that each {@code d:<p>} has its parameter's shape (no broadcasting); returns its round.
     */
    private long apply(org.fedsub.runtime.model.Params model, Payload change, long from, long to) {
        long r = change.field(org.fedsub.runtime.strategy.PayloadKeys.ROUND);
        if (r < from || r > to) {
            throw new MalformedPayloadException("a change of round " + r + " where one of rounds " + from + ".." + to
                    + " was due");
        }
        String prefix = org.fedsub.runtime.strategy.PayloadKeys.delta("");
        change.tensors().forEach((name, t) -> {
            if (name.startsWith(prefix)) {
                String p = name.substring(prefix.length());
                if (!model.contains(p) || !java.util.Arrays.equals(model.get(p).shape(), t.shape())) {
                    throw new MalformedPayloadException("change tensor " + name + " of shape "
                            + java.util.Arrays.toString(t.shape()) + " fits no parameter of the model");
                }
            }
        });
        algorithm.applyChange(model, change);
        return r;
    }

    private org.fedsub.runtime.model.Params heldModel() {
        return org.fedsub.runtime.strategy.Wire.takeModel(held.read(b -> modelCodec.decode(b, dtype)).ownedByReceiver(),
                modelSpec);
    }

    private void hold(int version, org.fedsub.runtime.model.Params model) {
        held = new EncodedPayload(modelCodec.name(), modelCodec.encode(org.fedsub.runtime.strategy.Wire.withModel(
                new Payload(), model)));
        acknowledged.clear();
        heldVersion = version;
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
        return p.read(b -> c.decode(b, dtype)).ownedByReceiver(); // decoded for this client alone
    }
}
