package dev.earnings.jdbc;

import dev.earnings.jdbc.internal.Reports;

/**
 * What admins see across the platform. Every call requires an admin {@link Caller}; creators are
 * denied.
 *
 * <p>Obtained from {@link Earnings#admin()}.
 */
public final class Admin {
    private final Reports reports;

    Admin(Reports reports) {
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
     *
     * @param caller an admin
     * @param period the days of the period figures
     * @param sort what to sort by; ties are broken by creator id
     * @param descending whether largest first
     * @param page the page, from 0
     * @param pageSize 1 to 500
     * @return the page
     * @throws AccessDeniedException if the caller is not an admin
     * @throws StorageException if the database fails
     */
    public Page<CreatorOverview> creatorsOverview(Caller caller, ReportPeriod period, CreatorOverview.Sort sort,
            boolean descending, int page, int pageSize) {
        return reports.creatorsOverview(caller, period, sort, descending, page, pageSize);
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
