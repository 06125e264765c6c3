package dev.earnings.jdbc;

import dev.earnings.core.Money;

/**
 * The whole platform in a period, for the admin view, from the daily rollups.
 *
 * @param range the days
 * @param earnings earned by all creators in the period, less the reversals made in it
 * @param reversed what the reversals made in the period took back
 * @param uses uses in the period
 * @param earningUses uses that earned a positive amount
 * @param creatorsWithUsage creators with at least one use in the period
 * @param modelsWithUsage models with at least one use in the period
 * @param newModels models registered in the period
 */
public record PlatformTotals(ReportPeriod.DateRange range, Money earnings, Money reversed, long uses, long earningUses,
        long creatorsWithUsage, long modelsWithUsage, long newModels) {
}
