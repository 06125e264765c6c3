package dev.earnings.jdbc.internal;

import dev.earnings.jdbc.IntegrityReport;
import dev.earnings.jdbc.IntegrityReport.Drift;
import java.math.BigDecimal;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.SqlStatements;
import org.jspecify.annotations.Nullable;

/**
 * Recomputes every derived figure from the usage rows and the reversals, and compares it with
 * what is stored.
 *
 * <p>It reads in one transaction that sees one snapshot (REPEATABLE READ on PostgreSQL,
 * SERIALIZABLE on H2), so a check running beside live traffic compares figures of one moment. It
 * scans every usage row: it is an audit, not a dashboard query.
 */
public final class IntegrityChecker {
    private static final String[] MODEL_FIGURES = {"total_uses", "counted_uses", "total_tokens", "lifetime_earnings",
        "reversed_earnings"};
    private static final String[] SLOT_FIGURES = {"slot_uses", "slot_counted_uses", "slot_earning_uses", "slot_tokens",
        "slot_earnings", "slot_reversed"};
    /** The quarter hour of a usage row, as the rollup keys it. */
    static final String SLOT_OF_USE = "CAST(FLOOR(EXTRACT(EPOCH FROM occurred_at) / 900) AS BIGINT)";
    private static final String SLOT_OF_REVERSAL = "CAST(FLOOR(EXTRACT(EPOCH FROM r.reversed_at) / 900) AS BIGINT)";
    private static final String[] DAY_FIGURES = {"uses", "counted_uses", "earning_uses", "tokens", "earnings",
        "unique_users", "daily_users", "reversed"};

    /** The whole log, as one window. */
    private static final Window WHOLE = new Window(null);
    /** A month of the usage log, as earnings_usage_partition names it. */
    private static final Pattern PARTITION = Pattern.compile("model_usage_logs_(\\d{4})_(\\d{2})");

    private final Transactor tx;
    private final Ledger ledger;
    private final Dialect dialect;

    /**
     * Creates the checker.
     *
     * @param tx the transaction runner
     * @param dialect the database, which names the level at which it reads one snapshot and how
     *     it best finds the daily users that have no use
     * @param ledger the owner of the balance expression, checked against the rows
     */
    public IntegrityChecker(Transactor tx, Dialect dialect, Ledger ledger) {
        this.tx = tx;
        this.ledger = ledger;
        this.dialect = dialect;
    }

    /**
     * The part of the usage log a check reads: all of it, or one month (UTC). A month's
     * conditions are on occurred_at for the usage rows, so PostgreSQL reads that month's
     * partition alone, and on the day or quarter hour for the rollups and archives.
     */
    private record Window(@Nullable YearMonth month) {
        Instant from() {
            return Objects.requireNonNull(month).atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant();
        }

        Instant to() {
            return Objects.requireNonNull(month).plusMonths(1).atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant();
        }

        String uses(String alias) {
            return month == null ? "" : " " + alias + "occurred_at >= :wFrom AND " + alias + "occurred_at < :wTo";
        }

        String days(String column) {
            return month == null ? "" : " " + column + " >= :wFromDay AND " + column + " < :wToDay";
        }

        String slots(String column) {
            return month == null ? "" : " " + column + " >= :wFromSlot AND " + column + " < :wToSlot";
        }

        static String where(String condition) {
            return condition.isEmpty() ? "" : " WHERE" + condition;
        }

        static String and(String condition) {
            return condition.isEmpty() ? "" : " AND" + condition;
        }

        <T extends org.jdbi.v3.core.statement.SqlStatement<T>> T bind(T statement) {
            if (month == null) {
                return statement;
            }
            Instant from = from();
            Instant to = to();
            return statement.bind("wFrom", from).bind("wTo", to).bind("wFromDay", month.atDay(1))
                    .bind("wToDay", month.plusMonths(1).atDay(1)).bind("wFromSlot", UsageWriter.slotOf(from))
                    .bind("wToSlot", UsageWriter.slotOf(to));
        }
    }

    /**
     * Runs the whole check.
     *
     * @return the report
     */
    public IntegrityReport verify() {
        return tx.inSnapshot("verifying integrity", Scope.SERVICE, (h, attempt) -> verifyAll(h));
    }

    /**
     * Checks one month's days: their rollups, users and quarter hours, and the reversals of its uses.
     *
     * @param month the month
     * @return the report
     */
    public IntegrityReport verify(YearMonth month) {
        return tx.inSnapshot("verifying the integrity of " + month, Scope.SERVICE, (h, attempt) -> verify(h, new Window(month)));
    }

    private IntegrityReport verify(Handle h, Window w) {
        List<Drift> drifts = new ArrayList<>();
        Days days = days(h, w, drifts);
        // Within the month, every counted use has an ordinal of its own.
        ordinals(h, w).forEach((model, o) -> {
            if (o.distinct() != o.counted()) {
                drifts.add(new Drift(model, Optional.empty(), "distinct_use_ordinals", BigDecimal.valueOf(o.counted()),
                        Optional.of(BigDecimal.valueOf(o.distinct()))));
            }
        });
        return new IntegrityReport(days.models().size(), days.count(), days.uses(), drifts);
    }

    /**
     * The whole check. The per-model figures come from one pass over the usage log that holds
     * one row per model (a hash aggregate, no sort); everything kept by day or quarter hour is
     * checked one month at a time on PostgreSQL, so what the database sorts or spills to disk
     * is bounded by a month's uses, not by the whole log's (a single pass over 100 million uses
     * filled the disk with its sort). On H2 the log is one table and the months are one window.
     */
    private IntegrityReport verifyAll(Handle h) {
        List<Drift> drifts = new ArrayList<>();
        long uses = 0;
        Map<String, BigDecimal[]> storedModels = figures(h, WHOLE, "SELECT model_id, NULL AS usage_day, total_uses,"
                + " counted_uses, total_tokens, lifetime_earnings, reversed_earnings FROM <t>model_creator_earnings",
                MODEL_FIGURES.length, false);
        // Lifetime earnings are net: the uses' earnings less every reversal of them. An archived
        // month's uses count through what the archive recorded of them, its ordinals through the
        // smallest, largest and number of distinct ones each of its days had.
        Map<String, BigDecimal[]> rowModels = figures(h, WHOLE, "SELECT u.model_id, NULL AS usage_day, u.n, u.counted,"
                + " u.tokens, u.earned - COALESCE(r.reversed, 0), COALESCE(r.reversed, 0), u.first_ordinal,"
                + " u.last_ordinal, u.archived_ordinals FROM (SELECT model_id, SUM(n) AS n, SUM(counted) AS counted,"
                + " SUM(tokens) AS tokens, SUM(earned) AS earned, MIN(first_ordinal) AS first_ordinal,"
                + " MAX(last_ordinal) AS last_ordinal, SUM(archived_ordinals) AS archived_ordinals FROM ("
                + "SELECT model_id, COUNT(*) AS n, COUNT(use_ordinal) AS counted, SUM(tokens_consumed) AS tokens,"
                + " SUM(earnings) AS earned, MIN(use_ordinal) AS first_ordinal, MAX(use_ordinal) AS last_ordinal,"
                + " 0 AS archived_ordinals FROM <t>model_usage_logs GROUP BY model_id"
                + " UNION ALL SELECT model_id, SUM(uses), SUM(counted_uses), SUM(tokens), SUM(earnings),"
                + " CAST(NULL AS BIGINT), CAST(NULL AS BIGINT), 0 FROM <t>earnings_archived_slots GROUP BY model_id"
                + " UNION ALL SELECT model_id, 0, 0, 0, 0, MIN(first_ordinal), MAX(last_ordinal), SUM(distinct_ordinals)"
                + " FROM <t>earnings_archived_days GROUP BY model_id) y GROUP BY model_id) u"
                + " LEFT JOIN (SELECT model_id, SUM(amount) AS reversed FROM <t>earnings_reversals GROUP BY model_id) r"
                + " ON r.model_id = u.model_id", MODEL_FIGURES.length + 3, false);
        for (BigDecimal[] row : rowModels.values()) {
            uses += row[0].longValueExact();
        }
        compare(drifts, storedModels, rowModels, MODEL_FIGURES);

        long dayCount = 0;
        List<Window> windows = dialect.isPostgres() ? months(h) : List.of(WHOLE);
        // Per model: the distinct ordinals of every window, and each window's smallest and largest.
        Map<String, Long> distinct = new HashMap<>();
        List<Map<String, Ordinals>> perWindow = new ArrayList<>();
        for (Window w : windows) {
            dayCount += days(h, w, drifts).count();
            Map<String, Ordinals> ordinals = ordinals(h, w);
            ordinals.forEach((model, o) -> distinct.merge(model, o.distinct(), Long::sum));
            perWindow.add(ordinals);
        }
        // An ordinal is counted once in each window it is in: where two months' ranges of one model
        // overlap (a late use is written after the next month's first ones), the ordinals they share
        // are counted twice, and are looked for.
        for (int a = 0; a < windows.size(); a++) {
            for (int b = a + 1; b < windows.size(); b++) {
                if (overlap(perWindow.get(a), perWindow.get(b))) {
                    shared(h, windows.get(a), windows.get(b)).forEach((model, n) -> distinct.merge(model, -n, Long::sum));
                }
            }
        }
        for (Map.Entry<String, BigDecimal[]> e : rowModels.entrySet()) {
            BigDecimal[] row = e.getValue();
            BigDecimal counted = row[1];
            // 1..N holds exactly when the ordinals are distinct, the smallest is 1 and the
            // largest equals the count.
            BigDecimal first = row[MODEL_FIGURES.length];
            BigDecimal last = row[MODEL_FIGURES.length + 1];
            BigDecimal different = row[MODEL_FIGURES.length + 2].add(BigDecimal.valueOf(distinct.getOrDefault(e.getKey(), 0L)));
            if (counted.signum() > 0 && (first.compareTo(BigDecimal.ONE) != 0 || last.compareTo(counted) != 0)) {
                drifts.add(new Drift(e.getKey(), Optional.empty(), "max_use_ordinal", counted, Optional.of(last)));
            }
            if (different.compareTo(counted) != 0) {
                drifts.add(new Drift(e.getKey(), Optional.empty(), "distinct_use_ordinals", counted, Optional.of(different)));
            }
        }
        balances(h, drifts);
        return new IntegrityReport(storedModels.size(), dayCount, uses, drifts);
    }

    /** A model's counted uses in a window, their distinct ordinals, the smallest and the largest. */
    private record Ordinals(long counted, long distinct, long first, long last) {
    }

    private static Map<String, Ordinals> ordinals(Handle h, Window w) {
        Map<String, Ordinals> result = new HashMap<>();
        w.bind(h.createQuery("SELECT model_id, COUNT(*), COUNT(DISTINCT use_ordinal), MIN(use_ordinal), MAX(use_ordinal)"
                + " FROM <t>model_usage_logs WHERE use_ordinal IS NOT NULL" + Window.and(w.uses("")) + " GROUP BY model_id"))
                .map((rs, ctx) -> result.put(rs.getString(1), new Ordinals(rs.getLong(2), rs.getLong(3), rs.getLong(4),
                        rs.getLong(5))))
                .list();
        return result;
    }

    private static boolean overlap(Map<String, Ordinals> a, Map<String, Ordinals> b) {
        for (Map.Entry<String, Ordinals> e : a.entrySet()) {
            Ordinals other = b.get(e.getKey());
            if (other != null && other.first() <= e.getValue().last() && e.getValue().first() <= other.last()) {
                return true;
            }
        }
        return false;
    }

    /**
     * The ordinals two months share, per model: only the uses of the earlier month at or above the
     * later month's smallest ordinal, and those of the later month at or below the earlier
     * month's largest, are joined.
     */
    private static Map<String, Long> shared(Handle h, Window a, Window b) {
        String side = "SELECT DISTINCT l.model_id, l.use_ordinal FROM <t>model_usage_logs l JOIN (SELECT model_id, %s(use_ordinal)"
                + " AS bound FROM <t>model_usage_logs WHERE occurred_at >= :%sFrom AND occurred_at < :%sTo GROUP BY model_id) m"
                + " ON m.model_id = l.model_id AND l.use_ordinal %s m.bound WHERE l.occurred_at >= :%sFrom AND l.occurred_at < :%sTo";
        Map<String, Long> result = new HashMap<>();
        h.createQuery("SELECT x.model_id, COUNT(*) FROM (" + String.format(side, "MIN", "b", "b", ">=", "a", "a") + ") x JOIN ("
                + String.format(side, "MAX", "a", "a", "<=", "b", "b") + ") y ON y.model_id = x.model_id"
                + " AND y.use_ordinal = x.use_ordinal GROUP BY x.model_id")
                .bind("aFrom", a.from()).bind("aTo", a.to()).bind("bFrom", b.from()).bind("bTo", b.to())
                .map((rs, ctx) -> result.put(rs.getString(1), rs.getLong(2))).list();
        return result;
    }

    /**
     * The months the whole check reads one at a time: from the earliest to the latest month that
     * any usage row (a month of the log), rollup, daily user, quarter hour, reversal or archive
     * has, so that a row in none of the log's months is read too.
     */
    private static List<Window> months(Handle h) {
        TreeSet<YearMonth> months = new TreeSet<>();
        // The log's months are its partitions, each named by its month (earnings_usage_partition).
        String log = h.getConfig(SqlStatements.class).getAttribute("t") + "model_usage_logs";
        h.createQuery("SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
                + " WHERE i.inhparent = CAST(:log AS regclass)").bind("log", log).mapTo(String.class).forEach(name -> {
                    Matcher m = PARTITION.matcher(name);
                    if (m.matches()) {
                        months.add(YearMonth.of(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))));
                    }
                });
        List<LocalDate> ends = new ArrayList<>();
        h.createQuery("SELECT MIN(f), MAX(l) FROM (SELECT MIN(usage_day) AS f, MAX(usage_day) AS l FROM <t>model_analytics"
                + " UNION ALL SELECT MIN(usage_day), MAX(usage_day) FROM <t>model_daily_users"
                + " UNION ALL SELECT MIN(booked_day), MAX(booked_day) FROM <t>earnings_reversals"
                + " UNION ALL SELECT MIN(usage_day), MAX(usage_day) FROM <t>earnings_archived_slots"
                + " UNION ALL SELECT MIN(usage_day), MAX(usage_day) FROM <t>earnings_archived_days"
                + " UNION ALL SELECT MIN(usage_day), MAX(usage_day) FROM <t>earnings_archived_uses) x")
                .map((rs, ctx) -> {
                    ends.add(rs.getObject(1, LocalDate.class));
                    return ends.add(rs.getObject(2, LocalDate.class));
                }).list();
        h.createQuery("SELECT MIN(slot), MAX(slot) FROM <t>model_usage_slots").map((rs, ctx) -> {
            for (int i = 1; i <= 2; i++) {
                long slot = rs.getLong(i);
                ends.add(rs.wasNull() ? null : LocalDate.ofInstant(UsageWriter.slotStart(slot), ZoneOffset.UTC));
            }
            return ends;
        }).list();
        h.createQuery("SELECT MIN(reversed_at), MAX(reversed_at) FROM <t>earnings_reversals").map((rs, ctx) -> {
            for (int i = 1; i <= 2; i++) {
                java.time.OffsetDateTime at = rs.getObject(i, java.time.OffsetDateTime.class);
                ends.add(at == null ? null : LocalDate.ofInstant(at.toInstant(), ZoneOffset.UTC));
            }
            return ends;
        }).list();
        for (LocalDate end : ends) {
            if (end != null) {
                months.add(YearMonth.from(end));
            }
        }
        List<Window> windows = new ArrayList<>();
        if (!months.isEmpty()) {
            for (YearMonth m = months.first(); !m.isAfter(months.last()); m = m.plusMonths(1)) {
                windows.add(new Window(m));
            }
        }
        return windows;
    }

    /** The days a check compared, their models and uses. */
    private record Days(long count, Set<String> models, long uses) {
    }

    private Days days(Handle h, Window w, List<Drift> drifts) {
        Map<String, BigDecimal[]> storedDays = figures(h, w, "SELECT a.model_id, a.usage_day, a.uses, a.counted_uses,"
                + " a.earning_uses, a.tokens, a.earnings, a.unique_users, COALESCE(d.users, 0), a.reversed"
                + " FROM <t>model_analytics a"
                + " LEFT JOIN (SELECT model_id, usage_day, COUNT(*) AS users FROM <t>model_daily_users"
                + Window.where(w.days("usage_day")) + " GROUP BY model_id, usage_day) d"
                + " ON d.model_id = a.model_id AND d.usage_day = a.usage_day" + Window.where(w.days("a.usage_day")),
                DAY_FIGURES.length, true);
        // A day's rollup holds its uses (by their day) and the reversals made on it (by theirs); an
        // archived day's uses, what the archive recorded of them.
        Map<String, BigDecimal[]> rowDays = figures(h, w, "SELECT model_id, usage_day, SUM(n), SUM(counted), SUM(earning),"
                + " SUM(tokens), SUM(earned), SUM(users), SUM(users), SUM(reversed) FROM ("
                + "SELECT model_id, usage_day, COUNT(*) AS n, COUNT(use_ordinal) AS counted,"
                + " SUM(CASE WHEN earnings > 0 THEN 1 ELSE 0 END) AS earning, SUM(tokens_consumed) AS tokens,"
                + " SUM(earnings) AS earned, COUNT(DISTINCT user_id) AS users, 0 AS reversed"
                + " FROM <t>model_usage_logs" + Window.where(w.uses("")) + " GROUP BY model_id, usage_day"
                + " UNION ALL SELECT model_id, usage_day, SUM(uses), SUM(counted_uses), SUM(earning_uses), SUM(tokens),"
                + " SUM(earnings), 0, 0 FROM <t>earnings_archived_slots" + Window.where(w.days("usage_day"))
                + " GROUP BY model_id, usage_day"
                + " UNION ALL SELECT model_id, usage_day, 0, 0, 0, 0, 0, users, 0 FROM <t>earnings_archived_days"
                + Window.where(w.days("usage_day"))
                + " UNION ALL SELECT model_id, booked_day, 0, 0, 0, 0, 0, 0, SUM(amount) FROM <t>earnings_reversals"
                + Window.where(w.days("booked_day")) + " GROUP BY model_id, booked_day) x GROUP BY model_id, usage_day",
                DAY_FIGURES.length, true);
        compare(drifts, storedDays, rowDays, DAY_FIGURES);
        Set<String> seen = new HashSet<>();
        storedDays.keySet().forEach(k -> seen.add(modelOf(k)));
        rowDays.keySet().forEach(k -> seen.add(modelOf(k)));
        long uses = 0;
        for (BigDecimal[] row : rowDays.values()) {
            uses += row[0].longValueExact();
        }
        slots(h, w, drifts);
        // No use is reversed beyond what it earned, and every reversal names its use's model and creator.
        String reversedUses = "(SELECT event_id, model_id, creator_id, usage_day, earnings FROM <t>model_usage_logs"
                + Window.where(w.uses("")) + " UNION ALL SELECT event_id, model_id, creator_id, usage_day, earnings"
                + " FROM <t>earnings_archived_uses" + Window.where(w.days("usage_day")) + ")";
        w.bind(h.createQuery("SELECT u.model_id, u.usage_day, u.earnings, SUM(r.amount), COUNT(*),"
                + " SUM(CASE WHEN r.model_id = u.model_id AND r.creator_id = u.creator_id AND r.use_day = u.usage_day"
                + " THEN 1 ELSE 0 END) FROM <t>earnings_reversals r JOIN " + reversedUses + " u ON u.event_id = r.event_id"
                + " AND u.model_id = r.model_id"
                + " GROUP BY u.event_id, u.model_id, u.usage_day, u.earnings"
                + " HAVING SUM(r.amount) > u.earnings OR COUNT(*) <> SUM(CASE WHEN r.model_id = u.model_id"
                + " AND r.creator_id = u.creator_id AND r.use_day = u.usage_day THEN 1 ELSE 0 END)"))
                .map((rs, ctx) -> rs.getBigDecimal(4).compareTo(rs.getBigDecimal(3)) > 0
                        ? new Drift(rs.getString(1), Optional.of(rs.getObject(2, LocalDate.class)), "reversed_beyond_use",
                                rs.getBigDecimal(3), Optional.of(rs.getBigDecimal(4)))
                        : new Drift(rs.getString(1), Optional.of(rs.getObject(2, LocalDate.class)), "reversal_of_another_use",
                                rs.getBigDecimal(5), Optional.of(rs.getBigDecimal(6))))
                .forEach(drifts::add);
        w.bind(h.createQuery("SELECT r.model_id, COUNT(*) FROM <t>earnings_reversals r WHERE NOT EXISTS"
                + " (SELECT 1 FROM <t>model_usage_logs u WHERE u.event_id = r.event_id AND u.model_id = r.model_id)"
                + " AND NOT EXISTS (SELECT 1 FROM <t>earnings_archived_uses a WHERE a.event_id = r.event_id"
                + " AND a.model_id = r.model_id)"
                + Window.and(w.days("r.booked_day")) + " GROUP BY r.model_id"))
                .map((rs, ctx) -> new Drift(rs.getString(1), Optional.empty(), "reversals_without_use", BigDecimal.ZERO,
                        Optional.of(rs.getBigDecimal(2))))
                .forEach(drifts::add);
        // Equal counts and no user without a use of that day mean the two sets of users are equal.
        // An archived day has no rows to compare with: its count is compared above.
        w.bind(h.createQuery(dailyUsersWithoutUse(w)))
                .map((rs, ctx) -> new Drift(rs.getString(1), Optional.of(rs.getObject(2, LocalDate.class)),
                        "daily_users_without_use", BigDecimal.ZERO, Optional.of(rs.getBigDecimal(3))))
                .forEach(drifts::add);
        return new Days(rowDays.size(), seen, uses);
    }

    /**
     * The daily users that have no use of their model on their day: the same set difference,
     * written for each planner. PostgreSQL runs NOT EXISTS as a hash anti-join; H2 runs it as one
     * index probe per daily user, each scanning the model's rows (254 s at a million rows in one
     * run), while it computes EXCEPT over the two sets in 30 s.
     */
    private String dailyUsersWithoutUse(Window w) {
        String notArchived = " NOT EXISTS (SELECT 1 FROM <t>earnings_archived_days a WHERE a.model_id = d.model_id"
                + " AND a.usage_day = d.usage_day)";
        if (dialect.isPostgres()) {
            return "SELECT d.model_id, d.usage_day, COUNT(*) FROM <t>model_daily_users d WHERE NOT EXISTS"
                    + " (SELECT 1 FROM <t>model_usage_logs u WHERE u.model_id = d.model_id"
                    + " AND u.usage_day = d.usage_day AND u.user_id = d.user_id" + Window.and(w.uses("u.")) + ") AND"
                    + notArchived + Window.and(w.days("d.usage_day")) + " GROUP BY d.model_id, d.usage_day";
        }
        return "SELECT d.model_id, d.usage_day, COUNT(*) FROM (SELECT model_id, usage_day, user_id FROM <t>model_daily_users"
                + Window.where(w.days("usage_day")) + " EXCEPT SELECT model_id, usage_day, user_id FROM <t>model_usage_logs"
                + Window.where(w.uses("")) + ") d WHERE" + notArchived + " GROUP BY d.model_id, d.usage_day";
    }

    /**
     * The quarter-hour rollups against the usage rows (by the quarter hour of occurred_at), the
     * archives and the reversals (by the quarter hour they were made, under their use's usage
     * type). A drift names the model, the quarter hour's UTC day and the figure; the expected
     * value is the recomputed one.
     */
    private void slots(Handle h, Window w, List<Drift> drifts) {
        // Compared in the database, which returns only the quarter hours that differ: there are
        // about as many quarter-hour rows as uses under spread traffic, too many to hold in memory.
        // The stored rows carry 1 in "present", so a quarter hour with uses and no stored row
        // shows as 0 and one stored twice cannot hide (the key is the table's primary key).
        String sums = "SUM(s1) AS s1, SUM(s2) AS s2, SUM(s3) AS s3, SUM(s4) AS s4, SUM(s5) AS s5, SUM(s6) AS s6,"
                + " SUM(r1) AS r1, SUM(r2) AS r2, SUM(r3) AS r3, SUM(r4) AS r4, SUM(r5) AS r5, SUM(r6) AS r6";
        String recomputed = "SELECT model_id, " + SLOT_OF_USE + " AS slot, usage_type, 0 AS present,"
                + " 0 AS s1, 0 AS s2, 0 AS s3, 0 AS s4, 0 AS s5, 0 AS s6,"
                + " COUNT(*) AS r1, COUNT(use_ordinal) AS r2, SUM(CASE WHEN earnings > 0 THEN 1 ELSE 0 END) AS r3,"
                + " SUM(tokens_consumed) AS r4, SUM(earnings) AS r5, 0 AS r6 FROM <t>model_usage_logs"
                + Window.where(w.uses("")) + " GROUP BY model_id, " + SLOT_OF_USE + ", usage_type"
                + " UNION ALL SELECT model_id, slot, usage_type, 0, 0, 0, 0, 0, 0, 0, uses, counted_uses, earning_uses,"
                + " tokens, earnings, 0 FROM <t>earnings_archived_slots" + Window.where(w.days("usage_day"))
                + " UNION ALL SELECT r.model_id, " + SLOT_OF_REVERSAL + ", u.usage_type, 0, 0, 0, 0, 0, 0, 0,"
                + " 0, 0, 0, 0, 0, SUM(r.amount) FROM <t>earnings_reversals r JOIN (SELECT event_id, model_id, usage_type"
                + " FROM <t>model_usage_logs UNION ALL SELECT event_id, model_id, usage_type FROM <t>earnings_archived_uses) u"
                + " ON u.event_id = r.event_id AND u.model_id = r.model_id" + Window.where(w.uses("r.").replace("occurred_at", "reversed_at"))
                + " GROUP BY r.model_id, " + SLOT_OF_REVERSAL + ", u.usage_type";
        String stored = "SELECT model_id, slot, usage_type, 1 AS present, uses AS s1, counted_uses AS s2, earning_uses AS s3,"
                + " tokens AS s4, earnings AS s5, reversed AS s6, 0 AS r1, 0 AS r2, 0 AS r3, 0 AS r4, 0 AS r5, 0 AS r6"
                + " FROM <t>model_usage_slots" + Window.where(w.slots("slot"));
        w.bind(h.createQuery("SELECT model_id, slot, usage_type, SUM(present) AS present, " + sums + " FROM (" + stored
                + " UNION ALL " + recomputed + ") x GROUP BY model_id, slot, usage_type"
                + " HAVING SUM(present) <> 1 OR SUM(s1) <> SUM(r1) OR SUM(s2) <> SUM(r2) OR SUM(s3) <> SUM(r3)"
                + " OR SUM(s4) <> SUM(r4) OR SUM(s5) <> SUM(r5) OR SUM(s6) <> SUM(r6)"
                + " ORDER BY model_id, slot, usage_type")).map((rs, ctx) -> {
                    String model = rs.getString("model_id");
                    Optional<LocalDate> day = Optional.of(LocalDate.ofInstant(UsageWriter.slotStart(rs.getLong("slot")),
                            java.time.ZoneOffset.UTC));
                    boolean present = rs.getLong("present") > 0;
                    for (int i = 0; i < SLOT_FIGURES.length; i++) {
                        BigDecimal expected = zeroIfNull(rs.getBigDecimal("r" + (i + 1)));
                        BigDecimal actual = zeroIfNull(rs.getBigDecimal("s" + (i + 1)));
                        if (!present) {
                            drifts.add(new Drift(model, day, SLOT_FIGURES[i], expected, Optional.empty()));
                        } else if (actual.compareTo(expected) != 0) {
                            drifts.add(new Drift(model, day, SLOT_FIGURES[i], expected, Optional.of(actual)));
                        }
                    }
                    return model;
                }).list();
    }

    private static BigDecimal zeroIfNull(BigDecimal value) {
        return value == null ? BigDecimal.ZERO : value;
    }

    /**
     * Every creator's balance as payouts check it (the ledger's expression over counters and
     * rollups) against the same figures computed here from the usage rows, the reversals and
     * the payouts: earned, held and available.
     */
    private void balances(Handle h, List<Drift> drifts) {
        String rows = "SELECT c.creator_id, COALESCE(u.earned, 0) - COALESCE(r.reversed, 0) AS earned,"
                + " COALESCE(uh.held, 0) - COALESCE(rh.reversed, 0) AS held, COALESCE(x.paid_out, 0) AS paid_out"
                + " FROM <t>earnings_creators c"
                + " LEFT JOIN (SELECT creator_id, SUM(earned) AS earned FROM (SELECT creator_id, SUM(earnings) AS earned"
                + " FROM <t>model_usage_logs GROUP BY creator_id UNION ALL SELECT creator_id, SUM(earnings)"
                + " FROM <t>earnings_archived_slots GROUP BY creator_id) y GROUP BY creator_id) u"
                + " ON u.creator_id = c.creator_id"
                + " LEFT JOIN (SELECT creator_id, SUM(amount) AS reversed FROM <t>earnings_reversals GROUP BY creator_id) r"
                + " ON r.creator_id = c.creator_id"
                + " LEFT JOIN (SELECT creator_id, SUM(earnings) AS held FROM <t>model_usage_logs WHERE usage_day >= :holdFrom"
                + " GROUP BY creator_id) uh ON uh.creator_id = c.creator_id"
                + " LEFT JOIN (SELECT v.creator_id, SUM(v.amount) AS reversed FROM <t>earnings_reversals v"
                + " JOIN <t>model_usage_logs w ON w.event_id = v.event_id AND w.model_id = v.model_id"
                + " WHERE w.usage_day >= :holdFrom"
                + " GROUP BY v.creator_id) rh ON rh.creator_id = c.creator_id"
                + " LEFT JOIN (SELECT creator_id, SUM(amount) AS paid_out FROM <t>earnings_transactions"
                + " WHERE status IN ('PENDING', 'COMPLETED') GROUP BY creator_id) x ON x.creator_id = c.creator_id";
        Map<String, BigDecimal[]> recomputed = new HashMap<>();
        h.createQuery(rows).bind("holdFrom", ledger.holdFrom()).map((rs, ctx) -> recomputed.put(rs.getString(1),
                new BigDecimal[] {rs.getBigDecimal(2), rs.getBigDecimal(3),
                    rs.getBigDecimal(2).subtract(rs.getBigDecimal(3)).subtract(rs.getBigDecimal(4))})).list();
        ledger.bindHold(h.createQuery("SELECT creator_id, earned, held, available FROM (" + ledger.balances() + ") b"))
                .map((rs, ctx) -> {
                    BigDecimal[] r = recomputed.get(rs.getString(1));
                    String[] names = {"balance_earned", "balance_held", "balance_available"};
                    for (int i = 0; i < names.length; i++) {
                        BigDecimal stored = rs.getBigDecimal(i + 2);
                        if (r == null || stored.compareTo(r[i]) != 0) {
                            drifts.add(new Drift(rs.getString(1), Optional.empty(), names[i],
                                    r == null ? BigDecimal.ZERO : r[i], Optional.of(stored)));
                        }
                    }
                    return rs.getString(1);
                }).list();
    }

    private void compare(List<Drift> drifts, Map<String, BigDecimal[]> stored, Map<String, BigDecimal[]> rows,
            String[] names) {
        TreeSet<String> keys = new TreeSet<>(stored.keySet());
        keys.addAll(rows.keySet());
        for (String key : keys) {
            BigDecimal[] s = stored.get(key);
            BigDecimal[] r = rows.get(key);
            String modelId = modelOf(key);
            Optional<LocalDate> day = dayOf(key);
            for (int i = 0; i < names.length; i++) {
                BigDecimal recomputed = r == null ? BigDecimal.ZERO : r[i];
                if (s == null) {
                    drifts.add(new Drift(modelId, day, names[i], recomputed, Optional.empty()));
                } else if (s[i].compareTo(recomputed) != 0) {
                    drifts.add(new Drift(modelId, day, names[i], recomputed, Optional.of(s[i])));
                }
            }
        }
    }

    private Map<String, BigDecimal[]> figures(Handle h, Window w, String sql, int columns, boolean byDay) {
        Map<String, BigDecimal[]> result = new HashMap<>();
        w.bind(h.createQuery(sql)).map((rs, ctx) -> {
            BigDecimal[] values = new BigDecimal[columns];
            for (int i = 0; i < columns; i++) {
                BigDecimal value = rs.getBigDecimal(i + 3);
                values[i] = value == null ? BigDecimal.ZERO : value;
            }
            result.put(key(rs, byDay), values);
            return values;
        }).list();
        return result;
    }

    private static String key(ResultSet rs, boolean byDay) throws SQLException {
        String model = rs.getString(1);
        return byDay ? model + '\u0000' + rs.getObject(2, LocalDate.class) : model;
    }

    private static String modelOf(String key) {
        int cut = key.indexOf('\u0000');
        return cut < 0 ? key : key.substring(0, cut);
    }

    private static Optional<LocalDate> dayOf(String key) {
        int cut = key.indexOf('\u0000');
        return cut < 0 ? Optional.empty() : Optional.of(LocalDate.parse(key.substring(cut + 1)));
    }
}
