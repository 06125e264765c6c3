package dev.earnings.jdbc;

import dev.earnings.core.InvalidInputException;
import dev.earnings.jdbc.internal.CreatorReports;
import dev.earnings.jdbc.internal.Metrics;
import dev.earnings.jdbc.internal.Tracing;

/**
 * What creators see: their dashboard, their models' reports and their balance.
 *
 * <p>Obtained from {@link Earnings#analytics()}. Every call takes the {@link Caller}: a creator
 * reads only their own data, an admin reads anyone's. Figures come from the per-model aggregates
 * and daily rollups, so a dashboard costs the same at ten million uses as at ten.
 */
public final class Analytics {
    private final CreatorReports reports;
    private final Metrics metrics;
    private final Tracing tracing;

    Analytics(CreatorReports reports, Metrics metrics, Tracing tracing) {
        this.reports = reports;
        this.metrics = metrics;
        this.tracing = tracing;
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
        long started = System.nanoTime();
        try (Tracing.Span span = tracing.start("earnings.dashboard")) {
            span.attribute("earnings.report", "creator_dashboard");
            try {
                return reports.dashboard(caller, creatorId, query);
            } catch (RuntimeException e) {
                span.failed(e);
                throw e;
            }
        } finally {
            metrics.dashboard(System.nanoTime() - started);
        }
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
        long started = System.nanoTime();
        try (Tracing.Span span = tracing.start("earnings.dashboard")) {
            span.attribute("earnings.report", "model_report").attribute("earnings.model_id", String.valueOf(modelId));
            try {
                return reports.modelReport(caller, modelId, period, granularity);
            } catch (RuntimeException e) {
                span.failed(e);
                throw e;
            }
        } finally {
            metrics.dashboard(System.nanoTime() - started);
        }
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
