package dev.earnings.core;

/**
 * The root of every exception the earnings library throws.
 *
 * <p>It is unchecked because almost every failure it reports is either a programming error in the
 * host (bad input, bad configuration) or something the host cannot fix at the call site (storage
 * failures after the library's own retries). Hosts that want a single safety net catch this type;
 * hosts that map errors to responses catch the specific subclasses.
 */
public abstract class EarningsException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates an exception with a message.
     *
     * @param message what went wrong, naming the field or setting and what is allowed
     */
    protected EarningsException(String message) {
        super(message);
    }

    /**
     * Creates an exception with a message and the underlying cause.
     *
     * @param message what went wrong
     * @param cause the underlying failure, kept so the host's logs show the whole story
     */
    protected EarningsException(String message, Throwable cause) {
        super(message, cause);
    }
}
