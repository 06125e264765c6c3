package dev.earnings.jdbc;

import dev.earnings.core.EarningsException;

/**
 * The database failed in a way the library could not recover from; the call wrote nothing.
 *
 * <p>Transient failures (serialization failures, deadlocks, lock timeouts, lost connections) are
 * retried inside the library a bounded number of times first; when this is thrown for one of
 * them, {@link #isTransient()} is {@code true} and the host may retry the whole call later. With
 * the same eventId, a retry can never record a use twice. The cause is always attached.
 */
public final class StorageException extends EarningsException {
    private static final long serialVersionUID = 1L;

    private final boolean transientFailure;

    /**
     * Creates the exception.
     *
     * @param message what the library was doing
     * @param cause the database's exception
     * @param transientFailure whether the failure was of a kind that may succeed on retry
     */
    public StorageException(String message, Throwable cause, boolean transientFailure) {
        super(message, cause);
        this.transientFailure = transientFailure;
    }

    /**
     * Whether retrying later may succeed.
     *
     * @return {@code true} when the retries inside the library were exhausted on a transient failure
     */
    public boolean isTransient() {
        return transientFailure;
    }
}
