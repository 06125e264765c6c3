package dev.earnings.core;

import java.math.BigDecimal;

/**
 * One step of the usage tier schedule.
 *
 * <p>Tiers are graduated and lifetime: a use is rated by the number of counted uses of the same
 * model recorded before it, so the use with ordinal {@code n} falls in the tier whose
 * {@link #fromPriorUses()} is the largest one {@code <= n - 1}. A use is never re-rated later.
 *
 * @param index the tier's position in the schedule, starting at 1 for the first tier
 * @param fromPriorUses the number of prior counted uses from which this tier applies (0 for the first)
 * @param multiplier the usage multiplier of this tier, positive
 */
public record UsageTier(int index, long fromPriorUses, BigDecimal multiplier) {
    /**
     * Checks the values; the schedule validates the relations between tiers.
     *
     * @param index the position, from 1
     * @param fromPriorUses the threshold, {@code >= 0}
     * @param multiplier the multiplier, positive
     */
    public UsageTier {
        if (index < 1) {
            throw new InvalidConfigurationException("tiers.index", "tier index is " + index + "; allowed: 1 or more");
        }
        if (fromPriorUses < 0) {
            throw new InvalidConfigurationException("tiers[" + index + "].fromPriorUses",
                    "tier " + index + " starts at " + fromPriorUses + " prior uses; allowed: 0 or more");
        }
        if (multiplier == null || multiplier.signum() <= 0) {
            throw new InvalidConfigurationException("tiers[" + index + "].multiplier",
                    "tier " + index + " needs a positive multiplier");
        }
    }

    /**
     * The first use ordinal (1-based) rated in this tier; {@code fromPriorUses + 1}.
     *
     * @return the first ordinal of the tier
     */
    public long firstOrdinal() {
        return fromPriorUses + 1;
    }
}
