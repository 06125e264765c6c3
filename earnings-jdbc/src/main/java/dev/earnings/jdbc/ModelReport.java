package dev.earnings.jdbc;

import dev.earnings.core.Money;
import java.math.BigDecimal;
import java.util.List;
import java.util.OptionalLong;

/**
 * One model's analytics: lifetime figures, where it stands in its tiers, and a period.
 *
 * @param model the model as it stands now
 * @param range the days
 * @param lifetimeEarnings everything it earned, less every reversal
 * @param lifetimeReversed everything reversed of its uses
 * @param totalUses every use, ever, including self-use
 * @param countedUses uses counted toward its tier
 * @param periodEarnings earned in the period, less the reversals made in it
 * @param periodReversed what the reversals made in the period took back
 * @param periodUses uses in the period
 * @param earningUses uses in the period that earned a positive amount
 * @param uniqueUsers distinct users in the period
 * @param currentTier the tier its next counted use falls in (1-based)
 * @param currentMultiplier that tier's multiplier
 * @param usesToNextTier counted uses until the next tier, empty in the last tier
 * @param trend earnings and uses per bucket, zero-filled
 */
public record ModelReport(Model model, ReportPeriod.DateRange range, Money lifetimeEarnings, Money lifetimeReversed,
        long totalUses, long countedUses, Money periodEarnings, Money periodReversed, long periodUses, long earningUses, long uniqueUsers, int currentTier,
        BigDecimal currentMultiplier, OptionalLong usesToNextTier, List<CreatorDashboard.TrendPoint> trend) {

    /**
     * Copies the trend.
     *
     * @param model the model
     * @param range the days
     * @param lifetimeEarnings lifetime earnings, net
     * @param lifetimeReversed lifetime reversals
     * @param totalUses all uses
     * @param countedUses counted uses
     * @param periodEarnings period earnings, net
     * @param periodReversed period reversals
     * @param periodUses period uses
     * @param earningUses period earning uses
     * @param uniqueUsers period unique users
     * @param currentTier current tier
     * @param currentMultiplier its multiplier
     * @param usesToNextTier uses to the next tier
     * @param trend the trend
     */
    public ModelReport {
        trend = List.copyOf(trend);
    }
}
