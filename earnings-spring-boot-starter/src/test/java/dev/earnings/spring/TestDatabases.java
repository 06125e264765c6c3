package dev.earnings.spring;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.earnings.jdbc.testing.PostgresRoles;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import javax.sql.DataSource;
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
    static final String PG_URL = PostgresRoles.PG_URL;
    static final String PG_USER = PostgresRoles.PG_USER;
    static final String PG_PASSWORD = PostgresRoles.PG_PASSWORD;
    static final String OWNER_ROLE = PostgresRoles.OWNER_ROLE;
    static final String RUNTIME_ROLE = PostgresRoles.RUNTIME_ROLE;
    static final String ROLE_PASSWORD = PostgresRoles.ROLE_PASSWORD;

    private TestDatabases() {
    }

    /**
     * A fresh database for one application context: the DataSource the application runs on, the
     * {@code earnings.*} properties that point the library at it, and a login that reads every row
     * (on PostgreSQL the administrative one, which row-level security does not filter) for a test's
     * own SQL, with the schema that qualifies the library's tables.
     *
     * @param runtime what the application connects with
     * @param reader what the test's own SQL connects with
     * @param schema the schema of the library's tables
     * @param properties the properties the application needs for this database
     * @param pools the pools to close with it
     */
    record Fresh(DataSource runtime, DataSource reader, String schema, List<String> properties, List<HikariDataSource> pools)
            implements AutoCloseable {
        /** The table, qualified by the schema. */
        String table(String name) {
            return schema + "." + name;
        }

        @Override
        public void close() {
            pools.forEach(HikariDataSource::close);
        }
    }

    /** A fresh in-memory H2 database, the library's tables in its PUBLIC schema. */
    static Fresh freshH2() {
        JdbcDataSource h2 = h2();
        return new Fresh(h2, h2, "PUBLIC", List.of(), List.of());
    }

    /**
     * A fresh schema in PostgreSQL, migrated by the owner and run by the runtime role, each login
     * through a small pool, as an application's would be.
     */
    static Fresh freshPostgres() {
        String schema = freshSchema();
        HikariDataSource runtime = pool(postgresRuntime(), 4);
        HikariDataSource reader = pool(postgresAdmin(), 2);
        return new Fresh(runtime, reader, schema, List.of("earnings.schema=" + schema, "earnings.migration.username=" + OWNER_ROLE,
                "earnings.migration.password=" + ROLE_PASSWORD), List.of(runtime, reader));
    }

    private static HikariDataSource pool(DataSource logins, int size) {
        HikariConfig config = new HikariConfig();
        config.setDataSource(logins);
        config.setMaximumPoolSize(size);
        config.setMinimumIdle(0);
        return new HikariDataSource(config);
    }

    /**
     * {@code dataSource}, except that while {@code down} says so every new connection fails as a
     * database that cannot be reached does.
     */
    static DataSource switchable(DataSource dataSource, BooleanSupplier down) {
        return (DataSource) Proxy.newProxyInstance(TestDatabases.class.getClassLoader(), new Class<?>[] {DataSource.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("getConnection") && down.getAsBoolean()) {
                        throw new SQLTransientConnectionException("the database is down (simulated)", "08001");
                    }
                    try {
                        return method.invoke(dataSource, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    /** The rows of a query, each as its columns' values. */
    static List<List<Object>> rows(DataSource dataSource, String sql, Object... parameters) {
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(sql)) {
            for (int i = 0; i < parameters.length; i++) {
                s.setObject(i + 1, parameters[i]);
            }
            List<List<Object>> rows = new ArrayList<>();
            try (ResultSet rs = s.executeQuery()) {
                int columns = rs.getMetaData().getColumnCount();
                while (rs.next()) {
                    List<Object> row = new ArrayList<>(columns);
                    for (int i = 1; i <= columns; i++) {
                        row.add(rs.getObject(i));
                    }
                    rows.add(row);
                }
            }
            return rows;
        } catch (SQLException e) {
            throw new IllegalStateException(sql, e);
        }
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

    /** The roles, made when missing, as earnings-jdbc's tests make them ({@link PostgresRoles}). */
    static void createRoles() {
        PostgresRoles.createRoles();
    }
}
