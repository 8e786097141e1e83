package org.fedsub.runtime.strategy;

/**
 * The names of the fields and tensors in the strategies' payloads, in one place. Public ones are
 * the wire format (tasks, updates, acknowledgements), which code outside the strategies may read
 * (e.g. to compare acknowledgements by basis); package-private ones name the parts of an exported
 * client state ({@link ClientAlgorithm#exportState}).
 *
 * <table>
 *   <caption>Payloads of each strategy</caption>
 *   <tr><th>strategy</th><th>task</th><th>update</th><th>acknowledgement</th></tr>
 *   <tr><td>FedAvg family</td><td>{@code round}, {@code x:<p>}</td><td>{@code round}, {@code d:<p>}</td>
 *       <td>none</td></tr>
 *   <tr><td>SCAFFOLD</td><td>{@code round}, {@code x:<p>}, {@code c:<p>}</td>
 *       <td>{@code round}, {@code d:<p>}, {@code dc:<p>}</td><td>none</td></tr>
 *   <tr><td>FedSub</td><td>{@code round}, {@code basis}, {@code x:<p>}, svd: {@code P:<p>}</td>
 *       <td>{@code round}, {@code basis}, {@code b:<p>} compressed, {@code d:<p>} other</td>
 *       <td>{@code round}, {@code basis}, {@code b:<p>}</td></tr>
 * </table>
 */
public final class PayloadKeys {

    private PayloadKeys() {}

    /** Field: the round a task, update or acknowledgement belongs to. */
    public static final String ROUND = "round";

    /** Field: FedSub's basis id, the basis a task is to be trained in and an update or acknowledgement lives in. */
    public static final String BASIS = "basis";

    /** Tensor: the global model's value of parameter {@code param}. */
    public static String model(String param) {
        return "x:" + param;
    }

    /** Tensor: a client's change {@code w - x} of parameter {@code param}. */
    public static String delta(String param) {
        return "d:" + param;
    }

    /** Tensor: SCAFFOLD's server control variate {@code c} of parameter {@code param}. */
    public static String control(String param) {
        return "c:" + param;
    }

    /** Tensor: the change {@code c_i+ - c_i} of a SCAFFOLD client's control variate of parameter {@code param}. */
    public static String controlDelta(String param) {
        return "dc:" + param;
    }

    /**
     * Tensor: FedSub's subspace update {@code B} ({@code [r, m]}) of compressed weight {@code param};
     * a client's own in an update, the weighted mean in an acknowledgement.
     */
    public static String subspace(String param) {
        return "b:" + param;
    }

    /** Tensor: the dense projection {@code P} ({@code [r, n]}) of compressed weight {@code param} (svd bases). */
    public static String projection(String param) {
        return "P:" + param;
    }

    /** State field: the strategy's state format tag. */
    static final String STATE_FORMAT = "format";

    /** State field: the client the state belongs to. */
    static final String STATE_CLIENT = "client";

    /** State field: the round of the update awaiting its acknowledgement, or -1. */
    static final String PENDING_ROUND = "pending-round";

    /** State field: the basis id FedSub's duals live in, or -1. */
    static final String DUALS_BASIS = "lambda-basis";

    /** State field: the basis id FedSub's momentum buffers belong to, or -1. */
    static final String MOMENTUM_BASIS = "sgd-basis";

    /** State tensors of momentum buffers are this prefix followed by the buffer's key. */
    static final String MOMENTUM_PREFIX = "momentum:";

    /** State tensor: SCAFFOLD's client control variate {@code c_i} of {@code param}. */
    static String clientControl(String param) {
        return "ci:" + param;
    }

    /** State tensor: the part of an update awaiting its acknowledgement, of {@code param}. */
    static String pending(String param) {
        return "pending:" + param;
    }

    /** State tensor: FedSub's dual {@code Lambda} of compressed weight {@code param}. */
    static String dual(String param) {
        return "lambda:" + param;
    }

    /** State tensor: the momentum buffer of key {@code key}. */
    static String momentum(String key) {
        return MOMENTUM_PREFIX + key;
    }
}
