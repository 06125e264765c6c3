package dev.earnings.jdbc;

import dev.earnings.core.EarningsException;

/**
 * The asynchronous recorder did not accept a use: its queue was full under the reject policy, or
 * it was closed. The use was not recorded; the host may record it again with the same eventId.
 */
public final class RejectedUseException extends EarningsException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message why the use was not accepted
     */
    public RejectedUseException(String message) {
        super(message);
    }
}
