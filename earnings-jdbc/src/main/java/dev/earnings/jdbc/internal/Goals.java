package dev.earnings.jdbc.internal;

import dev.earnings.core.InvalidInputException;
import dev.earnings.core.Money;
import dev.earnings.core.internal.Checks;
import dev.earnings.jdbc.EventType;
import dev.earnings.jdbc.Goal;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.YearMonth;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Currency;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jspecify.annotations.Nullable;

/**
 * Owner of {@code earnings_goals}: creators' monthly earnings targets, their progress, and the
 * moment each is reached.
 *
 * <p>A month's earnings are net of the reversals booked in it, as on the dashboard. For a goal in
 * UTC they are the sum of the daily rollups of the month's days; for any other zone the month is
 * the instant range [its first day's start in the zone, the next month's), read by
 * {@link #earnedBetween}, the one place that reads earnings between two instants.
 *
 * <p>A goal is marked reached by a check (after it is set, and with every check of alerts): one
 * update that finds it not yet reached sets {@code reached_at} and appends its
 * {@link EventType#GOAL_REACHED} event in the same transaction, so each goal is reported once,
 * whoever checks it and however often.
 */
public final class Goals {
    /** How far back and ahead of the current month a goal may be set, in months. */
    public static final int MONTHS_EITHER_WAY = 120;
    /** How long after its month a goal not reached is still checked, in months. */
    static final int CHECKED_FOR_MONTHS = 12;
    private static final int MAX_ZONE_LENGTH = 64;
    private static final int FRACTION_SCALE = 4;
    /** NUMERIC(38, 12) holds 26 digits before the point. */
    private static final int MAX_INTEGER_DIGITS = 26;
    private static final String COLUMNS = "SELECT creator_id, goal_month, zone_id, target, set_at, set_by, reached_at"
            + " FROM <t>earnings_goals";

    private final Clock clock;
    private final Currency currency;
    private final Outbox outbox;
    private final InsightReports forecasts;

    /** A goal as stored. */
    public record Stored(String creatorId, YearMonth month, ZoneId zone, BigDecimal target, Instant setAt, String setBy,
            @Nullable Instant reachedAt) {
    }

    /**
     * Creates the owner of goals.
     *
     * @param clock the clock that says which month it is and when a goal was set or reached
     * @param currency the deployment's currency, the goals' too
     * @param outbox where reached goals are reported
     */
    public Goals(Clock clock, Currency currency, Outbox outbox, InsightReports forecasts) {
        this.forecasts = forecasts;
        this.clock = clock;
        this.currency = currency;
        this.outbox = outbox;
    }

    /**
     * Checks a month argument: present, and within {@value #MONTHS_EITHER_WAY} months of now.
     *
     * @param month the month
     * @return the month
     */
    public YearMonth requireMonth(YearMonth month) {
        if (month == null) {
            throw new InvalidInputException("month", "month is missing; allowed: a month such as 2026-03");
        }
        YearMonth now = YearMonth.from(clock.instant().atZone(ZoneOffset.UTC));
        if (month.isBefore(now.minusMonths(MONTHS_EITHER_WAY)) || month.isAfter(now.plusMonths(MONTHS_EITHER_WAY))) {
            throw new InvalidInputException("month", "month is " + month + "; allowed: from " + now.minusMonths(MONTHS_EITHER_WAY)
                    + " to " + now.plusMonths(MONTHS_EITHER_WAY) + " (" + MONTHS_EITHER_WAY + " months either way of now)");
        }
        return month;
    }

    /**
     * Checks a zone argument.
     *
     * @param zone the zone
     * @return the zone
     */
    public static ZoneId requireZone(ZoneId zone) {
        if (zone == null) {
            throw new InvalidInputException("zone", "zone is missing; allowed: a time zone such as ZoneOffset.UTC or"
                    + " ZoneId.of(\"America/New_York\")");
        }
        if (zone.getId().length() > MAX_ZONE_LENGTH) {
            throw new InvalidInputException("zone", "zone has an id of " + zone.getId().length() + " characters; allowed: at most "
                    + MAX_ZONE_LENGTH);
        }
        return zone;
    }

    /**
     * Checks a target argument: positive, at most 12 decimal places, and small enough to store.
     *
     * @param target the target
     * @return the target with 12 decimal places
     */
    public static BigDecimal requireTarget(BigDecimal target) {
        String allowed = "; allowed: an amount above 0 with at most " + Money.SCALE + " decimal places and "
                + MAX_INTEGER_DIGITS + " digits before the point";
        if (target == null) {
            throw new InvalidInputException("target", "target is missing" + allowed);
        }
        if (target.signum() <= 0) {
            throw new InvalidInputException("target", "target is " + Checks.shown(target) + allowed);
        }
        if (Checks.significantScale(target) > Money.SCALE) {
            throw new InvalidInputException("target", "target " + Checks.shown(target) + " has "
                    + Checks.significantScale(target) + " decimal places" + allowed);
        }
        BigDecimal scaled = target.setScale(Money.SCALE);
        if (scaled.precision() - scaled.scale() > MAX_INTEGER_DIGITS) {
            throw new InvalidInputException("target", "target " + Checks.shown(target) + " is too large" + allowed);
        }
        return scaled;
    }

    /**
     * Sets or replaces a creator's goal of a month, unless that goal is reached.
     *
     * @param h the transaction, in the caller's scope
     * @param actor who sets it
     * @param creatorId whose goal
     * @param month the month
     * @param zone the month's zone
     * @param target the target, checked
     */
    public void set(Handle h, String actor, String creatorId, YearMonth month, ZoneId zone, BigDecimal target) {
        Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
        int replaced = h.createUpdate("UPDATE <t>earnings_goals SET zone_id = :zone, target = :target, set_at = :now,"
                + " set_by = :actor WHERE creator_id = :creator AND goal_month = :month AND reached_at IS NULL")
                .bind("zone", zone.getId()).bind("target", target).bind("now", now).bind("actor", actor)
                .bind("creator", creatorId).bind("month", month.atDay(1)).execute();
        if (replaced == 1) {
            return;
        }
        Optional<Stored> existing = find(h, creatorId, month);
        if (existing.isPresent()) {
            throw new InvalidInputException("month", "the goal of " + month + " was reached at " + existing.get().reachedAt()
                    + " and is kept as it was; allowed: a month whose goal is not reached");
        }
        // Two first goals of one month at once collide on the key; the later transaction runs again and replaces.
        h.createUpdate("INSERT INTO <t>earnings_goals (creator_id, goal_month, zone_id, target, set_at, set_by)"
                + " VALUES (:creator, :month, :zone, :target, :now, :actor)")
                .bind("creator", creatorId).bind("month", month.atDay(1)).bind("zone", zone.getId()).bind("target", target)
                .bind("now", now).bind("actor", actor).execute();
    }

    /**
     * A creator's goal of a month.
     *
     * @param h the transaction
     * @param creatorId whose goal
     * @param month the month
     * @return the goal, or empty
     */
    public Optional<Stored> find(Handle h, String creatorId, YearMonth month) {
        return h.createQuery(COLUMNS + " WHERE creator_id = :creator AND goal_month = :month").bind("creator", creatorId)
                .bind("month", month.atDay(1)).map((rs, ctx) -> row(rs)).findOne();
    }

    /**
     * A creator's goals, latest month first.
     *
     * @param h the transaction
     * @param creatorId whose goals
     * @return the goals
     */
    public List<Stored> of(Handle h, String creatorId) {
        return h.createQuery(COLUMNS + " WHERE creator_id = :creator ORDER BY goal_month DESC").bind("creator", creatorId)
                .map((rs, ctx) -> row(rs)).list();
    }

    /**
     * Deletes a creator's goal of a month.
     *
     * @param h the transaction, in the caller's scope
     * @param creatorId whose goal
     * @param month the month
     * @return whether there was one
     */
    public boolean delete(Handle h, String creatorId, YearMonth month) {
        return h.createUpdate("DELETE FROM <t>earnings_goals WHERE creator_id = :creator AND goal_month = :month")
                .bind("creator", creatorId).bind("month", month.atDay(1)).execute() > 0;
    }

    /**
     * A goal with its progress.
     *
     * @param h the transaction
     * @param goal the goal
     * @return the goal and its progress
     */
    public Goal progress(Handle h, Stored goal) {
        BigDecimal earned = earnedIn(h, goal.creatorId(), goal.month(), goal.zone());
        BigDecimal remaining = goal.target().subtract(earned).max(BigDecimal.ZERO);
        BigDecimal fraction = earned.divide(goal.target(), FRACTION_SCALE, RoundingMode.HALF_EVEN);
        Optional<LocalDate> projected = goal.reachedAt() != null ? Optional.empty()
                : forecasts.projectedReach(h, goal.creatorId(), goal.zone(), goal.month(), earned, goal.target());
        return new Goal(goal.creatorId(), goal.month(), goal.zone(), money(goal.target()), money(earned), money(remaining),
                fraction, Optional.ofNullable(goal.reachedAt()), goal.setAt(), goal.setBy(), projected);
    }

    /**
     * Marks a goal reached, with its event, when its month has come and its earnings reach the
     * target and nobody marked it before.
     *
     * @param h the transaction, as an admin or the service
     * @param goal the goal
     * @return whether this call marked it
     */
    public boolean reachIfDue(Handle h, Stored goal) {
        if (goal.reachedAt() != null) {
            return false;
        }
        Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
        if (goal.month().atDay(1).atStartOfDay(goal.zone()).toInstant().isAfter(now)) {
            return false;
        }
        BigDecimal earned = earnedIn(h, goal.creatorId(), goal.month(), goal.zone());
        if (earned.compareTo(goal.target()) < 0) {
            return false;
        }
        // Only the target that was read: a replacement committed meanwhile is judged by the next check.
        int marked = h.createUpdate("UPDATE <t>earnings_goals SET reached_at = :now, earned_at_reach = :earned"
                + " WHERE creator_id = :creator AND goal_month = :month AND reached_at IS NULL AND target = :target")
                .bind("now", now).bind("earned", earned).bind("creator", goal.creatorId()).bind("month", goal.month().atDay(1))
                .bind("target", goal.target()).execute();
        if (marked == 0) {
            return false;
        }
        outbox.append(h, EventType.GOAL_REACHED, goal.creatorId(), AuditLog.values("month", goal.month().toString(), "zone",
                goal.zone().getId(), "target", money(goal.target()).amount(), "earned", money(earned).amount(), "currency",
                currency.getCurrencyCode(), "reachedAt", now.toString()));
        return true;
    }

    /**
     * Checks every goal not yet reached whose month has begun and ended less than
     * {@value #CHECKED_FOR_MONTHS} months ago.
     *
     * @param h the transaction, as an admin or the service
     * @return how many goals this check marked reached
     */
    public int checkAll(Handle h) {
        LocalDate today = LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
        // A zone ahead of UTC may already be in the next month.
        LocalDate newest = YearMonth.from(today.plusDays(1)).atDay(1);
        LocalDate oldest = YearMonth.from(today).minusMonths(CHECKED_FOR_MONTHS).atDay(1);
        List<Stored> open = h.createQuery(COLUMNS + " WHERE reached_at IS NULL AND goal_month >= :oldest"
                + " AND goal_month <= :newest ORDER BY creator_id, goal_month")
                .bind("oldest", oldest).bind("newest", newest).map((rs, ctx) -> row(rs)).list();
        int marked = 0;
        for (Stored goal : open) {
            if (reachIfDue(h, goal)) {
                marked++;
            }
        }
        return marked;
    }

    /** A creator's earnings in a month of a zone, net of the reversals booked in it. */
    private BigDecimal earnedIn(Handle h, String creatorId, YearMonth month, ZoneId zone) {
        if (zone.normalized().equals(ZoneOffset.UTC)) {
            // UTC months are whole UTC days: the daily rollups hold them.
            return h.createQuery("SELECT COALESCE(SUM(earnings - reversed), 0) FROM <t>model_analytics"
                    + " WHERE creator_id = :creator AND usage_day >= :from AND usage_day < :to")
                    .bind("creator", creatorId).bind("from", month.atDay(1)).bind("to", month.plusMonths(1).atDay(1))
                    .mapTo(BigDecimal.class).one();
        }
        return earnedBetween(h, creatorId, month.atDay(1).atStartOfDay(zone).toInstant(),
                month.plusMonths(1).atDay(1).atStartOfDay(zone).toInstant());
    }

    /**
     * A creator's earnings in [from, to): the earnings of the uses that occurred in it, less the
     * reversals booked in it (a reversal counts when it is made, as on the dashboard).
     *
     * <p>The one place that reads earnings between two instants: the quarter-hour rollups hold
     * both (uses by the quarter hour they occurred in, reversals by the one they were made in),
     * exact whenever both instants fall on a quarter hour, which a month's start does in every zone
     * in use today. A range that does not (a zone's distant past) is summed from the usage rows and
     * the reversals themselves.
     */
    private BigDecimal earnedBetween(Handle h, String creatorId, Instant from, Instant to) {
        if (from.getEpochSecond() % UsageWriter.SLOT_SECONDS == 0 && to.getEpochSecond() % UsageWriter.SLOT_SECONDS == 0) {
            return h.createQuery("SELECT COALESCE(SUM(earnings - reversed), 0) FROM <t>model_usage_slots"
                    + " WHERE creator_id = :creator AND slot >= :from AND slot < :to")
                    .bind("creator", creatorId).bind("from", UsageWriter.slotOf(from)).bind("to", UsageWriter.slotOf(to))
                    .mapTo(BigDecimal.class).one();
        }
        return h.createQuery("SELECT (SELECT COALESCE(SUM(earnings), 0) FROM <t>model_usage_logs"
                + " WHERE creator_id = :creator AND occurred_at >= :from AND occurred_at < :to)"
                + " - (SELECT COALESCE(SUM(amount), 0) FROM <t>earnings_reversals"
                + " WHERE creator_id = :creator AND reversed_at >= :from AND reversed_at < :to)")
                .bind("creator", creatorId).bind("from", from).bind("to", to).mapTo(BigDecimal.class).one();
    }

    private static Stored row(ResultSet rs) throws SQLException {
        OffsetDateTime reached = rs.getObject("reached_at", OffsetDateTime.class);
        return new Stored(rs.getString("creator_id"), YearMonth.from(rs.getObject("goal_month", LocalDate.class)),
                ZoneId.of(rs.getString("zone_id")), rs.getBigDecimal("target"),
                rs.getObject("set_at", OffsetDateTime.class).toInstant(), rs.getString("set_by"),
                reached == null ? null : reached.toInstant());
    }

    private Money money(BigDecimal amount) {
        return Money.of(currency, amount.setScale(Money.SCALE, RoundingMode.UNNECESSARY));
    }
}
