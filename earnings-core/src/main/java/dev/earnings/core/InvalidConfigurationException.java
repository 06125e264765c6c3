package dev.earnings.core;

import java.util.Objects;

/**
 * A builder was given a setting the library cannot work with.
 *
 * <p>Builders validate each setting as soon as it is given, so this is thrown while the host
 * configures the library at start-up, never in the middle of recording a use.
 */
public final class InvalidConfigurationException extends EarningsException {
    private static final long serialVersionUID = 1L;

    private final String setting;

    /**
     * Creates the exception.
     *
     * @param setting the setting's name, for example {@code tiers[2].multiplier}
     * @param message the full sentence: setting, problem and what is allowed
     */
    public InvalidConfigurationException(String setting, String message) {
        super(message);
        this.setting = Objects.requireNonNull(setting, "setting");
    }

    /**
     * The rejected setting.
     *
     * @return the setting's name
     */
    public String setting() {
        return setting;
    }
}
