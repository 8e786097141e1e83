package org.fedsub.examples.cli;

/** The text of {@code fedsub --help} and of each command's {@code --help}. */
public final class Help {

    private Help() {}

    public static final String MAIN = """
            fedsub: federated learning simulations with FedSub and its baselines

            usage: fedsub <command> [arguments]

            commands:
              run <conf-file>       run one experiment, write its results folder
              resume <run-folder>   continue a stopped or killed run from its checkpoint
              compare <conf-file>   run the members of fedsub.compare.runs one after another,
                                    overlay their plots and write a summary table
              check <conf-file>     check a config (data and model are built) and print the
                                    resolved settings, without training
              evaluate <run-folder|model.npz> [conf-file]
                                    score a saved model on the test and train data of its run's
                                    config (or of conf-file)
              partition <conf-file> --out DIR
                                    write each client's training shard of the config's data to
                                    its own folder (the layout of fedsub.data.type = folders)
              server <conf-file> [--data DIR] [--resume DIR]
                                    run the coordinator of a federation on a Pekko cluster; it
                                    holds only the test set and writes the results folder
                                    (--resume DIR: continue a killed server's run)
              client <conf-file> --clients IDS --data DIR
                                    host clients IDS on this machine, reading only their folders
              example <name>        run a library-usage example: ProgrammaticSimulation, CustomModel
              help [command]        this text, or a command's
              version, --version    the fedsub version (and git commit), Java and the ND4J backend

            Try: fedsub run conf/quickstart.conf
            'fedsub <command> --help' explains a command and its options. Every experiment key, with
            its default and meaning, is in runtime/src/main/resources/reference.conf; the actor
            runtime's (fedsub.actors: stragglers, dropouts, deadlines, virtual clock, FedBuff,
            FedAsync; fedsub.cluster: server and client nodes) in actors/src/main/resources/reference.conf; fedsub.runtime (reference or
            actors) and the fedsub.compare block in examples/src/main/resources/reference.conf.

            exit codes: 0 done; 1 a run failed; 2 bad command line or config (nothing was started);
              130 Ctrl-C stopped a run after its current round (its results were written)
            launcher environment: FEDSUB_JAVA_OPTS (extra JVM options, e.g. -Xmx8g; later flags win),
              FEDSUB_MVN_ARGS (extra Maven arguments for the automatic build, e.g. -o)
            """;

    private static final String OPTIONS = """
            options:
              -s, --set key=value   override any key of the file, e.g. --set fedsub.rounds=50,
                                    --set fedsub.model.hidden=[64,64], --set fedsub.strategy.name=fedavg.
                                    The value is read as HOCON (numbers, booleans, lists; anything
                                    else is a string). Repeatable; a later --set wins. A key that no
                                    reference.conf defines is refused (typos do not pass silently).
              -o, --out DIR         write the results into DIR instead of results/<name>-<timestamp>/.
                                    DIR must be new or empty: a folder with anything in it is refused.
                  --overwrite       with --out: DIR may be an earlier results folder (it holds a
                                    config.conf); it is emptied, once the config has been checked,
                                    and the new results written there
                  --threads N       clients trained in parallel (default: one per core; on actors
                                    fedsub.actors.compute-pool-size). The numbers do not depend on
                                    it: same config and seed, same metrics.csv.
              -h, --help            this text
            """;

    public static final String RUN = """
            usage: fedsub run <conf-file> [--set key=value]... [--out DIR [--overwrite | --resume]] [--threads N]

            Runs one federated experiment: the file's settings over the defaults of reference.conf,
            with --set on top. The config, the data and the model are checked before anything
            starts; a mistake prints 'config error in <file>: <key> = <value>: <what is expected>'
            and exits with 2.

            """ + OPTIONS + """

            The results folder holds:
              config.conf     the resolved fedsub settings; 'fedsub run <dir>/config.conf' reruns them
              metrics.csv     one row per round (rounds from 1), written and flushed as each round
                              finishes, so a killed run keeps its rounds: sampled/used/failed clients, client,
                              train and test loss, test accuracy (NaN when not evaluated), uplink and
                              downlink bytes (per round and cumulative), simulated seconds; with
                              fedsub.runtime = actors also late (clients with no answer when the
                              round closed) and dropped (1: the round kept the model). Only
                              deterministic columns: a rerun gives the same bytes (on actors: with
                              the virtual clock, or without faults).
              timing.csv      wall-clock time per round (training) and since the start (evaluation included)
              metrics.json    all of the above per round, plus totals; planned_rounds, and in the
                              summary rounds_run and interrupted
              model.npz       the final global model: one NumPy array per parameter and a fedsub.json
                              entry (model settings, data sizes, the run's final scores); format in
                              docs/models.md. 'fedsub evaluate <dir>' scores it, and
                              --set fedsub.model.init-from=<dir>/model.npz starts a run from it
              accuracy_vs_round.png, accuracy_vs_uplink_bytes.png, accuracy_vs_total_bytes.png
                              (uplink + downlink), accuracy_vs_time.png, loss_vs_round.png
                              (for a regression model, loss_vs_uplink_bytes.png, loss_vs_total_bytes.png
                              and loss_vs_time.png
                              replace the accuracy plots, least squares shows the gap to its optimum;
                              asynchronous runs: accuracy_vs_updates.png and loss_vs_updates.png, against
                              the client updates used, replace the round plots)

            Progress: on a terminal, one line redrawn in place; otherwise a log line per round (every
            k-th round for long runs).

            Ctrl-C (SIGINT, or SIGTERM) stops the run after the round it is in and writes the results
            above as at a normal end (metrics.json says interrupted); one line says at which round of
            how many, where the results are and the command that continues from the final model with
            the rounds left (fedsub.model.init-from); the exit code is 130. A second Ctrl-C quits at
            once, keeping only what was written (metrics.csv up to the last finished round).

            Checkpoints (reference engine): the folder also holds checkpoint.bin, replaced atomically
            after a round every fedsub.checkpoint.min-interval (30s) at most, and every
            fedsub.checkpoint.every rounds at most (fedsub.checkpoint.enabled = false for none),
            and after Ctrl-C the line says 'continue with: ./fedsub resume <dir>', which continues
            exactly where it stopped (also after kill -9, from the last checkpoint);
            'fedsub run <conf-file> --out <dir> --resume' does the same, refusing if the file and its
            --set options are not the settings the checkpoint was written with.
            """;

    public static final String RESUME = """
            usage: fedsub resume <run-folder> [--threads N]

            Continues a run of the reference engine from the checkpoint in its results folder
            (checkpoint.bin, written after rounds at least fedsub.checkpoint.min-interval apart, after
            the last round and after Ctrl-C), with the folder's own config.conf. The resumed run ends with the files
            an uninterrupted run writes: the same metrics.csv bytes and the same final model.npz
            (timing.csv times only the resumed rounds). Refused, with exit code 2 and one line, when
            the folder has no checkpoint, when checkpoint.bin does not read (truncated, altered: the
            file and the problem are named), when config.conf no longer matches the settings the
            checkpoint was written with, when the run already finished, and for runs on
            fedsub.runtime = actors (resume is for the reference engine for now).
            Ctrl-C stops it again as in run (exit code 130).

              --threads N   clients trained in parallel (default: one per core); the numbers do not
                            depend on it
            """;

    public static final String COMPARE = """
            usage: fedsub compare <conf-file> [--set key=value]... [--out DIR [--overwrite]] [--threads N]

            Runs each member of the file's fedsub.compare.runs in order. A member is the file's
            settings with its own 'set' block on top, and the command line's --set over both:

              fedsub.compare {
                target-accuracy = 0.75
                runs = [
                  { name = fedavg,   set { "fedsub.strategy.name" = fedavg } }
                  { name = fedsub50, set { "fedsub.strategy.name" = fedsub, "fedsub.strategy.fedsub.rank-rate" = 0.5 } }
                ]
              }

            Every member is checked before the first one starts. The comparison folder holds one
            subfolder per member (a run's results folder), the overlaid plots and the summary table
            (summary.md and summary.csv, also printed): final and best test accuracy, rounds and uplink,
            downlink and total (uplink + downlink) bytes until the test accuracy first reached
            target-accuracy, total uplink, downlink and both-way bytes, wall time; for members on the virtual clock (fedsub.runtime = actors,
            fedsub.actors.clock = virtual) also virtual seconds to the target and in all, and for
            members on actors their late clients and dropped rounds.

            Ctrl-C stops the member that is running after its current round and starts no other; the
            members run so far get their results, the comparison its plots and summary (the stopped
            member's row says "k of N, interrupted"), and one line says how to continue; exit code 130.

            """ + OPTIONS;

    public static final String CHECK = """
            usage: fedsub check <conf-file> [--set key=value]...

            Loads the file as run or compare would, builds the data and the model of every run to
            check them, prints the resolved fedsub settings and one 'ok' line per run. Trains nothing.
            Exit code 2 on a config error.
            """;

    public static final String EVALUATE = """
            usage: fedsub evaluate <run-folder|model.npz> [conf-file] [--set key=value]...

            Scores a saved model (the model.npz of a run's results folder, or any model file in the
            format of docs/models.md) on the data a config names: by default the config.conf next to
            the model, i.e. the data of the run that saved it. Rebuilds the model from the file's
            metadata (a file without it gets the config's fedsub.model), checks that it fits the data
            and that every parameter is present with its shape, then prints the test accuracy and
            loss and the train accuracy and loss (train on fedsub.eval-train-limit examples, as runs
            do), rounded and then exactly, digit for digit as metrics.csv writes them: scoring a
            run's model on its own config gives its last round's test_accuracy.
            --set overrides keys of the config, e.g. the data to score on.
            Exit code 2, with one line, for a missing or damaged file, a model that does not fit the
            data, or a missing or mis-shaped parameter.
            """;

    public static final String PARTITION = """
            usage: fedsub partition <conf-file> --out DIR [--format npz|csv] [--overwrite] [--set key=value]...

            Builds the data set and partition the config names (any fedsub.data.type) and writes
            each client's training rows to its own folder, the test set at the top, in the layout
            fedsub.data.type = folders reads (docs/data.md):
              DIR/test.npz, DIR/client-0/train.npz, DIR/client-1/train.npz, ...
            Folder client-k (zero-padded, client-07, when there are 10 or more) holds client k's
            rows in the order the partition gave them, so a run on the folders trains on the same
            batches and writes the same metrics.csv. After a re-split (iid, dirichlet, ...) the
            pooled training set that train_loss scores is in folder order, not the data's: the same
            rows, summed in another order (the last float digits), or another subset when
            fedsub.eval-train-limit is below its size.
            DIR/clients.csv lists each client's folder and example count (what a cluster node reads
            instead of the shards of the clients it does not host: fedsub server, fedsub client).
            DIR/config.conf is the config with its data read from the folders (./fedsub run
            DIR/config.conf); DIR/README.txt lists the --set lines that point any other config at them.
            --format npz (default): x_train (float32 or float64, as fedsub.dtype) and y_train
            (int32 labels) in each client's train.npz, x_test and y_test in test.npz.
            --format csv: train.csv and test.csv, a header row, the features, the label last.
            Classification data only. --out must be a new or empty folder; --overwrite empties a
            folder partition (or run) wrote before. Exit code 2, with one line, otherwise.
            """;

    public static final String SERVER = """
            usage: fedsub server <conf-file> [--data DIR] [--set key=value]... [--out DIR [--overwrite]] [--threads N]
                   fedsub server <conf-file> [--data DIR] [--set key=value]... --resume DIR [--threads N]

            Runs the coordinator node of a federation on a Pekko cluster (docs/deploy.md). The data
            are the folders ./fedsub partition wrote (fedsub.data.type = folders; --data DIR sets
            fedsub.data.folders.dir): the server reads only DIR/test.npz (or .csv) and DIR/clients.csv,
            never a client's shard. It listens on fedsub.cluster.server.hostname:port (the seed node
            the client nodes join through), accepts the registrations that fedsub.cluster.nodes allows
            (node name, credential, client ids; fedsub.cluster.open = true accepts any, for a trusted
            test network), starts each round once fedsub.cluster.min-clients are registered (0: all;
            a run that waits longer than fedsub.cluster.min-clients-timeout fails, exit 1), samples
            clients that register during the run from the next round on, and stops waiting for the
            clients of a node the split brain resolver downed (fedsub.cluster.stable-after).
            Refused registrations and answers that name another client than their task's are counted
            (registration, wrong-sender) with the refused updates. The results folder is run's:
            config.conf, metrics.csv (train_loss empty: the server holds no training rows),
            metrics.json, summary, plots, model.npz, and checkpoint.bin, written after every round
            (synchronous rounds; fedsub.checkpoint.enabled) before the round's acknowledgements go
            out. Ctrl-C stops after the current round (exit 130).
            When the run ends the server leaves the cluster and the client nodes exit.
            --resume DIR continues the run in DIR (a server killed or stopped) from its checkpoint,
            with the same conf-file and --set options (fedsub.cluster.* may differ): metrics.csv keeps
            each checkpointed round once, the client nodes (which wait for a lost server up to
            fedsub.cluster.server-lost-timeout) are sent the last round's acknowledgements again,
            and a synchronous run whose rounds wait for every client ends bit for bit as if never
            stopped. A missing, corrupt or foreign checkpoint is refused in one line (exit 2);
            fedbuff and fedasync runs cannot be resumed yet.
            Options: --set, --out, --overwrite, --threads as for run (fedsub run --help).
            Exit codes: 0 done; 1 the run failed (too few clients, a failed round); 2 bad command
            line, config or data, a port in use.
            """;

    public static final String CLIENT = """
            usage: fedsub client <conf-file> --clients IDS --data DIR [--set key=value]... [--threads N]

            Runs a node that hosts the clients IDS (e.g. 0,1,2 or 0-2) of a federation whose server
            runs ./fedsub server (docs/deploy.md). It reads only DIR/client-<id>/ of its own clients
            and DIR/clients.csv (the folders ./fedsub partition wrote; the other clients' folders
            need not be there), joins the cluster through the server
            (fedsub.cluster.server.hostname:port; its own address is fedsub.cluster.client.*), and
            registers its clients under fedsub.cluster.node-name with fedsub.cluster.credential
            (best from the environment: FEDSUB_NODE_CREDENTIAL). It trains what the server asks
            until the server leaves (exit 0). A node restarted after a crash registers again and is
            sampled from the next round on. When the server is lost (killed: the node is downed as
            the side without it), the node keeps its clients and their state and joins again for up
            to fedsub.cluster.server-lost-timeout (5m; 0: exit 1 at once), so that a server restarted
            with --resume finds it.
            Exit codes: 0 the server's run is over; 1 the server refused the registration (the reason
            is printed), the server was not reachable within fedsub.cluster.join-timeout, or a lost
            server did not come back within fedsub.cluster.server-lost-timeout; 2 bad command line,
            config, a missing shard folder, a client id out of range.
            """;

    public static final String EXAMPLE = """
            usage: fedsub example <name> [arguments]

            Runs one of the library-usage examples (see examples/README.md):
              ProgrammaticSimulation   an experiment assembled in Java code, no config file;
                                       prints per-round accuracy and bytes. Argument: rounds (default 30)
              CustomModel              a hand-written 2-layer tanh network (a user's own Model, with its
                                       gradient) trained with FedSub on Synthetic(1,1). Argument: rounds
                                       (default 40)
            The same with plain Java, once built:
              OMP_NUM_THREADS=1 java -cp "examples/target/fedsub-examples-0.1.0-SNAPSHOT.jar:examples/target/lib/*" \
                  org.fedsub.examples.CustomModel
            """;

    public static final String VERSION = """
            usage: fedsub --version   (or: fedsub version, fedsub -V)

            Prints the fedsub version, the git commit of the checkout when ./fedsub can tell it (with
            -dirty when tracked files were changed), the Java runtime and the ND4J backend. Exit code 0.
            """;

    /** The help text of {@code command}, or null if there is no such command. */
    public static String of(String command) {
        return switch (command) {
            case "run" -> RUN;
            case "resume" -> RESUME;
            case "compare" -> COMPARE;
            case "check" -> CHECK;
            case "evaluate" -> EVALUATE;
            case "partition" -> PARTITION;
            case "server" -> SERVER;
            case "client" -> CLIENT;
            case "example" -> EXAMPLE;
            case "help" -> MAIN;
            case "version", "--version", "-V" -> VERSION;
            default -> null;
        };
    }
}
