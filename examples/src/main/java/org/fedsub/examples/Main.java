package org.fedsub.examples;

import com.typesafe.config.ConfigException;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.fedsub.examples.cli.Args;
import org.fedsub.examples.cli.CheckCommand;
import org.fedsub.examples.cli.ClusterCommand;
import org.fedsub.examples.cli.CompareCommand;
import org.fedsub.examples.cli.ConfigFiles;
import org.fedsub.examples.cli.EvaluateCommand;
import org.fedsub.examples.cli.Help;
import org.fedsub.examples.cli.PartitionCommand;
import org.fedsub.examples.cli.Refused;
import org.fedsub.examples.cli.ResumeCommand;
import org.fedsub.examples.cli.RunCommand;
import org.fedsub.examples.cli.RunInterrupted;
import org.fedsub.examples.cli.StopSignal;
import org.fedsub.examples.cli.UsageError;
import org.fedsub.examples.cli.Version;
import org.fedsub.runtime.config.ConfigError;
import org.fedsub.runtime.engine.RunFailedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The entry point of {@code ./fedsub}: {@code run}, {@code resume}, {@code compare}, {@code check},
 * {@code evaluate}, {@code partition}, {@code server}, {@code client}, {@code example}, {@code help} and {@code version}. Exit code 0 when done, 1
 * when a run failed, 2 for a bad command line or config (reported as one line before anything
 * starts), 130 when Ctrl-C stopped a run (its results written).
 */
public final class Main {

    private static final Logger log = LoggerFactory.getLogger(Main.class);

    public static final int OK = 0;
    public static final int FAILED = 1;
    public static final int USAGE = 2;
    public static final int INTERRUPTED = StopSignal.EXIT_CODE;

    /** The library-usage examples {@code fedsub example <name>} runs. */
    static final List<String> EXAMPLES = List.of("ProgrammaticSimulation", "CustomModel");

    private Main() {}

    public static void main(String[] args) {
        System.setProperty("java.awt.headless", "true");
        int code = run(args, System.out, System.err, System.console() != null, StopSignal.ofProcess(System.err));
        System.out.flush();
        System.err.flush();
        // ND4J keeps non-daemon threads alive; leave explicitly.
        System.exit(code);
    }

    /**
     * Runs the command line {@code args}, printing results to {@code out} and errors to
     * {@code err}; {@code interactive} draws the progress bar on {@code out} instead of logging.
     *
     * @return the exit code
     */
    public static int run(String[] args, PrintStream out, PrintStream err, boolean interactive) {
        return run(args, out, err, interactive, StopSignal.none());
    }

    /**
     * As above; {@code stop} is what ends a run early and cleanly (the process's Ctrl-C in
     * {@link #main}).
     */
    public static int run(String[] args, PrintStream out, PrintStream err, boolean interactive, StopSignal stop) {
        if (args.length == 0) {
            err.print(Help.MAIN);
            return USAGE;
        }
        String command = args[0];
        List<String> rest = Arrays.asList(args).subList(1, args.length);
        Args parsed = null;
        try {
            switch (command) {
                case "-h", "--help", "help" -> {
                    String text = rest.isEmpty() ? Help.MAIN : Help.of(rest.get(0));
                    if (text == null) {
                        throw new UsageError("no command '" + rest.get(0) + "'");
                    }
                    out.print(text);
                    return OK;
                }
                case "-V", "--version", "version" -> {
                    out.print(Version.describe());
                    return OK;
                }
                case "run", "compare", "check" -> {
                    parsed = Args.parse(command, rest);
                    if (parsed.help()) {
                        out.print(Help.of(command));
                        return OK;
                    }
                    PrintStream terminal = interactive ? out : null;
                    switch (command) {
                        case "run" -> RunCommand.execute(parsed, out, terminal, stop);
                        case "compare" -> CompareCommand.execute(parsed, out, terminal, stop);
                        default -> CheckCommand.execute(parsed, out);
                    }
                    return OK;
                }
                case "resume" -> {
                    ResumeCommand.Request request = ResumeCommand.parse(rest);
                    if (request.help()) {
                        out.print(Help.RESUME);
                        return OK;
                    }
                    ResumeCommand.execute(request, out, interactive ? out : null, stop);
                    return OK;
                }
                case "evaluate" -> {
                    EvaluateCommand.Request request = EvaluateCommand.parse(rest);
                    if (request.args().help()) {
                        out.print(Help.EVALUATE);
                        return OK;
                    }
                    parsed = request.args();
                    EvaluateCommand.execute(request, out);
                    return OK;
                }
                case "partition" -> {
                    PartitionCommand.Request request = PartitionCommand.parse(rest);
                    if (request.args().help()) {
                        out.print(Help.PARTITION);
                        return OK;
                    }
                    parsed = request.args();
                    PartitionCommand.execute(request, out);
                    return OK;
                }
                case "server", "client" -> {
                    ClusterCommand.Request request = ClusterCommand.parse(command, rest);
                    if (request.args().help()) {
                        out.print(Help.of(command));
                        return OK;
                    }
                    parsed = request.args();
                    if (command.equals("server")) {
                        ClusterCommand.server(request, out, interactive ? out : null, stop);
                    } else {
                        ClusterCommand.client(request, out);
                    }
                    return OK;
                }
                case "example" -> {
                    return example(rest, out);
                }
                default -> throw new UsageError("unknown command '" + command + "'; expected run, resume, compare, "
                        + "check, evaluate, partition, server, client, example, help or version");
            }
        } catch (UsageError e) {
            err.println("fedsub: " + e.getMessage());
            err.println("Run 'fedsub " + (Help.of(command) != null && !command.equals("help") ? command + " " : "")
                    + "--help' for usage.");
            return USAGE;
        } catch (ConfigFiles.MissingFile | Refused e) {
            err.println("fedsub: " + e.getMessage());
            return USAGE;
        } catch (ConfigError e) {
            err.println((parsed == null ? "config error: " : "config error in " + parsed.file() + ": ") + e.getMessage()
                    + (parsed == null ? "" : fromSet(parsed, e.path(), e.getMessage())));
            log.debug("config error", e);
            return USAGE;
        } catch (ConfigException e) {
            // A mistake no check named first (a value of the wrong kind deep in a block): still one line.
            err.println((parsed == null ? "config error: " : "config error in " + parsed.file() + ": ")
                    + e.getMessage());
            log.debug("config error", e);
            return USAGE;
        } catch (RunInterrupted e) {
            err.println("fedsub: " + e.getMessage());
            return INTERRUPTED;
        } catch (RunFailedException e) {
            err.println("fedsub: " + e.getMessage());
            log.debug("run failed", e);
            return FAILED;
        } catch (Exception e) {
            err.println("fedsub: " + command + " failed: " + e);
            e.printStackTrace(err);
            return FAILED;
        }
    }

    /** " (from --set k=v)" when the bad key came from the command line, so the user looks there. */
    private static String fromSet(Args a, String path, String message) {
        if (message.contains("(--set ")) {
            return ""; // the value's origin is already in the message
        }
        for (ConfigFiles.Override o : a.sets()) {
            if (path.equals(o.key()) || path.startsWith(o.key() + ".") || o.key().startsWith(path + ".")) {
                return " (from --set " + o.text() + ")";
            }
        }
        return "";
    }

    private static int example(List<String> rest, PrintStream out) throws Exception {
        if (rest.isEmpty() || rest.get(0).equals("--help") || rest.get(0).equals("-h")) {
            out.print(Help.EXAMPLE);
            return rest.isEmpty() ? USAGE : OK;
        }
        String name = rest.get(0);
        String[] args = rest.subList(1, rest.size()).toArray(new String[0]);
        String found = EXAMPLES.stream().filter(e -> e.toLowerCase(Locale.ROOT).equals(name.toLowerCase(Locale.ROOT)))
                .findFirst().orElseThrow(() -> new UsageError("no example '" + name + "'; expected one of " + EXAMPLES));
        switch (found) {
            case "ProgrammaticSimulation" -> ProgrammaticSimulation.main(args);
            case "CustomModel" -> CustomModel.main(args);
            default -> throw new IllegalStateException(found);
        }
        return OK;
    }
}
