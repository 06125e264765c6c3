package dev.earnings.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.earnings.jdbc.internal.Failures;
import java.sql.SQLException;
import org.jdbi.v3.core.transaction.TransactionException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Which SQLSTATEs the one retry loop treats as transient: those after which the same call can
 * succeed. Guards the terminated and not-yet-accepting backends (57P01, 57P02, 57P03) and the
 * whole connection-exception class 08, which were once missing, and that errors a retry cannot
 * fix are not retried.
 */
class TransienceTest {

    @ParameterizedTest
    @ValueSource(strings = {"57P01", "57P02", "57P03", "08000", "08001", "08003", "08004", "08006", "08007", "08P01",
            "08S01", "40001", "40P01", "55P03"})
    void retryable(String state) {
        SQLException driver = new SQLException("driver text", state);
        assertThat(Failures.isTransient(driver)).isTrue();
        assertThat(Failures.isTransient(new TransactionException("commit failed", driver))).isTrue();
        assertThat(Failures.isTransient(new RuntimeException(new RuntimeException(driver)))).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"42P01", "23514", "22003", "23502", "42601"})
    void notRetryable(String state) {
        SQLException driver = new SQLException("driver text", state);
        assertThat(Failures.isTransient(driver)).isFalse();
        assertThat(Failures.isTransient(new TransactionException("commit failed", driver))).isFalse();
        assertThat(Failures.isTransient(new RuntimeException(new RuntimeException(driver)))).isFalse();
    }
}
