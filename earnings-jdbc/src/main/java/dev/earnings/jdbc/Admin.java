package dev.earnings.jdbc;

import dev.earnings.core.InvalidInputException;
import dev.earnings.jdbc.internal.Access;
import dev.earnings.jdbc.internal.AdminReports;
import dev.earnings.jdbc.internal.AuditLog;
import dev.earnings.jdbc.internal.Scope;
import dev.earnings.jdbc.internal.Transactor;
import dev.earnings.jdbc.internal.UsageLog;
import java.io.IOException;
import java.io.OutputStream;
import java.time.YearMonth;
import java.time.ZoneOffset;

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
    private final UsageLog usageLog;
    private final Exports exports;

    Admin(AdminReports reports, Transactor tx, AuditLog audit, UsageLog usageLog, Exports exports) {
        this.reports = reports;
        this.tx = tx;
        this.audit = audit;
        this.usageLog = usageLog;
        this.exports = exports;
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

    /**
     * Exports a month of the usage log and removes its rows: retention for a usage log that grows
     * without bound. The month's uses are written to {@code out} as {@link Exports#uses} writes
     * them (the platform's, by occurredAt), then, in one transaction, what they add to each model,
     * day and quarter hour is recorded beside the rollups, and the month's partition is detached
     * and dropped. Every total, rollup, balance and report stays exact, and
     * {@link Earnings#verifyIntegrity()} still checks them against what the archive recorded.
     *
     * <p>Only a month that ended before the window for a host-given occurredAt opens
     * ({@code occurredAtWindow}) and before the first day whose earnings are held may be archived,
     * so no use can be added to it afterwards and no payout depends on its rows. After archiving,
     * an eventId of the month is still recognised (a replay is refused, never recorded again); its
     * use can no longer be reversed, and reports that read usage rows (recent activity, unique users
     * of one usage type, exports) no longer see it.
     *
     * <p>Output cannot be unwritten: if the export fails nothing is archived and the month can be
     * archived again; if the archive fails after the export (the database, or a use written to the
     * month meanwhile), nothing is removed and the output is a copy of rows that are still there.
     *
     * @param caller an admin
     * @param month the month (UTC) of the uses' occurredAt
     * @param format CSV or JSON Lines
     * @param out where the month's uses go; flushed, not closed; write it somewhere durable before
     *     relying on it: the rows are gone once this returns
     * @return what was archived
     * @throws AccessDeniedException if the caller is not an admin; nothing is written
     * @throws InvalidInputException if an argument is missing, or the month is archived already or
     *     too recent; nothing is written
     * @throws UnsupportedOperationException on H2, whose usage log is one table
     * @throws StorageException if the database fails
     * @throws IOException if the stream fails; nothing is archived
     */
    public UsageArchive archiveUsage(Caller caller, YearMonth month, ExportFormat format, OutputStream out)
            throws IOException {
        Access.requireAdmin(caller);
        usageLog.requireArchivable(month);
        if (format == null || out == null) {
            throw new InvalidInputException(format == null ? "format" : "out", (format == null ? "format" : "out")
                    + " is missing; allowed: " + (format == null ? "CSV or JSON_LINES" : "an OutputStream"));
        }
        long exported = exports.uses(caller, ExportQuery.platform(month.atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant(),
                month.plusMonths(1).atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant()), format, out);
        return usageLog.archive(month, exported, caller.id());
    }
}
