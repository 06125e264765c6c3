package dev.earnings.jdbc;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.Currency;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A forecast of a model's or a creator's uses and earnings for the next days, each with a
 * prediction interval, and where each model stands against its next usage tier.
 *
 * <p>A forecast is an estimate, not an amount: it is fitted in binary floating point (Apache
 * Commons Math: least squares over the last 56 whole local days, with a damped linear trend and
 * day-of-week effects, documented in {@code docs/contract.md}), then rounded to whole uses and to
 * the currency's minor unit. It is never stored and never added to a booked amount. The same data
 * gives the same forecast, bit for bit. Its error against naive baselines is measured by the
 * benchmark module's backtest ({@code docs/benchmarks.md}).
 *
 * @param creatorId whose models
 * @param modelId the model, or empty for all of the creator's models together
 * @param zone the time zone whose days are forecast
 * @param historyFrom the first day of the history the forecast was fitted on
 * @param historyTo the day after the last day of history: today, which is not yet whole and is
 *     neither history nor forecast
 * @param confidence the intervals' coverage, such as 0.9: nine days in ten should fall inside
 * @param method what was fitted, in a few words (shorter histories get simpler models)
 * @param currency the currency of the earnings estimates
 * @param days one entry per forecast day, from tomorrow
 * @param uses the uses over all the forecast days, with the interval of the sum (narrower than the
 *     days' bounds added up)
 * @param earnings the earnings over all the forecast days, net of reversals as dashboards count them
 * @param tiers where each model stands against its next tier at its current pace
 */
public record Forecast(String creatorId, Optional<String> modelId, ZoneId zone, LocalDate historyFrom,
        LocalDate historyTo, BigDecimal confidence, String method, Currency currency, List<Day> days, Estimate uses,
        Estimate earnings, List<TierOutlook> tiers) {

    /** The longest forecast, in days. */
    public static final int MAX_DAYS = 90;

    /**
     * Copies the lists.
     *
     * @param creatorId whose models
     * @param modelId the model or empty
     * @param zone the zone
     * @param historyFrom the first day of history
     * @param historyTo today
     * @param confidence the coverage
     * @param method the model fitted
     * @param currency the currency
     * @param days the days
     * @param uses the uses in total
     * @param earnings the earnings in total
     * @param tiers the tier outlooks
     */
    public Forecast {
        Objects.requireNonNull(creatorId, "creatorId");
        days = List.copyOf(days);
        tiers = List.copyOf(tiers);
    }

    /**
     * An estimate with its interval. The upper bound is absent when the history is too short to
     * bound it (a model used on one day only).
     *
     * @param expected the point forecast
     * @param low the interval's lower bound, never below zero
     * @param high the interval's upper bound, or empty when unbounded
     */
    public record Estimate(BigDecimal expected, BigDecimal low, Optional<BigDecimal> high) {
        /**
         * Checks the parts.
         *
         * @param expected the point forecast
         * @param low the lower bound
         * @param high the upper bound
         */
        public Estimate {
            Objects.requireNonNull(expected, "expected");
            Objects.requireNonNull(low, "low");
            Objects.requireNonNull(high, "high");
        }
    }

    /**
     * One forecast day.
     *
     * @param day the local day
     * @param uses its uses
     * @param earnings its earnings
     */
    public record Day(LocalDate day, Estimate uses, Estimate earnings) {
    }
}
