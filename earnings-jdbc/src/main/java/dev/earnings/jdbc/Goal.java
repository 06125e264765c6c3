package dev.earnings.jdbc;

import dev.earnings.core.Money;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneId;
import java.util.Optional;

/**
 * A creator's earnings target for a calendar month, with the progress made so far.
 *
 * <p>The month is that of the goal's zone: from its first day's start there to the next month's.
 * Earnings are net of the reversals booked in the month, as on the dashboard.
 *
 * @param creatorId whose goal
 * @param month the month
 * @param zone the zone whose calendar the month is in
 * @param target the earnings the creator aims at, positive
 * @param earned the month's earnings so far, net of reversals (negative when reversals outweigh them)
 * @param remaining what is still to earn, zero once {@code earned >= target}
 * @param fraction {@code earned / target}, to 4 places (half even); above 1 past the target
 * @param reachedAt when a check saw the goal reached; a reached goal stays reached
 * @param setAt when the goal was set or last replaced
 * @param setBy who set it: the creator's or the admin's id
 * @param projectedReachDay the day the month's pace would reach the target; empty for now, until a
 *     forecast fills it
 */
public record Goal(String creatorId, YearMonth month, ZoneId zone, Money target, Money earned, Money remaining,
        BigDecimal fraction, Optional<Instant> reachedAt, Instant setAt, String setBy, Optional<LocalDate> projectedReachDay) {

    /**
     * Whether the goal has been reached.
     *
     * @return whether {@link #reachedAt()} is present
     */
    public boolean reached() {
        return reachedAt.isPresent();
    }
}
