package dev.earnings.jdbc.internal;

import java.sql.SQLException;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The failures a {@link dev.earnings.jdbc.StorageException} carries as its cause, with every
 * message withheld. Drivers and JDBI put values into their messages: PostgreSQL's detail quotes a
 * failing row ("Failing row contains (user id, prompt ...)"), JDBI's statement exceptions list the
 * bound arguments. A host that logs the library's exception with its causes would copy user ids
 * and prompts into its logs, so each exception of the chain is replaced by one that keeps its
 * type's name, its SQLSTATE and, from PostgreSQL, the constraint, table and column it names, and
 * its stack trace, and nothing else.
 */
public final class Withheld {
    private Withheld() {
    }

    /**
     * The chain of a failure with every message withheld.
     *
     * @param failure the failure, or {@code null}
     * @return a chain of {@link WithheldSqlException} and {@link WithheldException}, or {@code null}
     */
    public static @Nullable Throwable chainOf(@Nullable Throwable failure) {
        return chainOf(failure, Collections.newSetFromMap(new IdentityHashMap<>()));
    }

    /** {@code seen}: the exceptions already on the way here; a chain may loop through causes or suppressed ones. */
    private static @Nullable Throwable chainOf(@Nullable Throwable failure, Set<Throwable> seen) {
        if (failure == null) {
            return null;
        }
        if (failure instanceof WithheldSqlException || failure instanceof WithheldException) {
            return failure;
        }
        if (!seen.add(failure)) {
            // A loop: this exception is withheld further up the chain already.
            return null;
        }
        Throwable cause = chainOf(failure.getCause(), seen);
        Throwable withheld;
        if (failure instanceof SQLException) {
            SQLException sql = (SQLException) failure;
            withheld = new WithheldSqlException(describe(sql), sql.getSQLState(), sql.getErrorCode(), cause);
        } else {
            withheld = new WithheldException(failure.getClass().getName() + " (message withheld)", cause);
        }
        withheld.setStackTrace(failure.getStackTrace());
        for (Throwable suppressed : failure.getSuppressed()) {
            // A failed rollback or close, attached by JDBI: its message may quote values too.
            Throwable copy = chainOf(suppressed, seen);
            if (copy != null) {
                withheld.addSuppressed(copy);
            }
        }
        return withheld;
    }

    private static String describe(SQLException sql) {
        StringBuilder out = new StringBuilder(sql.getClass().getName()).append(": SQLSTATE ").append(sql.getSQLState());
        if (sql.getClass().getName().equals("org.postgresql.util.PSQLException")) {
            // Loaded only when the driver is there: it is an optional dependency.
            PostgresFields.append(sql, out);
        }
        return out.append(" (the driver's message is withheld: it may quote row values)").toString();
    }

    /** The fields of a PostgreSQL error that name schema objects, never values. */
    private static final class PostgresFields {
        static void append(SQLException sql, StringBuilder out) {
            org.postgresql.util.ServerErrorMessage server = ((org.postgresql.util.PSQLException) sql).getServerErrorMessage();
            if (server == null) {
                return;
            }
            if (server.getConstraint() != null) {
                out.append(", constraint ").append(server.getConstraint());
            }
            if (server.getTable() != null) {
                out.append(", table ").append(server.getTable());
            }
            if (server.getColumn() != null) {
                out.append(", column ").append(server.getColumn());
            }
        }
    }

    /** A database failure whose message is withheld; its SQLSTATE and vendor code are kept. */
    public static final class WithheldSqlException extends SQLException {
        private static final long serialVersionUID = 1L;

        WithheldSqlException(String message, @Nullable String sqlState, int vendorCode, @Nullable Throwable cause) {
            super(message, sqlState, vendorCode, cause);
        }
    }

    /** Any other failure of the chain, by its type's name only. */
    public static final class WithheldException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        WithheldException(String message, @Nullable Throwable cause) {
            super(message, cause);
        }
    }
}
