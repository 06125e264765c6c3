package dev.earnings.jdbc;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * Where a model stands against its next usage tier, and when it reaches it at its current pace.
 *
 * <p>The pace is the model's counted uses in the last 28 whole days; the expected day is the first
 * day by which that pace, kept up, adds the uses still needed: today plus
 * {@code ceil(usesToNextTier x 28 / countedUsesLast28Days)} days, in exact integer arithmetic.
 *
 * @param modelId the model
 * @param currentTier the tier its next counted use is rated in (1 is the first)
 * @param countedUses its counted uses so far
 * @param nextTier the next tier, or empty at the last tier
 * @param usesToNextTier counted uses still needed to reach the next tier, or empty at the last tier
 * @param countedUsesLast28Days the pace: counted uses in the 28 whole days before today
 * @param usesPerDay the pace per day, rounded to two places for display
 * @param expectedDay the day the next tier is reached at this pace, or empty at the last tier or
 *     without counted uses in the last 28 days
 */
public record TierOutlook(String modelId, int currentTier, long countedUses, OptionalInt nextTier,
        OptionalLong usesToNextTier, long countedUsesLast28Days, BigDecimal usesPerDay, Optional<LocalDate> expectedDay) {
}
