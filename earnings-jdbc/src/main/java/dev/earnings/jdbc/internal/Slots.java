package dev.earnings.jdbc.internal;

import dev.earnings.jdbc.ReportPeriod.DateRange;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.zone.ZoneOffsetTransition;
import java.time.zone.ZoneRules;
import java.util.ArrayList;
import java.util.List;
import org.jdbi.v3.core.statement.SqlStatement;

/**
 * Reads the quarter-hour rollups ({@code model_usage_slots}) by the local days, hours and weekdays
 * of a time zone, exactly.
 *
 * <p>Within a stretch of time where the zone's offset does not change, the local day of a quarter
 * hour is {@code (slot + offset in quarter hours) / 96}, an integer division the database does in
 * the statement, so a year of a creator's quarter hours comes back as at most 366 summed rows. A
 * period is cut at the zone's offset changes (two a year where daylight saving is kept), and the
 * offset of each stretch is chosen in the statement with one CASE. The arithmetic is written by
 * hand because no SQL function shared by H2 and PostgreSQL maps an epoch number to a local date of
 * an arbitrary zone ({@code AT TIME ZONE} differs between them and costs a time-zone lookup per row).
 */
public final class Slots {
    /** Quarter hours in a day: a local day number is {@code (slot + offset) / PER_DAY}. */
    static final int PER_DAY = 96;
    /** Quarter hours in an hour. */
    static final int PER_HOUR = 4;

    private final List<Stretch> stretches;
    private final long from;
    private final long to;

    /** A stretch of quarter hours {@code [from, to)} in which the zone is offset by {@code quarters} quarter hours. */
    record Stretch(long from, long to, long quarters) {
    }

    private Slots(List<Stretch> stretches, long from, long to) {
        this.stretches = stretches;
        this.from = from;
        this.to = to;
    }

    /**
     * The quarter hours of a range of local days.
     *
     * @param range the days, whose starts the range has checked fall on UTC quarter hours
     * @return the slots
     */
    public static Slots of(DateRange range) {
        return between(range.start(), range.end(), range.zone());
    }

    /**
     * The quarter hours from one instant to another, read by the days of a zone.
     *
     * @param start the first instant, on a quarter hour
     * @param end the first instant after, on a quarter hour
     * @param zone the zone whose days, hours and weekdays are read
     * @return the slots
     */
    public static Slots between(Instant start, Instant end, ZoneId zone) {
        long from = UsageWriter.slotOf(start);
        long to = UsageWriter.slotOf(end);
        ZoneRules rules = zone.getRules();
        List<Stretch> stretches = new ArrayList<>();
        long at = from;
        Instant cursor = start;
        while (at < to) {
            long quarters = rules.getOffset(cursor).getTotalSeconds() / (UsageWriter.SLOT_SECONDS);
            ZoneOffsetTransition next = rules.nextTransition(cursor);
            long until = next == null ? to : Math.min(to, UsageWriter.slotOf(next.getInstant()));
            if (until <= at) {
                // A transition inside this quarter hour cannot happen for the zones DateRange accepts.
                until = at + 1;
            }
            stretches.add(new Stretch(at, until, quarters));
            at = until;
            cursor = UsageWriter.slotStart(at);
        }
        return new Slots(stretches, from, to);
    }

    /**
     * The first quarter hour.
     *
     * @return its number
     */
    public long from() {
        return from;
    }

    /**
     * The quarter hour after the last.
     *
     * @return its number
     */
    public long to() {
        return to;
    }

    /**
     * The SQL expression for a quarter hour's local position: {@code slot + offset}, offset by
     * the stretch the slot is in. Its parameters are bound by {@link #bind}.
     *
     * @param column the slot column, such as {@code slot} or {@code s.slot}
     * @param prefix the parameters' name prefix, unique within the statement
     * @return the expression
     */
    public String local(String column, String prefix) {
        if (stretches.size() == 1) {
            return "(" + column + " + :" + prefix + "k0)";
        }
        StringBuilder sql = new StringBuilder("(" + column + " + CASE");
        for (int i = 0; i < stretches.size() - 1; i++) {
            sql.append(" WHEN ").append(column).append(" < :").append(prefix).append("b").append(i)
                    .append(" THEN :").append(prefix).append("k").append(i);
        }
        return sql.append(" ELSE :").append(prefix).append("k").append(stretches.size() - 1).append(" END)").toString();
    }

    /**
     * The SQL expression for a quarter hour's local day number (days since 1970-01-01).
     *
     * @param column the slot column
     * @param prefix the parameters' name prefix
     * @return the expression
     */
    public String day(String column, String prefix) {
        return "(" + local(column, prefix) + " / " + PER_DAY + ")";
    }

    /**
     * The SQL expression for a quarter hour's local hour of day, 0 to 23.
     *
     * @param column the slot column
     * @param prefix the parameters' name prefix
     * @return the expression
     */
    public String hour(String column, String prefix) {
        return "(MOD(" + local(column, prefix) + ", " + PER_DAY + ") / " + PER_HOUR + ")";
    }

    /**
     * Binds what {@link #local} names.
     *
     * @param statement the statement
     * @param prefix the prefix given to {@link #local}
     * @param <S> the statement's type
     * @return the statement
     */
    public <S extends SqlStatement<S>> S bind(S statement, String prefix) {
        for (int i = 0; i < stretches.size(); i++) {
            statement.bind(prefix + "k" + i, stretches.get(i).quarters());
            if (i < stretches.size() - 1) {
                statement.bind(prefix + "b" + i, stretches.get(i).to());
            }
        }
        return statement;
    }

    /**
     * The local date of a day number the database computed.
     *
     * @param number days since 1970-01-01
     * @return the date
     */
    public static LocalDate date(long number) {
        return LocalDate.ofEpochDay(number);
    }

    /**
     * The rows of a period in any zone, the fewest to read: the UTC days wholly inside it from the
     * daily rollups, and only the quarter hours at either end from the quarter-hour rollups (for
     * a whole-hour zone, up to a day at each end). For sums over the whole period and for the
     * distinct models or creators in it, which do not need each local day apart: both tables have
     * the columns {@code model_id, creator_id, uses, counted_uses, earning_uses, tokens, earnings,
     * reversed}. For a UTC period the quarter-hour part is empty.
     *
     * @param range the days
     * @param columns the columns to select from either table
     * @param prefix the parameters' name prefix, unique within the statement
     * @return the SQL of a derived table; bind its parameters with {@link #bindRows}
     */
    public static String rows(DateRange range, String columns, String prefix) {
        return "SELECT " + columns + " FROM <t>model_analytics WHERE usage_day >= :" + prefix + "d1 AND usage_day < :"
                + prefix + "d2 UNION ALL SELECT " + columns + " FROM <t>model_usage_slots WHERE (slot >= :" + prefix
                + "a AND slot < :" + prefix + "b) OR (slot >= :" + prefix + "c AND slot < :" + prefix + "d)";
    }

    /**
     * Binds what {@link #rows} names.
     *
     * @param statement the statement
     * @param range the days
     * @param prefix the prefix given to {@link #rows}
     * @param <S> the statement's type
     * @return the statement
     */
    public static <S extends SqlStatement<S>> S bindRows(S statement, DateRange range, String prefix) {
        Instant start = range.start();
        Instant end = range.end();
        LocalDate firstWhole = LocalDate.ofInstant(start, java.time.ZoneOffset.UTC);
        if (!firstWhole.atStartOfDay(java.time.ZoneOffset.UTC).toInstant().equals(start)) {
            firstWhole = firstWhole.plusDays(1);
        }
        LocalDate afterWhole = LocalDate.ofInstant(end, java.time.ZoneOffset.UTC);
        if (firstWhole.isBefore(afterWhole)) {
            statement.bind(prefix + "d1", firstWhole).bind(prefix + "d2", afterWhole)
                    .bind(prefix + "a", UsageWriter.slotOf(start))
                    .bind(prefix + "b", UsageWriter.slotOf(firstWhole.atStartOfDay(java.time.ZoneOffset.UTC).toInstant()))
                    .bind(prefix + "c", UsageWriter.slotOf(afterWhole.atStartOfDay(java.time.ZoneOffset.UTC).toInstant()))
                    .bind(prefix + "d", UsageWriter.slotOf(end));
        } else {
            // Shorter than a whole UTC day inside: all of it from the quarter hours.
            statement.bind(prefix + "d1", LocalDate.EPOCH).bind(prefix + "d2", LocalDate.EPOCH)
                    .bind(prefix + "a", UsageWriter.slotOf(start)).bind(prefix + "b", UsageWriter.slotOf(end))
                    .bind(prefix + "c", 0L).bind(prefix + "d", 0L);
        }
        return statement;
    }
}
