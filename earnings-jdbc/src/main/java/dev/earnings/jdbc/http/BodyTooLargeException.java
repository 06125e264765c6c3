package dev.earnings.jdbc.http;

import dev.earnings.core.InvalidInputException;

/**
 * A request body longer than its limit; {@link HttpProblem} answers it with HTTP 413. Nothing of
 * the body was read past the limit, so a client cannot make the server hold an unbounded body.
 */
public final class BodyTooLargeException extends InvalidInputException {
    private static final long serialVersionUID = 1L;

    private final int maxBytes;

    /**
     * Creates the exception.
     *
     * @param maxBytes the limit the body passed
     */
    public BodyTooLargeException(int maxBytes) {
        super("body", "the body is larger than " + maxBytes + " bytes");
        this.maxBytes = maxBytes;
    }

    /**
     * The limit.
     *
     * @return the largest body accepted, in bytes
     */
    public int maxBytes() {
        return maxBytes;
    }
}
