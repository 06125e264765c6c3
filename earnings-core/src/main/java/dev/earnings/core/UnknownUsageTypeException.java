package dev.earnings.core;

import java.util.List;

/**
 * A usage type name is not configured, and the host has not opted into mapping unknown names to
 * {@code other}.
 *
 * <p>Unknown names are rejected by default because silently rating a typo at a different
 * multiplier would pay the creator the wrong amount.
 */
public final class UnknownUsageTypeException extends InvalidInputException {
    private static final long serialVersionUID = 1L;

    private final String usageType;
    private final List<String> knownTypes;

    /**
     * Creates the exception.
     *
     * @param usageType the rejected name
     * @param knownTypes the names that are configured
     */
    public UnknownUsageTypeException(String usageType, List<String> knownTypes) {
        super("usageType", "usageType '" + usageType + "' is not a known usage type; allowed: "
                + String.join(", ", knownTypes)
                + " (or configure the library to map unknown names to 'other')");
        this.usageType = usageType;
        this.knownTypes = List.copyOf(knownTypes);
    }

    /**
     * The rejected name.
     *
     * @return the usage type name as it was passed
     */
    public String usageType() {
        return usageType;
    }

    /**
     * The configured names.
     *
     * @return the names that would have been accepted
     */
    public List<String> knownTypes() {
        return knownTypes;
    }
}
