package org.fedsub.examples.cli;

/** A command line that cannot be run as given: unknown command or option, missing argument. */
public final class UsageError extends RuntimeException {

    public UsageError(String message) {
        super(message);
    }
}
