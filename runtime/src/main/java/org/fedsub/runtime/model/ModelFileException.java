package org.fedsub.runtime.model;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A model file that is a sound {@code .npz} but not the model wanted: no or unreadable
 * metadata, a parameter missing, of the wrong shape or type, or one the model does not have.
 * {@link #problem()} is the message without the file, for errors that name the file otherwise
 * (a config key).
 */
public final class ModelFileException extends IOException {

    private static final long serialVersionUID = 1L;

    private final transient Path file;
    private final String problem;

    public ModelFileException(Path file, String problem) {
        super(file + ": " + problem);
        this.file = file;
        this.problem = problem;
    }

    public ModelFileException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
        this.file = file;
        this.problem = problem;
    }

    public Path file() {
        return file;
    }

    /** What is wrong, without the file's name. */
    public String problem() {
        return problem;
    }
}
