package dev.earnings.jdbc;

import dev.earnings.core.InvalidInputException;
import dev.earnings.jdbc.internal.Access;
import dev.earnings.jdbc.internal.AdminReports;
import dev.earnings.jdbc.internal.AuditLog;
import dev.earnings.jdbc.internal.Scope;
import dev.earnings.jdbc.internal.Transactor;

/**
 * What admins see across the platform. Every call requires an admin {@link Caller}; creators are
 * denied.
 *
 * <p>Obtained from {@link Earnings#admin()}.
 */
public final class Admin {
    private final AdminReports reports;
    private final Transactor tx;
    private final AuditLog audit;

    Admin(AdminReports reports, Transactor tx, AuditLog audit) {
        this.reports = reports;
        this.tx = tx;
        this.audit = audit;
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

    /**
     * The audit log, newest first: every change with who made it, when, why, and the values
     * before and after, filtered by actor, action, target and time range, a page at a time.
     *
     * @param caller an admin
     * @param query the filters and the page
     * @return the page
     * @throws AccessDeniedException if the caller is not an admin
     * @throws InvalidInputException if the query is missing
     * @throws StorageException if the database fails
     */
    public Page<AuditEntry> auditLog(Caller caller, AuditQuery query) {
        Access.requireAdmin(caller);
        if (query == null) {
            throw new InvalidInputException("query", "query is missing; allowed: AuditQuery.all() and its filters");
        }
        return tx.inSnapshot("reading the audit log", Scope.of(caller), (h, attempt) -> audit.page(h, query));
    }
}
