package dev.earnings.benchmarks;

import dev.earnings.core.ModelPricing;
import dev.earnings.jdbc.Caller;
import dev.earnings.jdbc.CreatorsOverviewQuery;
import dev.earnings.jdbc.CreatorDashboard;
import dev.earnings.jdbc.CreatorOverview;
import dev.earnings.jdbc.DashboardQuery;
import dev.earnings.jdbc.Earnings;
import dev.earnings.jdbc.IntegrityReport;
import dev.earnings.jdbc.ReportPeriod;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Creator dashboard and admin overview at 1 and 10 million usage rows, against the same figures
 * computed from the raw usage rows.
 *
 * <p>The rows are generated in the database (1,000 models of 200 creators, 365 days, 10 users per
 * model), then the aggregates and rollups are built from them and checked with
 * {@code verifyIntegrity()}. Each timing repeats the call for creators in turn and reports p50 and
 * p99.
 *
 * <p>Run: {@code java -cp earnings-benchmarks/target/benchmarks.jar dev.earnings.benchmarks.DashboardBenchmark}
 * with options {@code --rows=1000000,10000000 --databases=postgresql,h2}.
 */
public final class DashboardBenchmark {
    static final Instant NOW = Instant.parse("2026-11-25T23:30:00Z");
    static final int MODELS = 1000;
    static final int CREATORS = 200;
    static final int CHUNK = 1_000_000;
    /** The options of the dashboard part besides the databases; the suite takes them too. */
    static final List<String> OPTIONS = List.of("rows");

    private DashboardBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = IngestionBenchmark.Options.parse(args, List.of("databases"), OPTIONS);
        run(Arrays.asList(options.getOrDefault("databases", "postgresql,h2").split(",")), options);
    }

    /**
     * Times the dashboards at each size on each database; throws if the generated data does not verify.
     */
    static void run(List<String> databases, Map<String, String> options) throws Exception {
        long[] sizes = Arrays.stream(options.getOrDefault("rows", "1000000,10000000").split(",")).mapToLong(Long::parseLong)
                .toArray();
        System.out.printf("Dashboard benchmark: Java %s, %d cores%n", System.getProperty("java.version"),
                Runtime.getRuntime().availableProcessors());
        for (String database : databases) {
            for (long rows : sizes) {
                run(database, rows, options);
            }
        }
    }

    private static void run(String database, long rows, Map<String, String> options) throws Exception {
        try (IngestionBenchmark.Target target = IngestionBenchmark.open(database, options, "dash")) {
            Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
            registerModels(target);
            long started = System.nanoTime();
            generate(target, rows);
            long generated = System.nanoTime();
            buildRollups(target);
            long built = System.nanoTime();
            try (Earnings earnings = target.builder(clock).migrateOnStart(false).build()) {
                IntegrityReport report = earnings.verifyIntegrity();
                long verified = System.nanoTime();
                System.out.printf(Locale.ROOT, "%n%s, %,d usage rows: generated in %.0f s, rollups built in %.0f s,"
                        + " verifyIntegrity() %.0f s: %s%n", database.equals("h2") ? "H2 (embedded file)" : "PostgreSQL",
                        report.usesChecked(), (generated - started) / 1e9, (built - generated) / 1e9,
                        (verified - built) / 1e9, report.isClean() ? "clean" : "DRIFT " + report.drifts().subList(0,
                                Math.min(5, report.drifts().size())));
                if (!report.isClean()) {
                    throw new IllegalStateException("generated data does not verify");
                }
                time(target, earnings);
            }
        }
    }

    /** Migrates a fresh target and registers the {@link #MODELS} models of {@link #CREATORS} creators. */
    static void registerModels(IngestionBenchmark.Target target) {
        try (Earnings earnings = target.builder(Clock.fixed(NOW.minusSeconds(400L * 86_400), ZoneOffset.UTC)).build()) {
            for (int m = 0; m < MODELS; m++) {
                earnings.models().register("m" + m, "c" + (m % CREATORS), ModelPricing.of("0.01", "0.0001"));
            }
        }
    }

    /** Writes {@code rows} usage rows of the registered models straight into the table, a million a statement. */
    static void generate(IngestionBenchmark.Target target, long rows) throws SQLException {
        String select;
        if (target.postgres) {
            select = "SELECT 'e' || g, 'm' || (g % 1000), 'c' || (g % 200), 'u' || ((g / 365000) % 10 + (g % 1000) * 10),"
                    + " (g * 31) % 2000, 'chat', 'chat', ts, TRUE, (ts AT TIME ZONE 'UTC')::date, ts, g / 1000 + 1, g / 1000,"
                    + " FALSE, 1, 0, 1, 0.8, 1, ((g * 31) % 2000) * 0.0001, 0.01 + ((g * 31) % 2000) * 0.0001,"
                    + " ROUND((0.01 + ((g * 31) % 2000) * 0.0001) * 0.8, 12)"
                    + " FROM generate_series(?::bigint, ?::bigint) g, LATERAL (SELECT TIMESTAMPTZ '2026-11-25 23:00:00+00'"
                    + " - ((g / 1000) % 365) * INTERVAL '1 day' - (g % 3600) * INTERVAL '1 second' AS ts) x";
        } else {
            select = "SELECT 'e' || X, 'm' || (X % 1000), 'c' || (X % 200), 'u' || ((X / 365000) % 10 + (X % 1000) * 10),"
                    + " (X * 31) % 2000, 'chat', 'chat', TS, TRUE, CAST(TS AS DATE), TS, X / 1000 + 1, X / 1000,"
                    + " FALSE, 1, 0, 1, 0.8, 1, ((X * 31) % 2000) * 0.0001, 0.01 + ((X * 31) % 2000) * 0.0001,"
                    + " ROUND((0.01 + ((X * 31) % 2000) * 0.0001) * 0.8, 12)"
                    + " FROM (SELECT X, DATEADD(SECOND, -(X % 3600), DATEADD(DAY, -((X / 1000) % 365),"
                    + " TIMESTAMP WITH TIME ZONE '2026-11-25 23:00:00+00')) AS TS FROM SYSTEM_RANGE(?, ?))";
        }
        String insert = target.sql("INSERT INTO {t}model_usage_logs (event_id, model_id, creator_id, user_id,"
                + " tokens_consumed, usage_type, requested_usage_type, occurred_at, occurred_at_given, usage_day,"
                + " recorded_at, use_ordinal, prior_counted_uses, self_use, tier_index, tier_threshold, tier_multiplier,"
                + " type_multiplier, pricing_version, token_part, base_amount, earnings) ") + select;
        try (Connection c = target.dataSource.getConnection(); PreparedStatement s = c.prepareStatement(insert)) {
            for (long from = 0; from < rows; from += CHUNK) {
                s.setLong(1, from);
                s.setLong(2, Math.min(rows, from + CHUNK) - 1);
                s.executeUpdate();
            }
        }
    }

    private static void buildRollups(IngestionBenchmark.Target target) throws SQLException {
        try (Connection c = target.dataSource.getConnection(); Statement s = c.createStatement()) {
            s.executeUpdate(target.sql("INSERT INTO {t}model_analytics (model_id, usage_day, creator_id, uses, counted_uses,"
                    + " earning_uses, tokens, earnings, unique_users) SELECT model_id, usage_day, MIN(creator_id), COUNT(*),"
                    + " COUNT(use_ordinal), SUM(CASE WHEN earnings > 0 THEN 1 ELSE 0 END), SUM(tokens_consumed),"
                    + " SUM(earnings), COUNT(DISTINCT user_id) FROM {t}model_usage_logs GROUP BY model_id, usage_day"));
            s.executeUpdate(target.sql("INSERT INTO {t}model_usage_slots (model_id, slot, usage_type, creator_id, uses,"
                    + " counted_uses, earning_uses, tokens, earnings, reversed) SELECT model_id,"
                    + " CAST(FLOOR(EXTRACT(EPOCH FROM occurred_at) / 900) AS BIGINT), usage_type, MIN(creator_id), COUNT(*),"
                    + " COUNT(use_ordinal), SUM(CASE WHEN earnings > 0 THEN 1 ELSE 0 END), SUM(tokens_consumed),"
                    + " SUM(earnings), 0 FROM {t}model_usage_logs"
                    + " GROUP BY model_id, CAST(FLOOR(EXTRACT(EPOCH FROM occurred_at) / 900) AS BIGINT), usage_type"));
            s.executeUpdate(target.sql("INSERT INTO {t}model_daily_users (model_id, usage_day, user_id, creator_id)"
                    + " SELECT DISTINCT model_id, usage_day, user_id, creator_id FROM {t}model_usage_logs"));
            List<Object[]> totals = new ArrayList<>();
            try (ResultSet rs = s.executeQuery(target.sql("SELECT model_id, COUNT(*), COUNT(use_ordinal),"
                    + " SUM(tokens_consumed), SUM(earnings), MAX(occurred_at) FROM {t}model_usage_logs GROUP BY model_id"))) {
                while (rs.next()) {
                    totals.add(new Object[] {rs.getString(1), rs.getLong(2), rs.getLong(3), rs.getLong(4), rs.getBigDecimal(5),
                        rs.getObject(6, OffsetDateTime.class)});
                }
            }
            try (PreparedStatement update = c.prepareStatement(target.sql("UPDATE {t}model_creator_earnings SET total_uses = ?,"
                    + " counted_uses = ?, total_tokens = ?, lifetime_earnings = ?, last_used_at = ? WHERE model_id = ?"))) {
                for (Object[] t : totals) {
                    update.setLong(1, (Long) t[1]);
                    update.setLong(2, (Long) t[2]);
                    update.setLong(3, (Long) t[3]);
                    update.setBigDecimal(4, (BigDecimal) t[4]);
                    update.setObject(5, t[5]);
                    update.setString(6, (String) t[0]);
                    update.addBatch();
                }
                update.executeBatch();
            }
            if (target.postgres) {
                // As autovacuum leaves tables in service: statistics current and the visibility map
                // set (index-only scans need it). Without it autovacuum starts during the timings.
                s.execute(target.sql("VACUUM ANALYZE {t}model_usage_logs, {t}model_analytics, {t}model_daily_users,"
                        + " {t}model_usage_slots,"
                        + " {t}model_creator_earnings, {t}earnings_models, {t}earnings_creators"));
                // Write out the pages the load and the vacuum dirtied now, not during the timings.
                s.execute("CHECKPOINT");
            }
        }
    }

    private static void time(IngestionBenchmark.Target target, Earnings earnings) throws SQLException {
        DashboardQuery query = DashboardQuery.of(ReportPeriod.lastDays(30));
        long[] dashboard = repeat(1300, 300, i -> {
            String creator = "c" + (i % CREATORS);
            CreatorDashboard d = earnings.analytics().creatorDashboard(Caller.creator(creator), creator, query);
            if (d.uses() == 0) {
                throw new IllegalStateException("an empty dashboard measures nothing");
            }
        });
        long[] raw = repeat(23, 3, i -> rawDashboard(target, "c" + (i * 37 % CREATORS)));
        Caller admin = Caller.admin("bench");
        long[] overview = repeat(55, 5, i -> earnings.admin().creatorsOverview(admin, CreatorsOverviewQuery.of(ReportPeriod.lastDays(30)).sortedBy(CreatorOverview.Sort.LIFETIME_EARNINGS, true).page(i % 4, 50)));
        long[] rawOverview = repeat(4, 1, i -> rawOverview(target, i));
        System.out.printf("%-44s %10s %10s %8s%n", "call", "p50 ms", "p99 ms", "runs");
        line("creator dashboard (last 30 days)", dashboard);
        line("  same figures from the raw usage rows", raw);
        line("admin creators overview (page of 50)", overview);
        line("  same figures from the raw usage rows", rawOverview);
        System.out.printf(Locale.ROOT, "dashboard speed-up over raw rows: %.0fx (p50), %.0fx (p99)%n",
                (double) pct(raw, 0.5) / pct(dashboard, 0.5), (double) pct(raw, 0.99) / pct(dashboard, 0.99));
        System.out.printf(Locale.ROOT, "overview speed-up over raw rows: %.0fx (p50)%n",
                (double) pct(rawOverview, 0.5) / pct(overview, 0.5));
    }

    /** The dashboard's period figures, lifetime, trend, previous period and unique users, from usage rows. */
    private static void rawDashboard(IngestionBenchmark.Target target, String creator) throws SQLException {
        LocalDate today = LocalDate.ofInstant(NOW, ZoneOffset.UTC);
        OffsetDateTime from = today.minusDays(29).atStartOfDay().atOffset(ZoneOffset.UTC);
        OffsetDateTime to = today.plusDays(1).atStartOfDay().atOffset(ZoneOffset.UTC);
        OffsetDateTime previous = from.minusDays(30);
        String[] queries = {
            "SELECT model_id, COUNT(*), SUM(CASE WHEN earnings > 0 THEN 1 ELSE 0 END), SUM(earnings) FROM {t}model_usage_logs"
                + " WHERE creator_id = ? AND occurred_at >= ? AND occurred_at < ? GROUP BY model_id",
            "SELECT usage_day, COUNT(*), SUM(earnings) FROM {t}model_usage_logs WHERE creator_id = ? AND occurred_at >= ?"
                + " AND occurred_at < ? GROUP BY usage_day",
            "SELECT COUNT(DISTINCT user_id) FROM {t}model_usage_logs WHERE creator_id = ? AND occurred_at >= ? AND occurred_at < ?",
            "SELECT COUNT(*), SUM(earnings) FROM {t}model_usage_logs WHERE creator_id = ? AND occurred_at >= ? AND occurred_at < ?",
            "SELECT SUM(earnings), COUNT(*) FROM {t}model_usage_logs WHERE creator_id = ? AND occurred_at >= ? AND occurred_at < ?",
        };
        try (Connection c = target.dataSource.getConnection()) {
            for (int q = 0; q < queries.length; q++) {
                try (PreparedStatement s = c.prepareStatement(target.sql(queries[q]))) {
                    s.setString(1, creator);
                    s.setObject(2, q == 3 ? previous : q == 4 ? OffsetDateTime.parse("2000-01-01T00:00Z") : from);
                    s.setObject(3, q == 3 ? from : to);
                    try (ResultSet rs = s.executeQuery()) {
                        while (rs.next()) {
                            rs.getObject(1);
                        }
                    }
                }
            }
        }
    }

    /** Lifetime and period earnings and uses of every creator, from usage rows. */
    private static void rawOverview(IngestionBenchmark.Target target, int run) throws SQLException {
        try (Connection c = target.dataSource.getConnection();
                PreparedStatement s = c.prepareStatement(target.sql("SELECT creator_id, SUM(earnings),"
                        + " SUM(CASE WHEN occurred_at >= ? THEN earnings ELSE 0 END), SUM(CASE WHEN occurred_at >= ? THEN 1 ELSE 0 END),"
                        + " COUNT(DISTINCT model_id) FROM {t}model_usage_logs GROUP BY creator_id ORDER BY 2 DESC"))) {
            // A different instant each run, so no database can answer from a cached result.
            OffsetDateTime from = LocalDate.ofInstant(NOW, ZoneOffset.UTC).minusDays(29).atStartOfDay()
                    .atOffset(ZoneOffset.UTC).plusNanos(run * 1000L);
            s.setObject(1, from);
            s.setObject(2, from);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    rs.getObject(1);
                }
            }
        }
    }

    private interface Call {
        void run(int i) throws Exception;
    }

    private static long[] repeat(int runs, int warmup, Call call) {
        long[] nanos = new long[runs - warmup];
        for (int i = 0; i < runs; i++) {
            long started = System.nanoTime();
            try {
                call.run(i);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            if (i >= warmup) {
                nanos[i - warmup] = System.nanoTime() - started;
            }
        }
        Arrays.sort(nanos);
        return nanos;
    }

    private static long pct(long[] sorted, double p) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)];
    }

    private static void line(String name, long[] sorted) {
        System.out.printf(Locale.ROOT, "%-44s %10.2f %10.2f %8d%n", name, pct(sorted, 0.5) / 1e6, pct(sorted, 0.99) / 1e6,
                sorted.length);
    }
}
