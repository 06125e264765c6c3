package dev.earnings.benchmarks;

import dev.earnings.core.ModelPricing;
import dev.earnings.jdbc.Caller;
import dev.earnings.jdbc.CreatorsOverviewQuery;
import dev.earnings.jdbc.CreatorDashboard;
import dev.earnings.jdbc.CreatorOverview;
import dev.earnings.jdbc.DashboardQuery;
import dev.earnings.jdbc.Earnings;
import dev.earnings.jdbc.Forecast;
import dev.earnings.jdbc.Granularity;
import dev.earnings.jdbc.IntegrityReport;
import dev.earnings.jdbc.MarketInsights;
import dev.earnings.jdbc.ModelComparison;
import dev.earnings.jdbc.ModelReport;
import dev.earnings.jdbc.PlatformTotals;
import dev.earnings.jdbc.ReportFilter;
import dev.earnings.jdbc.ReportPeriod;
import dev.earnings.jdbc.UsageRequest;
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
import java.time.YearMonth;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

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
 * with options {@code --rows=1000000,10000000 --databases=postgresql,h2 --rounds=1}; {@code --rounds}
 * repeats the timings of the reports in a time zone and by usage type, which print each round and
 * the median of the rounds' p50 and p99; {@code --explain=true} prints, on PostgreSQL, the plans of
 * the statements these reports run over the most rows (written out here as the library writes them);
 * {@code --whole-log=false} leaves out what reads the whole log (the overview from raw rows and the
 * final {@code verifyIntegrity()}), for sizes where each takes many minutes.
 */
public final class DashboardBenchmark {
    static final Instant NOW = Instant.parse("2026-11-25T23:30:00Z");
    static final int MODELS = 1000;
    static final int CREATORS = 200;
    static final int CHUNK = 1_000_000;
    /** The options of the dashboard part besides the databases; the suite takes them too. */
    static final List<String> OPTIONS = List.of("rows", "rounds", "explain", "whole-log");

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
                System.out.printf(Locale.ROOT, "%n%s, %,d usage rows: generated in %.0f s, rollups built in %.0f s%n",
                        database.equals("h2") ? "H2 (embedded file)" : "PostgreSQL", rows, (generated - started) / 1e9,
                        (built - generated) / 1e9);
                // One month's check reads one month: its time follows the month's uses, not the log's.
                YearMonth june = YearMonth.of(2026, 6);
                long monthStarted = System.nanoTime();
                IntegrityReport month = earnings.verifyIntegrity(june);
                System.out.printf(Locale.ROOT, "verifyIntegrity(%s): %,d uses, %.1f s: %s%n", june, month.usesChecked(),
                        (System.nanoTime() - monthStarted) / 1e9, month.isClean() ? "clean" : "DRIFT " + month.drifts());
                if (!month.isClean()) {
                    throw new IllegalStateException("the generated month does not verify");
                }
                boolean wholeLog = Boolean.parseBoolean(options.getOrDefault("whole-log", "true"));
                time(target, earnings, wholeLog);
                int rounds = Integer.parseInt(options.getOrDefault("rounds", "1"));
                timeZoned(target, earnings, rounds, rows);
                ingest(earnings, rows);
                if (target.postgres) {
                    sizes(target);
                    if (Boolean.parseBoolean(options.getOrDefault("explain", "false"))) {
                        explain(target);
                    }
                }
                // Last, so the timings above are not waiting on it: the whole log, recorded uses included.
                if (wholeLog) {
                    long checkStarted = System.nanoTime();
                    IntegrityReport report;
                    try (TempFiles temp = target.postgres ? new TempFiles(target) : null) {
                        report = earnings.verifyIntegrity();
                        if (temp != null) {
                            System.out.printf(Locale.ROOT, "verifyIntegrity(): at most %,d MiB of temporary files at once%n",
                                    temp.peak() >> 20);
                        }
                    }
                    System.out.printf(Locale.ROOT, "verifyIntegrity(), the whole log: %,d uses, %.0f s: %s%n",
                            report.usesChecked(), (System.nanoTime() - checkStarted) / 1e9, report.isClean() ? "clean"
                                    : "DRIFT " + report.drifts().subList(0, Math.min(5, report.drifts().size())));
                    if (!report.isClean()) {
                        throw new IllegalStateException("generated data does not verify");
                    }
                } else {
                    System.out.println("verifyIntegrity() of the whole log not run (--whole-log=false)");
                }
            }
        }
    }

    /**
     * Recording on top of the generated log: 40 batches of 500 uses, then 2,000 single calls from
     * one thread, over all models; prints uses a second of each.
     */
    private static void ingest(Earnings earnings, long rows) {
        int batches = 40;
        long started = System.nanoTime();
        for (int b = 0; b < batches; b++) {
            List<UsageRequest> batch = new ArrayList<>();
            for (int i = 0; i < 500; i++) {
                int n = b * 500 + i;
                batch.add(UsageRequest.builder("ingest-u" + (n % 997), "m" + (n % MODELS)).tokensConsumed(n % 2000)
                        .usageType("chat").build());
            }
            earnings.logModelUsageBatch(batch);
        }
        double batchSeconds = (System.nanoTime() - started) / 1e9;
        int singles = 2_000;
        started = System.nanoTime();
        for (int i = 0; i < singles; i++) {
            earnings.logModelUsage("ingest-s" + (i % 997), "m" + (i * 7 % MODELS), i % 2000, "chat", null);
        }
        double singleSeconds = (System.nanoTime() - started) / 1e9;
        System.out.printf(Locale.ROOT, "recording on %,d rows: batches of 500 %,.0f uses/s, single calls (1 thread)"
                + " %,.0f uses/s%n", rows, batches * 500 / batchSeconds, singles / singleSeconds);
    }

    /** Migrates a fresh target and registers the {@link #MODELS} models of {@link #CREATORS} creators. */
    static void registerModels(IngestionBenchmark.Target target) {
        try (Earnings earnings = target.builder(Clock.fixed(NOW.minusSeconds(400L * 86_400), ZoneOffset.UTC)).build()) {
            for (int m = 0; m < MODELS; m++) {
                earnings.models().register("m" + m, "c" + (m % CREATORS), ModelPricing.of("0.01", "0.0001"));
            }
        }
    }

    /**
     * The usage type of generated use {@code g}: a quarter image generation, three fifths chat, the
     * rest other, mixed within every model and day ({@code (g + g / 1000) % 20} cycles through the
     * 20 values along each model's uses, which are {@code g = model + 1000 k}).
     */
    static final String TYPE = "CASE WHEN ({g} + {g} / 1000) % 20 < 5 THEN 'image_generation'"
            + " WHEN ({g} + {g} / 1000) % 20 < 17 THEN 'chat' ELSE 'other' END";
    /** The type's multiplier in {@code UsageTypes.defaults()}: image_generation 1.0, chat 0.8, other 0.6. */
    static final String MULTIPLIER = "CASE WHEN ({g} + {g} / 1000) % 20 < 5 THEN 1.0"
            + " WHEN ({g} + {g} / 1000) % 20 < 17 THEN 0.8 ELSE 0.6 END";

    /**
     * Writes {@code rows} usage rows of the registered models straight into the table, a million a
     * statement. Use {@code g} falls on day {@code (g / 1000) % 365} before {@link #NOW} and
     * {@code (g * 7919) % 86400} seconds earlier (so every UTC quarter hour of a day gets uses), with
     * the usage type {@link #TYPE} and earnings rated as the defaults rate them: base amount times the
     * type's multiplier (tier multiplier 1), to 12 places.
     */
    static void generate(IngestionBenchmark.Target target, long rows) throws Exception {
        if (target.postgres) {
            generatePartitioned(target, rows);
            return;
        }
        String select = "SELECT 'e' || X, 'm' || (X % 1000), 'c' || (X % 200), 'u' || ((X / 365000) % 10 + (X % 1000) * 10),"
                + " (X * 31) % 2000, TY, TY, TS, TRUE, CAST(TS AS DATE), TS, X / 1000 + 1, X / 1000,"
                + " FALSE, 1, 0, 1, TM, 1, ((X * 31) % 2000) * 0.0001, 0.01 + ((X * 31) % 2000) * 0.0001,"
                + " ROUND((0.01 + ((X * 31) % 2000) * 0.0001) * TM, 12)"
                + " FROM (SELECT X, DATEADD(SECOND, -((X * 7919) % 86400), DATEADD(DAY, -((X / 1000) % 365),"
                + " TIMESTAMP WITH TIME ZONE '2026-11-25 23:30:00+00')) AS TS, " + TYPE.replace("{g}", "X") + " AS TY, "
                + MULTIPLIER.replace("{g}", "X") + " AS TM FROM SYSTEM_RANGE(?, ?))";
        try (Connection c = target.dataSource.getConnection(); PreparedStatement s = c.prepareStatement(target.sql(INSERT)
                + select)) {
            for (long from = 0; from < rows; from += CHUNK) {
                s.setLong(1, from);
                s.setLong(2, Math.min(rows, from + CHUNK) - 1);
                s.executeUpdate();
            }
        }
        try (Connection c = target.dataSource.getConnection(); Statement s = c.createStatement()) {
            s.executeUpdate(target.sql("INSERT INTO {t}model_usage_events (event_id, occurred_at)"
                    + " SELECT event_id, occurred_at FROM {t}model_usage_logs"));
        }
    }

    /** The columns {@link #generate} fills, in the order of its SELECTs. */
    private static final String INSERT = "INSERT INTO {t}model_usage_logs (event_id, model_id, creator_id, user_id,"
            + " tokens_consumed, usage_type, requested_usage_type, occurred_at, occurred_at_given, usage_day,"
            + " recorded_at, use_ordinal, prior_counted_uses, self_use, tier_index, tier_threshold, tier_multiplier,"
            + " type_multiplier, pricing_version, token_part, base_amount, earnings) ";
    /** The first and last month {@link #generate} writes uses in (a year before {@link #NOW}, a day of slack). */
    private static final YearMonth FIRST_MONTH = YearMonth.of(2025, 11);
    private static final YearMonth LAST_MONTH = YearMonth.of(2026, 11);

    /**
     * The same uses as on H2, written one month (one partition) at a time, {@link #LOADERS} months
     * at once: each partition's indexes are filled while they are small enough to stay in memory.
     * Written in use order instead, every insert lands on a random page of indexes that outgrow
     * memory by ten million rows, and the load takes hours at a hundred million. The eventIds'
     * index is built once at the end, from all of them (as {@code CREATE INDEX} sorts), for the
     * same reason; the table ends as the migrations made it.
     *
     * <p>Use {@code g = c * 365000 + d * 1000 + r} falls on day offset {@code d} (or, for the last
     * half hour of its seconds, the day before), so a month's uses are those of its day offsets and
     * the day after, filtered by their instant: each use is written exactly once.
     */
    private static void generatePartitioned(IngestionBenchmark.Target target, long rows) throws Exception {
        String select = "SELECT 'e' || g, 'm' || (g % 1000), 'c' || (g % 200), 'u' || ((g / 365000) % 10 + (g % 1000) * 10),"
                + " (g * 31) % 2000, ty, ty, ts, TRUE, (ts AT TIME ZONE 'UTC')::date, ts, g / 1000 + 1, g / 1000,"
                + " FALSE, 1, 0, 1, tm, 1, ((g * 31) % 2000) * 0.0001, 0.01 + ((g * 31) % 2000) * 0.0001,"
                + " ROUND((0.01 + ((g * 31) % 2000) * 0.0001) * tm, 12)"
                + " FROM generate_series(0, ?::bigint) c, generate_series(?::int, ?::int) d, generate_series(0, 999) r,"
                + " LATERAL (SELECT c * 365000 + d * 1000 + r AS g) gg,"
                + " LATERAL (SELECT TIMESTAMPTZ '2026-11-25 23:30:00+00'"
                + " - d * INTERVAL '1 day' - ((g * 7919) % 86400) * INTERVAL '1 second' AS ts,"
                + " " + TYPE.replace("{g}", "g") + " AS ty, " + MULTIPLIER.replace("{g}", "g") + " AS tm) x"
                + " WHERE g < ? AND ts >= ? AND ts < ?";
        LocalDate today = LocalDate.ofInstant(NOW, ZoneOffset.UTC);
        try (Connection c = target.dataSource.getConnection(); Statement s = c.createStatement()) {
            // The usage log is partitioned by month: the months first, as the library makes them
            // before the uses it writes.
            s.execute(target.sql("SELECT {t}earnings_usage_partition(CAST(m AS DATE)) FROM generate_series("
                    + "DATE '" + FIRST_MONTH.atDay(1) + "', DATE '" + LAST_MONTH.plusMonths(1).atDay(1)
                    + "', INTERVAL '1 month') m"));
            s.execute(target.sql("ALTER TABLE {t}model_usage_events DROP CONSTRAINT model_usage_events_pkey"));
        }
        eachMonth(target, (c, month, where) -> {
            long nearest = Math.max(0, ChronoUnit.DAYS.between(month.atEndOfMonth().plusDays(1), today));
            long farthest = Math.min(364, ChronoUnit.DAYS.between(month.atDay(1), today));
            if (nearest > farthest) {
                return;
            }
            try (PreparedStatement s = c.prepareStatement(target.sql(INSERT) + select); Statement events = c.createStatement()) {
                s.setLong(1, (rows - 1) / 365_000);
                s.setInt(2, (int) nearest);
                s.setInt(3, (int) farthest);
                s.setLong(4, rows);
                s.setObject(5, month.atDay(1).atStartOfDay().atOffset(ZoneOffset.UTC));
                s.setObject(6, month.plusMonths(1).atDay(1).atStartOfDay().atOffset(ZoneOffset.UTC));
                s.executeUpdate();
                events.executeUpdate(target.sql("INSERT INTO {t}model_usage_events (event_id, occurred_at)"
                        + " SELECT event_id, occurred_at FROM {t}model_usage_logs" + where));
            }
        });
        try (Connection c = target.dataSource.getConnection(); Statement s = c.createStatement()) {
            s.execute("SET maintenance_work_mem = '2GB'");
            s.execute(target.sql("ALTER TABLE {t}model_usage_events ADD CONSTRAINT model_usage_events_pkey"
                    + " PRIMARY KEY (event_id)"));
        }
    }

    /** Months loaded and rolled up at once on PostgreSQL, one connection each: this machine's cores. */
    private static final int LOADERS = Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));

    /** Work on the uses of one month: a connection of its own, the month, and a WHERE clause selecting its uses. */
    private interface MonthWork {
        void run(Connection c, YearMonth month, String where) throws SQLException;
    }

    /** Runs {@code work} for every generated month, {@link #LOADERS} at once; the first failure fails the load. */
    private static void eachMonth(IngestionBenchmark.Target target, MonthWork work) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(LOADERS);
        try {
            List<Future<?>> months = new ArrayList<>();
            for (YearMonth m = FIRST_MONTH; !m.isAfter(LAST_MONTH); m = m.plusMonths(1)) {
                YearMonth month = m;
                months.add(pool.submit(() -> {
                    try (Connection c = target.dataSource.getConnection(); Statement s = c.createStatement()) {
                        s.execute("SET work_mem = '512MB'");
                        // Literals, so the plan reads the month's partition only.
                        work.run(c, month, " WHERE occurred_at >= TIMESTAMPTZ '" + month.atDay(1) + " 00:00:00+00'"
                                + " AND occurred_at < TIMESTAMPTZ '" + month.plusMonths(1).atDay(1) + " 00:00:00+00'");
                    }
                    return null;
                }));
            }
            for (Future<?> month : months) {
                month.get();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** Builds the three rollups from the usage rows {@code where} selects, in key order. */
    private static void rollUp(IngestionBenchmark.Target target, Statement s, String where) throws SQLException {
        s.executeUpdate(target.sql("INSERT INTO {t}model_analytics (model_id, usage_day, creator_id, uses, counted_uses,"
                + " earning_uses, tokens, earnings, unique_users) SELECT model_id, usage_day, MIN(creator_id), COUNT(*),"
                + " COUNT(use_ordinal), SUM(CASE WHEN earnings > 0 THEN 1 ELSE 0 END), SUM(tokens_consumed),"
                + " SUM(earnings), COUNT(DISTINCT user_id) FROM {t}model_usage_logs" + where
                + " GROUP BY model_id, usage_day ORDER BY 1, 2"));
        s.executeUpdate(target.sql("INSERT INTO {t}model_usage_slots (model_id, slot, usage_type, creator_id, uses,"
                + " counted_uses, earning_uses, tokens, earnings, reversed) SELECT model_id,"
                + " CAST(FLOOR(EXTRACT(EPOCH FROM occurred_at) / 900) AS BIGINT), usage_type, MIN(creator_id), COUNT(*),"
                + " COUNT(use_ordinal), SUM(CASE WHEN earnings > 0 THEN 1 ELSE 0 END), SUM(tokens_consumed),"
                + " SUM(earnings), 0 FROM {t}model_usage_logs" + where
                + " GROUP BY model_id, CAST(FLOOR(EXTRACT(EPOCH FROM occurred_at) / 900) AS BIGINT), usage_type"
                + " ORDER BY 1, 2, 3"));
        s.executeUpdate(target.sql("INSERT INTO {t}model_daily_users (model_id, usage_day, user_id, creator_id)"
                + " SELECT DISTINCT model_id, usage_day, user_id, creator_id FROM {t}model_usage_logs" + where
                + " ORDER BY 1, 2, 3"));
    }

    private static void buildRollups(IngestionBenchmark.Target target) throws Exception {
        if (target.postgres) {
            // A month (one partition) at a time, sorted in memory and written in key order, so the
            // rollups' indexes grow where they are written (see generatePartitioned).
            eachMonth(target, (c, month, where) -> {
                try (Statement s = c.createStatement()) {
                    rollUp(target, s, where);
                }
            });
        }
        try (Connection c = target.dataSource.getConnection(); Statement s = c.createStatement()) {
            if (!target.postgres) {
                rollUp(target, s, "");
            }
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

    /**
     * The most disk PostgreSQL's temporary files (sorts and hashes that spilled) took at once while
     * it was open, sampled four times a second with {@code pg_ls_tmpdir()} (a superuser's or
     * pg_monitor's view): what a check needs free beside the data.
     */
    static final class TempFiles implements AutoCloseable {
        private final AtomicLong peak = new AtomicLong();
        private final ScheduledExecutorService sampler =
                Executors.newSingleThreadScheduledExecutor();
        private final Connection connection;

        TempFiles(IngestionBenchmark.Target target) throws SQLException {
            connection = target.dataSource.getConnection();
            sampler.scheduleAtFixedRate(this::sample, 0, 250, TimeUnit.MILLISECONDS);
        }

        private void sample() {
            try (Statement s = connection.createStatement();
                    ResultSet rs = s.executeQuery("SELECT COALESCE(SUM(size), 0) FROM pg_ls_tmpdir()")) {
                rs.next();
                peak.accumulateAndGet(rs.getLong(1), Math::max);
            } catch (SQLException e) {
                throw new IllegalStateException("cannot read the temporary files", e);
            }
        }

        long peak() {
            return peak.get();
        }

        @Override
        public void close() throws SQLException {
            sampler.shutdownNow();
            try {
                sampler.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            connection.close();
        }
    }

    private static void time(IngestionBenchmark.Target target, Earnings earnings, boolean wholeLog) throws SQLException {
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
        // Each run reads the whole log; --whole-log=false leaves it out at sizes where that takes minutes.
        long[] rawOverview = wholeLog ? repeat(4, 1, i -> rawOverview(target, i)) : null;
        System.out.printf("%-44s %10s %10s %8s%n", "call", "p50 ms", "p99 ms", "runs");
        line("creator dashboard (last 30 days)", dashboard);
        line("  same figures from the raw usage rows", raw);
        line("admin creators overview (page of 50)", overview);
        if (rawOverview != null) {
            line("  same figures from the raw usage rows", rawOverview);
        }
        System.out.printf(Locale.ROOT, "dashboard speed-up over raw rows: %.0fx (p50), %.0fx (p99)%n",
                (double) pct(raw, 0.5) / pct(dashboard, 0.5), (double) pct(raw, 0.99) / pct(dashboard, 0.99));
        if (rawOverview != null) {
            System.out.printf(Locale.ROOT, "overview speed-up over raw rows: %.0fx (p50)%n",
                    (double) pct(rawOverview, 0.5) / pct(overview, 0.5));
        }
    }

    /** A timed report: {@code runs} calls (the first {@code warmup} not counted), then one check against the raw rows. */
    private record Timed(String name, int runs, int warmup, Call call, Call check) {
    }

    /**
     * The reports of local days and of usage types, each checked once against the same figures
     * computed from the raw usage rows (by SQL of their own, the local day by {@code AT TIME ZONE}),
     * then timed in {@code rounds} rounds.
     */
    private static void timeZoned(IngestionBenchmark.Target target, Earnings earnings, int rounds, long rows)
            throws Exception {
        // The two insights that read the whole platform's quarter hours take seconds a call from
        // tens of millions of rows on: a fifth of the runs there.
        int fewer = rows >= 50_000_000 ? 5 : 1;
        ZoneId utc = ZoneOffset.UTC;
        ZoneId kolkata = ZoneId.of("Asia/Kolkata");
        ZoneId newYork = ZoneId.of("America/New_York");
        Caller admin = Caller.admin("bench");
        List<Timed> timed = List.of(
                dashboard(target, earnings, "dashboard 30 days, UTC", utc, false, false),
                dashboard(target, earnings, "dashboard 30 days, Asia/Kolkata", kolkata, false, false),
                dashboard(target, earnings, "dashboard 30 days, America/New_York", newYork, false, false),
                dashboard(target, earnings, "dashboard 30 days, UTC, chat", utc, true, false),
                dashboard(target, earnings, "dashboard 30 days, Kolkata, chat, 2 models", kolkata, true, true),
                new Timed("model report 30 days, Asia/Kolkata", 600, 100, i -> {
                    ModelReport r = earnings.analytics().modelReport(Caller.admin("bench"), "m" + (i % MODELS),
                            ReportPeriod.lastDays(30).in(kolkata), Granularity.DAY);
                    if (r.periodUses() == 0) {
                        throw new IllegalStateException("an empty report measures nothing");
                    }
                }, i -> {
                    String model = "m" + (i % MODELS);
                    ModelReport r = earnings.analytics().modelReport(admin, model, ReportPeriod.lastDays(30).in(kolkata),
                            Granularity.DAY);
                    Raw raw = raw(target, "c" + (i % MODELS % CREATORS), r.range(), r.range().previous(), new String[0],
                            new String[] {model});
                    expect("model report uses", raw.uses, r.periodUses());
                    expect("model report earning uses", raw.earningUses, r.earningUses());
                    expect("model report earnings", raw.earnings, r.periodEarnings().amount());
                    expect("model report unique users", raw.users, r.uniqueUsers());
                    expectTrend("model report", raw, r.trend());
                }),
                new Timed("platform totals 30 days, Asia/Kolkata", 30, 5,
                        i -> earnings.admin().platformTotals(admin, ReportPeriod.lastDays(30).in(kolkata)), i -> {
                            PlatformTotals t = earnings.admin().platformTotals(admin, ReportPeriod.lastDays(30).in(kolkata));
                            rawTotals(target, t);
                        }),
                // The insights: their figures are checked against the raw rows by the test suites
                // (MarketInsightsSuite); here the comparison's and the market's uses are checked once.
                new Timed("forecast of a creator, 30 days, Asia/Kolkata", 200, 20, i -> {
                    String creator = "c" + (i % CREATORS);
                    Forecast f = earnings.insights().forecastCreator(Caller.creator(creator), creator, 30, kolkata);
                    if (f.days().size() != 30) {
                        throw new IllegalStateException("a forecast of " + f.days().size() + " days");
                    }
                }, i -> {
                    String creator = "c" + (i % CREATORS);
                    Forecast f = earnings.insights().forecastCreator(Caller.creator(creator), creator, 30, kolkata);
                    expect("forecast days", 30, f.days().size());
                    if (f.uses().expected().signum() <= 0) {
                        throw new IllegalStateException("a forecast of no uses for a creator with uses every day: " + f);
                    }
                }),
                new Timed("comparison of 2 models, 30 days, Kolkata", 120 / fewer, 20 / fewer, i -> {
                    String creator = "c" + (i % CREATORS);
                    earnings.insights().compareModels(Caller.creator(creator), creator, List.of(models(i)),
                            ReportPeriod.lastDays(30).in(kolkata));
                }, i -> {
                    String creator = "c" + (i % CREATORS);
                    ModelComparison m = earnings.insights().compareModels(Caller.creator(creator), creator, List.of(models(i)),
                            ReportPeriod.lastDays(30).in(kolkata));
                    Raw raw = raw(target, creator, m.range(), m.range().previous(), new String[0], models(i));
                    for (ModelComparison.Entry e : m.models()) {
                        expect("comparison uses of " + e.modelId(), raw.models.get(e.modelId())[0], e.uses());
                        expect("comparison earnings of " + e.modelId(), raw.models.get(e.modelId())[1], e.earnings().amount());
                    }
                }),
                new Timed("market insights 30 days, admin, UTC", 10 / fewer, 2 / fewer,
                        i -> earnings.insights().market(admin, ReportPeriod.lastDays(30)), i -> {
                            MarketInsights m = earnings.insights().market(admin, ReportPeriod.lastDays(30));
                            PlatformTotals t = earnings.admin().platformTotals(admin, ReportPeriod.lastDays(30));
                            expect("market uses by usage type", t.uses(), m.byUsageType().stream()
                                    .mapToLong(b -> b.figures().map(MarketInsights.Figures::uses).orElse(0L)).sum());
                        }));
        System.out.println();
        System.out.println("Reports in a time zone and by usage type: each checked once against the raw usage rows");
        for (Timed t : timed) {
            long started = System.nanoTime();
            t.check().run(7);
            System.out.printf(Locale.ROOT, "  %-44s equal to the raw rows' figures (check took %.0f ms)%n", t.name(),
                    (System.nanoTime() - started) / 1e6);
        }
        long[][] p50 = new long[timed.size()][rounds];
        long[][] p99 = new long[timed.size()][rounds];
        for (int round = 0; round < rounds; round++) {
            System.out.printf(Locale.ROOT, "%nround %d of %d, load average %s%n", round + 1, rounds, load());
            System.out.printf("%-44s %10s %10s %8s%n", "call", "p50 ms", "p99 ms", "runs");
            for (int k = 0; k < timed.size(); k++) {
                Timed t = timed.get(k);
                long[] nanos = repeat(t.runs(), t.warmup(), t.call());
                line(t.name(), nanos);
                p50[k][round] = pct(nanos, 0.5);
                p99[k][round] = pct(nanos, 0.99);
            }
        }
        if (rounds > 1) {
            System.out.printf(Locale.ROOT, "%nmedian of %d rounds, load average now %s%n", rounds, load());
            System.out.printf("%-44s %10s %10s %21s%n", "call", "p50 ms", "p99 ms", "p99 range ms");
            for (int k = 0; k < timed.size(); k++) {
                long[] a = p50[k].clone();
                long[] b = p99[k].clone();
                Arrays.sort(a);
                Arrays.sort(b);
                System.out.printf(Locale.ROOT, "%-44s %10.2f %10.2f %10.2f-%-10.2f%n", timed.get(k).name(),
                        median(a) / 1e6, median(b) / 1e6, b[0] / 1e6, b[b.length - 1] / 1e6);
            }
        }
    }

    private static double median(long[] sorted) {
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0;
    }

    private static String load() {
        try {
            return java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).trim();
        } catch (java.io.IOException | RuntimeException e) {
            return "unknown";
        }
    }

    /**
     * A creator dashboard of the last 30 days in {@code zone}, optionally filtered to chat and to
     * two of the creator's five models ({@code m<c>} and {@code m<c + 200>}).
     */
    private static Timed dashboard(IngestionBenchmark.Target target, Earnings earnings, String name, ZoneId zone,
            boolean chat, boolean twoModels) {
        java.util.function.IntFunction<DashboardQuery> query = i -> {
            ReportFilter filter = ReportFilter.NONE;
            if (chat) {
                filter = filter.usageTypes("chat");
            }
            if (twoModels) {
                filter = filter.models(models(i));
            }
            return DashboardQuery.of(ReportPeriod.lastDays(30).in(zone)).filter(filter);
        };
        return new Timed(name, 600, 100, i -> {
            String creator = "c" + (i % CREATORS);
            CreatorDashboard d = earnings.analytics().creatorDashboard(Caller.creator(creator), creator, query.apply(i));
            if (d.uses() == 0) {
                throw new IllegalStateException("an empty dashboard measures nothing");
            }
        }, i -> {
            String creator = "c" + (i % CREATORS);
            CreatorDashboard d = earnings.analytics().creatorDashboard(Caller.creator(creator), creator, query.apply(i));
            Raw raw = raw(target, creator, d.range(), d.change().previousRange(), chat ? new String[] {"chat"} : new String[0],
                    twoModels ? models(i) : new String[0]);
            expect(name + ": uses", raw.uses, d.uses());
            expect(name + ": earning uses", raw.earningUses, d.earningUses());
            expect(name + ": earnings", raw.earnings, d.periodEarnings().amount());
            expect(name + ": unique users", raw.users, d.uniqueUsers());
            expect(name + ": active models", raw.models.size(), d.activeModels());
            expect(name + ": previous uses", raw.previousUses, d.change().previousUses());
            expect(name + ": previous earnings", raw.previousEarnings, d.change().previousEarnings().amount());
            for (CreatorDashboard.ModelPerformance m : d.topModels()) {
                Object[] figures = raw.models.get(m.modelId());
                if (figures == null) {
                    throw new IllegalStateException(name + ": top model " + m.modelId() + " has no raw uses");
                }
                expect(name + ": uses of " + m.modelId(), figures[0], m.uses());
                expect(name + ": earnings of " + m.modelId(), figures[1], m.earnings().amount());
            }
            expect(name + ": top models", Math.min(5, raw.models.size()), d.topModels().size());
            expectTrend(name, raw, d.trend());
            for (CreatorDashboard.Activity a : d.recentActivity()) {
                if (chat && !a.usageType().equals("chat") || twoModels && !Arrays.asList(models(i)).contains(a.modelId())
                        || a.occurredAt().isBefore(d.range().start()) || !a.occurredAt().isBefore(d.range().end())) {
                    throw new IllegalStateException(name + ": recent activity holds a use outside the filter: " + a);
                }
            }
        });
    }

    private static String[] models(int i) {
        int c = i % CREATORS;
        return new String[] {"m" + c, "m" + (c + CREATORS)};
    }

    /** A report's figures from the raw usage rows. */
    private static final class Raw {
        long uses;
        long earningUses;
        BigDecimal earnings = BigDecimal.ZERO;
        long users;
        long previousUses;
        BigDecimal previousEarnings = BigDecimal.ZERO;
        /** Per model: uses, earnings. */
        final Map<String, Object[]> models = new java.util.HashMap<>();
        /** Per local day: uses, earnings. */
        final Map<LocalDate, Object[]> days = new java.util.HashMap<>();
    }

    /**
     * The figures of a creator's uses in {@code range} and {@code previous} from the usage rows,
     * of the given usage types and models (empty: all), each local day found by the database's
     * own {@code AT TIME ZONE}.
     */
    private static Raw raw(IngestionBenchmark.Target target, String creator, ReportPeriod.DateRange range,
            ReportPeriod.DateRange previous, String[] types, String[] models) throws SQLException {
        String filter = (types.length == 0 ? "" : " AND usage_type IN (" + literals(types) + ")")
                + (models.length == 0 ? "" : " AND model_id IN (" + literals(models) + ")");
        String where = " FROM {t}model_usage_logs WHERE creator_id = ? AND occurred_at >= ? AND occurred_at < ?" + filter;
        Raw raw = new Raw();
        try (Connection c = target.dataSource.getConnection()) {
            query(target, c, "SELECT model_id, COUNT(*), SUM(CASE WHEN earnings > 0 THEN 1 ELSE 0 END), SUM(earnings)" + where
                    + " GROUP BY model_id", creator, range.start(), range.end(), rs -> {
                        raw.models.put(rs.getString(1), new Object[] {rs.getLong(2), rs.getBigDecimal(4)});
                        raw.uses += rs.getLong(2);
                        raw.earningUses += rs.getLong(3);
                        raw.earnings = raw.earnings.add(rs.getBigDecimal(4));
                    });
            query(target, c, "SELECT d, COUNT(*), SUM(e) FROM (SELECT CAST(occurred_at AT TIME ZONE '" + range.zone().getId()
                    + "' AS DATE) AS d, earnings AS e" + where + ") x GROUP BY d", creator, range.start(), range.end(),
                    rs -> raw.days.put(rs.getObject(1, LocalDate.class), new Object[] {rs.getLong(2), rs.getBigDecimal(3)}));
            query(target, c, "SELECT COUNT(DISTINCT user_id)" + where, creator, range.start(), range.end(),
                    rs -> raw.users = rs.getLong(1));
            query(target, c, "SELECT COUNT(*), COALESCE(SUM(earnings), 0)" + where, creator, previous.start(), previous.end(),
                    rs -> {
                        raw.previousUses = rs.getLong(1);
                        raw.previousEarnings = rs.getBigDecimal(2);
                    });
        }
        return raw;
    }

    private interface Row {
        void read(ResultSet rs) throws SQLException;
    }

    private static void query(IngestionBenchmark.Target target, Connection c, String sql, String creator, Instant from,
            Instant to, Row row) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(target.sql(sql))) {
            int p = 1;
            if (creator != null) {
                s.setString(p++, creator);
            }
            s.setObject(p++, from.atOffset(ZoneOffset.UTC));
            s.setObject(p, to.atOffset(ZoneOffset.UTC));
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    row.read(rs);
                }
            }
        }
    }

    private static String literals(String[] values) {
        StringBuilder sql = new StringBuilder();
        for (String v : values) {
            if (!v.matches("[a-z0-9_]+")) {
                throw new IllegalArgumentException(v);
            }
            sql.append(sql.length() == 0 ? "" : ", ").append('\'').append(v).append('\'');
        }
        return sql.toString();
    }

    /** Platform totals of a range from the usage rows. */
    private static void rawTotals(IngestionBenchmark.Target target, PlatformTotals t) throws SQLException {
        try (Connection c = target.dataSource.getConnection()) {
            query(target, c, "SELECT COUNT(*), SUM(CASE WHEN earnings > 0 THEN 1 ELSE 0 END), SUM(earnings),"
                    + " COUNT(DISTINCT creator_id), COUNT(DISTINCT model_id) FROM {t}model_usage_logs"
                    + " WHERE occurred_at >= ? AND occurred_at < ?", null, t.range().start(), t.range().end(), rs -> {
                        expect("platform totals uses", rs.getLong(1), t.uses());
                        expect("platform totals earning uses", rs.getLong(2), t.earningUses());
                        expect("platform totals earnings", rs.getBigDecimal(3), t.earnings().amount());
                        expect("platform totals creators", rs.getLong(4), t.creatorsWithUsage());
                        expect("platform totals models", rs.getLong(5), t.modelsWithUsage());
                    });
        }
    }

    private static void expectTrend(String name, Raw raw, List<CreatorDashboard.TrendPoint> trend) {
        if (trend.size() != 30) {
            throw new IllegalStateException(name + ": " + trend.size() + " trend points, not 30");
        }
        long uses = 0;
        for (CreatorDashboard.TrendPoint p : trend) {
            Object[] day = raw.days.getOrDefault(p.start(), new Object[] {0L, BigDecimal.ZERO});
            expect(name + ": uses of " + p.start(), day[0], p.uses());
            expect(name + ": earnings of " + p.start(), day[1], p.earnings().amount());
            uses += p.uses();
        }
        expect(name + ": uses of the trend", raw.uses, uses);
    }

    private static void expect(String what, Object expected, Object actual) {
        boolean equal = expected instanceof BigDecimal && actual instanceof BigDecimal
                ? ((BigDecimal) expected).compareTo((BigDecimal) actual) == 0
                : ((Number) expected).longValue() == ((Number) actual).longValue();
        if (!equal) {
            throw new IllegalStateException(what + ": the report says " + actual + ", the raw rows " + expected);
        }
    }

    /**
     * {@code EXPLAIN (ANALYZE, BUFFERS)} of the statements behind the reports of local days and of
     * usage types that read the most rows, as the library runs them (copied, with the values of
     * creator c7 and of the last 30 days in Asia/Kolkata or UTC written in).
     */
    private static void explain(IngestionBenchmark.Target target) throws SQLException {
        ReportPeriod.DateRange kolkata = ReportPeriod.lastDays(30).in(ZoneId.of("Asia/Kolkata")).resolve(NOW);
        ReportPeriod.DateRange utc = ReportPeriod.lastDays(30).resolve(NOW);
        long from = kolkata.start().getEpochSecond() / 900;
        long to = kolkata.end().getEpochSecond() / 900;
        long previousFrom = kolkata.previous().start().getEpochSecond() / 900;
        String day = "((slot + 22) / 96)";
        Map<String, String> statements = new java.util.LinkedHashMap<>();
        statements.put("platform totals, Asia/Kolkata", "SELECT COALESCE(SUM(earnings - reversed), 0),"
                + " COALESCE(SUM(reversed), 0), COALESCE(SUM(uses), 0), COALESCE(SUM(earning_uses), 0),"
                + " COUNT(DISTINCT CASE WHEN uses > 0 THEN creator_id END), COUNT(DISTINCT CASE WHEN uses > 0 THEN model_id END)"
                + " FROM {t}model_usage_slots WHERE slot >= " + from + " AND slot < " + to);
        statements.put("dashboard figures, Asia/Kolkata, creator c7", "SELECT 'model' AS part, model_id AS k,"
                + " CAST(NULL AS BIGINT) AS d, SUM(uses), SUM(earning_uses), SUM(earnings - reversed), SUM(reversed)"
                + " FROM {t}model_usage_slots WHERE creator_id = 'c7' AND slot >= " + from + " AND slot < " + to
                + " GROUP BY model_id UNION ALL SELECT 'day', NULL, d, SUM(uses), 0, SUM(earnings - reversed), SUM(reversed)"
                + " FROM (SELECT " + day + " AS d, uses, earnings, reversed FROM {t}model_usage_slots WHERE creator_id = 'c7'"
                + " AND slot >= " + from + " AND slot < " + to + ") x GROUP BY d UNION ALL SELECT 'previous', NULL, NULL,"
                + " COALESCE(SUM(uses), 0), 0, COALESCE(SUM(earnings - reversed), 0), COALESCE(SUM(reversed), 0)"
                + " FROM {t}model_usage_slots WHERE creator_id = 'c7' AND slot >= " + previousFrom + " AND slot < " + from);
        statements.put("unique users, UTC, chat, creator c7", "SELECT COUNT(DISTINCT user_id) FROM {t}model_usage_logs"
                + " WHERE creator_id = 'c7' AND usage_type = ANY('{chat}') AND occurred_at >= '" + utc.start()
                + "' AND occurred_at < '" + utc.end() + "'");
        statements.put("unique users, Asia/Kolkata, creator c7", "SELECT COUNT(*) FROM (SELECT user_id FROM"
                + " {t}model_daily_users WHERE creator_id = 'c7' AND usage_day >= '" + LocalDate.ofInstant(kolkata.start(),
                ZoneOffset.UTC).plusDays(1) + "' AND usage_day < '" + LocalDate.ofInstant(kolkata.end(), ZoneOffset.UTC)
                + "' UNION SELECT user_id FROM {t}model_usage_logs WHERE creator_id = 'c7' AND ((occurred_at >= '"
                + kolkata.start() + "' AND occurred_at < '" + LocalDate.ofInstant(kolkata.start(), ZoneOffset.UTC).plusDays(1)
                + "T00:00:00Z') OR (occurred_at >= '" + LocalDate.ofInstant(kolkata.end(), ZoneOffset.UTC)
                + "T00:00:00Z' AND occurred_at < '" + kolkata.end() + "'))) x");
        try (Connection c = target.dataSource.getConnection(); Statement s = c.createStatement()) {
            for (Map.Entry<String, String> e : statements.entrySet()) {
                System.out.printf("%nEXPLAIN (ANALYZE, BUFFERS) of %s:%n", e.getKey());
                try (ResultSet rs = s.executeQuery("EXPLAIN (ANALYZE, BUFFERS) " + target.sql(e.getValue()))) {
                    while (rs.next()) {
                        System.out.println("  " + rs.getString(1));
                    }
                }
            }
        }
    }

    /** What each rollup takes on disk, indexes included, beside the usage rows. */
    private static void sizes(IngestionBenchmark.Target target) throws SQLException {
        System.out.printf("%n%-22s %12s %12s%n", "table", "rows", "MiB on disk");
        try (Connection c = target.dataSource.getConnection(); Statement s = c.createStatement()) {
            for (String table : List.of("model_usage_logs", "model_usage_events", "model_analytics", "model_daily_users",
                    "model_usage_slots")) {
                // A partitioned table's size is its partitions'.
                String name = "'\"" + target.schema + "\"." + table + "'";
                try (ResultSet rs = s.executeQuery(target.sql("SELECT COUNT(*), pg_total_relation_size(" + name + ")"
                        + " + COALESCE((SELECT SUM(pg_total_relation_size(i.inhrelid)) FROM pg_inherits i"
                        + " WHERE i.inhparent = CAST(" + name + " AS regclass)), 0) FROM {t}" + table))) {
                    rs.next();
                    System.out.printf(Locale.ROOT, "%-22s %,12d %12.1f%n", table, rs.getLong(1), rs.getLong(2) / 1048576.0);
                }
            }
        }
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
