package dev.earnings.jdbc.internal;

import dev.earnings.core.EarningsException;
import dev.earnings.jdbc.StorageException;
import java.sql.SQLException;
import java.sql.SQLTransientException;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.jdbi.v3.core.HandleCallback;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.transaction.TransactionIsolationLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs units of work in transactions and retries the ones that failed for a transient reason.
 *
 * <p>Writes run at the connection's own level (READ COMMITTED on the library's pools).
 * Correctness never depends on the isolation level: every write to a model's figures first
 * locks the model's aggregate row, and unique constraints are the last word on eventIds and
 * ordinals. A retry therefore re-runs the whole unit, including its idempotency check, so a unit
 * whose commit was lost in transit is found on retry and not written twice.
 */
public final class Transactor {
    private static final Logger LOG = LoggerFactory.getLogger(Transactor.class);

    /**
     * No more attempts start after this much time: with a pool that cannot hand out connections,
     * each attempt may wait for the pool's timeout, and a caller must not hang for minutes.
     */
    private static final long RETRY_BUDGET_NANOS = TimeUnit.SECONDS.toNanos(30);

    /** Stands for "whatever level the connection has": nothing is asked or set. */
    private static final TransactionIsolationLevel CONNECTION_LEVEL = TransactionIsolationLevel.UNKNOWN;

    private final Jdbi jdbi;
    private final int maxAttempts;
    private final Dialect dialect;

    /**
     * Creates a transactor for a database not yet identified: every transaction sets its
     * isolation level through JDBC.
     *
     * @param jdbi where to run
     * @param maxAttempts attempts per unit, 1 or more
     */
    public Transactor(Jdbi jdbi, int maxAttempts) {
        this(jdbi, maxAttempts, null);
    }

    private Transactor(Jdbi jdbi, int maxAttempts, Dialect dialect) {
        this.jdbi = Objects.requireNonNull(jdbi, "jdbi");
        this.maxAttempts = maxAttempts;
        this.dialect = dialect;
    }

    /**
     * This transactor, for a database now identified. On PostgreSQL a transaction that needs
     * another isolation level than the connection's names it in its first statement: the JDBC
     * way asks the server for the current level and sets it twice, three round trips.
     *
     * @param database the database
     * @return the transactor
     */
    public Transactor on(Dialect database) {
        return new Transactor(jdbi, maxAttempts, database);
    }

    /**
     * Runs {@code work} in one transaction at the connection's isolation level (READ COMMITTED
     * on pools the library creates), retrying transient failures.
     *
     * @param what what the unit does, for error messages
     * @param work the unit; it may throw project exceptions, which roll back and pass through
     * @param <T> the result type
     * @return the unit's result
     * @throws StorageException if the database failed for good or the retries ran out
     */
    public <T> T inTransaction(String what, HandleCallback<T, RuntimeException> work) {
        return inTransaction(what, CONNECTION_LEVEL, work);
    }

    /**
     * Runs {@code work} in one transaction at the given isolation level, retrying transient failures.
     *
     * @param what what the unit does, for error messages
     * @param isolation the isolation level
     * @param work the unit
     * @param <T> the result type
     * @return the unit's result
     * @throws StorageException if the database failed for good or the retries ran out
     */
    public <T> T inTransaction(String what, TransactionIsolationLevel isolation, HandleCallback<T, RuntimeException> work) {
        long deadline = System.nanoTime() + RETRY_BUDGET_NANOS;
        for (int attempt = 1; ; attempt++) {
            try {
                return run(isolation, work);
            } catch (EarningsException e) {
                throw e;
            } catch (RuntimeException e) {
                boolean transientFailure = isTransient(e);
                if (!transientFailure || attempt >= maxAttempts || System.nanoTime() - deadline > 0) {
                    throw new StorageException(what + " failed" + (transientFailure
                            ? " after " + attempt + " attempts on transient database errors" : "")
                            + ": " + rootMessage(e), e, transientFailure);
                }
                LOG.debug("{}: transient failure on attempt {}, retrying: {}", what, attempt, rootMessage(e));
                backOff(what, attempt, e);
            }
        }
    }

    private <T> T run(TransactionIsolationLevel isolation, HandleCallback<T, RuntimeException> work) {
        if (isolation == CONNECTION_LEVEL) {
            return jdbi.inTransaction(work);
        }
        if (dialect == Dialect.POSTGRESQL) {
            String level = isolation.name().replace('_', ' ');
            return jdbi.inTransaction(h -> {
                h.execute("SET TRANSACTION ISOLATION LEVEL " + level);
                return work.withHandle(h);
            });
        }
        return jdbi.inTransaction(isolation, work);
    }

    /**
     * Runs read-only {@code work} on a handle, without retries.
     *
     * @param what what the unit does, for error messages
     * @param work the unit
     * @param <T> the result type
     * @return the unit's result
     */
    public <T> T read(String what, HandleCallback<T, RuntimeException> work) {
        try {
            return jdbi.withHandle(work);
        } catch (EarningsException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new StorageException(what + " failed: " + rootMessage(e), e, isTransient(e));
        }
    }

    /**
     * Whether a failure may succeed when the whole transaction is run again.
     *
     * @param failure an exception from the driver or from JDBI
     * @return {@code true} for serialization failures, deadlocks, lock timeouts, unique violations
     *     (a concurrent insert of the same key, which the retry's check then sees) and lost connections
     */
    public static boolean isTransient(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof SQLTransientException) {
                return true;
            }
            if (t instanceof SQLException) {
                String state = ((SQLException) t).getSQLState();
                if (state != null && (state.equals("40001") || state.equals("40P01") || state.equals("55P03")
                        || state.equals("HYT00") || state.equals("90131") || state.equals("23505")
                        || state.startsWith("08"))) {
                    return true;
                }
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return false;
    }

    private static void backOff(String what, int attempt, RuntimeException failure) {
        long capMillis = Math.min(200L, 2L << Math.min(attempt, 10));
        try {
            TimeUnit.MILLISECONDS.sleep(ThreadLocalRandom.current().nextLong(1, capMillis + 1));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StorageException(what + " was interrupted while waiting to retry", failure, true);
        }
    }

    private static String rootMessage(Throwable failure) {
        Throwable root = failure;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    }
}
