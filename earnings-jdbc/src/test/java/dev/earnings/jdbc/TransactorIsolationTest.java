package dev.earnings.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.earnings.jdbc.internal.Dialect;
import dev.earnings.jdbc.internal.Transactor;
import java.sql.Connection;
import java.sql.SQLException;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.transaction.TransactionIsolationLevel;
import org.junit.jupiter.api.Test;

/**
 * Snapshot reads get the isolation level they ask for on each database, and leave none behind:
 * the next transaction on the same pool runs at the connection's own level again.
 */
class TransactorIsolationTest {
    @Test
    void postgresql_namesTheLevelInTheTransactionItself() {
        try (TestDatabase db = TestDatabase.postgres()) {
            db.jdbi.useHandle(h -> h.execute("CREATE SCHEMA \"" + db.schema.orElseThrow() + "\""));
            Transactor tx = new Transactor(db.jdbi, Dialect.POSTGRESQL, 3, java.time.Duration.ofSeconds(5));
            for (int i = 0; i < 3; i++) {
                assertThat(tx.<String>inTransaction("snapshot", TransactionIsolationLevel.REPEATABLE_READ, (h, attempt) -> shown(h)))
                        .isEqualTo("repeatable read");
                assertThat(tx.<String>inTransaction("write", (h, attempt) -> shown(h))).isEqualTo("read committed");
            }
        }
    }

    @Test
    void h2_setsTheLevelThroughJdbc() {
        try (TestDatabase db = TestDatabase.h2()) {
            Transactor tx = new Transactor(db.jdbi, Dialect.H2, 3, java.time.Duration.ofSeconds(5));
            for (int i = 0; i < 3; i++) {
                assertThat(tx.<Integer>inTransaction("snapshot", TransactionIsolationLevel.SERIALIZABLE, (h, attempt) -> level(h)))
                        .isEqualTo(Connection.TRANSACTION_SERIALIZABLE);
                assertThat(tx.<Integer>inTransaction("write", (h, attempt) -> level(h)))
                        .isEqualTo(Connection.TRANSACTION_READ_COMMITTED);
            }
        }
    }

    private static String shown(Handle h) {
        return h.createQuery("SHOW transaction_isolation").mapTo(String.class).one();
    }

    private static int level(Handle h) {
        try {
            return h.getConnection().getTransactionIsolation();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
