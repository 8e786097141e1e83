package org.fedsub.runtime.io;

import java.io.IOException;

/**
 * A {@code .npy} or {@code .npz} file that cannot be read as one: bad magic bytes, an
 * unsupported version or dtype, a malformed header, a shape that overflows or promises more
 * data than the file holds, trailing bytes, a damaged zip. The message names the file, the
 * entry of an {@code .npz}, the byte offset where it matters, and the problem.
 */
public final class NpyFormatException extends IOException {

    private static final long serialVersionUID = 1L;

    public NpyFormatException(String message) {
        super(message);
    }

    public NpyFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
