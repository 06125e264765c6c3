package dev.earnings.jdbc;

import dev.earnings.core.InvalidInputException;

/**
 * A model id is already registered with a different creator or pricing.
 *
 * <p>Registering the same model twice with the same creator and pricing is harmless and returns
 * the existing model, so a host can register its catalogue on every start; registering it with
 * anything else would silently re-assign or re-price it, which {@code changePricing} exists for.
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
