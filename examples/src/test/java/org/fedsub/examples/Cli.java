package org.fedsub.examples;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.fedsub.examples.cli.StopSignal;

/** Runs {@link Main} in-process, as {@code ./fedsub} would, capturing what it prints. */
final class Cli {

    record Result(int code, String out, String err) {}

    /** A three-round FedSub run on five tiny synthetic clients: about a second. */
    static final String TINY = """
            fedsub {
              name = tiny
              seed = 7
              rounds = 3
              data {
                type = synthetic
                synthetic { users = 5, dim = 12, classes = 3, max-samples-per-user = 30 }
              }
              model.type = logreg
              participation.clients-per-round = 3
              train { local-steps = 2, batch-size = 5, lr = 0.05 }
              strategy { name = fedsub, fedsub.rank-rate = 0.5 }
            }
            """;

    private Cli() {}

    static Result run(String... args) {
        return run(StopSignal.none(), args);
    }

    /** As {@link #run(String...)}, with {@code stop} as the run's Ctrl-C. */
    static Result run(StopSignal stop, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
                PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            code = Main.run(args, o, e, false, stop);
        }
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static Path write(Path dir, String name, String text) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, text, StandardCharsets.UTF_8);
        return p;
    }
}
