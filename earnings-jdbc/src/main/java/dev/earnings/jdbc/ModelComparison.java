package dev.earnings.jdbc;

import dev.earnings.core.Money;
import java.math.BigDecimal;
import java.util.List;
import java.util.Optional;

/**
 * Two or more of a creator's models side by side over one period, and where each stands among the
 * platform's models of the same usage type.
 *
 * <p>A creator sees only positions and percentiles of other creators' models, never their figures;
 * and a standing is given only among at least the deployment's minimum number of creators
 * ({@code Earnings.Builder.insightsMinimumCreators}, 10 by default), since a rank among two
 * creators' models would tell the other's earnings apart. Admins see every standing.
 *
 * @param range the days, in the period's zone
 * @param models one entry per model asked for, in the order asked
 */
public record ModelComparison(ReportPeriod.DateRange range, List<Entry> models) {
    /**
     * Copies the list.
     *
     * @param range the days
     * @param models the entries
     */
    public ModelComparison {
        models = List.copyOf(models);
    }

    /**
     * One model's figures in the period.
     *
     * @param modelId the model
     * @param uses its uses
     * @param earningUses its uses that earned
     * @param earnings its earnings, net of the reversals booked in the period
     * @param reversed what was reversed in the period
     * @param earningsPerUse earnings divided by uses, to 12 places half-even; empty without uses
     * @param shareOfEarnings its share of the compared models' earnings, 0 to 1 to four places; empty
     *     when they earned nothing
     * @param trend its uses and earnings per local day
     * @param standings its standing among the platform's models for each usage type it was used with
     */
    public record Entry(String modelId, long uses, long earningUses, Money earnings, Money reversed,
            Optional<BigDecimal> earningsPerUse, Optional<BigDecimal> shareOfEarnings, List<CreatorDashboard.TrendPoint> trend,
            List<Standing> standings) {
        /**
         * Copies the lists.
         *
         * @param modelId the model
         * @param uses uses
         * @param earningUses uses that earned
         * @param earnings earnings
         * @param reversed reversed
         * @param earningsPerUse per use
         * @param shareOfEarnings share
         * @param trend the trend
         * @param standings the standings
         */
        public Entry {
            trend = List.copyOf(trend);
            standings = List.copyOf(standings);
        }
    }

    /**
     * A model's position among every model of the platform used with one usage type in the period,
     * by earnings from that type (net of reversals).
     *
     * @param usageType the usage type
     * @param rank 1 for the model that earned most; models that earned the same share a rank
     * @param models how many models were used with the type in the period
     * @param percentile the share of those models that earned less, in percent to one place
     *     (half-even): 100 minus this is the model's "top N%"
     */
    public record Standing(String usageType, long rank, long models, BigDecimal percentile) {
    }
}
