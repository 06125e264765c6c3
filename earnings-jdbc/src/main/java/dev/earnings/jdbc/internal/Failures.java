package dev.earnings.jdbc.internal;

import java.sql.SQLException;
import java.sql.SQLTransientException;
import java.util.Set;

/**
 * What a database failure is: transient or not, and how to name it in a message without
 * repeating what the driver said (which can quote a row).
 */
public final class Failures {
    /**
     * SQLSTATEs after which the same call can succeed: serialization failure, deadlock (H2 also
     * reports deadlocks as 40001), lock not available, H2's lock timeout and concurrent update,
     * PostgreSQL's terminated and not-yet-accepting backends, and a unique violation, which is a
     * concurrent insert of the same eventId or reference that the retry then finds. Class 08
     * (connection exceptions) is matched by prefix.
     */
    private static final Set<String> TRANSIENT_STATES = Set.of("40001", "40P01", "55P03", "HYT00", "90131", "57P01",
            "57P02", "57P03", "23505");

    /** Undefined table: PostgreSQL's, and H2's (in a database with and without other tables). */
    private static final Set<String> MISSING_OBJECT_STATES = Set.of("42P01", "42S02", "42S04");

    /** Insufficient privilege: a missing grant, or a row a row-level security policy refused to write. */
    private static final String INSUFFICIENT_PRIVILEGE = "42501";

    private Failures() {
    }

    /**
     * Whether a failure may succeed when the whole call is run again: a lost or terminated
     * connection, a serialization failure, a deadlock, a lock timeout, a pool that had no
     * connection in time, or a concurrent insert of the same key.
     *
     * @param failure an exception from the driver, the pool or JDBI
     * @return whether it is transient
     */
    public static boolean isTransient(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SQLTransientException) {
                return true;
            }
            if (t instanceof SQLException) {
                String state = ((SQLException) t).getSQLState();
                if (state != null && (state.startsWith("08") || TRANSIENT_STATES.contains(state))) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * What a failure was, for messages and logs: the SQLSTATE and the exception's type, never the
     * driver's message, which can quote a row's values.
     *
     * @param failure the failure
     * @return for example {@code SQLSTATE 40001, PSQLException}
     */
    public static String describe(Throwable failure) {
        return describe0(failure);
    }

    /**
     * The SQLSTATE of the first SQL exception in a failure's causes.
     *
     * @param failure the failure
     * @return the state, or empty
     */
    public static java.util.Optional<String> state(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SQLException && ((SQLException) t).getSQLState() != null) {
                return java.util.Optional.of(((SQLException) t).getSQLState());
            }
        }
        return java.util.Optional.empty();
    }

    private static String describe0(Throwable failure) {
        String state = null;
        Throwable deepest = failure;
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            deepest = t;
            if (state == null && t instanceof SQLException && ((SQLException) t).getSQLState() != null) {
                state = ((SQLException) t).getSQLState();
            }
        }
        return (state == null ? "no SQLSTATE" : "SQLSTATE " + state) + ", " + deepest.getClass().getSimpleName()
                + (state != null && MISSING_OBJECT_STATES.contains(state)
                        ? "; a table of the library is missing: apply its migrations (migrateOnStart) first"
                        : INSUFFICIENT_PRIVILEGE.equals(state)
                        ? "; the database login lacks a privilege on the library's schema or tables, or a row-level"
                                + " security policy refused the row: grant the runtime role what the README's"
                                + " Row-level security part lists"
                        : "90049".equals(state) ? "; the embedded database's file password is wrong, or its files were"
                                + " written without file encryption (embeddedFileEncryption)"
                        : "90030".equals(state) ? "; the embedded database's files are damaged, or encrypted and opened"
                                + " without their file password (embeddedFileEncryption)"
                        : "");
    }
}
