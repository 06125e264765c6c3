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

    /**
     * Ordinals are checked a month at a time and across months: an ordinal given twice in one
     * month is found by that month's check, one given in two months (whose ranges then overlap)
     * by the whole check, even where the smallest is still 1 and the largest the count. (On H2 the
     * log keeps a unique index on each model's ordinals, which refuses the corruption.)
     */
    @Test
    void theCheck_findsAnOrdinalGivenTwice_withinAMonthAndAcrossMonths() throws Exception {
        try (TestDatabase db = openDatabase()) {
            MutableClock clock = new MutableClock(at("2025-03-20T12:00:00Z"));
            try (Earnings earnings = db.builder().clock(clock).build()) {
                String model = "model-ordinals";
                earnings.models().register(model, "creator-ordinals", PRICING);
                for (int i = 0; i < 3; i++) {
                    earnings.logModelUsage(use("user-1", model, "march-" + i, at("2025-03-10T10:00:00Z").plusSeconds(60L * i),
                            1, "chat"));
                }
                clock.set(at("2025-04-05T12:00:00Z"));
                for (int i = 0; i < 3; i++) {
                    earnings.logModelUsage(use("user-1", model, "april-" + i, at("2025-04-02T10:00:00Z").plusSeconds(60L * i),
                            1, "chat"));
                }
                assertThat(earnings.verifyIntegrity().isClean()).isTrue();
                String log = db.table("model_usage_logs");
                // April's ordinal 4 becomes 3, which March has: 1, 2, 3, 3, 5, 6.
                db.jdbi.useHandle(h -> h.execute("UPDATE " + log + " SET use_ordinal = 3 WHERE event_id = 'april-0'"));
                assertThat(earnings.verifyIntegrity().drifts())
                        .extracting(d -> d.figure() + " " + d.recomputed() + " " + d.stored().orElseThrow())
                        .containsExactly("distinct_use_ordinals 6 5");
                assertThat(earnings.verifyIntegrity(YearMonth.of(2025, 3)).isClean()).isTrue();
                assertThat(earnings.verifyIntegrity(YearMonth.of(2025, 4)).isClean()).isTrue();
                // March's ordinal 2 becomes 1 instead: 1, 1, 3, 4, 5, 6.
                db.jdbi.useHandle(h -> h.execute("UPDATE " + log + " SET use_ordinal = 4 WHERE event_id = 'april-0'"));
                db.jdbi.useHandle(h -> h.execute("UPDATE " + log + " SET use_ordinal = 1 WHERE event_id = 'march-1'"));
                assertThat(earnings.verifyIntegrity().drifts())
                        .extracting(d -> d.figure() + " " + d.recomputed() + " " + d.stored().orElseThrow())
                        .containsExactly("distinct_use_ordinals 6 5");
                assertThat(earnings.verifyIntegrity(YearMonth.of(2025, 3)).drifts())
                        .extracting(d -> d.figure() + " " + d.recomputed() + " " + d.stored().orElseThrow())
                        .containsExactly("distinct_use_ordinals 3 2");
                assertThat(earnings.verifyIntegrity(YearMonth.of(2025, 4)).isClean()).isTrue();
                db.jdbi.useHandle(h -> h.execute("UPDATE " + log + " SET use_ordinal = 2 WHERE event_id = 'march-1'"));
                assertThat(earnings.verifyIntegrity().isClean()).isTrue();
            }
        }
    }
}
