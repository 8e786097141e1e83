package org.fedsub.examples.cli;

/**
 * A file named on the command line that cannot be used as asked (a model file that is missing,
 * damaged or does not fit the data): printed as one line, exit code 2.
 */
public final class InputError extends RuntimeException {

    public InputError(String message) {
        super(message);
    }
}
