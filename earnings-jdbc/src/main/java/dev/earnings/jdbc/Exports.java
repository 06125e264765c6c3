package dev.earnings.jdbc;

import dev.earnings.core.InvalidInputException;
import dev.earnings.jdbc.internal.Exporter;
import java.io.IOException;
import java.io.OutputStream;

/**
 * Exports of what was recorded, for accounting, tax and the creators' own books: uses with their
 * breakdown, reversals, payouts and the audit log, of one creator or the whole platform over a
 * period, as CSV or JSON Lines ({@link ExportFormat}).
 *
 * <p>Obtained from {@link Earnings#exports()}. The access rules are the reports': a creator
 * exports only their own rows ({@link ExportQuery#creator} with their own id); an admin exports
 * any creator's or the whole platform's ({@link ExportQuery#platform}); the audit log is for
 * admins only. A denied call throws {@link AccessDeniedException} and writes nothing.
 *
 * <p><b>Traceable rows.</b> Every row names what it is about: a use and a reversal the use's
 * eventId, a reversal also its correction id, a payout its id and reference, an audit entry its
 * id. <b>No user id</b> leaves the library: a use names its user by the pseudonym its creator sees
 * on the dashboard ({@code anon-} and 16 hex digits, keyed by creator and user), for admins too,
 * as every admin view names no user. No export holds metadata or prompts.
 *
 * <p><b>Streaming.</b> An export is one statement read in one snapshot (the rows of the period
 * as they stood when it began; uses recorded meanwhile are not in it, and nothing waits for it),
 * written row by row as the database hands them over, in the order of the period's time and then
 * of storage. On PostgreSQL rows stream from the server, so memory stays bounded however many
 * rows there are; H2 gathers a result before its first row, in memory up to its
 * {@code MAX_MEMORY_ROWS} and in temporary files beyond. The stream is written as UTF-8, flushed
 * at the end and never closed: the host owns it.
 *
 * <p><b>Failures.</b> A transient database failure before any byte reached the stream is retried
 * like any call. Once output has begun it cannot be taken back: a failure then is a
 * {@link StorageException} (its {@link StorageException#isTransient()} says whether exporting
 * again may succeed), and what was written is partial, to be discarded by the host. A failure
 * of the stream itself is its {@link IOException}, and the output is partial too.
 *
 * <pre>{@code
 * try (OutputStream out = Files.newOutputStream(Path.of("ada-march.csv"))) {
 *     long rows = earnings.exports().uses(Caller.creator("creator-ada"), ExportQuery.creator("creator-ada",
 *             Instant.parse("2026-03-01T00:00:00Z"), Instant.parse("2026-04-01T00:00:00Z")), ExportFormat.CSV, out);
 * }
 * }</pre>
 */
public final class Exports {
    private final Exporter exporter;

    Exports(Exporter exporter) {
        this.exporter = exporter;
    }

    /**
     * Writes the uses that occurred in the period ({@code occurredAt} in {@code [from, to)}), by
     * occurredAt, with the breakdown each was rated with, so every row explains its earnings:
     * {@code eventId, occurredAt, recordedAt, creatorId, modelId, userPseudonym, usageType,
     * requestedUsageType, tokensConsumed, useOrdinal} (empty for a use that did not count toward
     * the tier){@code , priorCountedUses, selfUse, tierIndex, tierThreshold, tierMultiplier,
     * typeMultiplier, pricingVersion, tokenPart, base, earnings, currency, noEarningsReason}
     * ({@code NOT_MONETIZED}, {@code SELF_USE} or empty). {@code earnings} is the use's precise
     * amount as rated; what was reversed of it is in {@link #reversals}.
     *
     * @param caller the creator themself, or an admin
     * @param query the creator (or the platform, for admins) and the period
     * @param format CSV or JSON Lines
     * @param out where the rows go; flushed, not closed
     * @return the rows written
     * @throws AccessDeniedException if the caller is missing, unknown, another creator, or a
     *     creator asking for the platform; nothing is written
     * @throws InvalidInputException if an argument is missing, or an admin names an unknown creator
     * @throws StorageException if the database fails; once output has begun, it is partial
     * @throws IOException if the stream fails; the output is partial
     */
    public long uses(Caller caller, ExportQuery query, ExportFormat format, OutputStream out) throws IOException {
        return exporter.export(Exporter.USES, caller, query, format, out);
    }

    /**
     * Writes the reversals made in the period ({@code reversedAt} in {@code [from, to)}, the time
     * that also books them in the reports), by reversedAt: {@code correctionId, eventId,
     * reversedAt, creatorId, modelId, amount, currency, useDay, actor, reason}. The amount is
     * negative, as it moves the creator's earnings, so a period's uses and reversals add up to
     * its net earnings; {@code useDay} is the reversed use's UTC day.
     *
     * @param caller the creator themself, or an admin
     * @param query the creator (or the platform, for admins) and the period
     * @param format CSV or JSON Lines
     * @param out where the rows go; flushed, not closed
     * @return the rows written
     * @throws AccessDeniedException if the caller may not export the query's rows; nothing is written
     * @throws InvalidInputException if an argument is missing, or an admin names an unknown creator
     * @throws StorageException if the database fails; once output has begun, it is partial
     * @throws IOException if the stream fails; the output is partial
     */
    public long reversals(Caller caller, ExportQuery query, ExportFormat format, OutputStream out) throws IOException {
        return exporter.export(Exporter.REVERSALS, caller, query, format, out);
    }

    /**
     * Writes the payouts created in the period ({@code createdAt} in {@code [from, to)}), by
     * createdAt, each as it stands now: {@code payoutId, reference, creatorId, createdAt,
     * createdBy, amount, amountMinor, currency, status, updatedAt, updatedBy, note, statusReason}.
     * Amounts are positive, what was (or is to be) paid. Every change of a payout is an entry of
     * the {@linkplain #auditLog audit log}.
     *
     * @param caller the creator themself, or an admin
     * @param query the creator (or the platform, for admins) and the period
     * @param format CSV or JSON Lines
     * @param out where the rows go; flushed, not closed
     * @return the rows written
     * @throws AccessDeniedException if the caller may not export the query's rows; nothing is written
     * @throws InvalidInputException if an argument is missing, or an admin names an unknown creator
     * @throws StorageException if the database fails; once output has begun, it is partial
     * @throws IOException if the stream fails; the output is partial
     */
    public long payouts(Caller caller, ExportQuery query, ExportFormat format, OutputStream out) throws IOException {
        return exporter.export(Exporter.PAYOUTS, caller, query, format, out);
    }

    /**
     * Writes the audit entries of the period ({@code occurredAt} in {@code [from, to)}), oldest
     * first: {@code id, occurredAt, actor, action, targetType, targetId, creatorId, reason,
     * before, after}. {@code before} and {@code after} are JSON objects of ids and amounts: text
     * in CSV, nested objects in JSON Lines. With a creator, only the entries that concern that
     * creator; entries that concern none (settings) are in the platform's export.
     *
     * @param caller an admin
     * @param query a creator or the platform, and the period
     * @param format CSV or JSON Lines
     * @param out where the rows go; flushed, not closed
     * @return the rows written
     * @throws AccessDeniedException if the caller is not an admin; nothing is written
     * @throws InvalidInputException if an argument is missing, or names an unknown creator
     * @throws StorageException if the database fails; once output has begun, it is partial
     * @throws IOException if the stream fails; the output is partial
     */
    public long auditLog(Caller caller, ExportQuery query, ExportFormat format, OutputStream out) throws IOException {
        return exporter.export(Exporter.AUDIT_LOG, caller, query, format, out);
    }
}
