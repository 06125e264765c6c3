package dev.earnings.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.earnings.jdbc.testing.PostgresRoles;
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
 *
 * <p>On PostgreSQL the library runs as the README's two roles: migrations as {@link #OWNER_ROLE},
 * which owns the tables, and everything else as {@link #RUNTIME_ROLE}, which owns nothing, has
 * neither SUPERUSER nor BYPASSRLS, and gets its privileges from the owner's default privileges, so
 * every query the library makes is filtered by row-level security. The test's own reads and
 * tampering ({@link #jdbi}) go through the configured login, which sees every row. The roles are
 * created once per database when missing (they belong to the whole cluster, so several test JVMs
 * may race to create them). On H2 all three are the one login {@code sa}.
 */
final class TestDatabase implements AutoCloseable {
    static final String PG_URL = PostgresRoles.PG_URL;
    /**
     * Whether the PostgreSQL tests distribute their tables on Citus ({@code EARNINGS_TEST_CITUS=true},
     * with {@code EARNINGS_TEST_POSTGRES_URL} naming a Citus coordinator): how the suites are run
     * against a Citus cluster by hand.
     */
    static final boolean CITUS = "true".equalsIgnoreCase(System.getenv("EARNINGS_TEST_CITUS"));
    static final String PG_USER = PostgresRoles.PG_USER;
    static final String PG_PASSWORD = PostgresRoles.PG_PASSWORD;
    /** The role that owns the library's tables and runs its migrations. */
    static final String OWNER_ROLE = PostgresRoles.OWNER_ROLE;
    /** The role the library runs as: no table of its own, no way past row-level security. */
    static final String RUNTIME_ROLE = PostgresRoles.RUNTIME_ROLE;
    /** The password of both roles, for servers that ask for one. */
    static final String ROLE_PASSWORD = PostgresRoles.ROLE_PASSWORD;

    final String name;
    final String url;
    /** The login the library runs as. */
    final String user;
    final String password;
    /** The login the library's migrations run as. */
    final String ownerUser;
    final String ownerPassword;
    final Optional<String> schema;
    /** The pool the library runs on, as {@link #user}. */
    final HikariDataSource dataSource;
    /** The test's own view of the database, past row-level security: on PostgreSQL the configured login. */
    final Jdbi jdbi;
    final boolean postgres;
    /** PostgreSQL: the configured login's pool behind {@link #jdbi}, and the owner's pool for migrations. */
    private final HikariDataSource inspection;
    private final HikariDataSource migrations;
    /** The key sets every builder of this database encrypts with, or {@code null} for none. */
    private TestKeys keys;

    private TestDatabase(String name, String url, String user, String password, String ownerUser, String ownerPassword,
            Optional<String> schema, boolean postgres) {
        this.name = name;
        this.url = url;
        this.user = user;
        this.password = password;
        this.ownerUser = ownerUser;
        this.ownerPassword = ownerPassword;
        this.schema = schema;
        this.postgres = postgres;
        this.dataSource = pool(name, user, password, 24, -1);
        if (postgres) {
            this.inspection = pool(name + "-inspection", PG_USER, PG_PASSWORD, 8, 1);
            this.migrations = pool(name + "-migrations", ownerUser, ownerPassword, 3, 0);
            this.jdbi = Jdbi.create(inspection);
        } else {
            this.inspection = null;
            this.migrations = null;
            this.jdbi = Jdbi.create(dataSource);
        }
    }

    private HikariDataSource pool(String poolName, String login, String secret, int size, int minimumIdle) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setUsername(login);
        config.setPassword(secret);
        config.setMaximumPoolSize(size);
        if (minimumIdle >= 0) {
            config.setMinimumIdle(minimumIdle);
        }
        config.setPoolName("test-" + poolName);
        return new HikariDataSource(config);
    }

    static TestDatabase h2() {
        String db = "earnings_" + UUID.randomUUID().toString().replace("-", "");
        return new TestDatabase("H2", "jdbc:h2:mem:" + db + ";DB_CLOSE_DELAY=-1;LOCK_TIMEOUT=10000", "sa", "", "sa", "",
                Optional.empty(), false);
    }

    static TestDatabase postgres() {
        requirePostgres();
        createRoles();
        String schema = "earnings_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
        return new TestDatabase("PostgreSQL", PG_URL, RUNTIME_ROLE, ROLE_PASSWORD, OWNER_ROLE, ROLE_PASSWORD,
                Optional.of(schema), true);
    }

    /** The README's two roles, made when missing ({@link PostgresRoles#createRoles}). */
    static void createRoles() {
        PostgresRoles.createRoles();
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

    /**
     * A builder wired to another pool on this database, with this test's schema and key sets; on
     * PostgreSQL its migrations run as the owner.
     */
    Earnings.Builder builder(DataSource pool) {
        Earnings.Builder builder = Earnings.builder().dataSource(pool);
        if (migrations != null) {
            builder.migrationDataSource(migrations);
        }
        if (postgres && CITUS) {
            builder.distributeOnCitus(true);
        }
        schema.ifPresent(builder::schema);
        if (keys != null) {
            builder.encryption(keys.metadata, keys.userIds);
        }
        return builder;
    }

    /** A builder whose pool the library creates from this database's URL, with both logins. */
    Earnings.Builder urlBuilder() {
        Earnings.Builder builder = Earnings.builder().jdbcUrl(url, user, password);
        if (postgres) {
            builder.migrationCredentials(ownerUser, ownerPassword);
            builder.distributeOnCitus(CITUS);
        }
        if (keys != null) {
            builder.encryption(keys.metadata, keys.userIds);
        }
        return builder;
    }

    /** The pool migrations run on: the owner's on PostgreSQL, the one pool on H2. */
    DataSource migrationPool() {
        return migrations != null ? migrations : dataSource;
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
            if (inspection != null) {
                inspection.close();
                migrations.close();
            }
        }
    }

    @Override
    public String toString() {
        return name.toLowerCase(Locale.ROOT);
    }
}
