package dev.earnings.spring;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.UUID;
import org.h2.jdbcx.JdbcDataSource;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * The databases the starter's tests run on: a fresh in-memory H2 database, or a fresh schema in
 * PostgreSQL reached as earnings-jdbc's tests reach it ({@code EARNINGS_TEST_POSTGRES_URL}, user
 * {@code EARNINGS_TEST_POSTGRES_USER}, password {@code EARNINGS_TEST_POSTGRES_PASSWORD}; by default
 * {@code postgres} on 127.0.0.1:5432), with the README's two roles: an owner that migrates and a
 * runtime role that owns nothing and is filtered by row-level security.
 *
 * <p>The data sources are unpooled and have no {@code close()}, so a context that closes does not
 * close them and a test can look at what the library wrote after its context is gone.
 */
final class TestDatabases {
    static final String PG_URL = env("EARNINGS_TEST_POSTGRES_URL", "jdbc:postgresql://127.0.0.1:5432/postgres");
    static final String PG_USER = env("EARNINGS_TEST_POSTGRES_USER", "postgres");
    static final String PG_PASSWORD = env("EARNINGS_TEST_POSTGRES_PASSWORD", "");
    static final String OWNER_ROLE = "earnings_test_owner";
    static final String RUNTIME_ROLE = "earnings_test_runtime";
    static final String ROLE_PASSWORD = "earnings-test";
    private static volatile boolean rolesReady;

    private TestDatabases() {
    }

    /** A fresh in-memory H2 database that lives until the JVM ends. */
    static JdbcDataSource h2() {
        JdbcDataSource ds = new JdbcDataSource();
        ds.setURL("jdbc:h2:mem:starter_" + UUID.randomUUID().toString().replace("-", "")
                + ";DB_CLOSE_DELAY=-1;LOCK_TIMEOUT=10000");
        ds.setUser("sa");
        ds.setPassword("");
        return ds;
    }

    /** A fresh schema name for PostgreSQL. */
    static String freshSchema() {
        return "earnings_starter_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    }

    /** A data source logging in as {@code user}, once the roles exist. */
    static PGSimpleDataSource postgres(String user, String password) {
        createRoles();
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setURL(PG_URL);
        ds.setUser(user);
        ds.setPassword(password);
        return ds;
    }

    /** A data source logging in as the runtime role. */
    static PGSimpleDataSource postgresRuntime() {
        return postgres(RUNTIME_ROLE, ROLE_PASSWORD);
    }

    /** A data source logging in as the configured (administrative) login. */
    static PGSimpleDataSource postgresAdmin() {
        return postgres(PG_USER, PG_PASSWORD);
    }

    /**
     * The roles, made when missing (as earnings-jdbc's TestDatabase makes them; both may run at
     * once, so they serialize on the same advisory lock).
     */
    static synchronized void createRoles() {
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
            // No skip: a PostgreSQL test that cannot reach its database fails, and says why.
            throw new IllegalStateException("PostgreSQL at " + PG_URL + " as " + PG_USER + " is needed for this test and"
                    + " could not be prepared (SQLSTATE " + e.getSQLState() + ")", e);
        }
    }

    private static String env(String name, String otherwise) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? otherwise : value;
    }
}
