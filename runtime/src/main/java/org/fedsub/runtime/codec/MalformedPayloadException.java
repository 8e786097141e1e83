package org.fedsub.runtime.codec;

/** A message that cannot be decoded or lacks what its receiver needs. */
public final class MalformedPayloadException extends RuntimeException {

    public MalformedPayloadException(String message) {
        super(message);
    }

    public MalformedPayloadException(String message, Throwable cause) {
        super(message, cause);
    }
}
