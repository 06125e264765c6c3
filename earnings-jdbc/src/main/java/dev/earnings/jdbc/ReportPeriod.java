package dev.earnings.jdbc;

import dev.earnings.core.InvalidInputException;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.Objects;
import java.util.Set;

/**
 * The UTC days a report covers: the last 7, 30, 90 or 365 days, or a custom half-open range.
 *
 * <p>"Last N days" is resolved against the library's clock when the report runs: the N UTC days
 * ending today, today included. A custom range is {@code [from, to)}: {@code from} included,
 * {@code to} excluded, so consecutive ranges never count a day twice.
 */
public final class ReportPeriod {
    private static final Set<Integer> PRESETS = Set.of(7, 30, 90, 365);
    /** The longest custom range, about ten years, so a typo cannot ask for millions of zero-filled days. */
    public static final int MAX_DAYS = 3700;

    private final int lastDays;
    private final LocalDate from;
    private final LocalDate to;

    private ReportPeriod(int lastDays, LocalDate from, LocalDate to) {
        this.lastDays = lastDays;
        this.from = from;
        this.to = to;
    }

    /**
     * The last {@code days} UTC days, today included.
     *
     * @param days 7, 30, 90 or 365
     * @return the period
     * @throws InvalidInputException for any other number
     */
    public static ReportPeriod lastDays(int days) {
        if (!PRESETS.contains(days)) {
            throw new InvalidInputException("period", "period is the last " + days
                    + " days; allowed: 7, 30, 90 or 365, or a custom range with ReportPeriod.between(from, to)");
        }
        return new ReportPeriod(days, null, null);
    }

    /**
     * The UTC days from {@code from} (included) to {@code to} (excluded).
     *
     * @param from the first day
     * @param to the day after the last
     * @return the period
     * @throws InvalidInputException if {@code to} is not after {@code from} or the range is longer than {@link #MAX_DAYS}
     */
    public static ReportPeriod between(LocalDate from, LocalDate to) {
        if (from == null || to == null || !to.isAfter(from) || ChronoUnit.DAYS.between(from, to) > MAX_DAYS) {
            throw new InvalidInputException("period", "period is [" + from + ", " + to
                    + "); allowed: two days with from before to, at most " + MAX_DAYS + " days apart");
        }
        return new ReportPeriod(0, from, to);
    }

    /**
     * The concrete days for a given today.
     *
     * @param today the current UTC day
     * @return the range
     */
    public DateRange resolve(LocalDate today) {
        Objects.requireNonNull(today, "today");
        return lastDays > 0 ? new DateRange(today.minusDays(lastDays - 1L), today.plusDays(1)) : new DateRange(from, to);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ReportPeriod && ((ReportPeriod) o).lastDays == lastDays
                && Objects.equals(((ReportPeriod) o).from, from) && Objects.equals(((ReportPeriod) o).to, to);
    }

    @Override
    public int hashCode() {
        return Objects.hash(lastDays, from, to);
    }

    @Override
    public String toString() {
        return lastDays > 0 ? "last " + lastDays + " days" : "[" + from + ", " + to + ")";
    }

    /**
     * A resolved half-open range of UTC days.
     *
     * @param from the first day, included
     * @param to the day after the last, excluded
     */
    public record DateRange(LocalDate from, LocalDate to) {
        /**
         * Checks the range.
         *
         * @param from the first day
         * @param to the day after the last
         */
        public DateRange {
            Objects.requireNonNull(from, "from");
            Objects.requireNonNull(to, "to");
            if (!to.isAfter(from)) {
                throw new IllegalArgumentException("to must be after from: [" + from + ", " + to + ")");
            }
        }

        /**
         * The number of days.
         *
         * @return {@code to - from} in days
         */
        public long days() {
            return ChronoUnit.DAYS.between(from, to);
        }

        /**
         * The range of the same length just before this one, for period-over-period change.
         *
         * @return the previous range
         */
        public DateRange previous() {
            return new DateRange(from.minusDays(days()), from);
        }
    }
}
