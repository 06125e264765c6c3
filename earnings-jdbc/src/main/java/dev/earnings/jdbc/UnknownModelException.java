package dev.earnings.jdbc;

import dev.earnings.core.InvalidInputException;

/**
 * A use or a registry change named a model that is not registered; nothing was written.
 *
 * <p>It is an {@link InvalidInputException} on the {@code modelId} field, so hosts that map bad
 * input to a client error need no extra case; hosts that want a "not found" answer catch it
 * specifically.
 */
public final class UnknownModelException extends InvalidInputException {
    private static final long serialVersionUID = 1L;

    private final String modelId;

    /**
     * Creates the exception.
     *
     * @param modelId the id that is not registered
     */
    public UnknownModelException(String modelId) {
        super("modelId", "modelId '" + modelId + "' is not a registered model; allowed: a model registered with models().register(...)");
        this.modelId = modelId;
    }

    /**
     * The id that is not registered.
     *
     * @return the model id as it was passed
     */
    public String modelId() {
        return modelId;
    }
}
