package dev.earnings.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.earnings.core.InvalidConfigurationException;
import dev.earnings.core.ModelPricing;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Scheduled payouts, run against each database by a subclass, on the test clock: each period
 * pays every creator at or above the minimum exactly once, also with two instances running the
 * schedule at once; nothing is paid before the period is due; the run is in the audit log once.
 * (Three processes and a killed run: {@link MultiProcessScheduleTest}.)
 */
abstract class ScheduleSuite extends DatabaseSuite {
    static final Instant BEFORE_APRIL = Instant.parse("2026-03-31T23:59:00Z");
    static final Caller ADMIN = Caller.admin("schedule-admin");
    static final AtomicInteger SCHEDULES = new AtomicInteger();

    @Override
    Instant start() {
        return BEFORE_APRIL;
    }

    /** An instance running a monthly schedule of its own name, polling every 100 ms. */
    Earnings scheduling(String schedule) {
        return db.builder().clock(clock.ticking()).migrateOnStart(false).minimumPayoutMinor(500)
                .payoutSchedule(PayoutSchedule.monthly(schedule))
                .payoutSchedulerIntervals(Duration.ofMillis(100), Duration.ofSeconds(1)).build();
    }

    /** The payouts of a schedule's period, by creator: how many each got. */
    Map<String, Long> paidIn(String reference) {
        return db.jdbi.withHandle(h -> h.createQuery("SELECT creator_id FROM " + db.table("earnings_transactions")
                + " WHERE reference LIKE :ref").bind("ref", reference + ":%").mapTo(String.class).list())
                .stream().collect(Collectors.groupingBy(c -> c, Collectors.counting()));
    }

    static void awaitUntil(String what, java.util.function.BooleanSupplier condition) throws InterruptedException {
        Await.until(what, 30, condition);
    }

    String creatorEarning(String perUse, int uses) {
        String creator = "creator-" + UUID.randomUUID();
        String model = newModel(creator, ModelPricing.of(perUse, "0"));
        for (int i = 0; i < uses; i++) {
            earnings.logModelUsage("user-" + i, model, 0, "image_generation", null);
        }
        return creator;
    }

    @Test
    void eachPeriod_paysEveryCreatorAtOrAboveTheMinimumOnce_evenWithTwoInstancesRunningIt() throws Exception {
        clock.set(BEFORE_APRIL);
        String name = "monthly-" + SCHEDULES.incrementAndGet();
        String rich = creatorEarning("6", 1);
        String poor = creatorEarning("4", 1);
        try (Earnings first = scheduling(name); Earnings second = scheduling(name)) {
            assertThat(second.models().find(modelOf(rich))).as("the second instance runs on the same database").isPresent();
            Thread.sleep(500);
            assertThat(paidIn(name)).as("nothing is paid before the period is due").isEmpty();

            clock.set(Instant.parse("2026-04-01T00:00:01Z"));
            String april = name + ":2026-04-01T00:00:00Z";
            awaitUntil("April is paid", () -> paidIn(april).containsKey(rich));
            Thread.sleep(500);
            assertThat(paidIn(april)).containsEntry(rich, 1L).doesNotContainKey(poor);
            Payout aprilPayout = first.payouts().find(ADMIN, payoutOf(rich, april)).orElseThrow();
            assertThat(aprilPayout.amountMinor()).isEqualTo(600);
            assertThat(aprilPayout.createdBy()).isEqualTo("schedule:" + name);

            // More earnings in April; the poor creator reaches the minimum.
            earnings.logModelUsage("user-more", modelOf(poor), 0, "image_generation", null);
            clock.set(Instant.parse("2026-05-01T00:00:01Z"));
            String may = name + ":2026-05-01T00:00:00Z";
            awaitUntil("May is paid", () -> paidIn(may).containsKey(poor));
            Thread.sleep(500);
            assertThat(paidIn(may)).containsEntry(poor, 1L).doesNotContainKey(rich);
            assertThat(first.analytics().balance(ADMIN, poor).availableMinor()).isZero();

            List<AuditEntry> runs = first.admin().auditLog(ADMIN, AuditQuery.all().action(AuditAction.SCHEDULE_RUN)).items()
                    .stream().filter(e -> e.targetId().startsWith(name + ":")).toList();
            assertThat(runs).extracting(AuditEntry::targetId).containsExactlyInAnyOrder(april, may);
            assertThat(runs).allSatisfy(e -> assertThat(e.actor()).isEqualTo("schedule:" + name));
        }
        // Each scheduled payout is one payout.created event of its creator, however many instances ran the period.
        for (String creator : List.of(rich, poor)) {
            List<String> created = db.jdbi.withHandle(h -> h.createQuery("SELECT payload FROM " + db.table("earnings_events")
                    + " WHERE creator_id = :c AND event_type = 'payout.created' ORDER BY position IS NULL, position, id")
                    .bind("c", creator).mapTo(String.class).list());
            assertThat(created).as("payout.created events of %s", creator).hasSize(1);
            assertThat(created.get(0)).contains("\"actor\":\"schedule:" + name + "\"");
        }
    }

    /**
     * Guards: a run in which a payout failed is run again for the same period (not moved to the
     * next one, as db-scheduler's default would), and pays under that period's reference.
     */
    @Test
    void aRunWhosePayoutFailed_isRunAgainForTheSamePeriod() throws Exception {
        clock.set(BEFORE_APRIL);
        String name = "retried-" + SCHEDULES.incrementAndGet();
        String creator = creatorEarning("7", 1);
        FaultyDataSource faulty = new FaultyDataSource(db.dataSource);
        AtomicInteger refused = new AtomicInteger();
        faulty.statementFault = (connection, sql) -> {
            if (FaultyDataSource.writes(sql, "INSERT", "earnings_transactions") && refused.incrementAndGet() <= 2) {
                throw new java.sql.SQLException("payout refused (simulated)", "XX000");
            }
        };
        try (Earnings failing = db.builder(faulty.dataSource()).clock(clock.ticking()).migrateOnStart(false).minimumPayoutMinor(500)
                .payoutSchedule(PayoutSchedule.monthly(name))
                .payoutSchedulerIntervals(Duration.ofMillis(100), Duration.ofSeconds(1)).build()) {
            clock.set(Instant.parse("2026-04-01T00:00:01Z"));
            String april = name + ":2026-04-01T00:00:00Z";
            awaitUntil("April is paid after two failed runs", () -> paidIn(april).containsKey(creator));
            assertThat(refused.get()).as("inserts refused, then one that passed").isGreaterThanOrEqualTo(3);
            assertThat(paidIn(april)).containsEntry(creator, 1L);
            assertThat(paidIn(name)).hasSize(1);
            assertThat(failing.analytics().balance(ADMIN, creator).pending().amount()).isEqualByComparingTo("7");
        }
    }

    String modelOf(String creator) {
        return db.jdbi.withHandle(h -> h.createQuery("SELECT model_id FROM " + db.table("earnings_models")
                + " WHERE creator_id = :c").bind("c", creator).mapTo(String.class).one());
    }

    long payoutOf(String creator, String batch) {
        return db.jdbi.withHandle(h -> h.createQuery("SELECT id FROM " + db.table("earnings_transactions")
                + " WHERE creator_id = :c AND reference = :r").bind("c", creator).bind("r", batch + ":" + creator)
                .mapTo(Long.class).one());
    }

    @Test
    void badSchedules_areRefusedByName() {
        assertThatThrownBy(() -> PayoutSchedule.cron("x", "not a cron")).isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("'not a cron'");
        assertThatThrownBy(() -> PayoutSchedule.monthly("Upper")).isInstanceOf(InvalidConfigurationException.class);
        assertThatThrownBy(() -> PayoutSchedule.monthly("x".repeat(33))).isInstanceOf(InvalidConfigurationException.class);
        assertThatThrownBy(() -> db.builder().payoutSchedule(PayoutSchedule.weekly("w")).payoutSchedule(PayoutSchedule.monthly("w")))
                .isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("given twice");
        assertThatThrownBy(() -> db.builder().payoutSchedulerIntervals(Duration.ofMillis(10), Duration.ofSeconds(1)))
                .isInstanceOf(InvalidConfigurationException.class);
    }
}
