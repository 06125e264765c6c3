package dev.earnings.core;

import java.math.BigDecimal;

/**
 * A kind of use, such as {@code image_generation} or {@code chat}, and its multiplier.
 *
 * @param name the type's name, lower case, as the host passes it
 * @param multiplier the multiplier applied to every use of this type, positive
 */
public record UsageType(String name, BigDecimal multiplier) {
    /** The default type for image generation, multiplier 1.0. */
    public static final String IMAGE_GENERATION = "image_generation";
    /** The default type for chat, multiplier 0.8. */
    public static final String CHAT = "chat";
    /** The default catch-all type, multiplier 0.6; unknown names may be mapped to it. */
    public static final String OTHER = "other";

    /**
     * Checks presence; {@link UsageTypes} validates names and multipliers.
     *
     * @param name the name
     * @param multiplier the multiplier
     */
    public UsageType {
        if (name == null || multiplier == null) {
            throw new InvalidConfigurationException("usageTypes", "a usage type needs a name and a multiplier");
        }
    }
}
