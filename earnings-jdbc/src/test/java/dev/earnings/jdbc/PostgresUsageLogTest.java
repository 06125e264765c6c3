package dev.earnings.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.YearMonth;
import org.junit.jupiter.api.Test;

/** The usage log on PostgreSQL: partitioned by month, made as needed, archived a month at a time. */
class PostgresUsageLogTest extends UsageLogSuite {
    @Override
    TestDatabase openDatabase() {
        return TestDatabase.postgres();
    }

    /**
     * The library runs as a login that may not create tables (the README's runtime role); the
     * months are made by the migrating role's function, ahead of need and for a use of a month
     * that has none.
     */
    @Test
    void months_areMadeAsUsesNeedThem_byTheRuntimeLogin() {
        try (TestDatabase db = openDatabase()) {
            MutableClock clock = new MutableClock(Instant.parse("2025-06-15T12:00:00Z"));
            try (Earnings earnings = db.builder().clock(clock).build()) {
                assertThat(monthExists(db, YearMonth.of(2025, 6))).as("this month, made at start").isTrue();
                assertThat(monthExists(db, YearMonth.of(2025, 5))).isFalse();
                earnings.models().register("model-m", "creator-m", PRICING);
                earnings.logModelUsage(use("user-1", "model-m", "may-use", Instant.parse("2025-05-12T09:00:00Z"), 3, "chat"));
                assertThat(monthExists(db, YearMonth.of(2025, 5))).as("May, made for its use").isTrue();
                assertThat(monthExists(db, YearMonth.of(2025, 7))).isFalse();
                clock.set(Instant.parse("2025-06-28T12:00:00Z"));
                earnings.logModelUsage("user-2", "model-m", 1, "chat", null);
                assertThat(monthExists(db, YearMonth.of(2025, 7))).as("July, made a week ahead").isTrue();
                assertThat(rowsByMonth(db)).containsEntry("model_usage_logs_2025_05", 1L)
                        .containsEntry("model_usage_logs_2025_06", 1L).hasSize(2);
                assertThat(db.user).isEqualTo(TestDatabase.RUNTIME_ROLE);
                assertThat(earnings.verifyIntegrity().isClean()).isTrue();
            }
        }
    }

    @Test
    void anOldMonth_isArchived_andEveryFigureStaysExact() throws Exception {
        try (TestDatabase db = openDatabase()) {
            archive(db);
        }
    }
}
