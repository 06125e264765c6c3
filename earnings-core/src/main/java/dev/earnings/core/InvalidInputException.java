package dev.earnings.core;

import java.util.Objects;

/**
 * A call was rejected because one of its arguments is not allowed; nothing was written.
 *
 * <p>The message always names the field, what is wrong with the value and what is allowed, so that
 * a host can pass it on to its own caller unchanged (for example as an HTTP 400 body). The
 * {@linkplain #field() field name} is also available for programmatic mapping.
 */
public class InvalidInputException extends EarningsException {
    private static final long serialVersionUID = 1L;

    private final String field;

    /**
     * Creates the exception.
     *
     * @param field the name of the rejected field, as the host's API spells it (for example {@code tokensConsumed})
     * @param message the full sentence: field, problem and what is allowed
     */
    public InvalidInputException(String field, String message) {
        super(message);
        this.field = Objects.requireNonNull(field, "field");
    }

    /**
     * The rejected field.
     *
     * @return the field's name, for example {@code tokensConsumed} or {@code metadata.prompt}
     */
    public String field() {
        return field;
    }
}
