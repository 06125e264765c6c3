package dev.earnings.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.earnings.jdbc.internal.Dialect;
import dev.earnings.jdbc.internal.Scope;
import dev.earnings.jdbc.internal.Transactor;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.transaction.TransactionIsolationLevel;
import org.junit.jupiter.api.Test;

/**
 * Snapshot reads get the isolation level they ask for on each database, and leave none behind:
 * the next transaction on the same pool runs at the connection's own level again. On PostgreSQL
 * every transaction names its scope for the row-level security policies, and leaves none behind
 * on the connection either.
 */
class TransactorIsolationTest {
    @Test
    void postgresql_namesTheLevelInTheTransactionItself() {
        try (TestDatabase db = TestDatabase.postgres()) {
            db.jdbi.useHandle(h -> h.execute("CREATE SCHEMA \"" + db.schema.orElseThrow() + "\""));
            Transactor tx = new Transactor(db.jdbi, Dialect.POSTGRESQL, 3, java.time.Duration.ofSeconds(5));
            for (int i = 0; i < 3; i++) {
                assertThat(tx.<String>inTransaction("snapshot", TransactionIsolationLevel.REPEATABLE_READ, Scope.SERVICE,
                        (h, attempt) -> shown(h))).isEqualTo("repeatable read");
                assertThat(tx.<String>inTransaction("write", Scope.SERVICE, (h, attempt) -> shown(h))).isEqualTo("read committed");
            }
        }
    }

    @Test
    void postgresql_namesTheScopeInEveryTransaction_andLeavesNoneOnTheConnection() {
        TestDatabase.requirePostgres();
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(TestDatabase.PG_URL);
        config.setUsername(TestDatabase.PG_USER);
        config.setPassword(TestDatabase.PG_PASSWORD);
        // One connection: every transaction below runs on the connection the one before it used.
        config.setMaximumPoolSize(1);
        try (HikariDataSource one = new HikariDataSource(config)) {
            Jdbi jdbi = Jdbi.create(one);
            Transactor tx = new Transactor(jdbi, Dialect.POSTGRESQL, 3, java.time.Duration.ofSeconds(5));
            for (int i = 0; i < 3; i++) {
                assertThat(tx.<List<String>>inSnapshot("snapshot", Scope.of(Caller.creator("creator-" + i)), (h, attempt) -> scope(h)))
                        .containsExactly("creator", "creator-" + i, "repeatable read");
                assertThat(tx.<List<String>>inTransaction("write", Scope.SERVICE, (h, attempt) -> scope(h)))
                        .containsExactly("service", "", "read committed");
                assertThat(tx.<List<String>>inTransaction("admin", Scope.of(Caller.admin("admin-1")), (h, attempt) -> scope(h)))
                        .containsExactly("admin", "", "read committed");
                assertThat(tx.<List<String>>inTransaction("no caller", Scope.of(null), (h, attempt) -> scope(h)))
                        .containsExactly("", "", "read committed");
                // Outside the library's transactions the connection names nobody: the settings were
                // local to each transaction (an unset setting reads as NULL, a reverted one as '').
                assertThat(jdbi.withHandle(TransactorIsolationTest::scope).subList(0, 2))
                        .allSatisfy(value -> assertThat(value == null ? "" : value).isEmpty());
            }
        }
    }

    @Test
    void h2_setsTheLevelThroughJdbc() {
        try (TestDatabase db = TestDatabase.h2()) {
            Transactor tx = new Transactor(db.jdbi, Dialect.H2, 3, java.time.Duration.ofSeconds(5));
            for (int i = 0; i < 3; i++) {
                assertThat(tx.<Integer>inTransaction("snapshot", TransactionIsolationLevel.SERIALIZABLE, Scope.SERVICE,
                        (h, attempt) -> level(h))).isEqualTo(Connection.TRANSACTION_SERIALIZABLE);
                assertThat(tx.<Integer>inTransaction("write", Scope.SERVICE, (h, attempt) -> level(h)))
                        .isEqualTo(Connection.TRANSACTION_READ_COMMITTED);
            }
        }
    }

    private static String shown(Handle h) {
        return h.createQuery("SHOW transaction_isolation").mapTo(String.class).one();
    }

    /** The scope's two settings and the isolation level, as the transaction sees them. */
    private static List<String> scope(Handle h) {
        return h.createQuery("SELECT current_setting('" + Scope.KIND_SETTING + "', true), current_setting('"
                + Scope.CREATOR_SETTING + "', true), current_setting('transaction_isolation')")
                .map((rs, ctx) -> java.util.Arrays.asList(rs.getString(1), rs.getString(2), rs.getString(3))).one();
    }

    private static int level(Handle h) {
        try {
            return h.getConnection().getTransactionIsolation();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
