package org.fedsub.examples.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The parsed command line of {@code run}, {@code compare} and {@code check}:
 * {@code <conf-file> [--set key=value]... [--out DIR [--overwrite]] [--threads N]}.
 *
 * @param threads   clients trained in parallel; 0 means one per available core
 * @param overwrite {@code --overwrite}: an existing results folder given as {@code --out} is emptied and reused
 * @param resume    {@code --resume} (run only): continue the checkpointed run in {@code --out}, whose
 *                  settings must be those of the file and the --set options
 */
public record Args(String command, Path file, List<ConfigFiles.Override> sets, Path out, int threads, boolean help,
        boolean overwrite, boolean resume) {

    public Args(String command, Path file, List<ConfigFiles.Override> sets, Path out, int threads, boolean help,
            boolean overwrite) {
        this(command, file, sets, out, threads, help, overwrite, false);
    }

    public Args {
        sets = List.copyOf(sets);
    }

    /** Parses the arguments after the command name. */
    public static Args parse(String command, List<String> argv) {
        Path file = null;
        List<ConfigFiles.Override> sets = new ArrayList<>();
        Path out = null;
        int threads = 0;
        boolean help = false;
        boolean overwrite = false;
        boolean resume = false;
        for (int i = 0; i < argv.size(); i++) {
            String a = argv.get(i);
            String inline = null;
            int eq = a.indexOf('=');
            if (a.startsWith("--") && eq > 0) {
                inline = a.substring(eq + 1);
                a = a.substring(0, eq);
            }
            switch (a) {
                case "-h", "--help" -> help = true;
                case "-s", "--set" -> {
                    String v = inline != null ? inline : value(argv, ++i, a, "key=value");
                    sets.add(ConfigFiles.parseSet(v));
                }
                case "-o", "--out" -> out = Path.of(inline != null ? inline : value(argv, ++i, a, "DIR"));
                case "--overwrite" -> overwrite = true;
                case "--resume" -> {
                    if (!command.equals("run")) {
                        throw new UsageError("unknown option '--resume' for " + command + " (run takes it)");
                    }
                    resume = true;
                }
                case "--threads" -> {
                    String v = inline != null ? inline : value(argv, ++i, a, "N");
                    try {
                        threads = Integer.parseInt(v);
                    } catch (NumberFormatException e) {
                        threads = -1;
                    }
                    if (threads < 1) {
                        throw new UsageError("--threads expects an integer >= 1, got '" + v + "'");
                    }
                }
                default -> {
                    if (a.startsWith("-") && a.length() > 1) {
                        throw new UsageError("unknown option '" + argv.get(i) + "' for " + command);
                    }
                    if (file != null) {
                        throw new UsageError(command + " takes one config file, got '" + file + "' and '" + a
                                + "' (options go after the file: --set key=value, --out DIR)");
                    }
                    file = Path.of(a);
                }
            }
        }
        if (file == null && !help) {
            throw new UsageError(command + " needs a config file, e.g. fedsub " + command + " conf/"
                    + (command.equals("compare") ? "compare-synthetic.conf" : "quickstart.conf"));
        }
        if (overwrite && out == null && !help) {
            throw new UsageError("--overwrite goes with --out DIR: it lets " + command + " empty and reuse an earlier "
                    + "results folder");
        }
        if (resume && (out == null || overwrite) && !help) {
            throw new UsageError("--resume goes with --out DIR (and not with --overwrite): it continues the "
                    + "checkpointed run in DIR");
        }
        return new Args(command, file, sets, out, threads, help, overwrite, resume);
    }

    private static String value(List<String> argv, int i, String option, String what) {
        if (i >= argv.size()) {
            throw new UsageError(option + " needs a value: " + option + " " + what);
        }
        return argv.get(i);
    }

    /** The number of training threads to use. */
    public int threadsOrDefault() {
        return threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
    }
}
