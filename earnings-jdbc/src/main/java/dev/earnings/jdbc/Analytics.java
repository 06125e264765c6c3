package dev.earnings.jdbc;

import dev.earnings.core.InvalidInputException;
import dev.earnings.jdbc.internal.CreatorReports;

/**
 * What creators see: their dashboard, their models' reports and their balance.
 *
 * <p>Obtained from {@link Earnings#analytics()}. Every call takes the {@link Caller}: a creator
 * reads only their own data, an admin reads anyone's. Figures come from the per-model aggregates
 * and daily rollups, so a dashboard costs the same at ten million uses as at ten.
 */
public final class Analytics {
    private final CreatorReports reports;

    Analytics(CreatorReports reports) {
        this.reports = reports;
    }

    /**
     * A creator's dashboard for a period.
     *
     * @param caller the creator themself, or an admin
     * @param creatorId whose dashboard
     * @param query the period, an optional model, the trend's granularity and list sizes
     * @return the dashboard
     * @throws AccessDeniedException if the caller is missing, unknown, or another creator; or the
     *     model filter names a model that is not the caller's
     * @throws InvalidInputException if an argument is not allowed
     * @throws StorageException if the database fails
     */
    public CreatorDashboard creatorDashboard(Caller caller, String creatorId, DashboardQuery query) {
        return reports.dashboard(caller, creatorId, query);
    }

    /**
     * One model's analytics.
     *
     * @param caller the model's creator, or an admin
     * @param modelId the model
     * @param period the days
     * @param granularity the trend's bucket size
     * @return the report
     * @throws AccessDeniedException if a creator asks for a model that is not theirs (or does not exist)
     * @throws UnknownModelException if an admin asks for a model that does not exist
     * @throws StorageException if the database fails
     */
    public ModelReport modelReport(Caller caller, String modelId, ReportPeriod period, Granularity granularity) {
        return reports.modelReport(caller, modelId, period, granularity);
    }

    /**
     * A creator's balance: earned, pending, paid out, available.
     *
     * @param caller the creator themself, or an admin
     * @param creatorId whose balance
     * @return the balance
     * @throws AccessDeniedException if the caller may not read it
     * @throws StorageException if the database fails
     */
    public Balance balance(Caller caller, String creatorId) {
        return reports.balance(caller, creatorId);
    }
}
