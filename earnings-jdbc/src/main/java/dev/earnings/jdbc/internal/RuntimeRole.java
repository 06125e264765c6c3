package dev.earnings.jdbc.internal;

import dev.earnings.core.InvalidConfigurationException;
import dev.earnings.jdbc.StorageException;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the PostgreSQL login the library runs as may do with the row-level security of its tables.
 *
 * <p>A superuser and a role with BYPASSRLS are never filtered, so for them a query that forgot its
 * creator filter returns every creator's rows: the library refuses such a login unless the host
 * says it knowingly runs one. The tables' owner is filtered, since the policies are forced on it,
 * but it could turn them off; the library runs as it with a warning, so that deployments with one
 * login keep working (the README shows the two roles to use instead).
 *
 * <p>Names no role in messages: a login's name is half of its credentials.
 */
public final class RuntimeRole {
    private static final Logger LOG = LoggerFactory.getLogger(RuntimeRole.class);

    /**
     * The login's attributes: whether it is a superuser, has BYPASSRLS, and owns (or inherits the
     * rights of the owner of) the library's tables, as seen on {@code earnings_models}.
     */
    private static final String ATTRIBUTES = "SELECT r.rolsuper, r.rolbypassrls, COALESCE((SELECT pg_has_role(current_user,"
            + " c.relowner, 'USAGE') FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
            + " WHERE c.relname = 'earnings_models' AND n.nspname = COALESCE(:schema, current_schema())), false)"
            + " FROM pg_catalog.pg_roles r WHERE r.rolname = current_user";

    private RuntimeRole() {
    }

    /** The login's attributes that matter to row-level security. */
    private record Attributes(boolean superuser, boolean bypassesRls, boolean owner) {
    }

    /**
     * Checks the login of a PostgreSQL pool.
     *
     * @param jdbi the pool the library runs on
     * @param schema the library's schema, or empty for the connection's current schema
     * @param required whether a login that passes the policies is refused (else only logged)
     * @throws InvalidConfigurationException if {@code required} and the login is a superuser or has BYPASSRLS
     * @throws StorageException if the database cannot be asked
     */
    public static void check(Jdbi jdbi, Optional<String> schema, boolean required) {
        Attributes role;
        try {
            role = jdbi.withHandle(h -> h.createQuery(ATTRIBUTES).bind("schema", schema.orElse(null))
                    .map((rs, ctx) -> new Attributes(rs.getBoolean(1), rs.getBoolean(2), rs.getBoolean(3))).one());
        } catch (RuntimeException e) {
            throw new StorageException("could not read the database login's attributes (" + Failures.describe(e) + ")", e,
                    Failures.isTransient(e));
        }
        if (role.superuser() || role.bypassesRls()) {
            String what = "the database login is " + (role.superuser() ? "a superuser" : "a role with BYPASSRLS")
                    + ", so PostgreSQL's row-level security does not apply to it";
            if (required) {
                throw new InvalidConfigurationException("requireRowLevelSecurity", what + "; allowed: a runtime role"
                        + " without SUPERUSER and BYPASSRLS (the README's Row-level security part shows it), with"
                        + " migrations run as the owner through migrationDataSource(...) or migrationCredentials(...);"
                        + " or requireRowLevelSecurity(false) where one privileged login is run knowingly");
            }
            LOG.warn("{}: creators' rows are kept apart by the library's access rules alone"
                    + " (requireRowLevelSecurity(false))", what);
        } else if (role.owner()) {
            LOG.warn("the database login owns the library's tables: row-level security is forced on it too, but it could"
                    + " turn it off; run migrations as the owner and the library as a role of its own (README,"
                    + " Row-level security)");
        }
    }
}
