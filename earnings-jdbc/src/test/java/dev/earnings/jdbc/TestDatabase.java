package dev.earnings.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import javax.sql.DataSource;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Assumptions;

/**
 * A fresh database for one test class: an in-memory H2 database, or a fresh schema in PostgreSQL.
 *
 * <p>PostgreSQL comes from {@code EARNINGS_TEST_POSTGRES_URL} (user {@code EARNINGS_TEST_POSTGRES_USER},
 * password {@code EARNINGS_TEST_POSTGRES_PASSWORD}), else {@code jdbc:postgresql://127.0.0.1:5432/postgres}
 * as {@code postgres}. When it cannot be reached the PostgreSQL tests are skipped with a message,
 * except under {@code CI=true}, where that is a failure: a skipped test proves nothing.
 */
final class TestDatabase implements AutoCloseable {
    static final String PG_URL = env("EARNINGS_TEST_POSTGRES_URL", "jdbc:postgresql://127.0.0.1:5432/postgres");
    static final String PG_USER = env("EARNINGS_TEST_POSTGRES_USER", "postgres");
    static final String PG_PASSWORD = env("EARNINGS_TEST_POSTGRES_PASSWORD", "");

    final String name;
    final String url;
    final String user;
    final String password;
    final Optional<String> schema;
    final HikariDataSource dataSource;
    final Jdbi jdbi;
    private final boolean postgres;
    /** The key sets every builder of this database encrypts with, or {@code null} for none. */
    private TestKeys keys;

    private TestDatabase(String name, String url, String user, String password, Optional<String> schema,
            boolean postgres) {
        this.name = name;
        this.url = url;
        this.user = user;
        this.password = password;
        this.schema = schema;
        this.postgres = postgres;
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setUsername(user);
        config.setPassword(password);
        config.setMaximumPoolSize(24);
        config.setPoolName("test-" + name);
        this.dataSource = new HikariDataSource(config);
        this.jdbi = Jdbi.create(dataSource);
    }

    static TestDatabase h2() {
        String db = "earnings_" + UUID.randomUUID().toString().replace("-", "");
        return new TestDatabase("H2", "jdbc:h2:mem:" + db + ";DB_CLOSE_DELAY=-1;LOCK_TIMEOUT=10000", "sa", "",
                Optional.empty(), false);
    }

    static TestDatabase postgres() {
        requirePostgres();
        String schema = "earnings_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
        return new TestDatabase("PostgreSQL", PG_URL, PG_USER, PG_PASSWORD, Optional.of(schema), true);
    }

    /** Skips (or, under CI=true, fails) when PostgreSQL cannot be reached. */
    static void requirePostgres() {
        try (Connection c = DriverManager.getConnection(PG_URL, PG_USER, PG_PASSWORD)) {
            c.isValid(5);
        } catch (SQLException e) {
            String message = "PostgreSQL is unreachable at " + PG_URL + " as " + PG_USER + " (" + e.getMessage()
                    + "); start it or set EARNINGS_TEST_POSTGRES_URL";
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                throw new AssertionError(message + "; with CI=true the PostgreSQL tests may not be skipped", e);
            }
            Assumptions.assumeTrue(false, message);
        }
    }

    /** A second pool on the same database whose lock waits give up after {@code millis}. */
    HikariDataSource withLockTimeout(int millis) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setUsername(user);
        config.setPassword(password);
        config.setMaximumPoolSize(4);
        config.setPoolName("test-" + name + "-short-locks");
        config.setConnectionInitSql(postgres ? "SET lock_timeout = '" + millis + "ms'" : "SET LOCK_TIMEOUT " + millis);
        return new HikariDataSource(config);
    }

    /** A builder wired to this database and schema. */
    Earnings.Builder builder() {
        return builder(dataSource);
    }

    /** A builder wired to another pool on this database, with this test's schema and key sets. */
    Earnings.Builder builder(DataSource pool) {
        Earnings.Builder builder = Earnings.builder().dataSource(pool);
        schema.ifPresent(builder::schema);
        if (keys != null) {
            builder.encryption(keys.metadata, keys.userIds);
        }
        return builder;
    }

    /** Every builder of this database encrypts at rest with {@code keys} from now on. */
    TestDatabase encrypted(TestKeys keys) {
        this.keys = keys;
        return this;
    }

    /** The key sets the builders encrypt with, or {@code null}. */
    TestKeys keys() {
        return keys;
    }

    /** A user id as it is stored: its token when encrypted, else itself. */
    String storedUser(String userId) {
        return keys == null ? userId : keys.token(userId);
    }

    /** The plain text of metadata as stored for eventId: decrypted when encrypted. */
    String plainMetadata(String stored, String eventId) {
        return keys == null || stored == null ? stored : keys.decrypt(stored, eventId);
    }

    /** The table's name qualified with the test schema. */
    String table(String table) {
        return schema.map(s -> '"' + s + "\"." + table).orElse(table);
    }

    long count(String table) {
        return jdbi.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM " + table(table)).mapTo(Long.class).one());
    }

    /** Usage rows recorded for one model. */
    long usesOf(String modelId) {
        return jdbi.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM " + table("model_usage_logs") + " WHERE model_id = ?")
                .bind(0, modelId).mapTo(Long.class).one());
    }

    boolean isPostgres() {
        return postgres;
    }

    @Override
    public void close() {
        try {
            schema.ifPresent(s -> jdbi.useHandle(h -> h.execute("DROP SCHEMA \"" + s + "\" CASCADE")));
            if (!postgres) {
                jdbi.useHandle(h -> h.execute("DROP ALL OBJECTS"));
            }
        } finally {
            dataSource.close();
        }
    }

    @Override
    public String toString() {
        return name.toLowerCase(Locale.ROOT);
    }

    private static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value;
    }
}
