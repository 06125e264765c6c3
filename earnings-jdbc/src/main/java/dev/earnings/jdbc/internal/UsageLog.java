package dev.earnings.jdbc.internal;

import dev.earnings.core.InvalidInputException;
import dev.earnings.jdbc.AuditAction;
import dev.earnings.jdbc.StorageException;
import dev.earnings.jdbc.UsageArchive;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.Collection;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The months of the usage log on PostgreSQL, where it is partitioned by month of occurred_at
 * (migration V23): makes sure a month exists before a use of it is written, and archives an old
 * month. On H2 the usage log is one table: nothing is created, and archiving is refused.
 *
 * <p>A month is created ahead of need: before each write, for the months of its uses and for the
 * months of now and of a week from now, so the next month exists a week before its first use.
 * Creating one runs {@code earnings_usage_partition}, a function the migrating role owns, so the
 * login the library runs as needs no right to create tables. Each instance remembers the months
 * it has made sure of; a month another instance creates meanwhile is found existing.
 */
public final class UsageLog {
    private static final Logger LOG = LoggerFactory.getLogger(UsageLog.class);
    /** How far ahead of now the months are made sure of. */
    static final Duration LEAD = Duration.ofDays(7);

    private final Transactor tx;
    private final Dialect dialect;
    private final Clock clock;
    private final Duration maxAge;
    private final Ledger ledger;
    private final AuditLog audit;
    private final Set<YearMonth> present = ConcurrentHashMap.newKeySet();

    /**
     * Creates the usage log's keeper.
     *
     * @param tx the transaction runner
     * @param dialect the database
     * @param clock the clock for "now"
     * @param maxAge how far back a host-given occurredAt may lie: no month within it is archived
     * @param ledger the holds: no month with held earnings is archived
     * @param audit where an archived month is recorded
     */
    public UsageLog(Transactor tx, Dialect dialect, Clock clock, Duration maxAge, Ledger ledger, AuditLog audit) {
        this.tx = tx;
        this.dialect = dialect;
        this.clock = clock;
        this.maxAge = maxAge;
        this.ledger = ledger;
        this.audit = audit;
    }

    /** Whether the usage log is partitioned by month (on PostgreSQL). */
    public boolean partitioned() {
        return dialect.isPostgres();
    }

    /**
     * Makes sure the months of these uses exist, and those of now and of a week ahead.
     *
     * @param occurredAts the host-given times of the uses to write (uses without one happen now)
     */
    public void cover(Collection<Instant> occurredAts) {
        if (!partitioned()) {
            return;
        }
        Instant now = clock.instant();
        Set<YearMonth> months = new TreeSet<>();
        months.add(monthOf(now));
        months.add(monthOf(now.plus(LEAD)));
        for (Instant at : occurredAts) {
            months.add(monthOf(at));
        }
        for (YearMonth month : months) {
            if (!present.contains(month)) {
                ensure(month);
            }
        }
    }

    /**
     * Creates a month unless it exists. A month that is archived is not created again: a use of it
     * fails to be written, as a use outside the window would.
     */
    private void ensure(YearMonth month) {
        try {
            boolean created = tx.inTransaction("creating the usage log's month " + month, Scope.SERVICE, (h, attempt) ->
                    h.createQuery("SELECT <t>earnings_usage_partition(:month)").bind("month", month.atDay(1))
                            .mapTo(Boolean.class).one());
            present.add(month);
            if (created) {
                LOG.info("usage log: created the month {}", month);
            }
        } catch (StorageException e) {
            if (find(month).isPresent()) {
                LOG.warn("usage log: a use of the archived month {} cannot be written", month);
                return;
            }
            throw e;
        }
    }

    /**
     * The last month that may be archived now: one that ended before the window for host-given
     * occurredAt opens and before the first day whose earnings are held.
     *
     * @return the month
     */
    public YearMonth lastArchivable() {
        Instant now = clock.instant();
        LocalDate earliestOpen = LocalDate.ofInstant(now.minus(maxAge), ZoneOffset.UTC);
        LocalDate holdFrom = ledger.holdFrom();
        LocalDate firstKept = holdFrom.isBefore(earliestOpen) ? holdFrom : earliestOpen;
        return YearMonth.from(firstKept).minusMonths(1);
    }

    /**
     * Checks that a month may be archived: on PostgreSQL, not archived yet, and old enough.
     *
     * @param month the month
     * @throws InvalidInputException if it may not
     * @throws UnsupportedOperationException on H2
     */
    public void requireArchivable(YearMonth month) {
        if (month == null) {
            throw new InvalidInputException("month", "month is missing; allowed: a YearMonth");
        }
        if (!partitioned()) {
            throw new UnsupportedOperationException("archiving the usage log needs PostgreSQL, where it is partitioned"
                    + " by month; on H2 it is one table");
        }
        YearMonth last = lastArchivable();
        if (month.isAfter(last)) {
            throw new InvalidInputException("month", "month is " + month + "; allowed: " + last + " or earlier (a month"
                    + " ends before the window for occurredAt opens and before the earnings held today)");
        }
        Optional<UsageArchive> earlier = find(month);
        if (earlier.isPresent()) {
            throw new InvalidInputException("month", "the uses of " + month + " were archived at "
                    + earlier.get().archivedAt() + "; allowed: a month not archived yet");
        }
    }

    /**
     * An archived month.
     *
     * @param month the month
     * @return its record, or empty
     */
    public Optional<UsageArchive> find(YearMonth month) {
        return tx.inTransaction("reading the usage log's archives", Scope.SERVICE, (h, attempt) ->
                h.createQuery("SELECT month_start, uses, earnings, archived_at, archived_by FROM <t>earnings_usage_archives"
                        + " WHERE month_start = :month").bind("month", month.atDay(1))
                        .map((rs, ctx) -> new UsageArchive(YearMonth.from(rs.getObject(1, LocalDate.class)), rs.getLong(2),
                                rs.getBigDecimal(3), rs.getObject(4, java.time.OffsetDateTime.class).toInstant(),
                                rs.getString(5)))
                        .findOne());
    }

    /**
     * Archives a month whose rows were exported: in one transaction, records what its rows add
     * to each quarter hour, day and model (so every total and rollup can still be checked), and
     * which of its uses were reversed, then detaches and drops its partition. Refused, with
     * nothing changed, when the month holds a different number of rows than were exported.
     *
     * @param month the month
     * @param exported the rows the export wrote
     * @param actor who archives it
     * @return the archive's record
     * @throws StorageException if the month changed since its export, or the database fails
     */
    public UsageArchive archive(YearMonth month, long exported, String actor) {
        Instant from = month.atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant();
        Instant to = month.plusMonths(1).atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant();
        Instant at = clock.instant();
        return tx.inTransaction("archiving the uses of " + month, Scope.SERVICE, (h, attempt) -> {
            // One function, as the migrating role: it blocks writes to the month (not to others),
            // refuses a month whose rows are not the exported ones, records the archive's figures
            // and drops the month's partition.
            BigDecimal earnings;
            try {
                earnings = h.createQuery("SELECT <t>earnings_archive_usage_partition(:month, :uses, :at, :actor)")
                        .bind("month", month.atDay(1)).bind("uses", exported).bind("at", at).bind("actor", actor)
                        .mapTo(BigDecimal.class).one();
            } catch (RuntimeException e) {
                if (Failures.state(e).filter("EA001"::equals).isPresent()) {
                    throw new StorageException("the uses of " + month + " changed while they were exported (" + exported
                            + " exported); nothing was archived", e, false);
                }
                throw e;
            }
            audit.record(h, actor, AuditAction.USAGE_ARCHIVED, "month", month.toString(), null, null, null,
                    AuditLog.values("uses", exported, "earnings", earnings.toPlainString()));
            present.remove(month);
            return new UsageArchive(month, exported, earnings, at, actor);
        });
    }

    private static YearMonth monthOf(Instant at) {
        return YearMonth.from(at.atOffset(ZoneOffset.UTC));
    }
}
