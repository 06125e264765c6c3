package dev.earnings.jdbc;

import dev.earnings.core.InvalidInputException;

/**
 * A model id is already registered to another creator.
 *
 * <p>Registering the same model again with the same creator is harmless and returns the existing
 * model, so a host can register its catalogue on every start; registering it to someone else
 * would silently hand one creator's earnings to another.
 */
public final class ModelConflictException extends InvalidInputException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message names the model, what differs and what to call instead
     */
    public ModelConflictException(String message) {
        super("modelId", message);
    }
}
