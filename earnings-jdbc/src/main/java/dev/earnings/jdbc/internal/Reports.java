package dev.earnings.jdbc.internal;

import dev.earnings.core.EarningsCalculator;
import dev.earnings.core.InvalidInputException;
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
import dev.earnings.jdbc.CreatorOverview;
import dev.earnings.jdbc.DashboardQuery;
import dev.earnings.jdbc.Granularity;
import dev.earnings.jdbc.Model;
import dev.earnings.jdbc.ModelReport;
import dev.earnings.jdbc.Page;
import dev.earnings.jdbc.Payout;
import dev.earnings.jdbc.PayoutStatus;
import dev.earnings.jdbc.PlatformTotals;
import dev.earnings.jdbc.ReportPeriod;
import dev.earnings.jdbc.ReportPeriod.DateRange;
import dev.earnings.jdbc.TransactionSummary;
import dev.earnings.jdbc.TransactionSummary.StatusTotal;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.Currency;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.Query;
import org.jdbi.v3.core.transaction.TransactionIsolationLevel;

/**
 * Creator dashboards, model reports and admin views, read from the aggregate and rollup tables.
 *
 * <p>Each call runs in one transaction that sees one snapshot, so the figures of one dashboard
 * agree with each other while uses are being recorded. Only the recent-activity list reads usage
 * rows, through the (creator, occurred_at) index and a limit.
 */
public final class Reports {
    private static final int RATIO_SCALE = 4;

    private final Transactor tx;
    private final Tables t;
    private final Access access;
    private final EarningsCalculator calculator;
    private final Clock clock;
    private final TransactionIsolationLevel snapshot;
    private final Currency currency;
    private final SecretKeySpec pseudonymKey;

    private Reports(Transactor tx, Tables tables, EarningsCalculator calculator, Clock clock,
            TransactionIsolationLevel snapshot, byte[] key) {
        this.tx = tx;
        this.t = tables;
        this.access = new Access(tables);
        this.calculator = calculator;
        this.clock = clock;
        this.snapshot = snapshot;
        this.currency = calculator.currency();
        this.pseudonymKey = new SecretKeySpec(key, "HmacSHA256");
    }

    /**
     * Opens the reports, creating the deployment's pseudonym key on first start.
     *
     * @param tx the transaction runner
     * @param tables the schema's tables
     * @param calculator the rules (currency, tiers)
     * @param clock the clock that says which day is today
     * @param snapshot the isolation level at which the database reads one snapshot
     * @return the reports
     */
    public static Reports open(Transactor tx, Tables tables, EarningsCalculator calculator, Clock clock,
            TransactionIsolationLevel snapshot) {
        byte[] fresh = new byte[32];
        new SecureRandom().nextBytes(fresh);
        String key = tx.inTransaction("reading the pseudonym key", h -> {
            Optional<String> stored = h.createQuery(tables.sql("SELECT setting_value FROM {t}earnings_settings"
                    + " WHERE setting_name = 'pseudonym_key'")).mapTo(String.class).findOne();
            if (stored.isPresent()) {
                return stored.get();
            }
            String encoded = Base64.getEncoder().encodeToString(fresh);
            h.createUpdate(tables.sql("INSERT INTO {t}earnings_settings (setting_name, setting_value)"
                    + " VALUES ('pseudonym_key', ?)")).bind(0, encoded).execute();
            return encoded;
        });
        return new Reports(tx, tables, calculator, clock, snapshot, Base64.getDecoder().decode(key));
    }

    // ---------------------------------------------------------------- creator dashboard

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
        requirePresent("query", query);
        DateRange range = query.period().resolve(today());
        return tx.inTransaction("reading the dashboard of creator '" + creatorId + "'", snapshot, h -> {
            access.requireCreatorData(h, caller, creatorId);
            query.modelId().ifPresent(m -> access.requireModel(h, caller, m, Optional.of(creatorId)));
            Filter filter = new Filter(creatorId, query.modelId());
            DateRange previous = range.previous();
            DashboardFigures f = dashboardFigures(h, creatorId, query.modelId(), range, previous);
            Map<String, long[]> counts = f.counts;
            Map<String, BigDecimal> earnings = f.earnings;
            long uses = 0;
            long earningUses = 0;
            BigDecimal periodEarnings = BigDecimal.ZERO;
            for (Map.Entry<String, long[]> e : counts.entrySet()) {
                uses += e.getValue()[0];
                earningUses += e.getValue()[1];
                periodEarnings = periodEarnings.add(earnings.get(e.getKey()));
            }
            long activeModels = counts.values().stream().filter(c -> c[0] > 0).count();
            BigDecimal average = activeModels == 0 ? BigDecimal.ZERO
                    : periodEarnings.divide(BigDecimal.valueOf(activeModels), Money.SCALE, RoundingMode.HALF_EVEN);
            List<ModelPerformance> top = counts.keySet().stream()
                    .sorted(Comparator.<String, BigDecimal>comparing(earnings::get).reversed()
                            .thenComparing(m -> -counts.get(m)[0]).thenComparing(m -> m))
                    .limit(query.topModels())
                    .map(m -> performance(m, counts.get(m)[0], earnings.get(m), f.countedUses.getOrDefault(m, 0L)))
                    .collect(java.util.stream.Collectors.toList());
            List<TrendPoint> trend = trendOf(f.dayUses, f.dayEarnings, range, query.granularity());
            BigDecimal change = periodEarnings.subtract(f.previousEarnings);
            Optional<BigDecimal> ratio = f.previousEarnings.signum() == 0 ? Optional.empty()
                    : Optional.of(change.divide(f.previousEarnings, RATIO_SCALE, RoundingMode.HALF_EVEN));

            List<Activity> activity = filter.bindCreator(h.createQuery(t.sql("SELECT occurred_at, model_id, usage_type,"
                    + " tokens_consumed, earnings, user_id FROM {t}model_usage_logs WHERE creator_id = ?" + filter.sql()
                    + " AND occurred_at >= ? AND occurred_at < ? ORDER BY occurred_at DESC, id DESC LIMIT ?")))
                    .bind(filter.next(), Tables.utc(start(range.from()))).bind(filter.next() + 1, Tables.utc(start(range.to())))
                    .bind(filter.next() + 2, query.recentActivity())
                    .map((rs, ctx) -> new Activity(Tables.instant(rs, "occurred_at"), rs.getString("model_id"),
                            rs.getString("usage_type"), rs.getLong("tokens_consumed"), money(rs.getBigDecimal("earnings")),
                            pseudonym(rs.getString("user_id"))))
                    .list();

            return new CreatorDashboard(creatorId, range, query.modelId(), money(f.lifetime), money(periodEarnings), uses,
                    earningUses, f.uniqueUsers, activeModels, money(average), top, trend,
                    new PeriodChange(previous, money(f.previousEarnings), f.previousUses, money(change), ratio,
                            uses - f.previousUses),
                    activity, balance(creatorId, f.earned, f.byStatus[PayoutStatus.PENDING.ordinal()],
                            f.byStatus[PayoutStatus.COMPLETED.ordinal()]),
                    recentPayouts(h, creatorId, query.recentTransactions()));
        });
    }

    /**
     * The figures of a dashboard that come from sums: the period per model and per day, the
     * previous period, unique users, each model's aggregate and the balance's parts. One statement
     * brings them all, so they cost one round trip and agree with each other whatever the
     * isolation level.
     */
    private DashboardFigures dashboardFigures(Handle h, String creatorId, Optional<String> modelId, DateRange range,
            DateRange previous) {
        String model = modelId.isPresent() ? " AND model_id = :model" : "";
        Query query = h.createQuery(t.sql("SELECT 'model' AS part, model_id AS k, CAST(NULL AS DATE) AS d, SUM(uses) AS n1,"
                + " SUM(earning_uses) AS n2, SUM(earnings) AS amount FROM {t}model_analytics WHERE creator_id = :creator"
                + model + " AND usage_day >= :from AND usage_day < :to GROUP BY model_id"
                + " UNION ALL SELECT 'day', NULL, usage_day, SUM(uses), 0, SUM(earnings) FROM {t}model_analytics"
                + " WHERE creator_id = :creator" + model + " AND usage_day >= :from AND usage_day < :to GROUP BY usage_day"
                + " UNION ALL SELECT 'previous', NULL, NULL, COALESCE(SUM(uses), 0), 0, COALESCE(SUM(earnings), 0)"
                + " FROM {t}model_analytics WHERE creator_id = :creator" + model
                + " AND usage_day >= :previousFrom AND usage_day < :from"
                + " UNION ALL SELECT 'users', NULL, NULL, COUNT(DISTINCT user_id), 0, 0 FROM {t}model_daily_users"
                + " WHERE creator_id = :creator" + model + " AND usage_day >= :from AND usage_day < :to"
                + " UNION ALL SELECT 'aggregate', model_id, NULL, counted_uses, 0, lifetime_earnings"
                + " FROM {t}model_creator_earnings WHERE creator_id = :creator"
                + " UNION ALL SELECT 'payouts', status, NULL, SUM(amount_minor), 0, 0 FROM {t}earnings_transactions"
                + " WHERE creator_id = :creator AND status IN ('PENDING', 'COMPLETED') GROUP BY status"))
                .bind("creator", creatorId).bind("from", range.from()).bind("to", range.to())
                .bind("previousFrom", previous.from());
        modelId.ifPresent(m -> query.bind("model", m));
        DashboardFigures figures = new DashboardFigures(modelId);
        query.map((rs, ctx) -> figures.add(rs)).list();
        return figures;
    }

    /** What {@link #dashboardFigures} reads, gathered by the row's part. */
    private static final class DashboardFigures {
        final Optional<String> modelId;
        final Map<String, long[]> counts = new HashMap<>();
        final Map<String, BigDecimal> earnings = new HashMap<>();
        final Map<LocalDate, Long> dayUses = new HashMap<>();
        final Map<LocalDate, BigDecimal> dayEarnings = new HashMap<>();
        final Map<String, Long> countedUses = new HashMap<>();
        final long[] byStatus = new long[PayoutStatus.values().length];
        long previousUses;
        BigDecimal previousEarnings = BigDecimal.ZERO;
        long uniqueUsers;
        BigDecimal lifetime = BigDecimal.ZERO;
        BigDecimal earned = BigDecimal.ZERO;

        DashboardFigures(Optional<String> modelId) {
            this.modelId = modelId;
        }

        String add(ResultSet rs) throws SQLException {
            String key = rs.getString("k");
            long n1 = rs.getLong("n1");
            BigDecimal amount = rs.getBigDecimal("amount");
            switch (rs.getString("part")) {
                case "model":
                    counts.put(key, new long[] {n1, rs.getLong("n2")});
                    earnings.put(key, amount);
                    break;
                case "day":
                    LocalDate day = rs.getObject("d", LocalDate.class);
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
                case "aggregate":
                    // The balance counts every model of the creator; the figures only the one shown.
                    earned = earned.add(amount);
                    if (modelId.map(key::equals).orElse(true)) {
                        countedUses.put(key, n1);
                        lifetime = lifetime.add(amount);
                    }
                    break;
                default:
                    byStatus[PayoutStatus.valueOf(key).ordinal()] = n1;
            }
            return key;
        }
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
        return tx.inTransaction("reading the balance of creator '" + creatorId + "'", snapshot, h -> {
            access.requireCreatorData(h, caller, creatorId);
            return balance(h, creatorId);
        });
    }

    /**
     * A creator's balance inside a running transaction, without access checks.
     *
     * @param h the open handle
     * @param creatorId the creator
     * @return the balance
     */
    Balance balance(Handle h, String creatorId) {
        BigDecimal earned = h.createQuery(t.sql("SELECT COALESCE(SUM(lifetime_earnings), 0) FROM {t}model_creator_earnings"
                + " WHERE creator_id = ?")).bind(0, creatorId).mapTo(BigDecimal.class).one();
        long[] byStatus = new long[PayoutStatus.values().length];
        h.createQuery(t.sql("SELECT status, SUM(amount_minor) FROM {t}earnings_transactions WHERE creator_id = ?"
                + " AND status IN ('PENDING', 'COMPLETED') GROUP BY status")).bind(0, creatorId)
                .map((rs, ctx) -> byStatus[PayoutStatus.valueOf(rs.getString(1)).ordinal()] = rs.getLong(2)).list();
        return balance(creatorId, earned, byStatus[PayoutStatus.PENDING.ordinal()], byStatus[PayoutStatus.COMPLETED.ordinal()]);
    }

    Balance balance(String creatorId, BigDecimal earned, long pendingMinor, long paidMinor) {
        Money pending = Money.ofMinor(currency, pendingMinor);
        Money paid = Money.ofMinor(currency, paidMinor);
        Money earnedMoney = money(earned);
        return new Balance(creatorId, earnedMoney, pending, paid, earnedMoney.minus(pending).minus(paid));
    }

    private List<Payout> recentPayouts(Handle h, String creatorId, int limit) {
        return h.createQuery(t.sql(PayoutStore.COLUMNS + " WHERE creator_id = ? ORDER BY created_at DESC, id DESC LIMIT ?"))
                .bind(0, creatorId).bind(1, limit).map(PayoutStore.mapper(currency)).list();
    }

    // ---------------------------------------------------------------- model report

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
        requirePresent("period", period);
        requirePresent("granularity", granularity);
        DateRange range = period.resolve(today());
        return tx.inTransaction("reading the report of model '" + modelId + "'", snapshot, h -> {
            String creatorId = access.requireModel(h, caller, modelId, Optional.empty());
            Filter filter = new Filter(creatorId, Optional.of(modelId));
            Model model = EarningsStore.find(h, t, modelId).orElseThrow();
            Map<String, Object> aggregate = h.createQuery(t.sql("SELECT counted_uses, total_uses, lifetime_earnings"
                    + " FROM {t}model_creator_earnings WHERE model_id = ?")).bind(0, modelId).mapToMap().one();
            long[] period3 = new long[2];
            BigDecimal periodEarnings = filter.bind(h.createQuery(t.sql("SELECT COALESCE(SUM(uses), 0),"
                    + " COALESCE(SUM(earning_uses), 0), COALESCE(SUM(earnings), 0) FROM {t}model_analytics"
                    + " WHERE creator_id = ?" + filter.sql() + " AND usage_day >= ? AND usage_day < ?")), range)
                    .map((rs, ctx) -> {
                        period3[0] = rs.getLong(1);
                        period3[1] = rs.getLong(2);
                        return rs.getBigDecimal(3);
                    }).one();
            long uniqueUsers = filter.bind(h.createQuery(t.sql("SELECT COUNT(DISTINCT user_id) FROM {t}model_daily_users"
                    + " WHERE creator_id = ?" + filter.sql() + " AND usage_day >= ? AND usage_day < ?")), range)
                    .mapTo(Long.class).one();
            long counted = ((Number) aggregate.get("counted_uses")).longValue();
            ModelPerformance tier = performance(modelId, 0, BigDecimal.ZERO, counted);
            return new ModelReport(model, range, money((BigDecimal) aggregate.get("lifetime_earnings")),
                    ((Number) aggregate.get("total_uses")).longValue(), counted, money(periodEarnings), period3[0],
                    period3[1], uniqueUsers, tier.currentTier(), tier.currentMultiplier(), tier.usesToNextTier(),
                    trend(h, filter, range, granularity));
        });
    }

    // ---------------------------------------------------------------- admin

    /**
     * Platform totals for a period.
     *
     * @param caller an admin
     * @param period the days
     * @return the totals
     */
    public PlatformTotals platformTotals(Caller caller, ReportPeriod period) {
        access.requireAdmin(caller);
        requirePresent("period", period);
        DateRange range = period.resolve(today());
        return tx.inTransaction("reading platform totals", snapshot, h -> {
            Map<String, Object> row = h.createQuery(t.sql("SELECT COALESCE(SUM(earnings), 0) AS earnings,"
                    + " COALESCE(SUM(uses), 0) AS uses, COALESCE(SUM(earning_uses), 0) AS earning_uses,"
                    + " COUNT(DISTINCT creator_id) AS creators, COUNT(DISTINCT model_id) AS models"
                    + " FROM {t}model_analytics WHERE usage_day >= ? AND usage_day < ?"))
                    .bind(0, range.from()).bind(1, range.to()).mapToMap().one();
            long newModels = h.createQuery(t.sql("SELECT COUNT(*) FROM {t}earnings_models WHERE registered_at >= ?"
                    + " AND registered_at < ?")).bind(0, Tables.utc(start(range.from()))).bind(1, Tables.utc(start(range.to())))
                    .mapTo(Long.class).one();
            return new PlatformTotals(range, money(decimal(row.get("earnings"))), number(row.get("uses")),
                    number(row.get("earning_uses")), number(row.get("creators")), number(row.get("models")), newModels);
        });
    }

    /**
     * Every creator, paged and sorted.
     *
     * @param caller an admin
     * @param period the days of the period figures
     * @param sort the sort key
     * @param descending whether largest first
     * @param page the page, from 0
     * @param pageSize 1 to 500
     * @return the page
     */
    public Page<CreatorOverview> creatorsOverview(Caller caller, ReportPeriod period, CreatorOverview.Sort sort,
            boolean descending, int page, int pageSize) {
        access.requireAdmin(caller);
        requirePresent("period", period);
        requirePresent("sort", sort);
        if (page < 0 || page > 1_000_000) {
            throw new InvalidInputException("page", "page is " + page + "; allowed: 0 to 1000000");
        }
        if (pageSize < 1 || pageSize > 500) {
            throw new InvalidInputException("pageSize", "pageSize is " + pageSize + "; allowed: 1 to 500");
        }
        DateRange range = period.resolve(today());
        String order = sortColumn(sort) + (descending ? " DESC" : " ASC") + ", c.creator_id ASC";
        return tx.inTransaction("reading the creators overview", snapshot, h -> {
            long total = h.createQuery(t.sql("SELECT COUNT(*) FROM {t}earnings_creators")).mapTo(Long.class).one();
            List<CreatorOverview> items = h.createQuery(t.sql("SELECT c.creator_id,"
                    + " COALESCE(l.lifetime, 0) AS lifetime, COALESCE(l.models, 0) AS models,"
                    + " COALESCE(p.earnings, 0) AS period_earnings, COALESCE(p.uses, 0) AS period_uses,"
                    + " COALESCE(x.pending, 0) AS pending, COALESCE(x.paid, 0) AS paid,"
                    + " COALESCE(l.lifetime, 0) - COALESCE(x.pending_amount, 0) - COALESCE(x.paid_amount, 0) AS available"
                    + " FROM {t}earnings_creators c"
                    + " LEFT JOIN (SELECT creator_id, SUM(lifetime_earnings) AS lifetime, COUNT(*) AS models"
                    + " FROM {t}model_creator_earnings GROUP BY creator_id) l ON l.creator_id = c.creator_id"
                    + " LEFT JOIN (SELECT creator_id, SUM(earnings) AS earnings, SUM(uses) AS uses FROM {t}model_analytics"
                    + " WHERE usage_day >= ? AND usage_day < ? GROUP BY creator_id) p ON p.creator_id = c.creator_id"
                    + " LEFT JOIN (SELECT creator_id,"
                    + " SUM(CASE WHEN status = 'PENDING' THEN amount_minor ELSE 0 END) AS pending,"
                    + " SUM(CASE WHEN status = 'COMPLETED' THEN amount_minor ELSE 0 END) AS paid,"
                    + " SUM(CASE WHEN status = 'PENDING' THEN amount ELSE 0 END) AS pending_amount,"
                    + " SUM(CASE WHEN status = 'COMPLETED' THEN amount ELSE 0 END) AS paid_amount"
                    + " FROM {t}earnings_transactions GROUP BY creator_id) x ON x.creator_id = c.creator_id"
                    + " ORDER BY " + order + " LIMIT ? OFFSET ?"))
                    .bind(0, range.from()).bind(1, range.to()).bind(2, pageSize).bind(3, (long) page * pageSize)
                    .map((rs, ctx) -> new CreatorOverview(rs.getString("creator_id"), money(rs.getBigDecimal("lifetime")),
                            money(rs.getBigDecimal("period_earnings")), rs.getLong("period_uses"), rs.getLong("models"),
                            balance(rs.getString("creator_id"), rs.getBigDecimal("lifetime"), rs.getLong("pending"),
                                    rs.getLong("paid"))))
                    .list();
            return new Page<>(items, page, pageSize, total);
        });
    }

    /**
     * Payouts by status.
     *
     * @param caller an admin
     * @return the summary
     */
    public TransactionSummary transactionSummary(Caller caller) {
        access.requireAdmin(caller);
        return tx.inTransaction("reading the transaction summary", snapshot, h -> {
            Map<PayoutStatus, StatusTotal> totals = new EnumMap<>(PayoutStatus.class);
            for (PayoutStatus status : PayoutStatus.values()) {
                totals.put(status, new StatusTotal(0, 0, Money.zero(currency)));
            }
            h.createQuery(t.sql("SELECT status, COUNT(*), COALESCE(SUM(amount_minor), 0) FROM {t}earnings_transactions"
                    + " GROUP BY status")).map((rs, ctx) -> totals.put(PayoutStatus.valueOf(rs.getString(1)),
                            new StatusTotal(rs.getLong(2), rs.getLong(3), Money.ofMinor(currency, rs.getLong(3))))).list();
            return new TransactionSummary(totals);
        });
    }

    // ---------------------------------------------------------------- helpers

    private List<TrendPoint> trend(Handle h, Filter filter, DateRange range, Granularity granularity) {
        Map<LocalDate, Long> uses = new HashMap<>();
        Map<LocalDate, BigDecimal> earnings = new HashMap<>();
        filter.bind(h.createQuery(t.sql("SELECT usage_day, SUM(uses), SUM(earnings) FROM {t}model_analytics"
                + " WHERE creator_id = ?" + filter.sql() + " AND usage_day >= ? AND usage_day < ? GROUP BY usage_day")), range)
                .map((rs, ctx) -> {
                    LocalDate day = rs.getObject(1, LocalDate.class);
                    uses.put(day, rs.getLong(2));
                    return earnings.put(day, rs.getBigDecimal(3));
                }).list();
        return trendOf(uses, earnings, range, granularity);
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

    private static String sortColumn(CreatorOverview.Sort sort) {
        switch (sort) {
            case LIFETIME_EARNINGS:
                return "lifetime";
            case PERIOD_EARNINGS:
                return "period_earnings";
            case PERIOD_USES:
                return "period_uses";
            case MODELS:
                return "models";
            case AVAILABLE_BALANCE:
                return "available";
            default:
                return "c.creator_id";
        }
    }

    /**
     * A stable keyed pseudonym: HMAC-SHA256 of the user id under the deployment's secret key, so
     * the same user looks the same across dashboards but cannot be reversed or guessed by hashing
     * candidate ids.
     */
    String pseudonym(String userId) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(pseudonymKey);
            byte[] digest = mac.doFinal(userId.getBytes(StandardCharsets.UTF_8));
            StringBuilder out = new StringBuilder("anon-");
            for (int i = 0; i < 6; i++) {
                out.append(String.format("%02x", digest[i]));
            }
            return out.toString();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is required of every Java runtime", e);
        }
    }

    private Money money(BigDecimal amount) {
        return Money.of(currency, amount.setScale(Money.SCALE, RoundingMode.UNNECESSARY));
    }

    private static BigDecimal decimal(Object value) {
        return value instanceof BigDecimal ? (BigDecimal) value : new BigDecimal(value.toString());
    }

    private static long number(Object value) {
        return ((Number) value).longValue();
    }

    private LocalDate today() {
        return LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
    }

    private static Instant start(LocalDate day) {
        return day.atStartOfDay(ZoneOffset.UTC).toInstant();
    }

    private static void requirePresent(String field, Object value) {
        if (value == null) {
            throw new InvalidInputException(field, field + " is missing; allowed: a value, not null");
        }
    }

    /** The creator and optional model a query is restricted to, bound in that order. */
    private static final class Filter {
        private final String creatorId;
        private final Optional<String> modelId;

        Filter(String creatorId, Optional<String> modelId) {
            this.creatorId = creatorId;
            this.modelId = modelId;
        }

        String sql() {
            return modelId.isPresent() ? " AND model_id = ?" : "";
        }

        Query bindCreator(Query query) {
            query.bind(0, creatorId);
            modelId.ifPresent(m -> query.bind(1, m));
            return query;
        }

        Query bind(Query query, DateRange range) {
            bindCreator(query);
            return query.bind(next(), range.from()).bind(next() + 1, range.to());
        }

        int next() {
            return modelId.isPresent() ? 2 : 1;
        }
    }
}
