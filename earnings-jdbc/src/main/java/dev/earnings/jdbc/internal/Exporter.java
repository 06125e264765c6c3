package dev.earnings.jdbc.internal;

import dev.earnings.jdbc.Caller;
import dev.earnings.jdbc.ExportFormat;
import dev.earnings.jdbc.ExportQuery;
import dev.earnings.jdbc.StorageException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Currency;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.Query;
import org.jspecify.annotations.Nullable;

/**
 * The exports of uses, reversals, payouts and audit entries: each one statement over one table,
 * read in one snapshot and written row by row to the host's stream as the driver fetches it, so
 * on PostgreSQL an export of ten million rows holds a fetch's worth of rows in memory, never the
 * export.
 *
 * <p>PostgreSQL's driver streams a query's rows only inside a transaction and with a fetch size;
 * every unit of the {@link Transactor} is a transaction, and each export sets {@link #FETCH_SIZE}.
 * H2 gathers a query's result before its first row: in memory up to its {@code MAX_MEMORY_ROWS},
 * in temporary files beyond.
 *
 * <p>The access rules are the reports': a creator exports only their own rows, an admin any
 * creator's or the platform's, the audit log is for admins only; the transaction's scope is the
 * caller's, so on PostgreSQL row-level security filters the statement too. Users appear only as
 * the pseudonym the use's creator sees on their dashboard, for creators and admins alike.
 *
 * <p>Output cannot be unwritten. The {@link Transactor} runs an attempt again after a transient
 * failure; an attempt that fails before any byte reached the host's stream is run again from the
 * start (what the writer had buffered is dropped), and one that fails after that is a
 * {@link StorageException} saying the output is partial, never a second copy of the rows.
 */
public final class Exporter {
    /**
     * Rows the driver fetches at a time: enough that round trips cost little, few enough that a
     * fetch of the widest rows (reasons and notes of 2,000 characters) stays within megabytes.
     */
    static final int FETCH_SIZE = 1_000;

    private final Transactor tx;
    private final Access access;
    private final Pseudonyms pseudonyms;
    private final String currency;

    /** How a column's value is read and written. */
    public enum Kind {
        /** Text a host or caller chose. */
        TEXT,
        /** An exact decimal as stored. */
        DECIMAL,
        /** An exact decimal as stored, negated: what a reversal takes from earnings. */
        NEGATED,
        /** A whole number, or none. */
        NUMBER,
        /** A flag. */
        FLAG,
        /** An instant. */
        TIME,
        /** A UTC day. */
        DAY,
        /** A JSON object the library wrote. */
        JSON,
        /** The pseudonym of the row's {@code user_id} as the row's {@code creator_id} sees it. */
        PSEUDONYM,
        /** The deployment's currency, which the row does not store. */
        CURRENCY
    }

    /**
     * A column of an export.
     *
     * @param name its name in the output
     * @param stored the stored column it comes from
     * @param kind how it is read and written
     */
    public record Column(String name, @Nullable String stored, Kind kind) {
    }

    /**
     * One export: what it reads, which of its times falls in the period, who may run it, its
     * columns in order.
     *
     * @param name what it is called in messages
     * @param table the table it reads
     * @param time the column whose time falls in the period, and orders the rows
     * @param adminOnly whether only admins may run it
     * @param columns its columns
     * @param extraFilter more of the statement's condition, on the period's bounds
     */
    public record Export(String name, String table, String time, boolean adminOnly, List<Column> columns,
            String extraFilter) {
        List<String> names() {
            return columns.stream().map(Column::name).collect(Collectors.toUnmodifiableList());
        }

        String sql(boolean oneCreator) {
            String select = columns.stream().map(Column::stored).filter(Objects::nonNull).distinct()
                    .collect(Collectors.joining(", "));
            return "SELECT " + select + " FROM <t>" + table + " WHERE " + (oneCreator ? "creator_id = :creator AND " : "")
                    + time + " >= :from AND " + time + " < :to" + extraFilter + " ORDER BY " + time + ", id";
        }
    }

    private static Column column(String name, @Nullable String stored, Kind kind) {
        return new Column(name, stored, kind);
    }

    /** Uses with the breakdown they were rated with; never their metadata, never a user id. */
    public static final Export USES = new Export("uses", "model_usage_logs", "occurred_at", false, List.of(
            column("eventId", "event_id", Kind.TEXT),
            column("occurredAt", "occurred_at", Kind.TIME),
            column("recordedAt", "recorded_at", Kind.TIME),
            column("creatorId", "creator_id", Kind.TEXT),
            column("modelId", "model_id", Kind.TEXT),
            column("userPseudonym", "user_id", Kind.PSEUDONYM),
            column("usageType", "usage_type", Kind.TEXT),
            column("requestedUsageType", "requested_usage_type", Kind.TEXT),
            column("tokensConsumed", "tokens_consumed", Kind.NUMBER),
            column("useOrdinal", "use_ordinal", Kind.NUMBER),
            column("priorCountedUses", "prior_counted_uses", Kind.NUMBER),
            column("selfUse", "self_use", Kind.FLAG),
            column("tierIndex", "tier_index", Kind.NUMBER),
            column("tierThreshold", "tier_threshold", Kind.NUMBER),
            column("tierMultiplier", "tier_multiplier", Kind.DECIMAL),
            column("typeMultiplier", "type_multiplier", Kind.DECIMAL),
            column("pricingVersion", "pricing_version", Kind.NUMBER),
            column("tokenPart", "token_part", Kind.DECIMAL),
            column("base", "base_amount", Kind.DECIMAL),
            column("earnings", "earnings", Kind.DECIMAL),
            column("currency", null, Kind.CURRENCY),
            column("noEarningsReason", "reason", Kind.TEXT)), "");

    /**
     * Reversals by the time they were made. The booked day is that time's UTC day, so bounding it
     * too lets a creator's export read the (creator, booked day) index.
     */
    public static final Export REVERSALS = new Export("reversals", "earnings_reversals", "reversed_at", false, List.of(
            column("correctionId", "correction_id", Kind.TEXT),
            column("eventId", "event_id", Kind.TEXT),
            column("reversedAt", "reversed_at", Kind.TIME),
            column("creatorId", "creator_id", Kind.TEXT),
            column("modelId", "model_id", Kind.TEXT),
            column("amount", "amount", Kind.NEGATED),
            column("currency", null, Kind.CURRENCY),
            column("useDay", "use_day", Kind.DAY),
            column("actor", "actor", Kind.TEXT),
            column("reason", "reason", Kind.TEXT)), " AND booked_day >= :fromDay AND booked_day <= :lastDay");

    /** Payouts by the time they were created, each as it stands now. */
    public static final Export PAYOUTS = new Export("payouts", "earnings_transactions", "created_at", false, List.of(
            column("payoutId", "id", Kind.NUMBER),
            column("reference", "reference", Kind.TEXT),
            column("creatorId", "creator_id", Kind.TEXT),
            column("createdAt", "created_at", Kind.TIME),
            column("createdBy", "created_by", Kind.TEXT),
            column("amount", "amount", Kind.DECIMAL),
            column("amountMinor", "amount_minor", Kind.NUMBER),
            column("currency", "currency", Kind.TEXT),
            column("status", "status", Kind.TEXT),
            column("updatedAt", "updated_at", Kind.TIME),
            column("updatedBy", "updated_by", Kind.TEXT),
            column("note", "note", Kind.TEXT),
            column("statusReason", "status_reason", Kind.TEXT)), "");

    /** Audit entries by the time of their change. */
    public static final Export AUDIT_LOG = new Export("the audit log", "earnings_audit_log", "occurred_at", true, List.of(
            column("id", "id", Kind.NUMBER),
            column("occurredAt", "occurred_at", Kind.TIME),
            column("actor", "actor", Kind.TEXT),
            column("action", "action", Kind.TEXT),
            column("targetType", "target_type", Kind.TEXT),
            column("targetId", "target_id", Kind.TEXT),
            column("creatorId", "creator_id", Kind.TEXT),
            column("reason", "reason", Kind.TEXT),
            column("before", "before_values", Kind.JSON),
            column("after", "after_values", Kind.JSON)), "");

    /**
     * Creates the exports.
     *
     * @param tx the transaction runner
     * @param access the access rules
     * @param pseudonyms what creators (and admins) see instead of user ids
     * @param currency the deployment's currency, written beside amounts whose rows do not store it
     */
    public Exporter(Transactor tx, Access access, Pseudonyms pseudonyms, Currency currency) {
        this.tx = tx;
        this.access = access;
        this.pseudonyms = pseudonyms;
        this.currency = currency.getCurrencyCode();
    }

    /**
     * Writes the rows of an export that fall in the query's period, for a caller who may read them.
     *
     * @param export {@link #USES}, {@link #REVERSALS}, {@link #PAYOUTS} or {@link #AUDIT_LOG}
     * @param caller who asks
     * @param query the creator or platform, and the period
     * @param format CSV or JSON Lines
     * @param out where to write; flushed, not closed
     * @return the rows written
     * @throws IOException if the stream fails
     */
    public long export(Export export, @Nullable Caller caller, @Nullable ExportQuery query, @Nullable ExportFormat format,
            @Nullable OutputStream out) throws IOException {
        ReportSupport.requirePresent("query", query);
        ReportSupport.requirePresent("format", format);
        ReportSupport.requirePresent("out", out);
        Instant from = atMicros(query.from());
        Instant to = atMicros(query.to());
        String what = "exporting " + export.name() + query.creatorId().map(c -> " of creator '" + c + "'")
                .orElse(" of the platform");
        HostStream host = new HostStream(out);
        try {
            return tx.inSnapshot(what, Scope.of(caller), (h, attempt) -> {
                if (host.finished != null) {
                    // Every row was written and flushed, and then the commit failed: a read's commit
                    // changes nothing, so the export is complete as it stands.
                    return host.finished;
                }
                if (host.written > 0) {
                    throw partial(what, host, 0, null);
                }
                authorize(h, export, caller, query);
                long rows = write(h, export, query, from, to, sink(format, host, export), what, host);
                host.finished = rows;
                return rows;
            });
        } catch (StorageException e) {
            if (host.failure != null) {
                throw host.failure;
            }
            if (host.finished != null) {
                return host.finished;
            }
            throw e;
        }
    }

    private static ExportSink sink(ExportFormat format, HostStream host, Export export) {
        try {
            return ExportSink.of(format, host, export.names());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void authorize(Handle h, Export export, @Nullable Caller caller, ExportQuery query) {
        if (export.adminOnly() || query.creatorId().isEmpty()) {
            Access.requireAdmin(caller);
        }
        if (query.creatorId().isPresent()) {
            access.requireCreatorData(h, caller, query.creatorId().get());
        }
    }

    private long write(Handle h, Export export, ExportQuery query, Instant from, Instant to, ExportSink sink, String what,
            HostStream host) {
        Query statement = h.createQuery(export.sql(query.creatorId().isPresent()))
                .bind("from", from).bind("to", to)
                .bind("fromDay", LocalDate.ofInstant(from, ZoneOffset.UTC))
                .bind("lastDay", LocalDate.ofInstant(to.minus(1, ChronoUnit.MICROS), ZoneOffset.UTC));
        query.creatorId().ifPresent(c -> statement.bind("creator", c));
        statement.setFetchSize(FETCH_SIZE);
        Pseudonyms.Sequence names = pseudonyms.sequence();
        long[] rows = {0};
        try {
            statement.reduceResultSet(0L, (n, rs, ctx) -> {
                try {
                    writeRow(export, rs, sink, names);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                return ++rows[0];
            });
            sink.finish();
            return rows[0];
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
            if (host.failure != null) {
                // The stream's own failure: never run again; the caller throws the stream's exception.
                throw new StorageException(what + " failed: the output stream failed", host.failure, false);
            }
            if (host.written == 0) {
                // Nothing reached the stream: the transaction runner may run the whole export again.
                throw e;
            }
            throw partial(what, host, rows[0], e);
        }
    }

    private void writeRow(Export export, ResultSet rs, ExportSink sink, Pseudonyms.Sequence names)
            throws SQLException, IOException {
        for (Column column : export.columns()) {
            String stored = column.stored();
            switch (column.kind()) {
                case TEXT:
                    sink.text(rs.getString(stored));
                    break;
                case DECIMAL:
                    sink.decimal(rs.getBigDecimal(stored));
                    break;
                case NEGATED:
                    sink.decimal(negated(rs.getBigDecimal(stored)));
                    break;
                case NUMBER:
                    long number = rs.getLong(stored);
                    sink.number(rs.wasNull() ? null : number);
                    break;
                case FLAG:
                    sink.flag(rs.getBoolean(stored));
                    break;
                case TIME:
                    OffsetDateTime time = rs.getObject(stored, OffsetDateTime.class);
                    sink.time(time == null ? null : time.toInstant());
                    break;
                case DAY:
                    sink.day(rs.getObject(stored, LocalDate.class));
                    break;
                case JSON:
                    sink.json(rs.getString(stored));
                    break;
                case PSEUDONYM:
                    // Of the user id as stored (with encryption, its token), as the dashboard computes it.
                    sink.text(names.of(rs.getString("creator_id"), rs.getString(stored)));
                    break;
                default:
                    sink.text(currency);
            }
        }
        sink.endRow();
    }

    private static @Nullable BigDecimal negated(@Nullable BigDecimal amount) {
        return amount == null ? null : amount.negate();
    }

    /**
     * An instant at the next whole microsecond, or itself: rows are stored to the microsecond, so
     * {@code t >= bound} and {@code t < bound} mean the same with the bound rounded up, and a
     * driver that would round a finer bound to the nearest microsecond cannot move a row across it.
     */
    static Instant atMicros(Instant instant) {
        Instant down = instant.truncatedTo(ChronoUnit.MICROS);
        return down.equals(instant) ? instant : down.plus(1, ChronoUnit.MICROS);
    }

    private static StorageException partial(String what, HostStream host, long rows, @Nullable RuntimeException cause) {
        RuntimeException failure = cause != null ? cause : new IllegalStateException("an earlier attempt wrote output");
        return new StorageException(what + " failed after " + rows + (rows == 1 ? " row" : " rows") + " and " + host.written
                + " bytes were written: the output is partial, and the export was not run again over it ("
                + Failures.describe(failure) + ")", failure, Failures.isTransient(failure));
    }

    /**
     * The host's stream as the export sees it: how many bytes reached it, its failure if it failed,
     * and, once every row is written, how many rows. Closing it flushes and leaves the host's
     * stream open: the host owns it.
     */
    private static final class HostStream extends OutputStream {
        private final OutputStream out;
        long written;
        @Nullable IOException failure;
        @Nullable Long finished;

        HostStream(OutputStream out) {
            this.out = out;
        }

        @Override
        public void write(int b) throws IOException {
            written++;
            call(() -> out.write(b));
        }

        @Override
        public void write(byte[] bytes, int offset, int length) throws IOException {
            written += length;
            call(() -> out.write(bytes, offset, length));
        }

        @Override
        public void flush() throws IOException {
            call(out::flush);
        }

        @Override
        public void close() throws IOException {
            flush();
        }

        private interface Call {
            void run() throws IOException;
        }

        private void call(Call call) throws IOException {
            try {
                call.run();
            } catch (IOException | RuntimeException e) {
                failure = e instanceof IOException ? (IOException) e : new IOException("the output stream failed", e);
                throw failure;
            }
        }
    }
}
