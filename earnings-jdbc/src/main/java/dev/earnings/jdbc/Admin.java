package dev.earnings.jdbc;

import dev.earnings.core.InvalidInputException;
import dev.earnings.jdbc.internal.AdminReports;

/**
 * What admins see across the platform. Every call requires an admin {@link Caller}; creators are
 * denied.
 *
 * <p>Obtained from {@link Earnings#admin()}.
 */
public final class Admin {
    private final AdminReports reports;

    Admin(AdminReports reports) {
        this.reports = reports;
    }

    /**
     * Totals for a period: earnings, uses, creators and models with usage, new models.
     *
     * @param caller an admin
     * @param period the days
     * @return the totals
     * @throws AccessDeniedException if the caller is not an admin
     * @throws StorageException if the database fails
     */
    public PlatformTotals platformTotals(Caller caller, ReportPeriod period) {
        return reports.platformTotals(caller, period);
    }

    /**
     * Every creator with lifetime and period earnings, uses, models and balance, one page at a time.
     * The balance shown and the balance sorted by are one expression, the one payouts check.
     *
     * @param caller an admin
     * @param query the period of the period figures, the sort (ties broken by creator id) and the page
     * @return the page
     * @throws AccessDeniedException if the caller is not an admin
     * @throws InvalidInputException if the query is missing
     * @throws StorageException if the database fails
     */
    public Page<CreatorOverview> creatorsOverview(Caller caller, CreatorsOverviewQuery query) {
        return reports.creatorsOverview(caller, query);
    }

    /**
     * Payouts by status: count and amount.
     *
     * @param caller an admin
     * @return the summary
     * @throws AccessDeniedException if the caller is not an admin
     * @throws StorageException if the database fails
     */
    public TransactionSummary transactionSummary(Caller caller) {
        return reports.transactionSummary(caller);
    }
}
