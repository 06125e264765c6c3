package dev.earnings.jdbc;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.YearMonth;

/**
 * A month of the usage log that was exported and removed ({@link Admin#archiveUsage}). Its uses
 * stay in every total, rollup and balance; only their rows are gone from the database.
 *
 * @param month the month (UTC) of the uses' occurredAt
 * @param uses how many uses it held, which is how many rows the export wrote
 * @param earnings what they earned, exact, before reversals
 * @param archivedAt when it was archived
 * @param archivedBy the admin who archived it
 */
public record UsageArchive(YearMonth month, long uses, BigDecimal earnings, Instant archivedAt, String archivedBy) {
}
