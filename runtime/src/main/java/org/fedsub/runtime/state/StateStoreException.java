package org.fedsub.runtime.state;

import java.nio.file.Path;

/**
 * A spill file of the {@link ClientStateStore} could not be written or read back intact; the
 * message names the client and the file.
 */
public final class StateStoreException extends RuntimeException {

    private final Path file;

    public StateStoreException(Path file, String message, Throwable cause) {
        super(message, cause);
        this.file = file;
    }

    /** The file (or directory) at fault. */
    public Path file() {
        return file;
    }
}
