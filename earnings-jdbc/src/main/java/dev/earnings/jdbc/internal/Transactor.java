package dev.earnings.jdbc.internal;

import dev.earnings.core.EarningsException;
import dev.earnings.jdbc.StorageException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntFunction;
import java.util.function.Supplier;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.transaction.TransactionIsolationLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place where the library retries: runs units of work in transactions and runs a unit
 * again when it failed for a transient reason, within a number of attempts and a time budget.
 *
 * <p>Every step of a call, including any look-up it makes before it writes, is inside the unit,
 * so a retry repeats all of it. A unit learns its attempt number: from the second attempt on, the
 * previous one may have committed before its connection was lost, and the unit looks for its own
 * writes before writing again.
 *
 * <p>Every unit names its {@link Scope}: on PostgreSQL the transaction's first statement sets it, so
 * the row-level security policies show the unit only its caller's rows, and a retry sets it again.
 *
 * <p>Writes run at the connection's own level (READ COMMITTED on the library's pools).
 * Correctness never depends on the isolation level: every write to a model's figures first
 * locks the model's row, and unique constraints are the last word on eventIds and ordinals.
 */
public final class Transactor {
    private static final Logger LOG = LoggerFactory.getLogger(Transactor.class);

    /** Stands for "whatever level the connection has": nothing is asked or set. */
    private static final TransactionIsolationLevel CONNECTION_LEVEL = TransactionIsolationLevel.UNKNOWN;

    /**
     * Names the caller for the row-level security policies, local to the transaction, so nothing
     * of it is left on the pooled connection after commit or rollback. One statement, sent with
     * the transaction's BEGIN, so one round trip.
     */
    private static final String SET_SCOPE = "SELECT set_config('" + Scope.KIND_SETTING + "', :kind, true),"
            + " set_config('" + Scope.CREATOR_SETTING + "', :creator, true)";

    /** A unit of work that knows which attempt it is. */
    @FunctionalInterface
    public interface Unit<T> {
        /**
         * Runs the unit in an open transaction.
         *
         * @param handle the transaction's handle
         * @param attempt 1 for the first attempt, 2 and more for retries
         * @return the result
         */
        T run(Handle handle, int attempt);
    }

    private final Jdbi jdbi;
    private final Dialect dialect;
    private final int maxAttempts;
    private final long budgetNanos;
    private final LongAdder retries = new LongAdder();
    private final Metrics metrics;
    private final Tracing tracing;

    /**
     * Creates the transactor.
     *
     * @param jdbi where to run
     * @param dialect the database, which says how a transaction asks for another isolation level
     * @param maxAttempts attempts per unit, 1 or more
     * @param budget no attempt starts after this much time since the first began
     */
    public Transactor(Jdbi jdbi, Dialect dialect, int maxAttempts, Duration budget) {
        this(jdbi, dialect, maxAttempts, budget, Metrics.NONE, Tracing.NONE);
    }

    /**
     * Creates the transactor, reporting its retries and failures.
     *
     * @param jdbi where to run
     * @param dialect the database
     * @param maxAttempts attempts per unit, 1 or more
     * @param budget no attempt starts after this much time since the first began
     * @param metrics where retries and storage failures are counted
     * @param tracing the spans of the library's calls
     */
    public Transactor(Jdbi jdbi, Dialect dialect, int maxAttempts, Duration budget, Metrics metrics, Tracing tracing) {
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.tracing = Objects.requireNonNull(tracing, "tracing");
        this.jdbi = Objects.requireNonNull(jdbi, "jdbi");
        this.dialect = Objects.requireNonNull(dialect, "dialect");
        this.maxAttempts = maxAttempts;
        this.budgetNanos = budget.toNanos();
    }

    /**
     * Runs {@code work} in one transaction at the connection's isolation level (READ COMMITTED
     * on pools the library creates), retrying transient failures.
     *
     * @param what what the unit does, for error messages: ids and field names, never user data
     * @param scope whose rows the unit may see
     * @param work the unit; it may throw project exceptions, which roll back and pass through
     * @param <T> the result type
     * @return the unit's result
     * @throws StorageException if the database failed for good or the retries ran out
     */
    public <T> T inTransaction(String what, Scope scope, Unit<T> work) {
        return inTransaction(what, CONNECTION_LEVEL, scope, work);
    }

    /**
     * Runs {@code work} in one transaction that reads one snapshot of the database.
     *
     * @param what what the unit does, for error messages
     * @param scope whose rows the unit may see
     * @param work the unit
     * @param <T> the result type
     * @return the unit's result
     * @throws StorageException if the database failed for good or the retries ran out
     */
    public <T> T inSnapshot(String what, Scope scope, Unit<T> work) {
        return inTransaction(what, dialect.snapshotIsolation(), scope, work);
    }

    /**
     * Runs {@code work} in one transaction at the given isolation level, retrying transient failures.
     *
     * @param what what the unit does, for error messages
     * @param isolation the isolation level
     * @param scope whose rows the unit may see
     * @param work the unit
     * @param <T> the result type
     * @return the unit's result
     * @throws StorageException if the database failed for good or the retries ran out
     */
    public <T> T inTransaction(String what, TransactionIsolationLevel isolation, Scope scope, Unit<T> work) {
        Objects.requireNonNull(scope, "scope");
        return attempts(what, attempt -> run(isolation, scope, h -> work.run(h, attempt)));
    }

    /**
     * Runs {@code work} that holds no transaction of the library's (it takes connections of its
     * own, as the shared rate limits' buckets do), with the same attempts, budget and back-off
     * as a transaction, so that retries still happen in this one place.
     *
     * @param what what the work does, for error messages
     * @param work the work; it may throw project exceptions, which pass through
     * @param <T> the result type
     * @return the work's result
     * @throws StorageException if the database failed for good or the retries ran out
     */
    public <T> T retrying(String what, Supplier<T> work) {
        return attempts(what, attempt -> work.get());
    }

    private <T> T attempts(String what, IntFunction<T> work) {
        long started = System.nanoTime();
        for (int attempt = 1; ; attempt++) {
            try {
                return work.apply(attempt);
            } catch (EarningsException e) {
                throw e;
            } catch (RuntimeException e) {
                boolean transientFailure = Failures.isTransient(e);
                boolean outOfTime = System.nanoTime() - started > budgetNanos;
                if (!transientFailure || attempt >= maxAttempts || outOfTime) {
                    metrics.storageFailure();
                    throw new StorageException(what + " failed" + (transientFailure ? " after " + attempt
                            + (attempt == 1 ? " attempt" : " attempts") + (outOfTime ? " and the retry budget of "
                            + TimeUnit.NANOSECONDS.toMillis(budgetNanos) + " ms" : "") + " on transient database errors"
                            : "") + " (" + Failures.describe(e) + ")", e, transientFailure);
                }
                retries.increment();
                metrics.retry();
                LOG.debug("{}: transient failure on attempt {} ({}), retrying", what, attempt, Failures.describe(e));
                backOff(what, attempt, e);
            }
        }
    }

    /**
     * How many times a unit was run again since this transactor was created; tests use it to prove
     * that a run needed no retry, or did.
     *
     * @return the number of retries
     */
    public long retries() {
        return retries.sum();
    }

    /**
     * Where the library's figures are reported.
     *
     * @return the metrics, {@link Metrics#NONE} when the host configured none
     */
    public Metrics metrics() {
        return metrics;
    }

    /**
     * Where the library's spans go.
     *
     * @return the tracing, {@link Tracing#NONE} when the host configured none
     */
    public Tracing tracing() {
        return tracing;
    }

    private <T> T run(TransactionIsolationLevel isolation, Scope scope,
            org.jdbi.v3.core.HandleCallback<T, RuntimeException> work) {
        if (dialect == Dialect.CITUS) {
            // Citus sends a transaction's SET LOCAL commands to the workers (with
            // propagate_set_commands 'local'), where the policies of the shards read them;
            // set_config is not sent, so the shards would see no caller. SET takes no parameter:
            // the creator id goes as a literal, its quotes doubled (standard_conforming_strings is
            // on, which Citus.distributed checks). The connection's lock_timeout, which a host sets
            // on its pool, stays on the coordinator, while the row locks are taken on the workers:
            // it goes along as a SET LOCAL too (CITUS_LOCK_TIMEOUT), or a lock wait on a worker
            // would never time out.
            String sql = (isolation == CONNECTION_LEVEL ? ""
                    : "SET TRANSACTION ISOLATION LEVEL " + isolation.name().replace('_', ' ') + "; ")
                    + "SET LOCAL citus.propagate_set_commands = 'local'; SET LOCAL " + Scope.KIND_SETTING + " = "
                    + literal(scope.kind()) + "; SET LOCAL " + Scope.CREATOR_SETTING + " = " + literal(scope.creatorId())
                    + "; " + CITUS_LOCK_TIMEOUT;
            return jdbi.inTransaction(h -> {
                // On the connection itself: JDBI would read the id's text as named parameters or
                // template attributes. The statements go in one round trip.
                try (java.sql.Statement statement = h.getConnection().createStatement()) {
                    statement.execute(sql);
                } catch (java.sql.SQLException e) {
                    throw new org.jdbi.v3.core.statement.UnableToExecuteStatementException(e, null);
                }
                return work.withHandle(h);
            });
        }
        if (dialect == Dialect.POSTGRESQL) {
            // The level, when one is asked for, in the same round trip as the scope, ahead of it:
            // it must come before the transaction's first query. JDBC's way would ask the server
            // for the current level and set it twice, three round trips.
            String sql = isolation == CONNECTION_LEVEL ? SET_SCOPE
                    : "SET TRANSACTION ISOLATION LEVEL " + isolation.name().replace('_', ' ') + "; " + SET_SCOPE;
            return jdbi.inTransaction(h -> {
                h.createUpdate(sql).bind("kind", scope.kind()).bind("creator", scope.creatorId()).execute();
                return work.withHandle(h);
            });
        }
        // H2 has no row-level security: the access rules alone decide what a caller sees there.
        if (isolation == CONNECTION_LEVEL) {
            return jdbi.inTransaction(work);
        }
        return jdbi.inTransaction(isolation, work);
    }

    /**
     * Repeats the session's {@code lock_timeout}, when there is one, as a {@code SET LOCAL} that
     * Citus sends on to the workers. SET takes no expression, so a DO block runs it with the value
     * read; Citus propagates the SET LOCAL it executes as any other.
     */
    static final String CITUS_LOCK_TIMEOUT = "DO $$BEGIN IF current_setting('lock_timeout') <> '0' THEN"
            + " EXECUTE format('SET LOCAL lock_timeout = %L', current_setting('lock_timeout')); END IF; END$$";

    /** A string as an SQL literal, for a statement that takes no parameter. */
    static String literal(String value) {
        return "'" + value.replace("'", "''") + "'";
    }

    /**
     * The database this runs on.
     *
     * @return the dialect
     */
    public Dialect dialect() {
        return dialect;
    }

    private static void backOff(String what, int attempt, RuntimeException failure) {
        long capMillis = Math.min(200L, 2L << Math.min(attempt, 10));
        try {
            TimeUnit.MILLISECONDS.sleep(ThreadLocalRandom.current().nextLong(1, capMillis + 1));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StorageException(what + " was interrupted while waiting to retry (" + Failures.describe(failure) + ")",
                    failure, true);
        }
    }
}
