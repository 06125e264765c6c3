package dev.earnings.jdbc.internal;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The alert rule, pure and exact: is a day's figure far from the days before it?
 *
 * <p>The baseline is the {@value #BASELINE_DAYS} days before the day, a missing day counting as
 * zero. Its median {@code m} is the middle value (of an even count, the mean of the middle two,
 * exact since halving a decimal ends); its median absolute deviation {@code MAD} is the median of
 * {@code |v - m|} over the baseline. A flat series has a MAD of zero, on which any change would
 * alert, so the MAD used is floored: {@code max(MAD, unit, |m| / 20)}, where the unit is the
 * smallest change that means something (one use; one minor unit of the currency). The day alerts
 * when {@code |x - m| > 3 x MAD used}, above or below. Everything is {@link BigDecimal}, never
 * rounded.
 */
public final class AlertRule {
    /** How many days before the day make its baseline. */
    public static final int BASELINE_DAYS = 28;
    /** How many MADs from the median a day must lie to alert. */
    public static final BigDecimal FACTOR = BigDecimal.valueOf(3);
    /** The floor's share of the median: a twentieth. */
    public static final BigDecimal MEDIAN_SHARE = new BigDecimal("0.05");

    private static final BigDecimal TWO = BigDecimal.valueOf(2);

    /**
     * A day that alerts, with the figures that made it.
     *
     * @param above whether the day lies above the median (else below)
     * @param value the day's figure
     * @param median the baseline's median
     * @param mad the median absolute deviation used, after the floor
     * @param threshold {@link #FACTOR} times {@code mad}: the distance from the median beyond which a day alerts
     */
    public record Finding(boolean above, BigDecimal value, BigDecimal median, BigDecimal mad, BigDecimal threshold) {
        /**
         * How far the day lies from the median.
         *
         * @return {@code |value - median|}
         */
        public BigDecimal distance() {
            return value.subtract(median).abs();
        }
    }

    private AlertRule() {
    }

    /**
     * Judges a day against its baseline.
     *
     * @param baseline exactly {@value #BASELINE_DAYS} figures, the days before the day (order does not matter)
     * @param value the day's figure
     * @param unit the smallest meaningful change, positive: the MAD is never taken below it
     * @return the finding when the day alerts, else empty
     * @throws IllegalArgumentException if the baseline has another length or the unit is not positive
     */
    public static Optional<Finding> evaluate(List<BigDecimal> baseline, BigDecimal value, BigDecimal unit) {
        Objects.requireNonNull(value, "value");
        if (baseline.size() != BASELINE_DAYS) {
            throw new IllegalArgumentException("a baseline has " + BASELINE_DAYS + " days, not " + baseline.size());
        }
        if (unit.signum() <= 0) {
            throw new IllegalArgumentException("the unit must be positive, not " + unit.toPlainString());
        }
        BigDecimal median = median(baseline);
        BigDecimal mad = flooredMad(mad(baseline, median), median, unit);
        BigDecimal threshold = FACTOR.multiply(mad);
        BigDecimal distance = value.subtract(median).abs();
        if (distance.compareTo(threshold) <= 0) {
            return Optional.empty();
        }
        return Optional.of(new Finding(value.compareTo(median) > 0, value, median, mad, threshold));
    }

    /**
     * The median: the middle value, or of an even count the mean of the middle two, exact.
     *
     * @param values one or more values
     * @return the median
     */
    public static BigDecimal median(List<BigDecimal> values) {
        if (values.isEmpty()) {
            throw new IllegalArgumentException("the median of no values");
        }
        List<BigDecimal> sorted = new ArrayList<>(values);
        sorted.sort(BigDecimal::compareTo);
        int n = sorted.size();
        if (n % 2 == 1) {
            return sorted.get(n / 2);
        }
        // Halving always ends: divide(TWO) is exact, and throws rather than round if it were not.
        return sorted.get(n / 2 - 1).add(sorted.get(n / 2)).divide(TWO);
    }

    /**
     * The median absolute deviation of values from their median, before any floor.
     *
     * @param values one or more values
     * @param median their median
     * @return the median of {@code |v - median|}
     */
    public static BigDecimal mad(List<BigDecimal> values, BigDecimal median) {
        List<BigDecimal> deviations = new ArrayList<>(values.size());
        for (BigDecimal v : values) {
            deviations.add(v.subtract(median).abs());
        }
        return median(deviations);
    }

    /**
     * The MAD used: never below the unit, nor below a twentieth of the median's size.
     *
     * @param mad the MAD
     * @param median the median
     * @param unit the smallest meaningful change
     * @return {@code max(mad, unit, |median| / 20)}
     */
    public static BigDecimal flooredMad(BigDecimal mad, BigDecimal median, BigDecimal unit) {
        return mad.max(unit).max(median.abs().multiply(MEDIAN_SHARE));
    }
}
