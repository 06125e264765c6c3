package dev.earnings.jdbc;

import dev.earnings.core.EarningsException;

/**
 * The caller may not make this call; nothing was read or written.
 *
 * <p>The message says which rule denied the call and never whether the data asked for exists,
 * so a creator cannot probe for other creators' models by the error they get back.
 */
public final class AccessDeniedException extends EarningsException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message the rule that denied the call
     */
    public AccessDeniedException(String message) {
        super(message);
    }
}
