package dev.earnings.jdbc.internal;

import dev.earnings.jdbc.Balance;
import dev.earnings.jdbc.Caller;
import dev.earnings.jdbc.CreatorOverview;
import dev.earnings.jdbc.CreatorsOverviewQuery;
import dev.earnings.jdbc.Page;
import dev.earnings.jdbc.PlatformTotals;
import dev.earnings.jdbc.ReportPeriod;
import dev.earnings.jdbc.ReportPeriod.DateRange;
import dev.earnings.jdbc.TransactionSummary;
import java.math.BigDecimal;
import java.time.Clock;
import java.util.Currency;
import java.util.List;
import org.jdbi.v3.core.mapper.Nested;
import org.jdbi.v3.core.mapper.reflect.ConstructorMapper;
import org.jdbi.v3.core.statement.Query;

/**
 * What admins see across the platform: totals, the creators overview and the payout summary,
 * from the rollups and the {@link Ledger}'s one balance expression. Every call checks for an
 * admin caller first and reads one snapshot.
 */
public final class AdminReports {
    private final Transactor tx;
    private final Ledger ledger;
    private final ModelCatalog catalog;
    private final Clock clock;
    private final Currency currency;

    /**
     * Creates the reports.
     *
     * @param tx the transaction runner
     * @param ledger the balances and payouts
     * @param catalog the models
     * @param clock the clock that says which day is today
     * @param currency the deployment's currency
     */
    public AdminReports(Transactor tx, Ledger ledger, ModelCatalog catalog, Clock clock, Currency currency) {
        this.tx = tx;
        this.ledger = ledger;
        this.catalog = catalog;
        this.clock = clock;
        this.currency = currency;
    }

    /** The period figures of the whole platform, as one row. */
    public record TotalsRow(BigDecimal earnings, BigDecimal reversed, long uses, long earningUses, long creators, long models) {
    }

    /** One line of the creators overview, as one row: the balance's columns and the period figures. */
    public record OverviewRow(@Nested Balance balance, long models, BigDecimal periodEarnings, BigDecimal periodReversed,
            long periodUses) {
    }

    /**
     * Platform totals for a period.
     *
     * @param caller an admin
     * @param period the days
     * @return the totals
     */
    public PlatformTotals platformTotals(Caller caller, ReportPeriod period) {
        Access.requireAdmin(caller);
        ReportSupport.requirePresent("period", period);
        DateRange range = period.resolve(clock.instant());
        return tx.inSnapshot("reading platform totals", Scope.of(caller), (h, attempt) -> {
            // A rollup row may hold reversals made in it and no use: such a model was not used.
            // UTC days from the daily rollups; the local days of another zone from the quarter hours.
            // The UTC days wholly inside the period from the daily rollups, the hours at its ends
            // (another zone's) from the quarter hours.
            Query query = h.createQuery("SELECT COALESCE(SUM(earnings - reversed), 0) AS earnings,"
                    + " COALESCE(SUM(reversed), 0) AS reversed, COALESCE(SUM(uses), 0) AS uses,"
                    + " COALESCE(SUM(earning_uses), 0) AS earning_uses,"
                    + " COUNT(DISTINCT CASE WHEN uses > 0 THEN creator_id END) AS creators,"
                    + " COUNT(DISTINCT CASE WHEN uses > 0 THEN model_id END) AS models FROM ("
                    + Slots.rows(range, "creator_id, model_id, uses, earning_uses, earnings, reversed", "p") + ") x");
            TotalsRow row = Slots.bindRows(query, range, "p").map(ConstructorMapper.of(TotalsRow.class)).one();
            long newModels = catalog.registeredBetween(h, range.start(), range.end());
            return new PlatformTotals(range, ReportSupport.money(currency, row.earnings()),
                    ReportSupport.money(currency, row.reversed()), row.uses(), row.earningUses(),
                    row.creators(), row.models(), newModels);
        });
    }

    /**
     * Every creator, paged and sorted.
     *
     * @param caller an admin
     * @param query the period, sort and page
     * @return the page
     */
    public Page<CreatorOverview> creatorsOverview(Caller caller, CreatorsOverviewQuery query) {
        Access.requireAdmin(caller);
        ReportSupport.requirePresent("query", query);
        if (!query.period().zone().equals(java.time.ZoneOffset.UTC)) {
            throw new dev.earnings.core.InvalidInputException("period", "period is " + query.period()
                    + "; allowed: a period of UTC days (the creators overview is kept by UTC day)");
        }
        DateRange range = query.period().resolve(ReportSupport.today(clock));
        String order = sortColumn(query.sort()) + (query.descending() ? " DESC" : " ASC") + ", creator_id ASC";
        boolean byPeriod = query.sort() == CreatorOverview.Sort.PERIOD_EARNINGS
                || query.sort() == CreatorOverview.Sort.PERIOD_USES;
        return tx.inSnapshot("reading the creators overview", Scope.of(caller), (h, attempt) -> {
            long total = ledger.creatorCount(h);
            String sql = tx.dialect() == Dialect.CITUS ? citusSql(order) : byPeriod ? byPeriodSql(order) : pageFirstSql(order);
            List<CreatorOverview> items = ledger.bindHold(h.createQuery(sql)
                    .bind("from", range.from()).bind("to", range.to()).bind("limit", query.pageSize())
                    .bind("offset", (long) query.page() * query.pageSize()))
                    .map(ConstructorMapper.of(OverviewRow.class))
                    .map(row -> new CreatorOverview(row.balance().creatorId(), row.balance().earned(),
                            ReportSupport.money(currency, row.periodEarnings()), ReportSupport.money(currency,
                            row.periodReversed()), row.periodUses(), row.models(), row.balance()))
                    .list();
            return new Page<>(items, query.page(), query.pageSize(), total);
        });
    }

    /** Every creator's balance and model count: what every sort but the period figures orders by. */
    private String creators() {
        return "SELECT b.creator_id, b.earned, b.held, b.pending, b.paid_out, b.available, COALESCE(m.models, 0) AS models"
                + " FROM (" + ledger.balances() + ") b LEFT JOIN (SELECT creator_id, COUNT(*) AS models"
                + " FROM <t>model_creator_earnings GROUP BY creator_id) m ON m.creator_id = b.creator_id";
    }

    /**
     * Sorted by a period figure: every creator's period figures are needed to sort, so the period's
     * rollups are summed per creator first.
     */
    private String byPeriodSql(String order) {
        return "SELECT b.*, COALESCE(p.earnings, 0) AS period_earnings, COALESCE(p.reversed, 0) AS period_reversed,"
                + " COALESCE(p.uses, 0) AS period_uses FROM (" + creators() + ") b LEFT JOIN (SELECT creator_id,"
                + " SUM(earnings - reversed) AS earnings, SUM(reversed) AS reversed, SUM(uses) AS uses"
                + " FROM <t>model_analytics WHERE usage_day >= :from AND usage_day < :to GROUP BY creator_id) p"
                + " ON p.creator_id = b.creator_id ORDER BY " + order + " LIMIT :limit OFFSET :offset";
    }

    /**
     * Sorted by anything else: the page is chosen first, from the balances and model counts, and
     * only its creators' rollups of the period are read, through the (creator, day) index: a page
     * of 50 reads 50 creators' days instead of the whole platform's.
     */
    private String pageFirstSql(String order) {
        String period = " FROM <t>model_analytics a WHERE a.creator_id = b.creator_id AND a.usage_day >= :from"
                + " AND a.usage_day < :to)";
        return "SELECT b.*, (SELECT COALESCE(SUM(a.earnings - a.reversed), 0)" + period + " AS period_earnings,"
                + " (SELECT COALESCE(SUM(a.reversed), 0)" + period + " AS period_reversed,"
                + " (SELECT COALESCE(SUM(a.uses), 0)" + period + " AS period_uses"
                + " FROM (" + creators() + " ORDER BY " + order + " LIMIT :limit OFFSET :offset) b ORDER BY " + order;
    }

    /**
     * On Citus: the balances (keyed by creator) and the per-creator sums of tables keyed by model
     * cannot be joined on the workers, and a correlated subquery across the two groups of tables
     * is refused. Each part is computed first as a materialized common table expression (Citus
     * runs each on the workers and gathers it as an intermediate result) and the coordinator
     * joins, sorts and pages the results: every creator's period figures are summed, as
     * {@link #byPeriodSql} does everywhere.
     */
    private String citusSql(String order) {
        return "WITH b AS MATERIALIZED (" + ledger.balances() + "),"
                + " m AS MATERIALIZED (SELECT creator_id, COUNT(*) AS models FROM <t>model_creator_earnings"
                + " GROUP BY creator_id),"
                + " p AS MATERIALIZED (SELECT creator_id, SUM(earnings - reversed) AS earnings, SUM(reversed) AS reversed,"
                + " SUM(uses) AS uses FROM <t>model_analytics WHERE usage_day >= :from AND usage_day < :to"
                + " GROUP BY creator_id)"
                + " SELECT * FROM (SELECT b.creator_id, b.earned, b.held, b.pending, b.paid_out, b.available,"
                + " COALESCE(m.models, 0) AS models, COALESCE(p.earnings, 0) AS period_earnings,"
                + " COALESCE(p.reversed, 0) AS period_reversed, COALESCE(p.uses, 0) AS period_uses"
                + " FROM b LEFT JOIN m ON m.creator_id = b.creator_id LEFT JOIN p ON p.creator_id = b.creator_id) o"
                + " ORDER BY " + order + " LIMIT :limit OFFSET :offset";
    }

    /**
     * Payouts by status.
     *
     * @param caller an admin
     * @return the summary
     */
    public TransactionSummary transactionSummary(Caller caller) {
        Access.requireAdmin(caller);
        return tx.inSnapshot("reading the transaction summary", Scope.of(caller), (h, attempt) -> ledger.summary(h));
    }

    private static String sortColumn(CreatorOverview.Sort sort) {
        switch (sort) {
            case LIFETIME_EARNINGS:
                return "earned";
            case PERIOD_EARNINGS:
                return "period_earnings";
            case PERIOD_USES:
                return "period_uses";
            case MODELS:
                return "models";
            case AVAILABLE_BALANCE:
                return "available";
            default:
                return "creator_id";
        }
    }
}
