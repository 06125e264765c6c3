package dev.earnings.jdbc;

import dev.earnings.core.ModelPricing;
import java.time.Instant;
import java.util.Objects;

/**
 * A registered model as it stands now: its creator and the pricing new uses are rated with.
 *
 * <p>Pricing versions start at 1 and grow by one with every change; each recorded use keeps the
 * version it was rated with, so a change never re-rates past uses.
 *
 * @param modelId the model's id
 * @param creatorId the creator who earns from it
 * @param pricing the pricing in force for uses recorded from now on
 * @param pricingVersion the version of that pricing
 * @param registeredAt when the model was registered
 * @param pricingSince when the current pricing took effect
 */
public record Model(
        String modelId, String creatorId, ModelPricing pricing, int pricingVersion,
        Instant registeredAt, Instant pricingSince) {

    /**
     * Checks that every part is present.
     *
     * @param modelId the model's id
     * @param creatorId the creator
     * @param pricing the current pricing
     * @param pricingVersion its version, 1 or more
     * @param registeredAt the registration time
     * @param pricingSince when the current pricing took effect
     */
    public Model {
        Objects.requireNonNull(modelId, "modelId");
        Objects.requireNonNull(creatorId, "creatorId");
        Objects.requireNonNull(pricing, "pricing");
        Objects.requireNonNull(registeredAt, "registeredAt");
        Objects.requireNonNull(pricingSince, "pricingSince");
        if (pricingVersion < 1) {
            throw new IllegalArgumentException("pricingVersion must be 1 or more, not " + pricingVersion);
        }
    }
}
