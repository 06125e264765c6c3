package dev.earnings.jdbc.internal;

import dev.earnings.core.InvalidConfigurationException;
import dev.earnings.jdbc.StorageException;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;

/**
 * Whether the library's tables are distributed by Citus, which decides the {@link Dialect}: read
 * from Citus' own catalog at start, so every instance on a distributed schema uses the Citus forms
 * of its statements, whichever instance distributed it.
 */
public final class Citus {
    /** Where the distribution step is: a Flyway location of its own, with its own history table. */
    public static final String LOCATION = "classpath:dev/earnings/jdbc/citus";
    /** The distribution step's history table. */
    public static final String HISTORY = "earnings_citus_history";

    private Citus() {
    }

    /**
     * Whether the database has the Citus extension.
     *
     * @param jdbi the pool
     * @return whether Citus is installed in the database
     * @throws StorageException if the database cannot be asked
     */
    public static boolean installed(Jdbi jdbi) {
        return ask(jdbi, "SELECT COUNT(*) FROM pg_catalog.pg_extension WHERE extname = 'citus'", Optional.empty());
    }

    /**
     * Whether the library's models table is distributed by Citus in its schema; when it is, the
     * caller's scope is sent as literals, which needs {@code standard_conforming_strings}.
     *
     * @param jdbi the pool
     * @param schema the library's schema, or empty for the connection's current schema
     * @return whether distributed
     * @throws InvalidConfigurationException if distributed and the database does not take
     *     backslashes in strings literally
     * @throws StorageException if the database cannot be asked
     */
    public static boolean distributed(Jdbi jdbi, Optional<String> schema) {
        if (!installed(jdbi)) {
            return false;
        }
        boolean distributed = ask(jdbi, "SELECT COUNT(*) FROM pg_catalog.pg_dist_partition p JOIN pg_catalog.pg_class c"
                + " ON c.oid = p.logicalrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
                + " WHERE c.relname = 'earnings_models' AND n.nspname = COALESCE(:schema, current_schema())", schema);
        if (distributed && !ask(jdbi, "SELECT COUNT(*) FROM (SELECT 1) x WHERE current_setting('standard_conforming_strings')"
                + " = 'on'", Optional.empty())) {
            throw new InvalidConfigurationException("database", "standard_conforming_strings is off; allowed: on (the"
                    + " default since PostgreSQL 9.1), with which the library names the caller to Citus' workers");
        }
        return distributed;
    }

    private static boolean ask(Jdbi jdbi, String sql, Optional<String> schema) {
        try {
            return jdbi.withHandle(h -> {
                var query = h.createQuery(sql);
                if (sql.contains(":schema")) {
                    query.bind("schema", schema.orElse(null));
                }
                return query.mapTo(Long.class).one();
            }) > 0;
        } catch (RuntimeException e) {
            throw new StorageException("could not read whether the tables are distributed by Citus ("
                    + Failures.describe(e) + ")", e, Failures.isTransient(e));
        }
    }
}
