package dev.earnings.jdbc;

import dev.earnings.core.Money;
import java.math.BigDecimal;
import java.util.List;
import java.util.Optional;

/**
 * The platform's usage patterns over a period: by usage type, by local hour of day and by day of
 * week (in the period's zone), growth against the previous period, and how concentrated earnings
 * are among models.
 *
 * <p>Admins see every figure. Creators see only aggregates over at least {@link #minimumCreators}
 * creators: a bucket used by fewer is {@linkplain Bucket#figures() withheld}, and so is a
 * concentration share whose top group holds fewer creators' models (k-anonymity, with k set by
 * {@code Earnings.Builder.insightsMinimumCreators}, 10 by default).
 *
 * @param range the days, in the period's zone
 * @param minimumCreators k: the fewest creators a figure shown to a creator may cover
 * @param anonymized whether the k rule was applied (a creator asked)
 * @param byUsageType one bucket per usage type used in the period, by name
 * @param byHour 24 buckets, keys {@code "00"} to {@code "23"}, local hours
 * @param byWeekday 7 buckets, keys {@code "MONDAY"} to {@code "SUNDAY"}, local days
 * @param growth the period against the one of the same length before it
 * @param concentration the share of earnings of the top models
 */
public record MarketInsights(ReportPeriod.DateRange range, int minimumCreators, boolean anonymized,
        List<Bucket> byUsageType, List<Bucket> byHour, List<Bucket> byWeekday, Growth growth,
        Concentration concentration) {
    /**
     * Copies the lists.
     *
     * @param range the days
     * @param minimumCreators k
     * @param anonymized whether k applied
     * @param byUsageType by type
     * @param byHour by hour
     * @param byWeekday by weekday
     * @param growth growth
     * @param concentration concentration
     */
    public MarketInsights {
        byUsageType = List.copyOf(byUsageType);
        byHour = List.copyOf(byHour);
        byWeekday = List.copyOf(byWeekday);
    }

    /**
     * Figures summed over many creators' models.
     *
     * @param uses uses
     * @param earnings earnings, net of the reversals booked in the same time
     * @param models models used
     * @param creators creators whose models were used
     */
    public record Figures(long uses, Money earnings, long models, long creators) {
    }

    /**
     * One slice of the period.
     *
     * @param key what the slice is: a usage type, an hour or a weekday
     * @param figures its figures, or empty when withheld from a creator (fewer than k creators)
     */
    public record Bucket(String key, Optional<Figures> figures) {
    }

    /**
     * The period against the previous one.
     *
     * @param current this period, or empty when withheld
     * @param previous the previous period, or empty when withheld
     * @param usesChangeRatio (current - previous) / previous uses, four places; empty when withheld or
     *     without previous uses
     * @param earningsChangeRatio the same for earnings
     */
    public record Growth(Optional<Figures> current, Optional<Figures> previous, Optional<BigDecimal> usesChangeRatio,
            Optional<BigDecimal> earningsChangeRatio) {
    }

    /**
     * How much of the period's earnings the top models took. The top 1% is at least one model, the
     * top 10% likewise; a share is 0 to 1 to four places (half-even).
     *
     * @param models models with earnings in the period
     * @param topOnePercentShare the top 1% of models' share, or empty when withheld or nothing was earned
     * @param topTenPercentShare the top 10% of models' share, or empty when withheld or nothing was earned
     */
    public record Concentration(long models, Optional<BigDecimal> topOnePercentShare,
            Optional<BigDecimal> topTenPercentShare) {
    }
}
