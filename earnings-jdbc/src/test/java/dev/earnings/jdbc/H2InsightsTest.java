package dev.earnings.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/**
 * Insights on H2. The injected failure of the daily check runs here only: on PostgreSQL the
 * scheduler intermittently did not run the due task within a minute (an open defect, see the
 * project notes), which a test on PostgreSQL would report as a failure of the retry.
 */
class H2InsightsTest extends InsightsSuite {
    @Override
    TestDatabase openDatabase() {
        return TestDatabase.h2();
    }

    /** A failed daily check runs again after the next poll, not on the next day. */
    @Test
    void theDailyCheck_thatFails_runsAgainSoon_notOnTheNextDay() throws Exception {
        try (TestDatabase own = openDatabase()) {
            LocalDate day = LocalDate.of(2025, 11, 5);
            MutableClock ownClock = new MutableClock(day.plusDays(1).atTime(0, 10).toInstant(ZoneOffset.UTC));
            try (Earnings migrated = own.builder().clock(ownClock).build()) {
                assertThat(migrated.insights()).isNotNull();
            }
            String runs = own.table("earnings_insight_runs");
            String moved = own.table("earnings_insight_runs_moved");
            own.jdbi.useHandle(h -> h.execute("ALTER TABLE " + runs + " RENAME TO earnings_insight_runs_moved"));
            Earnings.Builder scheduled = own.builder().clock(ownClock).migrateOnStart(false).insightChecks(true)
                    .payoutSchedulerIntervals(Duration.ofMillis(100), Duration.ofSeconds(1));
            try (Earnings a = scheduled.build()) {
                // The scheduler plans its first run when it has started, from the clock then: the
                // clock moves past 00:15 only once that run is planned for today.
                Await.until("the daily check planned", 60, () -> plannedInsightsRun(own).isPresent());
                assertThat(plannedInsightsRun(own)).contains(day.plusDays(1).atTime(0, 15).toInstant(ZoneOffset.UTC));
                ownClock.set(day.plusDays(1).atTime(0, 16).toInstant(ZoneOffset.UTC));
                Await.until("a failed daily check", 60, () -> insightsTaskFailures(own) > 0);
                Instant retry = own.jdbi.withHandle(h -> h.createQuery("SELECT execution_time FROM "
                        + own.table("earnings_scheduled_tasks") + " WHERE task_name = 'earnings-insights'").mapTo(Instant.class).one());
                assertThat(retry).as("the retry of the failed check").isBefore(day.plusDays(1).atTime(0, 17).toInstant(ZoneOffset.UTC));
                long checkedMeanwhile = own.jdbi.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM " + moved).mapTo(Long.class).one());
                assertThat(checkedMeanwhile).isZero();
                own.jdbi.useHandle(h -> h.execute("ALTER TABLE " + moved + " RENAME TO earnings_insight_runs"));
                ownClock.set(day.plusDays(1).atTime(0, 18).toInstant(ZoneOffset.UTC));
                Await.until("the daily check of " + day + " run again", 60, () -> checkedDays(own).contains(day));
                assertThat(checkedDays(own)).containsExactly(day);
                assertThat(a.verifyIntegrity().isClean()).isTrue();
            }
        }
    }

}
