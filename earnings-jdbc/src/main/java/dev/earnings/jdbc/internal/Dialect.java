package dev.earnings.jdbc.internal;

import dev.earnings.core.InvalidConfigurationException;
import dev.earnings.jdbc.StorageException;
import java.sql.SQLException;
import java.util.List;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.transaction.TransactionIsolationLevel;

/**
 * The two databases the library runs on. Almost every statement is the same on both; the few
 * differences are named here.
 */
public enum Dialect {
    /** H2 2.x, the embedded default. */
    H2,
    /** PostgreSQL 15 or later. */
    POSTGRESQL,
    /**
     * PostgreSQL 15 with Citus, the library's tables distributed ({@code distributeOnCitus}): the
     * same SQL as PostgreSQL but where Citus needs another form (the caller's scope, the model
     * locks, the write statement, the look-up of eventIds).
     */
    CITUS;

    /**
     * Whether this is PostgreSQL, with or without Citus.
     *
     * @return whether PostgreSQL
     */
    public boolean isPostgres() {
        return this != H2;
    }

    /**
     * The dialect of a database, from the product name its driver reports.
     *
     * @param productName {@code DatabaseMetaData.getDatabaseProductName()}
     * @return the dialect
     * @throws InvalidConfigurationException for any other database
     */
    public static Dialect of(String productName) {
        if ("PostgreSQL".equalsIgnoreCase(productName)) {
            return POSTGRESQL;
        }
        if ("H2".equalsIgnoreCase(productName)) {
            return H2;
        }
        throw new InvalidConfigurationException("database", "the database is " + productName
                + "; allowed: H2 2.x or PostgreSQL 15 and later");
    }

    /**
     * The dialect of the database a pool reaches, from its driver's product name: known before
     * anything is migrated, so another database is refused untouched.
     *
     * @param jdbi the pool
     * @return the dialect
     * @throws InvalidConfigurationException for any other database
     * @throws StorageException if the database cannot be reached
     */
    public static Dialect detect(Jdbi jdbi) {
        try {
            return of(jdbi.<String, RuntimeException>withHandle(h -> {
                try {
                    return h.getConnection().getMetaData().getDatabaseProductName();
                } catch (SQLException e) {
                    throw new StorageException("could not read the database product (" + Failures.describe(e) + ")",
                            e, Failures.isTransient(e));
                }
            }));
        } catch (StorageException | InvalidConfigurationException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new StorageException("could not connect to the database (" + Failures.describe(e) + ")", e,
                    Failures.isTransient(e));
        }
    }

    /**
     * Where Flyway finds this database's migrations: the scripts both run, and on PostgreSQL its
     * own (row-level security, which H2 lacks, and the callback that runs every migration in the
     * service scope). The folders do not nest, since Flyway searches a location's subfolders too.
     * H2 skips the versions only PostgreSQL has: Flyway allows gaps between versions.
     *
     * @return the classpath locations
     */
    public List<String> migrationLocations() {
        return isPostgres()
                ? List.of("classpath:dev/earnings/jdbc/migration", "classpath:dev/earnings/jdbc/dialect/postgresql")
                : List.of("classpath:dev/earnings/jdbc/migration");
    }

    /**
     * The isolation level at which a transaction reads one snapshot: PostgreSQL's REPEATABLE READ
     * is a snapshot; H2's lets new rows appear between statements, so H2 needs SERIALIZABLE.
     *
     * @return the level
     */
    public TransactionIsolationLevel snapshotIsolation() {
        return isPostgres() ? TransactionIsolationLevel.REPEATABLE_READ : TransactionIsolationLevel.SERIALIZABLE;
    }
}
