package dev.earnings.jdbc;

import dev.earnings.core.Money;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Everything a creator's dashboard shows, computed in one call from the aggregate and daily
 * rollup tables.
 *
 * <p>Amounts are precise (12 places); a host rounds them for display only. With a model filter,
 * every figure except the balance and the transactions is for that model alone: balances and
 * payouts belong to the creator, not to a model.
 *
 * @param creatorId the creator
 * @param range the resolved days
 * @param modelId the model filter, if any
 * @param lifetimeEarnings everything earned, ever, less every reversal
 * @param lifetimeReversed everything reversed, ever
 * @param periodEarnings earned in the period, less the reversals made in it (which may reverse
 *     uses of earlier periods): net
 * @param periodReversed what the reversals made in the period took back
 * @param uses uses in the period, earning or not
 * @param earningUses uses in the period that earned a positive amount
 * @param uniqueUsers distinct users in the period
 * @param activeModels models with at least one use in the period
 * @param averageEarningsPerActiveModel period earnings divided by active models, to 12 places
 *     half-even; zero when no model was active
 * @param topModels the models that earned most in the period, most first
 * @param trend earnings and uses per bucket, every bucket of the period present (zero-filled)
 * @param change the period against the one of the same length just before it
 * @param recentActivity the latest uses in the period, newest first, users pseudonymized, each
 *     with what was reversed of it
 * @param balance the creator's balance now, with what is held and what is owed
 * @param recentTransactions the creator's latest payouts, newest first
 */
public record CreatorDashboard(
        String creatorId,
        ReportPeriod.DateRange range,
        Optional<String> modelId,
        Money lifetimeEarnings,
        Money lifetimeReversed,
        Money periodEarnings,
        Money periodReversed,
        long uses,
        long earningUses,
        long uniqueUsers,
        long activeModels,
        Money averageEarningsPerActiveModel,
        List<ModelPerformance> topModels,
        List<TrendPoint> trend,
        PeriodChange change,
        List<Activity> recentActivity,
        Balance balance,
        List<Payout> recentTransactions) {

    /**
     * Copies the lists.
     *
     * @param creatorId the creator
     * @param range the days
     * @param modelId the model filter
     * @param lifetimeEarnings lifetime earnings, net
     * @param lifetimeReversed lifetime reversals
     * @param periodEarnings period earnings, net
     * @param periodReversed period reversals
     * @param uses period uses
     * @param earningUses period earning uses
     * @param uniqueUsers period unique users
     * @param activeModels active models
     * @param averageEarningsPerActiveModel average per active model
     * @param topModels top models
     * @param trend trend series
     * @param change period-over-period change
     * @param recentActivity latest uses
     * @param balance balance
     * @param recentTransactions latest payouts
     */
    public CreatorDashboard {
        topModels = List.copyOf(topModels);
        trend = List.copyOf(trend);
        recentActivity = List.copyOf(recentActivity);
        recentTransactions = List.copyOf(recentTransactions);
    }

    /**
     * One model's figures in the period, and where it stands in its lifetime tiers.
     *
     * @param modelId the model
     * @param uses uses in the period
     * @param earnings earned in the period
     * @param currentTier the tier index its next counted use falls in (1-based)
     * @param currentMultiplier that tier's multiplier
     * @param usesToNextTier counted uses until the next tier, empty in the last tier
     */
    public record ModelPerformance(String modelId, long uses, Money earnings, int currentTier,
            BigDecimal currentMultiplier, OptionalLong usesToNextTier) {
    }

    /**
     * One bucket of the trend.
     *
     * @param start the bucket's first day
     * @param earnings earned in the bucket's days that fall in the period
     * @param uses uses in those days
     */
    public record TrendPoint(LocalDate start, Money earnings, long uses) {
    }

    /**
     * The period against the previous one of the same length.
     *
     * @param previousRange the previous days
     * @param previousEarnings earned then
     * @param previousUses uses then
     * @param earningsChange this period's earnings minus the previous period's, exact
     * @param earningsChangeRatio {@code earningsChange / previousEarnings}, to 4 places half-even
     *     (0.25 is +25%); empty when the previous period earned nothing
     * @param usesChange this period's uses minus the previous period's
     */
    public record PeriodChange(ReportPeriod.DateRange previousRange, Money previousEarnings, long previousUses,
            Money earningsChange, Optional<BigDecimal> earningsChangeRatio, long usesChange) {
    }

    /**
     * One recent use, as a creator may see it.
     *
     * @param occurredAt when it happened
     * @param modelId the model
     * @param usageType the usage type
     * @param tokensConsumed the tokens
     * @param earnings the precise earnings, as rated
     * @param reversed what has been reversed of them so far; zero when the use was not reversed
     * @param userPseudonym a stable keyed pseudonym of the user, never the user id
     */
    public record Activity(Instant occurredAt, String modelId, String usageType, long tokensConsumed, Money earnings,
            Money reversed, String userPseudonym) {

        /**
         * Whether the use was reversed, wholly or in part.
         *
         * @return {@code true} when anything of it was reversed
         */
        public boolean isReversed() {
            return reversed.signum() > 0;
        }
    }
}
