package org.fedsub.examples.cli;

/**
 * A command refused as given before anything is written, explained in one line (exit code 2):
 * unlike a {@link UsageError} the command line is well formed, so no usage hint follows.
 */
public final class Refused extends RuntimeException {

    public Refused(String message) {
        super(message);
    }
}
