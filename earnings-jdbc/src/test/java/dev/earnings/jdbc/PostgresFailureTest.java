package dev.earnings.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Failures and their reports on PostgreSQL, plus what only PostgreSQL can do: a backend
 * terminated by {@code pg_terminate_backend} in the middle of a call.
 */
class PostgresFailureTest extends FailureSuite {
    @Override
    TestDatabase openDatabase() {
        return TestDatabase.postgres();
    }

    /**
     * Terminates, from another connection, the backend of {@code connection}, and waits until it
     * is gone.
     *
     * @return the terminated backend's pid
     */
    int terminateBackendOf(Connection connection) throws SQLException {
        int pid;
        try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery("SELECT pg_backend_pid()")) {
            rs.next();
            pid = rs.getInt(1);
        }
        boolean terminated = db.jdbi.withHandle(h -> h.createQuery("SELECT pg_terminate_backend(:pid, 5000)")
                .bind("pid", pid).mapTo(Boolean.class).one());
        if (!terminated) {
            throw new AssertionError("backend " + pid + " was not terminated within 5 s");
        }
        return pid;
    }

    /** Arms a termination of the backend that is about to run the first {@code verb} on {@code table}. */
    List<Integer> terminateBefore(String verb, String table) {
        List<Integer> terminated = new CopyOnWriteArrayList<>();
        AtomicBoolean armed = new AtomicBoolean(true);
        faulty.statementFault = (connection, sql) -> {
            if (FaultyDataSource.writes(sql, verb, table) && armed.compareAndSet(true, false)) {
                terminated.add(terminateBackendOf(connection));
            }
        };
        return terminated;
    }

    void assertGone(List<Integer> terminated) {
        assertThat(terminated).as("the planted termination happened").hasSize(1);
        long alive = db.jdbi.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM pg_stat_activity WHERE pid = :pid")
                .bind("pid", terminated.get(0)).mapTo(Long.class).one());
        assertThat(alive).isZero();
        // The write failed in the driver with the termination (57P01) or a lost connection (class 08).
        assertThat(faulty.driverFailures).hasSize(1);
        assertThat(faulty.driverFailures.get(0)).matches("57P01|08...");
    }

    /** Guards: a terminated backend (57P01) is transient; the call is retried on another connection. */
    @ParameterizedTest(name = "host eventId: {0}")
    @ValueSource(booleans = {true, false})
    void aBackendTerminatedJustBeforeTheUsageRowsAreWritten_isRetriedAndRecordsTheUseOnce(boolean hostEventId) {
        String modelId = newModel();
        List<Integer> terminated = terminateBefore("INSERT", "model_usage_logs");
        long retries = lossy.retries();

        RecordedUse use = lossy.logModelUsage(use(modelId, "user-1", hostEventId ? "killed-" + modelId : null));

        assertGone(terminated);
        assertThat(lossy.retries() - retries).isEqualTo(1);
        assertThat(use.replayed()).isFalse();
        assertThat(use.useOrdinal()).isEqualTo(OptionalLong.of(1));
        assertThat(db.usesOf(modelId)).isEqualTo(1);
        assertThat(earnings.verifyIntegrity().isClean()).isTrue();
    }

    /** Guards: the same for a payout transition: it completes once, with one history event. */
    @Test
    void aBackendTerminatedJustBeforeAPayoutMoves_isRetriedAndMovesItOnce() {
        String creator = creatorEarning(3);
        Payout pending = earnings.payouts().create(ADMIN, PayoutRequest.of(creator, 300, "killed"));
        List<Integer> terminated = terminateBefore("UPDATE", "earnings_transactions");
        long retries = lossy.retries();

        Payout done = lossy.payouts().complete(ADMIN, pending.id(), "transfer 9");

        assertGone(terminated);
        assertThat(lossy.retries() - retries).isEqualTo(1);
        assertThat(done.status()).isEqualTo(PayoutStatus.COMPLETED);
        assertThat(earnings.payouts().history(ADMIN, pending.id())).extracting(PayoutEvent::to)
                .containsExactly(PayoutStatus.PENDING, PayoutStatus.COMPLETED);
        assertThat(earnings.analytics().balance(ADMIN, creator).availableMinor()).isZero();
    }
}
