package dev.earnings.jdbc.internal;

import dev.earnings.core.EarningsCalculator;
import dev.earnings.core.Money;
import dev.earnings.core.UsageTier;
import dev.earnings.core.UsageTierSchedule;
import dev.earnings.core.internal.Checks;
import dev.earnings.jdbc.Balance;
import dev.earnings.jdbc.Caller;
import dev.earnings.jdbc.CreatorDashboard;
import dev.earnings.jdbc.CreatorDashboard.Activity;
import dev.earnings.jdbc.CreatorDashboard.ModelPerformance;
import dev.earnings.jdbc.CreatorDashboard.PeriodChange;
import dev.earnings.jdbc.CreatorDashboard.TrendPoint;
import dev.earnings.jdbc.DashboardQuery;
import dev.earnings.jdbc.Granularity;
import dev.earnings.jdbc.Model;
import dev.earnings.jdbc.ModelReport;
import dev.earnings.jdbc.ReportPeriod;
import dev.earnings.jdbc.ReportPeriod.DateRange;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Currency;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.mapper.reflect.ConstructorMapper;
import org.jdbi.v3.core.statement.Query;

/**
 * What creators see: their dashboard, a model's report and their balance, read from the per-model
 * counters and the daily rollups, never by scanning usage rows.
 *
 * <p>Each call runs in one transaction that sees one snapshot, so the figures of one dashboard
 * agree with each other while uses are being recorded. Only the recent-activity list reads usage
 * rows, through the (creator, occurred_at, id) index and a limit. The balance is the
 * {@link Ledger}'s, the one expression payouts use too.
 */
public final class CreatorReports {
    private static final int RATIO_SCALE = 4;

    private final Transactor tx;
    private final Access access;
    private final Ledger ledger;
    private final ModelCatalog catalog;
    private final Pseudonyms pseudonyms;
    private final EarningsCalculator calculator;
    private final Clock clock;
    private final Currency currency;

    /**
     * Creates the reports.
     *
     * @param tx the transaction runner
     * @param access the access rules
     * @param ledger the balances and payouts
     * @param catalog the models
     * @param pseudonyms what creators see instead of user ids
     * @param calculator the rules (currency, tiers)
     * @param clock the clock that says which day is today
     */
    public CreatorReports(Transactor tx, Access access, Ledger ledger, ModelCatalog catalog, Pseudonyms pseudonyms,
            EarningsCalculator calculator, Clock clock) {
        this.tx = tx;
        this.access = access;
        this.ledger = ledger;
        this.catalog = catalog;
        this.pseudonyms = pseudonyms;
        this.calculator = calculator;
        this.clock = clock;
        this.currency = calculator.currency();
    }

    /**
     * A creator's dashboard.
     *
     * @param caller who asks
     * @param creatorId whose dashboard
     * @param query the period, filter and list sizes
     * @return the dashboard
     */
    public CreatorDashboard dashboard(Caller caller, String creatorId, DashboardQuery query) {
        Checks.requireId("creatorId", creatorId);
        ReportSupport.requirePresent("query", query);
        DateRange range = query.period().resolve(clock.instant());
        String[] types = usageTypes(query.filter());
        return tx.inSnapshot("reading the dashboard of creator '" + creatorId + "'", Scope.of(caller), (h, attempt) -> {
            access.requireCreatorData(h, caller, creatorId);
            query.modelId().ifPresent(m -> access.requireModel(h, caller, m, Optional.of(creatorId)));
            access.requireModels(h, caller, query.filter().modelIds(), creatorId);
            Optional<String[]> models = modelsOf(query);
            DateRange previous = range.previous();
            DashboardFigures f = range.utc() && types.length == 0
                    ? dashboardFigures(h, creatorId, models, range, previous)
                    : slotFigures(h, creatorId, models, types, range, previous);
            if (!range.utc() || types.length > 0) {
                f.uniqueUsers = uniqueUsers(h, creatorId, models, types, range);
            }
            long uses = 0;
            long earningUses = 0;
            BigDecimal periodEarnings = BigDecimal.ZERO;
            for (Map.Entry<String, long[]> e : f.counts.entrySet()) {
                uses += e.getValue()[0];
                earningUses += e.getValue()[1];
                periodEarnings = periodEarnings.add(f.earnings.get(e.getKey()));
            }
            long activeModels = f.counts.values().stream().filter(c -> c[0] > 0).count();
            BigDecimal average = activeModels == 0 ? BigDecimal.ZERO
                    : periodEarnings.divide(BigDecimal.valueOf(activeModels), Money.SCALE, RoundingMode.HALF_EVEN);
            List<ModelPerformance> top = f.counts.keySet().stream()
                    .sorted(Comparator.<String, BigDecimal>comparing(f.earnings::get).reversed()
                            .thenComparing(m -> -f.counts.get(m)[0]).thenComparing(m -> m))
                    .limit(query.topModels())
                    .map(m -> performance(m, f.counts.get(m)[0], f.earnings.get(m), f.countedUses.getOrDefault(m, 0L)))
                    .collect(Collectors.toList());
            List<TrendPoint> trend = trendOf(f.dayUses, f.dayEarnings, range, query.granularity());
            BigDecimal change = periodEarnings.subtract(f.previousEarnings);
            Optional<BigDecimal> ratio = f.previousEarnings.signum() == 0 ? Optional.empty()
                    : Optional.of(change.divide(f.previousEarnings, RATIO_SCALE, RoundingMode.HALF_EVEN));
            Balance balance = ledger.balance(h, creatorId);
            return new CreatorDashboard(creatorId, range, query.modelId(), money(f.lifetime), money(f.lifetimeReversed),
                    money(periodEarnings), money(f.periodReversed), uses,
                    earningUses, f.uniqueUsers, activeModels, money(average), top, trend,
                    new PeriodChange(previous, money(f.previousEarnings), f.previousUses, money(change), ratio,
                            uses - f.previousUses),
                    recentActivity(h, creatorId, models, types, range, query.recentActivity()), balance,
                    ledger.recentPayouts(h, creatorId, query.recentTransactions()));
        });
    }

    /**
     * The models a dashboard counts: the query's model and the filter's models (both when both
     * are given: then only a model in both), or empty for all of the creator's.
     */
    private static Optional<String[]> modelsOf(DashboardQuery query) {
        java.util.Set<String> filter = query.filter().modelIds();
        if (query.modelId().isPresent()) {
            String model = query.modelId().get();
            return Optional.of(filter.isEmpty() || filter.contains(model) ? new String[] {model} : new String[0]);
        }
        return filter.isEmpty() ? Optional.empty() : Optional.of(filter.toArray(new String[0]));
    }

    /**
     * The filter's usage types as stored: each must be one the deployment knows, or the report
     * is refused (an unknown name would otherwise read as a quiet period).
     *
     * @param filter the filter
     * @return the names, sorted; empty for no filter
     */
    String[] usageTypes(dev.earnings.jdbc.ReportFilter filter) {
        ReportSupport.requirePresent("filter", filter);
        List<String> names = new ArrayList<>();
        for (String name : filter.usageTypes()) {
            String resolved;
            try {
                resolved = calculator.usageTypes().resolve(name).name();
            } catch (dev.earnings.core.UnknownUsageTypeException e) {
                resolved = null;
            }
            if (!name.equals(resolved)) {
                throw new dev.earnings.core.InvalidInputException("usageTypes", "usageTypes holds '" + name
                        + "', which is not a usage type of this deployment; allowed: the configured usage types");
            }
            names.add(name);
        }
        return names.toArray(new String[0]);
    }

    /**
     * The figures of a dashboard that come from sums: the period per model and per day, the
     * previous period, unique users and each model's counters. One statement brings them all, so
     * they cost one round trip.
     */
    private DashboardFigures dashboardFigures(Handle h, String creatorId, Optional<String[]> modelIds, DateRange range,
            DateRange previous) {
        String model = modelIds.isPresent() ? " AND model_id = ANY(:models)" : "";
        // Every amount is net of the reversals booked in the period (a day's rollup holds the uses
        // of that day and the reversals made on it), with what was reversed beside it.
        Query query = h.createQuery("SELECT 'model' AS part, model_id AS k, CAST(NULL AS DATE) AS d, SUM(uses) AS n1,"
                + " SUM(earning_uses) AS n2, SUM(earnings - reversed) AS amount, SUM(reversed) AS reversed"
                + " FROM <t>model_analytics WHERE creator_id = :creator"
                + model + " AND usage_day >= :from AND usage_day < :to GROUP BY model_id"
                + " UNION ALL SELECT 'day', NULL, usage_day, SUM(uses), 0, SUM(earnings - reversed), SUM(reversed)"
                + " FROM <t>model_analytics"
                + " WHERE creator_id = :creator" + model + " AND usage_day >= :from AND usage_day < :to GROUP BY usage_day"
                + " UNION ALL SELECT 'previous', NULL, NULL, COALESCE(SUM(uses), 0), 0, COALESCE(SUM(earnings - reversed), 0),"
                + " COALESCE(SUM(reversed), 0) FROM <t>model_analytics WHERE creator_id = :creator" + model
                + " AND usage_day >= :previousFrom AND usage_day < :from"
                + " UNION ALL SELECT 'users', NULL, NULL, COUNT(DISTINCT user_id), 0, 0, 0 FROM <t>model_daily_users"
                + " WHERE creator_id = :creator" + model + " AND usage_day >= :from AND usage_day < :to"
                + " UNION ALL SELECT 'counters', model_id, NULL, counted_uses, 0, lifetime_earnings, reversed_earnings"
                + " FROM <t>model_creator_earnings WHERE creator_id = :creator" + model)
                .bind("creator", creatorId).bind("from", range.from()).bind("to", range.to())
                .bind("previousFrom", previous.from());
        modelIds.ifPresent(m -> query.bind("models", ArrayColumns.textArray(m)));
        DashboardFigures figures = new DashboardFigures();
        query.map((rs, ctx) -> figures.add(rs)).list();
        return figures;
    }

    /**
     * The same figures from the quarter-hour rollups, for a period in a zone other than UTC or
     * filtered by usage type: the local day of each quarter hour is computed in the statement
     * ({@link Slots}), so the rows that come back are one per model and one per local day.
     * Unique users are counted separately ({@link #uniqueUsers}).
     */
    private DashboardFigures slotFigures(Handle h, String creatorId, Optional<String[]> modelIds, String[] types,
            DateRange range, DateRange previous) {
        Slots slots = Slots.of(range);
        String filter = (modelIds.isPresent() ? " AND model_id = ANY(:models)" : "")
                + (types.length > 0 ? " AND usage_type = ANY(:types)" : "");
        String counters = modelIds.isPresent() ? " AND model_id = ANY(:models)" : "";
        Query query = h.createQuery("SELECT 'model' AS part, model_id AS k, CAST(NULL AS BIGINT) AS d, SUM(uses) AS n1,"
                + " SUM(earning_uses) AS n2, SUM(earnings - reversed) AS amount, SUM(reversed) AS reversed"
                + " FROM <t>model_usage_slots WHERE creator_id = :creator" + filter
                + " AND slot >= :from AND slot < :to GROUP BY model_id"
                // The day is computed once per row in a derived table: H2 cannot match a GROUP BY
                // expression that holds parameters with the same expression in the select list.
                + " UNION ALL SELECT 'day', NULL, d, SUM(uses), 0, SUM(earnings - reversed), SUM(reversed) FROM (SELECT "
                + slots.day("slot", "z") + " AS d, uses, earnings, reversed FROM <t>model_usage_slots"
                + " WHERE creator_id = :creator" + filter + " AND slot >= :from AND slot < :to) x GROUP BY d"
                + " UNION ALL SELECT 'previous', NULL, NULL, COALESCE(SUM(uses), 0), 0, COALESCE(SUM(earnings - reversed), 0),"
                + " COALESCE(SUM(reversed), 0) FROM <t>model_usage_slots WHERE creator_id = :creator" + filter
                + " AND slot >= :previousFrom AND slot < :from"
                + " UNION ALL SELECT 'counters', model_id, NULL, counted_uses, 0, lifetime_earnings, reversed_earnings"
                + " FROM <t>model_creator_earnings WHERE creator_id = :creator" + counters)
                .bind("creator", creatorId).bind("from", slots.from()).bind("to", slots.to())
                .bind("previousFrom", UsageWriter.slotOf(previous.start()));
        slots.bind(query, "z");
        modelIds.ifPresent(m -> query.bind("models", ArrayColumns.textArray(m)));
        if (types.length > 0) {
            query.bind("types", ArrayColumns.textArray(types));
        }
        DashboardFigures figures = new DashboardFigures();
        query.map((rs, ctx) -> figures.add(rs)).list();
        return figures;
    }

    /**
     * Distinct users of a creator's (filtered) models in a period that is not a range of UTC days
     * or that is filtered by usage type. The users of each model-day are kept per UTC day, not per
     * usage type: in a zone, the UTC days wholly inside the period are counted from them and the
     * hours at either end from the usage rows; with a usage-type filter, from the usage rows of
     * the period (through the creator-and-time index), which costs in proportion to the period's uses.
     */
    private long uniqueUsers(Handle h, String creatorId, Optional<String[]> modelIds, String[] types, DateRange range) {
        String model = modelIds.isPresent() ? " AND model_id = ANY(:models)" : "";
        Instant start = range.start();
        Instant end = range.end();
        LocalDate firstWhole = LocalDate.ofInstant(start, java.time.ZoneOffset.UTC);
        if (!ReportSupport.start(firstWhole).equals(start)) {
            firstWhole = firstWhole.plusDays(1);
        }
        LocalDate afterWhole = LocalDate.ofInstant(end, java.time.ZoneOffset.UTC);
        Query query;
        if (types.length == 0 && firstWhole.isBefore(afterWhole)) {
            query = h.createQuery("SELECT COUNT(*) FROM (SELECT user_id FROM <t>model_daily_users WHERE creator_id = :creator"
                    + model + " AND usage_day >= :firstWhole AND usage_day < :afterWhole"
                    + " UNION SELECT user_id FROM <t>model_usage_logs WHERE creator_id = :creator" + model
                    + " AND ((occurred_at >= :start AND occurred_at < :wholeStart)"
                    + " OR (occurred_at >= :wholeEnd AND occurred_at < :end))) x")
                    .bind("firstWhole", firstWhole).bind("afterWhole", afterWhole)
                    .bind("wholeStart", ReportSupport.start(firstWhole)).bind("wholeEnd", ReportSupport.start(afterWhole));
        } else {
            query = h.createQuery("SELECT COUNT(DISTINCT user_id) FROM <t>model_usage_logs WHERE creator_id = :creator" + model
                    + (types.length > 0 ? " AND usage_type = ANY(:types)" : "")
                    + " AND occurred_at >= :start AND occurred_at < :end");
            if (types.length > 0) {
                query.bind("types", ArrayColumns.textArray(types));
            }
        }
        query.bind("creator", creatorId).bind("start", start).bind("end", end);
        modelIds.ifPresent(m -> query.bind("models", ArrayColumns.textArray(m)));
        return query.mapTo(Long.class).one();
    }

    /** What {@link #dashboardFigures} reads, gathered by the row's part. */
    private static final class DashboardFigures {
        final Map<String, long[]> counts = new HashMap<>();
        final Map<String, BigDecimal> earnings = new HashMap<>();
        BigDecimal periodReversed = BigDecimal.ZERO;
        BigDecimal lifetimeReversed = BigDecimal.ZERO;
        final Map<LocalDate, Long> dayUses = new HashMap<>();
        final Map<LocalDate, BigDecimal> dayEarnings = new HashMap<>();
        final Map<String, Long> countedUses = new HashMap<>();
        long previousUses;
        BigDecimal previousEarnings = BigDecimal.ZERO;
        long uniqueUsers;
        BigDecimal lifetime = BigDecimal.ZERO;

        String add(ResultSet rs) throws SQLException {
            String key = rs.getString("k");
            long n1 = rs.getLong("n1");
            BigDecimal amount = rs.getBigDecimal("amount");
            switch (rs.getString("part")) {
                case "model":
                    counts.put(key, new long[] {n1, rs.getLong("n2")});
                    earnings.put(key, amount);
                    periodReversed = periodReversed.add(rs.getBigDecimal("reversed"));
                    break;
                case "day":
                    // A UTC date from the daily rollups, or a local day's number from the quarter hours.
                    Object d = rs.getObject("d");
                    LocalDate day = d instanceof Number ? LocalDate.ofEpochDay(((Number) d).longValue())
                            : rs.getObject("d", LocalDate.class);
                    dayUses.put(day, n1);
                    dayEarnings.put(day, amount);
                    break;
                case "previous":
                    previousUses = n1;
                    previousEarnings = amount;
                    break;
                case "users":
                    uniqueUsers = n1;
                    break;
                default:
                    countedUses.put(key, n1);
                    lifetime = lifetime.add(amount);
                    lifetimeReversed = lifetimeReversed.add(rs.getBigDecimal("reversed"));
            }
            return key;
        }
    }

    private List<Activity> recentActivity(Handle h, String creatorId, Optional<String[]> modelIds, String[] types,
            DateRange range, int limit) {
        // What was reversed of each listed use, looked up for those rows only (by the eventId index).
        Query query = h.createQuery("SELECT u.occurred_at, u.model_id, u.usage_type, u.tokens_consumed, u.earnings,"
                + " (SELECT COALESCE(SUM(r.amount), 0) FROM <t>earnings_reversals r WHERE r.event_id = u.event_id"
                + " AND r.model_id = u.model_id) AS reversed,"
                + " u.user_id FROM <t>model_usage_logs u WHERE u.creator_id = :creator"
                + (modelIds.isPresent() ? " AND u.model_id = ANY(:models)" : "")
                + (types.length > 0 ? " AND u.usage_type = ANY(:types)" : "")
                + " AND u.occurred_at >= :from AND u.occurred_at < :to ORDER BY u.occurred_at DESC, u.id DESC LIMIT :limit")
                .bind("creator", creatorId).bind("from", range.start()).bind("to", range.end())
                .bind("limit", limit);
        modelIds.ifPresent(m -> query.bind("models", ArrayColumns.textArray(m)));
        if (types.length > 0) {
            query.bind("types", ArrayColumns.textArray(types));
        }
        // The pseudonym of the user id as stored: with encryption, its token. Nothing here needs the
        // plain id, and nobody without the token key can compute a candidate id's pseudonym.
        return query.map(ConstructorMapper.of(ActivityRow.class)).map(row -> new Activity(row.occurredAt(), row.modelId(),
                row.usageType(), row.tokensConsumed(), money(row.earnings()), money(row.reversed()),
                pseudonyms.of(creatorId, row.userId()))).list();
    }

    /**
     * A creator's balance.
     *
     * @param caller who asks
     * @param creatorId whose balance
     * @return the balance
     */
    public Balance balance(Caller caller, String creatorId) {
        Checks.requireId("creatorId", creatorId);
        return tx.inSnapshot("reading the balance of creator '" + creatorId + "'", Scope.of(caller), (h, attempt) -> {
            access.requireCreatorData(h, caller, creatorId);
            return ledger.balance(h, creatorId);
        });
    }

    /**
     * One model's report.
     *
     * @param caller who asks
     * @param modelId the model
     * @param period the days
     * @param granularity the trend's bucket size
     * @return the report
     */
    public ModelReport modelReport(Caller caller, String modelId, ReportPeriod period, Granularity granularity) {
        Checks.requireId("modelId", modelId);
        ReportSupport.requirePresent("period", period);
        ReportSupport.requirePresent("granularity", granularity);
        DateRange range = period.resolve(clock.instant());
        return tx.inSnapshot("reading the report of model '" + modelId + "'", Scope.of(caller), (h, attempt) -> {
            String creatorId = access.requireModel(h, caller, modelId, Optional.empty());
            Model model = catalog.find(h, modelId).orElseThrow();
            ModelFigures f = h.createQuery("SELECT a.counted_uses, a.total_uses, a.lifetime_earnings,"
                    + " a.reversed_earnings AS lifetime_reversed,"
                    + " COALESCE(p.uses, 0) AS period_uses, COALESCE(p.earning_uses, 0) AS earning_uses,"
                    + " COALESCE(p.earnings, 0) AS period_earnings, COALESCE(p.reversed, 0) AS period_reversed,"
                    + " (SELECT COUNT(DISTINCT user_id) FROM <t>model_daily_users"
                    + " WHERE creator_id = :creator AND model_id = :model AND usage_day >= :from AND usage_day < :to)"
                    + " AS unique_users FROM <t>model_creator_earnings a LEFT JOIN (SELECT model_id, SUM(uses) AS uses,"
                    + " SUM(earning_uses) AS earning_uses, SUM(earnings - reversed) AS earnings, SUM(reversed) AS reversed"
                    + " FROM <t>model_analytics"
                    + " WHERE creator_id = :creator AND model_id = :model AND usage_day >= :from AND usage_day < :to"
                    + " GROUP BY model_id) p ON p.model_id = a.model_id WHERE a.model_id = :model")
                    .bind("creator", creatorId).bind("model", modelId).bind("from", range.from()).bind("to", range.to())
                    .map(ConstructorMapper.of(ModelFigures.class)).one();
            ModelPerformance tier = performance(modelId, 0, BigDecimal.ZERO, f.countedUses());
            if (!range.utc()) {
                // Local days: the period's figures from the quarter hours, the counters as read.
                Optional<String[]> only = Optional.of(new String[] {modelId});
                DashboardFigures z = slotFigures(h, creatorId, only, new String[0], range, range.previous());
                long[] counts = z.counts.getOrDefault(modelId, new long[2]);
                ModelFigures zoned = new ModelFigures(f.countedUses(), f.totalUses(), f.lifetimeEarnings(),
                        f.lifetimeReversed(), counts[0], counts[1], z.earnings.getOrDefault(modelId, BigDecimal.ZERO),
                        z.periodReversed, uniqueUsers(h, creatorId, only, new String[0], range));
                return report(model, range, zoned, tier, trendOf(z.dayUses, z.dayEarnings, range, granularity));
            }
            Map<LocalDate, Long> uses = new HashMap<>();
            Map<LocalDate, BigDecimal> earnings = new HashMap<>();
            h.createQuery("SELECT usage_day, SUM(uses) AS uses, SUM(earnings - reversed) AS earnings FROM <t>model_analytics"
                    + " WHERE creator_id = :creator AND model_id = :model AND usage_day >= :from AND usage_day < :to"
                    + " GROUP BY usage_day")
                    .bind("creator", creatorId).bind("model", modelId).bind("from", range.from()).bind("to", range.to())
                    .map((rs, ctx) -> {
                        LocalDate day = rs.getObject("usage_day", LocalDate.class);
                        uses.put(day, rs.getLong("uses"));
                        return earnings.put(day, rs.getBigDecimal("earnings"));
                    }).list();
            return report(model, range, f, tier, trendOf(uses, earnings, range, granularity));
        });
    }

    private ModelReport report(Model model, DateRange range, ModelFigures f, ModelPerformance tier, List<TrendPoint> trend) {
        return new ModelReport(model, range, money(f.lifetimeEarnings()), money(f.lifetimeReversed()), f.totalUses(),
                f.countedUses(), money(f.periodEarnings()), money(f.periodReversed()), f.periodUses(), f.earningUses(),
                f.uniqueUsers(), tier.currentTier(), tier.currentMultiplier(), tier.usesToNextTier(), trend);
    }

    /** A use in the recent-activity list, as read; the user id never leaves this class. */
    public record ActivityRow(Instant occurredAt, String modelId, String usageType, long tokensConsumed, BigDecimal earnings,
            BigDecimal reversed, String userId) {
    }

    /** A model's counters and period figures, as one row. */
    public record ModelFigures(long countedUses, long totalUses, BigDecimal lifetimeEarnings, BigDecimal lifetimeReversed,
            long periodUses, long earningUses, BigDecimal periodEarnings, BigDecimal periodReversed, long uniqueUsers) {
    }

    /** Days' figures gathered into the trend's buckets, every bucket present, empty ones zero. */
    private List<TrendPoint> trendOf(Map<LocalDate, Long> dayUses, Map<LocalDate, BigDecimal> dayEarnings, DateRange range,
            Granularity granularity) {
        Map<LocalDate, BigDecimal> earnings = new TreeMap<>();
        Map<LocalDate, Long> uses = new HashMap<>();
        dayUses.forEach((day, n) -> {
            LocalDate bucket = granularity.bucketOf(day);
            uses.merge(bucket, n, Long::sum);
            earnings.merge(bucket, dayEarnings.get(day), BigDecimal::add);
        });
        Map<LocalDate, TrendPoint> points = new LinkedHashMap<>();
        for (LocalDate b = granularity.bucketOf(range.from()); b.isBefore(range.to()); b = granularity.next(b)) {
            points.put(b, new TrendPoint(b, money(earnings.getOrDefault(b, BigDecimal.ZERO)), uses.getOrDefault(b, 0L)));
        }
        return new ArrayList<>(points.values());
    }

    private ModelPerformance performance(String modelId, long uses, BigDecimal earnings, long countedUses) {
        UsageTierSchedule tiers = calculator.tiers();
        UsageTier tier = tiers.tierFor(countedUses);
        Optional<Long> toNext = tiers.usesToNextTier(countedUses);
        return new ModelPerformance(modelId, uses, money(earnings), tier.index(), tier.multiplier(),
                toNext.map(OptionalLong::of).orElse(OptionalLong.empty()));
    }

    private Money money(BigDecimal amount) {
        return ReportSupport.money(currency, amount);
    }
}
