package dev.earnings.jdbc.testing;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * The PostgreSQL the tests run on and the README's two roles there, for earnings-jdbc's tests and
 * (through this module's test-jar) for other modules' PostgreSQL tests, so that every module makes
 * the roles alike.
 *
 * <p>PostgreSQL comes from {@code EARNINGS_TEST_POSTGRES_URL} (user {@code EARNINGS_TEST_POSTGRES_USER},
 * password {@code EARNINGS_TEST_POSTGRES_PASSWORD}), else {@code jdbc:postgresql://127.0.0.1:5432/postgres}
 * as {@code postgres}. {@link #OWNER_ROLE} owns the library's tables and runs its migrations;
 * {@link #RUNTIME_ROLE} owns nothing, has neither SUPERUSER nor BYPASSRLS, and gets its privileges
 * from the owner's default privileges, so every query it makes is filtered by row-level security.
 */
public final class PostgresRoles {
    /** The JDBC URL of the tests' PostgreSQL. */
    public static final String PG_URL = env("EARNINGS_TEST_POSTGRES_URL", "jdbc:postgresql://127.0.0.1:5432/postgres");
    /** The configured (administrative) login. */
    public static final String PG_USER = env("EARNINGS_TEST_POSTGRES_USER", "postgres");
    /** The configured login's password. */
    public static final String PG_PASSWORD = env("EARNINGS_TEST_POSTGRES_PASSWORD", "");
    /** The role that owns the library's tables and runs its migrations. */
    public static final String OWNER_ROLE = "earnings_test_owner";
    /** The role the library runs as: no table of its own, no way past row-level security. */
    public static final String RUNTIME_ROLE = "earnings_test_runtime";
    /** The password of both roles, for servers that ask for one. */
    public static final String ROLE_PASSWORD = "earnings-test";
    private static volatile boolean rolesReady;

    private PostgresRoles() {
    }

    /**
     * The two roles, made when missing: the owner may create schemas in this database, and
     * whatever it creates there is usable by the runtime role (schemas) and open to its reads and
     * writes (tables and sequences). Test JVMs in parallel serialize on an advisory lock per
     * database, and a role another database's run created meanwhile counts as made.
     *
     * @throws IllegalStateException if PostgreSQL cannot be reached or the login may not create
     *     roles: a PostgreSQL test that cannot prepare its database fails, and says why
     */
    public static synchronized void createRoles() {
        if (rolesReady) {
            return;
        }
        try (Connection c = DriverManager.getConnection(PG_URL, PG_USER, PG_PASSWORD); Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            s.execute("SELECT pg_advisory_xact_lock(hashtext('earnings test roles'))");
            for (String role : List.of(OWNER_ROLE, RUNTIME_ROLE)) {
                s.execute("DO $$ BEGIN CREATE ROLE " + role + " LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE"
                        + " PASSWORD '" + ROLE_PASSWORD + "'; EXCEPTION WHEN duplicate_object OR unique_violation THEN"
                        + " NULL; END $$");
            }
            s.execute("DO $$ BEGIN EXECUTE format('GRANT CREATE ON DATABASE %I TO " + OWNER_ROLE + "',"
                    + " current_database()); END $$");
            s.execute("ALTER DEFAULT PRIVILEGES FOR ROLE " + OWNER_ROLE + " GRANT USAGE ON SCHEMAS TO " + RUNTIME_ROLE);
            s.execute("ALTER DEFAULT PRIVILEGES FOR ROLE " + OWNER_ROLE + " GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES"
                    + " TO " + RUNTIME_ROLE);
            s.execute("ALTER DEFAULT PRIVILEGES FOR ROLE " + OWNER_ROLE + " GRANT USAGE, SELECT ON SEQUENCES TO "
                    + RUNTIME_ROLE);
            c.commit();
            rolesReady = true;
        } catch (SQLException e) {
            throw new IllegalStateException("could not create the test roles " + OWNER_ROLE + " and " + RUNTIME_ROLE + " as "
                    + PG_USER + " at " + PG_URL + " (SQLSTATE " + e.getSQLState() + "): PostgreSQL must be reachable and"
                    + " the test login needs CREATEROLE", e);
        }
    }

    private static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value;
    }
}
