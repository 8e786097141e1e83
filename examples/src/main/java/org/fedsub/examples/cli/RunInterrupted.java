package org.fedsub.examples.cli;

/**
 * A run (or comparison) stopped by Ctrl-C whose results have been written: the message is the
 * one line that says at which round, where the results are and how to continue. Exit code
 * {@value StopSignal#EXIT_CODE}.
 */
public final class RunInterrupted extends RuntimeException {

    public RunInterrupted(String message) {
        super(message);
    }
}
