package org.fedsub.runtime.engine;

import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Rounds in a row that used no update, and what was refused meanwhile: a run that goes on like
 * this is going nowhere, and the refusals name the likely cause. Asynchronous aggregations that
 * only discarded stale updates are neither progress nor a sign of trouble and are not counted.
 */
final class IdleRounds {

    private int rounds;
    private int arrived;
    private final SortedMap<String, Integer> refused = new TreeMap<>();

    void record(ServerStep.Outcome o, int updates, boolean async) {
        if (!o.used().isEmpty()) {
            rounds = 0;
            arrived = 0;
            refused.clear();
            return;
        }
        if (async && updates > 0 && o.rejectedBy().keySet().equals(java.util.Set.of(Rejection.STALE.label()))) {
            return;
        }
        rounds++;
        arrived += updates;
        o.rejectedBy().forEach((k, v) -> refused.merge(k, v, Integer::sum));
    }

    /** The counts so far, for a checkpoint: idle rounds, updates arrived, then each reason and its count. */
    void write(java.io.DataOutput out) throws java.io.IOException {
        out.writeInt(rounds);
        out.writeInt(arrived);
        out.writeInt(refused.size());
        for (Map.Entry<String, Integer> e : refused.entrySet()) {
            out.writeUTF(e.getKey());
            out.writeInt(e.getValue());
        }
    }

    /** Replaces the counts with those {@link #write} wrote. */
    void read(java.io.DataInput in) throws java.io.IOException {
        rounds = in.readInt();
        arrived = in.readInt();
        refused.clear();
        int n = in.readInt();
        if (rounds < 0 || arrived < 0 || n < 0) {
            throw new java.io.IOException("negative idle-round counts");
        }
        for (int i = 0; i < n; i++) {
            refused.put(in.readUTF(), in.readInt());
        }
    }

    /** Why the run should stop once {@code max} rounds in a row were idle (never when {@code max} is 0). */
    Optional<String> stalled(int max) {
        if (max == 0 || rounds < max) {
            return Optional.empty();
        }
        String head = "no update was used in the last " + rounds + " rounds (fedsub.max-idle-rounds = " + max + "): ";
        if (arrived == 0) {
            return Optional.of(head + "none arrived; the clients are gone, unavailable, or slower than the round "
                    + "deadline");
        }
        String top = refused.entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey).orElse("");
        String cause = switch (top) {
            case "non-finite" -> "updates were NaN or infinite: local training diverges; lower the learning rate "
                    + "(fedsub.train.lr)";
            case "norm" -> "updates were over the norm bound; raise fedsub.server.update-norm if such updates are "
                    + "expected";
            case "round-dropped" -> "rounds had fewer valid updates than min-completion asks "
                    + "(fedsub.actors.min-completion)";
            default -> "every update was refused";
        };
        return Optional.of(head + arrived + " arrived and " + cause + "; refused by reason: " + refused);
    }
}
