package dev.earnings.jdbc;

import java.time.DayOfWeek;
import java.time.LocalDate;
import java.time.temporal.TemporalAdjusters;

/** The bucket size of a trend series. Weeks start on Monday (ISO); all days are UTC. */
public enum Granularity {
    /** One point per day. */
    DAY,
    /** One point per ISO week, labelled by its Monday. */
    WEEK,
    /** One point per calendar month, labelled by its first day. */
    MONTH;

    /**
     * The first day of the bucket that holds {@code day}.
     *
     * @param day a day
     * @return the bucket's first day
     */
    public LocalDate bucketOf(LocalDate day) {
        switch (this) {
            case WEEK:
                return day.with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY));
            case MONTH:
                return day.withDayOfMonth(1);
            default:
                return day;
        }
    }

    /**
     * The first day of the bucket after the one starting at {@code bucket}.
     *
     * @param bucket a bucket's first day
     * @return the next bucket's first day
     */
    public LocalDate next(LocalDate bucket) {
        switch (this) {
            case WEEK:
                return bucket.plusWeeks(1);
            case MONTH:
                return bucket.plusMonths(1);
            default:
                return bucket.plusDays(1);
        }
    }
}
