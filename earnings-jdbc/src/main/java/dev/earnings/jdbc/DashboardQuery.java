package dev.earnings.jdbc;

import dev.earnings.core.InvalidInputException;
import dev.earnings.core.internal.Checks;
import java.util.Objects;
import java.util.Optional;

/**
 * What a creator dashboard shows: the period, an optional model, and how much of each list.
 *
 * @param period the days covered
 * @param modelId only this model, or every model of the creator
 * @param granularity the trend's bucket size
 * @param topModels how many top models, 0 to 100
 * @param recentActivity how many latest uses, 0 to 100
 * @param recentTransactions how many latest payouts, 0 to 100
 * @param filter which models and usage types count; with {@code modelId} too, the uses of that
 *     model that the filter also counts
 */
public record DashboardQuery(ReportPeriod period, Optional<String> modelId, Granularity granularity, int topModels,
        int recentActivity, int recentTransactions, ReportFilter filter) {
    /** The largest list a dashboard returns. */
    public static final int MAX_LIST = 100;

    /**
     * Checks every part.
     *
     * @param period the period
     * @param modelId the model filter
     * @param granularity the trend's bucket size
     * @param topModels top models to list
     * @param recentActivity latest uses to list
     * @param recentTransactions latest payouts to list
     * @param filter the models and usage types counted
     */
    public DashboardQuery {
        Objects.requireNonNull(period, "period");
        Objects.requireNonNull(modelId, "modelId");
        modelId.ifPresent(id -> Checks.requireId("modelId", id));
        Objects.requireNonNull(granularity, "granularity");
        requireListSize("topModels", topModels);
        requireListSize("recentActivity", recentActivity);
        requireListSize("recentTransactions", recentTransactions);
        if (filter == null) {
            throw new InvalidInputException("filter", "filter is missing; allowed: a ReportFilter, ReportFilter.NONE for none");
        }
    }

    /**
     * A query without a filter.
     *
     * @param period the period
     * @param modelId the model filter
     * @param granularity the trend's bucket size
     * @param topModels top models to list
     * @param recentActivity latest uses to list
     * @param recentTransactions latest payouts to list
     */
    public DashboardQuery(ReportPeriod period, Optional<String> modelId, Granularity granularity, int topModels,
            int recentActivity, int recentTransactions) {
        this(period, modelId, granularity, topModels, recentActivity, recentTransactions, ReportFilter.NONE);
    }

    /**
     * The same query counting only the uses a filter names: a set of models, a set of usage types.
     *
     * @param filter the filter
     * @return the query
     */
    public DashboardQuery filter(ReportFilter filter) {
        return new DashboardQuery(period, modelId, granularity, topModels, recentActivity, recentTransactions, filter);
    }

    /**
     * The same query over the same days of another time zone ({@link ReportPeriod#in}).
     *
     * @param zone the zone
     * @return the query
     */
    public DashboardQuery in(java.time.ZoneId zone) {
        return new DashboardQuery(period.in(zone), modelId, granularity, topModels, recentActivity, recentTransactions,
                filter);
    }

    /**
     * A query for a period with the defaults: every model, daily trend, top 5 models, 10 latest
     * uses, 10 latest payouts.
     *
     * @param period the days covered
     * @return the query
     */
    public static DashboardQuery of(ReportPeriod period) {
        return new DashboardQuery(period, Optional.empty(), Granularity.DAY, 5, 10, 10);
    }

    /**
     * The same query for one model only.
     *
     * @param modelId the model
     * @return the query
     */
    public DashboardQuery forModel(String modelId) {
        return new DashboardQuery(period, Optional.of(modelId), granularity, topModels, recentActivity, recentTransactions,
                filter);
    }

    /**
     * The same query with another trend bucket size.
     *
     * @param granularity day, week or month
     * @return the query
     */
    public DashboardQuery by(Granularity granularity) {
        return new DashboardQuery(period, modelId, granularity, topModels, recentActivity, recentTransactions, filter);
    }

    /**
     * The same query with other list sizes.
     *
     * @param topModels top models to list
     * @param recentActivity latest uses to list
     * @param recentTransactions latest payouts to list
     * @return the query
     */
    public DashboardQuery limits(int topModels, int recentActivity, int recentTransactions) {
        return new DashboardQuery(period, modelId, granularity, topModels, recentActivity, recentTransactions, filter);
    }

    private static void requireListSize(String field, int size) {
        if (size < 0 || size > MAX_LIST) {
            throw new InvalidInputException(field, field + " is " + size + "; allowed: 0 to " + MAX_LIST);
        }
    }
}
