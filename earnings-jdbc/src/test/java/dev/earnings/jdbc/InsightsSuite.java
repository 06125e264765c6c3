package dev.earnings.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.earnings.core.InvalidInputException;
import dev.earnings.core.ModelPricing;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.YearMonth;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Insights, run against each database by a subclass: alerts over recorded uses compared with the
 * test's own computation over the raw rows, raised once however often and from however many
 * instances a day is checked; goals and their progress in UTC and in other zones, reached once;
 * recommendations for constructed models; the access rules and bad input of every call.
 *
 * <p>Every test keeps to days of its own, far enough from the others' that their uses never fall
 * in its baselines; the clock is set to each use's time as it is recorded.
 */
abstract class InsightsSuite extends DatabaseSuite {
    static final Instant NOW = Instant.parse("2026-06-15T12:00:00Z");
    static final Caller ADMIN = Caller.admin("admin-insights");
    static final BigDecimal CENT = new BigDecimal("0.01");

    @Override
    Instant start() {
        return NOW;
    }

    @BeforeEach
    void resetClock() {
        clock.set(NOW);
    }

    // ------------------------------------------------------------------ helpers

    static Instant noon(LocalDate day) {
        return day.atTime(LocalTime.NOON).toInstant(ZoneOffset.UTC);
    }

    /** A creator of their own with one model registered at {@code at}. */
    String[] creatorWithModel(Instant at, String perUse) {
        clock.set(at);
        String creator = "creator-" + UUID.randomUUID();
        String model = creator + "-m";
        earnings.models().register(model, creator, ModelPricing.of(perUse, "0"));
        return new String[] {creator, model};
    }

    /** {@code n} uses of the model at {@code at} (the clock set there), by distinct users; their eventIds. */
    List<String> usesAt(String model, Instant at, int n) {
        clock.set(at);
        List<UsageRequest> requests = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            requests.add(UsageRequest.builder("user-" + i, model).usageType("image_generation").build());
        }
        BatchResult result = earnings.logModelUsageBatch(requests);
        assertThat(result.rejected()).isZero();
        return result.items().stream().map(item -> item.use().orElseThrow().eventId()).collect(Collectors.toList());
    }

    List<String> usesOn(String model, LocalDate day, int n) {
        return usesAt(model, noon(day), n);
    }

    long eventsOf(String creatorId, String type) {
        return db.jdbi.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM " + db.table("earnings_events")
                + " WHERE creator_id = :c AND event_type = :t").bind("c", creatorId).bind("t", type).mapTo(Long.class).one());
    }

    List<String> payloadsOf(String creatorId, String type) {
        return db.jdbi.withHandle(h -> h.createQuery("SELECT payload FROM " + db.table("earnings_events")
                + " WHERE creator_id = :c AND event_type = :t ORDER BY id").bind("c", creatorId).bind("t", type)
                .mapTo(String.class).list());
    }

    long alertRows(String modelId) {
        return db.jdbi.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM " + db.table("earnings_alerts")
                + " WHERE model_id = :m").bind("m", modelId).mapTo(Long.class).one());
    }

    static List<Alert> of(List<Alert> alerts, String modelId) {
        return alerts.stream().filter(a -> a.modelId().equals(modelId)).collect(Collectors.toList());
    }

    /** The alerts the rule gives for a model's day, computed here from the raw usage and reversal rows. */
    List<String> expectedAlerts(String modelId, LocalDate day) {
        Map<LocalDate, BigDecimal> uses = new HashMap<>();
        Map<LocalDate, BigDecimal> net = new HashMap<>();
        db.jdbi.useHandle(h -> {
            h.createQuery("SELECT occurred_at, earnings FROM " + db.table("model_usage_logs") + " WHERE model_id = :m")
                    .bind("m", modelId).map((rs, ctx) -> {
                        LocalDate d = rs.getObject(1, java.time.OffsetDateTime.class).toInstant().atZone(ZoneOffset.UTC)
                                .toLocalDate();
                        uses.merge(d, BigDecimal.ONE, BigDecimal::add);
                        return net.merge(d, rs.getBigDecimal(2), BigDecimal::add);
                    }).list();
            h.createQuery("SELECT reversed_at, amount FROM " + db.table("earnings_reversals") + " WHERE model_id = :m")
                    .bind("m", modelId).map((rs, ctx) -> net.merge(rs.getObject(1, java.time.OffsetDateTime.class)
                            .toInstant().atZone(ZoneOffset.UTC).toLocalDate(), rs.getBigDecimal(2).negate(), BigDecimal::add))
                    .list();
        });
        List<String> expected = new ArrayList<>();
        expected.addAll(expectedOf("USES", uses, day, BigDecimal.ONE));
        // Earnings: one use's worth, on average over the baseline, and at least a cent.
        BigDecimal baselineUses = BigDecimal.ZERO;
        BigDecimal baselineNet = BigDecimal.ZERO;
        for (int i = 28; i >= 1; i--) {
            baselineUses = baselineUses.add(uses.getOrDefault(day.minusDays(i), BigDecimal.ZERO));
            baselineNet = baselineNet.add(net.getOrDefault(day.minusDays(i), BigDecimal.ZERO));
        }
        BigDecimal unit = baselineUses.signum() == 0 ? CENT
                : CENT.max(baselineNet.divide(baselineUses, 12, java.math.RoundingMode.HALF_EVEN));
        expected.addAll(expectedOf("EARNINGS", net, day, unit));
        return expected;
    }

    private static List<String> expectedOf(String metric, Map<LocalDate, BigDecimal> byDay, LocalDate day, BigDecimal unit) {
        List<BigDecimal> baseline = new ArrayList<>();
        for (int i = 28; i >= 1; i--) {
            baseline.add(byDay.getOrDefault(day.minusDays(i), BigDecimal.ZERO));
        }
        BigDecimal x = byDay.getOrDefault(day, BigDecimal.ZERO);
        BigDecimal median = middle(baseline);
        List<BigDecimal> deviations = baseline.stream().map(v -> v.subtract(median).abs()).collect(Collectors.toList());
        BigDecimal mad = middle(deviations);
        BigDecimal twentieth = median.abs().divide(BigDecimal.valueOf(20));
        BigDecimal used = Collections.max(List.of(mad, unit, twentieth));
        BigDecimal threshold = used.multiply(BigDecimal.valueOf(3));
        if (x.subtract(median).abs().compareTo(threshold) <= 0) {
            return List.of();
        }
        return List.of(line(metric, x.compareTo(median) > 0 ? "ABOVE" : "BELOW", x, median, used, threshold));
    }

    private static BigDecimal middle(List<BigDecimal> values) {
        List<BigDecimal> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return sorted.get(13).add(sorted.get(14)).divide(BigDecimal.valueOf(2));
    }

    static String line(String metric, String direction, BigDecimal value, BigDecimal median, BigDecimal mad,
            BigDecimal threshold) {
        return metric + " " + direction + " " + plain(value) + " " + plain(median) + " " + plain(mad) + " " + plain(threshold);
    }

    static String line(Alert a) {
        return line(a.metric().name(), a.direction().name(), a.value(), a.median(), a.mad(), a.threshold());
    }

    static String plain(BigDecimal value) {
        return value.signum() == 0 ? "0" : value.stripTrailingZeros().toPlainString();
    }

    /** The creator's earnings in [from, to), computed here from the raw rows: uses by occurred_at, reversals by reversed_at. */
    BigDecimal earnedFromRows(String creatorId, Instant from, Instant to) {
        return db.jdbi.withHandle(h -> h.createQuery("SELECT (SELECT COALESCE(SUM(earnings), 0) FROM "
                + db.table("model_usage_logs") + " WHERE creator_id = :c AND occurred_at >= :f AND occurred_at < :t)"
                + " - (SELECT COALESCE(SUM(amount), 0) FROM " + db.table("earnings_reversals")
                + " WHERE creator_id = :c AND reversed_at >= :f AND reversed_at < :t)")
                .bind("c", creatorId).bind("f", from).bind("t", to).mapTo(BigDecimal.class).one());
    }

    BigDecimal earnedFromRows(String creatorId, YearMonth month, ZoneId zone) {
        return earnedFromRows(creatorId, month.atDay(1).atStartOfDay(zone).toInstant(),
                month.plusMonths(1).atDay(1).atStartOfDay(zone).toInstant());
    }

    /** Rows in every table, the insights' included. */
    Map<String, Long> allRowCounts() {
        Map<String, Long> counts = rowCounts();
        for (String table : List.of("earnings_alerts", "earnings_goals", "earnings_insight_runs")) {
            counts.put(table, db.count(table));
        }
        return counts;
    }

    // ------------------------------------------------------------------ alerts

    @Test
    void alerts_overRecordedUses_matchTheRuleComputedFromTheRawRows() {
        LocalDate registered = LocalDate.of(2025, 1, 1);
        String[] c = creatorWithModel(noon(registered), "0.10");
        String creator = c[0];
        String model = c[1];
        LocalDate spike = registered.plusDays(35);
        List<String> early = new ArrayList<>();
        for (LocalDate d = registered.plusDays(1); !d.isAfter(registered.plusDays(40)); d = d.plusDays(1)) {
            int n = d.equals(spike) ? 30 : 5 + d.getDayOfMonth() % 3;
            if (d.equals(spike.minusDays(3))) {
                continue;   // a day without uses counts as zero
            }
            List<String> ids = usesOn(model, d, n);
            if (early.isEmpty()) {
                early.addAll(ids);
            }
        }
        // A reversal booked on a baseline day lowers that day's net earnings.
        clock.set(noon(spike.minusDays(5)).plusSeconds(60));
        earnings.reversals().reverse(ADMIN, ReversalRequest.whole(early.get(0), "alerts-refund-" + model, "refund"));
        // A young model (registered 10 days before the spike) never alerts.
        String[] young = creatorWithModel(noon(spike.minusDays(10)), "0.10");
        usesOn(young[1], spike, 50);
        clock.set(noon(registered.plusDays(45)));

        List<Alert> raised = earnings.insights().checkAlerts(ADMIN, spike);

        List<String> expected = expectedAlerts(model, spike);
        assertThat(expected).hasSize(2).allSatisfy(l -> assertThat(l).contains("ABOVE"));
        assertThat(of(raised, model)).extracting(InsightsSuite::line).containsExactlyElementsOf(expected);
        assertThat(of(raised, young[1])).isEmpty();
        Alert uses = of(raised, model).get(0);
        assertThat(uses.metric()).isEqualTo(Alert.Metric.USES);
        assertThat(uses.creatorId()).isEqualTo(creator);
        assertThat(uses.day()).isEqualTo(spike);
        assertThat(uses.value()).isEqualByComparingTo("30");
        assertThat(uses.raisedAt()).isEqualTo(noon(registered.plusDays(45)));
        assertThat(uses.explanation()).contains(model, "had 30 uses on " + spike, "above the median of "
                + plain(uses.median()), "threshold of " + plain(uses.threshold()));
        Alert money = of(raised, model).get(1);
        BigDecimal spikeEarnings = db.jdbi.withHandle(h -> h.createQuery("SELECT SUM(earnings) FROM "
                + db.table("model_usage_logs") + " WHERE model_id = :m AND usage_day = :d").bind("m", model).bind("d", spike)
                .mapTo(BigDecimal.class).one());
        assertThat(money.value()).isEqualByComparingTo(spikeEarnings);
        assertThat(money.explanation()).contains("USD");
        // One event each, with the figures.
        List<String> payloads = payloadsOf(creator, "alert.raised");
        assertThat(payloads).hasSize(2);
        assertThat(payloads.get(0)).contains("\"modelId\":\"" + model + "\"", "\"day\":\"" + spike + "\"",
                "\"metric\":\"uses\"", "\"direction\":\"above\"", "\"value\":\"30\"").doesNotContain("currency", "user-");
        assertThat(payloads.get(1)).contains("\"metric\":\"earnings\"", "\"currency\":\"USD\"",
                "\"value\":\"" + money.value().toPlainString() + "\"");
        assertThat(money.value().scale()).isEqualTo(12);

        // Every other day of the model agrees with the rule too (most raise nothing).
        for (LocalDate d = registered.plusDays(28); !d.isAfter(registered.plusDays(42)); d = d.plusDays(1)) {
            List<Alert> day = of(earnings.insights().checkAlerts(ADMIN, d), model);
            List<Alert> stored = of(earnings.insights().alerts(ADMIN, creator, ReportPeriod.between(d, d.plusDays(1))), model);
            assertThat(stored).extracting(InsightsSuite::line).as("alerts of %s", d)
                    .containsExactlyInAnyOrderElementsOf(expectedAlerts(model, d));
            if (!d.equals(spike)) {
                assertThat(day).extracting(InsightsSuite::line).containsExactlyInAnyOrderElementsOf(expectedAlerts(model, d));
            }
        }
        // Reading: newest day first; a creator reads their own.
        List<Alert> all = earnings.insights().alerts(Caller.creator(creator), creator,
                ReportPeriod.between(registered, registered.plusDays(60)));
        assertThat(all).isNotEmpty().allSatisfy(a -> assertThat(a.creatorId()).isEqualTo(creator));
        assertThat(all).extracting(Alert::day).isSortedAccordingTo(java.util.Comparator.reverseOrder());
        assertThat(all).filteredOn(a -> a.day().equals(spike)).extracting(InsightsSuite::line).containsExactlyElementsOf(expected);
        assertThat(earnings.insights().alerts(Caller.creator(creator), creator,
                ReportPeriod.between(LocalDate.of(2024, 1, 1), LocalDate.of(2024, 12, 31)))).isEmpty();
    }

    @Test
    void aDayCheckedTwice_raisesEachAlertOnce() {
        LocalDate registered = LocalDate.of(2025, 4, 1);
        String[] c = creatorWithModel(noon(registered), "0.10");
        LocalDate spike = registered.plusDays(30);
        for (LocalDate d = registered; d.isBefore(spike); d = d.plusDays(1)) {
            usesOn(c[1], d, 5);
        }
        usesOn(c[1], spike, 1);   // a drop: 1 use where the median is 5, more than 3 below it
        clock.set(noon(spike.plusDays(2)));

        List<Alert> first = of(earnings.insights().checkAlerts(ADMIN, spike), c[1]);
        List<Alert> second = of(earnings.insights().checkAlerts(ADMIN, spike), c[1]);

        assertThat(first).extracting(a -> a.metric() + " " + a.direction())
                .containsExactly("USES BELOW", "EARNINGS BELOW");
        assertThat(first).extracting(InsightsSuite::line).containsExactlyElementsOf(expectedAlerts(c[1], spike));
        assertThat(second).isEmpty();
        assertThat(alertRows(c[1])).isEqualTo(2);
        assertThat(eventsOf(c[0], "alert.raised")).isEqualTo(2);
        assertThat(earnings.insights().alerts(ADMIN, c[0], ReportPeriod.between(spike, spike.plusDays(1))))
                .usingRecursiveFieldByFieldElementComparator().containsExactlyElementsOf(first);
    }

    @Test
    void aDayCheckedFromTwoInstancesAtOnce_raisesEachAlertOnce() throws Exception {
        LocalDate registered = LocalDate.of(2025, 7, 1);
        List<String[]> creators = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            creators.add(creatorWithModel(noon(registered), "0.10"));
        }
        LocalDate spike = registered.plusDays(30);
        for (LocalDate d = registered; d.isBefore(spike); d = d.plusDays(1)) {
            for (String[] c : creators) {
                usesOn(c[1], d, 2);
            }
        }
        for (String[] c : creators) {
            usesOn(c[1], spike, 20);
        }
        clock.set(noon(spike.plusDays(1)));
        List<List<Alert>> results = new ArrayList<>();
        try (Earnings other = db.builder().clock(clock).migrateOnStart(false).build()) {
            ExecutorService pool = Executors.newFixedThreadPool(2);
            try {
                CountDownLatch go = new CountDownLatch(1);
                List<Future<List<Alert>>> futures = new ArrayList<>();
                for (Earnings instance : List.of(earnings, other)) {
                    futures.add(pool.submit(() -> {
                        go.await();
                        return instance.insights().checkAlerts(ADMIN, spike);
                    }));
                }
                go.countDown();
                for (Future<List<Alert>> f : futures) {
                    results.add(f.get());
                }
            } finally {
                pool.shutdownNow();
            }
        }
        for (String[] c : creators) {
            List<Alert> raised = new ArrayList<>(of(results.get(0), c[1]));
            raised.addAll(of(results.get(1), c[1]));
            assertThat(raised).as("alerts of %s raised by either instance", c[1]).extracting(a -> a.metric().name())
                    .containsExactlyInAnyOrder("USES", "EARNINGS");
            assertThat(alertRows(c[1])).isEqualTo(2);
            assertThat(eventsOf(c[0], "alert.raised")).isEqualTo(2);
        }
    }

    /** The daily check: shortly after a day ends, the days since the last check; once however many instances run it. */
    @Test
    void theDailyCheck_runsAfterEachUtcDay_catchesUpOnMissedDays_onceAcrossInstances() throws Exception {
        try (TestDatabase own = openDatabase()) {
            MutableClock ownClock = new MutableClock(noon(LocalDate.of(2025, 10, 1)));
            String creator = "creator-" + UUID.randomUUID();
            String model = creator + "-m";
            LocalDate registered = LocalDate.of(2025, 10, 1);
            LocalDate spike = registered.plusDays(30);
            try (Earnings writer = own.builder().clock(ownClock).build()) {
                writer.models().register(model, creator, ModelPricing.of("0.10", "0"));
                for (LocalDate d = registered.plusDays(1); !d.isAfter(spike.plusDays(3)); d = d.plusDays(1)) {
                    ownClock.set(noon(d));
                    int n = d.equals(spike) || d.equals(spike.plusDays(2)) ? 25 : 3;
                    for (int i = 0; i < n; i++) {
                        writer.logModelUsage("user-" + i, model, 0, "image_generation", null);
                    }
                }
            }
            ownClock.set(spike.plusDays(1).atTime(0, 10).toInstant(ZoneOffset.UTC));
            Earnings.Builder scheduled = own.builder().clock(ownClock.ticking()).migrateOnStart(false).insightChecks(true)
                    .payoutSchedulerIntervals(Duration.ofMillis(100), Duration.ofSeconds(1));
            try (Earnings a = scheduled.build(); Earnings b = scheduled.build()) {
                Await.until("the daily check planned", 60, () -> plannedInsightsRun(own).isPresent());
                Thread.sleep(500);
                assertThat(checkedDays(own)).as("nothing before 00:15").isEmpty();
                ownClock.set(spike.plusDays(1).atTime(0, 16).toInstant(ZoneOffset.UTC));
                Await.until("the daily check of " + spike, 60, () -> checkedDays(own).contains(spike));
                assertThat(a.insights().alerts(ADMIN, creator, ReportPeriod.between(spike, spike.plusDays(1))))
                        .extracting(x -> x.metric().name()).containsExactlyInAnyOrder("USES", "EARNINGS");
                Thread.sleep(300);
                assertThat(checkedDays(own)).containsExactly(spike);
                // Three days later: the days missed since are checked in one run.
                ownClock.set(spike.plusDays(4).atTime(0, 16).toInstant(ZoneOffset.UTC));
                Await.until("the days up to " + spike.plusDays(3), 60, () -> checkedDays(own).contains(spike.plusDays(3)));
                Thread.sleep(300);
                assertThat(checkedDays(own)).containsExactly(spike, spike.plusDays(1), spike.plusDays(2), spike.plusDays(3));
                assertThat(b.insights().alerts(ADMIN, creator, ReportPeriod.between(spike, spike.plusDays(4))))
                        .extracting(x -> x.day() + " " + x.metric()).contains(spike.plusDays(2) + " USES");
                long events = own.jdbi.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM " + own.table("earnings_events")
                        + " WHERE event_type = 'alert.raised'").mapTo(Long.class).one());
                assertThat(events).isEqualTo(own.count("earnings_alerts"));
            }
        }
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
            Earnings.Builder scheduled = own.builder().clock(ownClock.ticking()).migrateOnStart(false).insightChecks(true)
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

    Optional<Instant> plannedInsightsRun(TestDatabase own) {
        return own.jdbi.withHandle(h -> h.createQuery("SELECT execution_time FROM " + own.table("earnings_scheduled_tasks")
                + " WHERE task_name = 'earnings-insights'").mapTo(Instant.class).findOne());
    }

    long insightsTaskFailures(TestDatabase own) {
        return own.jdbi.withHandle(h -> h.createQuery("SELECT consecutive_failures FROM " + own.table("earnings_scheduled_tasks")
                + " WHERE task_name = 'earnings-insights'").mapTo(Long.class).findOne().orElse(0L));
    }

    List<LocalDate> checkedDays(TestDatabase own) {
        return own.jdbi.withHandle(h -> h.createQuery("SELECT check_day FROM " + own.table("earnings_insight_runs")
                + " ORDER BY check_day").mapTo(LocalDate.class).list());
    }

    // ------------------------------------------------------------------ goals

    @Test
    void goals_inUtc_showProgressNetOfReversals_canBeReplaced_andAreReachedOnce() {
        String[] c = creatorWithModel(Instant.parse("2026-04-20T12:00:00Z"), "2.00");
        String creator = c[0];
        YearMonth may = YearMonth.of(2026, 5);
        usesAt(c[1], Instant.parse("2026-04-30T23:00:00Z"), 1);
        List<String> ids = usesAt(c[1], Instant.parse("2026-05-03T10:00:00Z"), 3);
        usesAt(c[1], Instant.parse("2026-05-20T10:00:00Z"), 2);
        usesAt(c[1], Instant.parse("2026-06-01T00:30:00Z"), 1);
        clock.set(Instant.parse("2026-05-25T08:00:00Z"));
        earnings.reversals().reverse(ADMIN, ReversalRequest.partial(ids.get(0), new BigDecimal("1"), "goal-refund-" + creator,
                "refund"));
        clock.set(NOW);

        Goal set = earnings.insights().setGoal(Caller.creator(creator), creator, may, ZoneOffset.UTC, new BigDecimal("20"));

        BigDecimal fromRows = earnedFromRows(creator, may, ZoneOffset.UTC);
        assertThat(fromRows).isEqualByComparingTo("9");
        assertThat(set.creatorId()).isEqualTo(creator);
        assertThat(set.month()).isEqualTo(may);
        assertThat(set.zone()).isEqualTo(ZoneOffset.UTC);
        assertThat(set.target().amount()).isEqualByComparingTo("20");
        assertThat(set.earned().amount()).isEqualByComparingTo(fromRows);
        assertThat(set.remaining().amount()).isEqualByComparingTo("11");
        assertThat(set.fraction()).isEqualByComparingTo("0.45");
        assertThat(set.reachedAt()).isEmpty();
        assertThat(set.projectedReachDay()).isEmpty();
        assertThat(set.setBy()).isEqualTo(creator);
        assertThat(earnings.insights().goal(ADMIN, creator, may)).contains(set);
        assertThat(eventsOf(creator, "goal.reached")).isZero();

        // Replaced by an admin with a target the month has already earned: reached at once, once.
        Goal replaced = earnings.insights().setGoal(ADMIN, creator, may, ZoneOffset.UTC, new BigDecimal("9"));
        assertThat(replaced.reachedAt()).contains(NOW);
        assertThat(replaced.remaining().amount()).isEqualByComparingTo("0");
        assertThat(replaced.fraction()).isEqualByComparingTo("1");
        assertThat(replaced.setBy()).isEqualTo(ADMIN.id());
        assertThat(payloadsOf(creator, "goal.reached")).singleElement().satisfies(p -> assertThat(p).contains(
                "\"month\":\"2026-05\"", "\"zone\":\"Z\"", "\"target\":\"9.000000000000\"", "\"earned\":\"9.000000000000\"",
                "\"currency\":\"USD\"", "\"reachedAt\":\"" + NOW + "\""));
        InvalidInputException kept = catchThrowableOfType(InvalidInputException.class, () -> earnings.insights()
                .setGoal(Caller.creator(creator), creator, may, ZoneOffset.UTC, new BigDecimal("30")));
        assertThat(kept.field()).isEqualTo("month");
        assertThat(kept.getMessage()).contains("reached");
        earnings.insights().checkAlerts(ADMIN, LocalDate.of(2026, 6, 14));
        assertThat(eventsOf(creator, "goal.reached")).isEqualTo(1);

        // June: not reached when set, reached by the next check after more uses, once.
        Goal june = earnings.insights().setGoal(Caller.creator(creator), creator, YearMonth.of(2026, 6), ZoneOffset.UTC,
                new BigDecimal("5.5"));
        assertThat(june.earned().amount()).isEqualByComparingTo("2");
        assertThat(june.reached()).isFalse();
        usesAt(c[1], NOW.minusSeconds(60), 2);
        clock.set(NOW);
        assertThat(earnings.insights().goal(Caller.creator(creator), creator, YearMonth.of(2026, 6)).orElseThrow().reached())
                .as("reading does not mark a goal reached").isFalse();
        earnings.insights().checkAlerts(ADMIN, LocalDate.of(2026, 6, 14));
        earnings.insights().checkAlerts(ADMIN, LocalDate.of(2026, 6, 13));
        Goal reached = earnings.insights().goal(Caller.creator(creator), creator, YearMonth.of(2026, 6)).orElseThrow();
        assertThat(reached.reachedAt()).contains(NOW);
        assertThat(reached.earned().amount()).isEqualByComparingTo(earnedFromRows(creator, YearMonth.of(2026, 6),
                ZoneOffset.UTC)).isEqualByComparingTo("6");
        assertThat(eventsOf(creator, "goal.reached")).isEqualTo(2);

        assertThat(earnings.insights().goals(Caller.creator(creator), creator)).extracting(Goal::month)
                .containsExactly(YearMonth.of(2026, 6), may);
        assertThat(earnings.insights().deleteGoal(Caller.creator(creator), creator, may)).isTrue();
        assertThat(earnings.insights().deleteGoal(Caller.creator(creator), creator, may)).isFalse();
        assertThat(earnings.insights().goal(Caller.creator(creator), creator, may)).isEmpty();
        assertThat(earnings.insights().goals(ADMIN, creator)).extracting(Goal::month).containsExactly(YearMonth.of(2026, 6));
    }

    @Test
    void goals_inOtherZones_countTheMonthOfThatZone_asTheRawRowsDo() {
        YearMonth april = YearMonth.of(2026, 4);
        ZoneId newYork = ZoneId.of("America/New_York");
        ZoneId kolkata = ZoneId.of("Asia/Kolkata");
        Map<ZoneId, String[]> creators = new LinkedHashMap<>();
        for (ZoneId zone : List.of(newYork, kolkata)) {
            String[] c = creatorWithModel(Instant.parse("2026-03-20T12:00:00Z"), "1.00");
            creators.put(zone, c);
            usesAt(c[1], Instant.parse("2026-03-31T20:00:00Z"), 1);   // Kolkata: 1 April 01:30
            usesAt(c[1], Instant.parse("2026-04-01T02:00:00Z"), 1);   // New York: 31 March 22:00
            String b = usesAt(c[1], Instant.parse("2026-04-01T05:00:00Z"), 1).get(0);
            String late = usesAt(c[1], Instant.parse("2026-04-30T20:00:00Z"), 1).get(0);   // Kolkata: 1 May 01:30
            usesAt(c[1], Instant.parse("2026-05-01T03:00:00Z"), 1);   // New York: 30 April 23:00
            clock.set(Instant.parse("2026-04-15T12:00:00Z"));
            earnings.reversals().reverse(ADMIN, ReversalRequest.partial(b, new BigDecimal("0.25"), "tz-a-" + c[0], "part"));
            clock.set(Instant.parse("2026-05-01T02:00:00Z"));   // New York: 30 April 22:00; Kolkata: 1 May
            earnings.reversals().reverse(ADMIN, ReversalRequest.partial(late, new BigDecimal("0.5"), "tz-b-" + c[0], "part"));
        }
        clock.set(NOW);

        Goal ny = earnings.insights().setGoal(ADMIN, creators.get(newYork)[0], april, newYork, new BigDecimal("2.25"));
        Goal kol = earnings.insights().setGoal(Caller.creator(creators.get(kolkata)[0]), creators.get(kolkata)[0], april,
                kolkata, new BigDecimal("3"));

        assertThat(ny.earned().amount()).isEqualByComparingTo("2.25")
                .isEqualByComparingTo(earnedFromRows(creators.get(newYork)[0], april, newYork));
        assertThat(ny.zone()).isEqualTo(newYork);
        assertThat(ny.reachedAt()).contains(NOW);
        assertThat(kol.earned().amount()).isEqualByComparingTo("2.75")
                .isEqualByComparingTo(earnedFromRows(creators.get(kolkata)[0], april, kolkata));
        assertThat(kol.remaining().amount()).isEqualByComparingTo("0.25");
        assertThat(kol.fraction()).isEqualByComparingTo("0.9167");
        assertThat(kol.reached()).isFalse();
        // In UTC the same uses make another month: New York's misses 1 April 02:00 and takes 1 May 03:00.
        assertThat(earnedFromRows(creators.get(newYork)[0], april, ZoneOffset.UTC)).isEqualByComparingTo("2.75");
        assertThat(eventsOf(creators.get(newYork)[0], "goal.reached")).isEqualTo(1);
        assertThat(payloadsOf(creators.get(newYork)[0], "goal.reached").get(0)).contains("\"zone\":\"America/New_York\"",
                "\"earned\":\"2.250000000000\"");
        assertThat(eventsOf(creators.get(kolkata)[0], "goal.reached")).isZero();
    }

    // ------------------------------------------------------------------ recommendations

    @Test
    void recommendations_nameTheUsageTypeThatEarnsMostPerUse_whenItEarnsHalfAgainAsMuch() {
        clock.set(NOW.minus(Duration.ofDays(40)));
        String creator = "creator-types-" + UUID.randomUUID();
        String model = creator + "-m";
        earnings.models().register(model, creator, ModelPricing.of("0.01", "0"));
        String close = "creator-close-" + UUID.randomUUID();
        earnings.models().register(close + "-m", close, ModelPricing.of("0.01", "0"));
        clock.set(NOW.minus(Duration.ofDays(2)));
        for (String type : List.of("image_generation", "other")) {
            for (int i = 0; i < 25; i++) {
                earnings.logModelUsage("user-" + i, model, 0, type, null);
            }
        }
        // Uses of 40 days ago are outside the 30 days: they do not count.
        clock.set(NOW.minus(Duration.ofDays(35)));
        for (int i = 0; i < 30; i++) {
            earnings.logModelUsage("user-" + i, model, 0, "chat", null);
        }
        clock.set(NOW.minus(Duration.ofDays(2)));
        for (String type : List.of("image_generation", "chat")) {
            for (int i = 0; i < 25; i++) {
                earnings.logModelUsage("user-" + i, close + "-m", 0, type, null);
            }
        }
        clock.set(NOW);

        // image_generation 0.01 x 1.0 per use against other 0.01 x 0.6: 1.67 times, over 1.5.
        List<Recommendation> recs = earnings.insights().recommendations(Caller.creator(creator), creator).stream()
                .filter(x -> x.kind() == Recommendation.Kind.USAGE_TYPE_EARNS_MOST).toList();
        assertThat(recs).hasSize(1);
        Recommendation r = recs.get(0);
        assertThat(r.kind()).isEqualTo(Recommendation.Kind.USAGE_TYPE_EARNS_MOST);
        assertThat(r.modelId()).isEmpty();
        assertThat(r.figures()).containsExactly(Map.entry("usageType", "image_generation"), Map.entry("uses", "25"),
                Map.entry("earningsPerUse", "0.010000000000"), Map.entry("comparedWith", "other"),
                Map.entry("comparedUses", "25"), Map.entry("comparedEarningsPerUse", "0.006000000000"),
                Map.entry("ratio", "1.67"));
        assertThat(r.reason()).contains("'image_generation'", "0.01 per use", "1.67 times", "'other'");
        // image_generation against chat (0.8): 1.25 times, not enough.
        assertThat(earnings.insights().recommendations(Caller.creator(close), close))
                .noneMatch(x -> x.kind() == Recommendation.Kind.USAGE_TYPE_EARNS_MOST);
    }

    @Test
    void recommendations_nameTheModelsCloseToTheirNextTier_andThoseUsedWithMonetizationOff() {
        Instant registered = Instant.parse("2026-04-01T12:00:00Z");
        clock.set(registered);
        String creator = "creator-rec-" + UUID.randomUUID();
        Map<String, String> m = new LinkedHashMap<>();
        for (String name : List.of("a", "b", "c", "d", "e", "f")) {
            m.put(name, creator + "-" + name);
            earnings.models().register(m.get(name), creator, ModelPricing.of("0.01", "0"));
        }
        earnings.models().setMonetized(m.get("e"), false);
        earnings.models().setMonetized(m.get("f"), false);
        LocalDate recent = LocalDate.of(2026, 6, 10);
        LocalDate old = LocalDate.of(2026, 4, 20);
        usesOn(m.get("a"), recent, 95);   // 5 to go of 100: close, and 2 days at its pace
        usesOn(m.get("b"), recent, 50);   // 50 to go: 28 days at its pace, neither
        usesOn(m.get("c"), recent, 80);   // 20 to go: not within a tenth, but 7 days at its pace
        usesOn(m.get("d"), old, 95);      // 5 to go, no pace: close by count only
        usesOn(m.get("e"), LocalDate.of(2026, 6, 1), 3);   // monetization off, used
        usesOn(m.get("f"), old, 3);       // monetization off, not used in 30 days
        clock.set(NOW);

        List<Recommendation> recs = earnings.insights().recommendations(Caller.creator(creator), creator);

        assertThat(recs).extracting(r -> r.kind() + " " + r.modelId().orElseThrow()).containsExactly(
                "NEXT_TIER_CLOSE " + m.get("a"), "NEXT_TIER_CLOSE " + m.get("c"), "NEXT_TIER_CLOSE " + m.get("d"),
                "MONETIZATION_OFF " + m.get("e"));
        assertThat(recs.get(0).figures()).containsExactly(Map.entry("countedUses", "95"), Map.entry("nextTier", "2"),
                Map.entry("threshold", "100"), Map.entry("usesToGo", "5"), Map.entry("countedUsesLast28Days", "95"),
                Map.entry("daysToGo", "2"), Map.entry("expectedDay", "2026-06-17"));
        assertThat(recs.get(0).reason()).contains("5 more counted uses", "tier 2", "95 counted uses in the last 28 days",
                "2 days", "2026-06-17");
        assertThat(recs.get(1).figures()).containsEntry("usesToGo", "20").containsEntry("daysToGo", "7")
                .containsEntry("expectedDay", "2026-06-22");
        assertThat(recs.get(2).figures()).containsEntry("usesToGo", "5").containsEntry("countedUsesLast28Days", "0")
                .doesNotContainKeys("daysToGo", "expectedDay");
        assertThat(recs.get(3).figures()).containsExactly(Map.entry("usesLast30Days", "3"));
        assertThat(recs.get(3).reason()).contains("3 uses", "monetization off");
        assertThatThrownBy(() -> recs.get(0).figures().put("x", "y")).isInstanceOf(UnsupportedOperationException.class);
        assertThat(earnings.insights().recommendations(ADMIN, creator)).isEqualTo(recs);

        String[] quiet = creatorWithModel(registered, "0.01");
        clock.set(NOW);
        assertThat(earnings.insights().recommendations(ADMIN, quiet[0])).isEmpty();
    }

    // ------------------------------------------------------------------ access and bad input

    @Test
    void everyCall_deniesMissingUnknownAndOtherCreators_andServesTheCreatorAndAdmins() {
        String[] x = creatorWithModel(NOW.minusSeconds(3600), "0.01");
        String[] y = creatorWithModel(NOW.minusSeconds(3600), "0.01");
        clock.set(NOW);
        YearMonth month = YearMonth.of(2026, 6);
        Map<String, Consumer<Caller>> calls = new LinkedHashMap<>();
        calls.put("alerts", c -> earnings.insights().alerts(c, x[0], ReportPeriod.lastDays(30)));
        calls.put("setGoal", c -> earnings.insights().setGoal(c, x[0], month, ZoneOffset.UTC, BigDecimal.TEN));
        calls.put("goal", c -> earnings.insights().goal(c, x[0], month));
        calls.put("goals", c -> earnings.insights().goals(c, x[0]));
        calls.put("deleteGoal", c -> earnings.insights().deleteGoal(c, x[0], month));
        calls.put("recommendations", c -> earnings.insights().recommendations(c, x[0]));
        calls.put("forecastModel", c -> earnings.insights().forecastModel(c, x[1], 7, ZoneOffset.UTC));
        calls.put("forecastCreator", c -> earnings.insights().forecastCreator(c, x[0], 30, ZoneOffset.UTC));
        String second = x[0] + "-second";
        earnings.models().register(second, x[0], ModelPricing.of("0.01", "0"));
        calls.put("compareModels", c -> earnings.insights().compareModels(c, x[0], List.of(x[1], second),
                ReportPeriod.lastDays(30)));
        for (Map.Entry<String, Consumer<Caller>> call : calls.entrySet()) {
            for (Caller denied : java.util.Arrays.asList(null, Caller.creator("unknown-" + UUID.randomUUID()),
                    Caller.creator(y[0]))) {
                assertThatThrownBy(() -> call.getValue().accept(denied)).as("%s by %s", call.getKey(), denied)
                        .isInstanceOf(AccessDeniedException.class);
            }
            call.getValue().accept(Caller.creator(x[0]));
            call.getValue().accept(ADMIN);
        }
        LocalDate quietDay = LocalDate.of(2024, 1, 1);
        for (Caller denied : java.util.Arrays.asList(null, Caller.creator(x[0]), Caller.creator("unknown"))) {
            assertThatThrownBy(() -> earnings.insights().checkAlerts(denied, quietDay)).as("checkAlerts by %s", denied)
                    .isInstanceOf(AccessDeniedException.class);
        }
        assertThat(earnings.insights().checkAlerts(ADMIN, quietDay)).isEmpty();
        // Market insights: any known caller (a creator gets aggregates over k creators only).
        for (Caller denied : java.util.Arrays.asList(null, Caller.creator("unknown-" + UUID.randomUUID()))) {
            assertThatThrownBy(() -> earnings.insights().market(denied, ReportPeriod.lastDays(7)))
                    .as("market by %s", denied).isInstanceOf(AccessDeniedException.class);
        }
        assertThat(earnings.insights().market(Caller.creator(y[0]), ReportPeriod.lastDays(7)).anonymized()).isTrue();
        assertThat(earnings.insights().market(ADMIN, ReportPeriod.lastDays(7)).anonymized()).isFalse();
        // A creator's goal is invisible to another creator, and a denied call wrote nothing.
        earnings.insights().setGoal(Caller.creator(x[0]), x[0], month, ZoneOffset.UTC, BigDecimal.ONE);
        assertThatThrownBy(() -> earnings.insights().deleteGoal(Caller.creator(y[0]), x[0], month))
                .isInstanceOf(AccessDeniedException.class);
        assertThat(earnings.insights().goal(ADMIN, x[0], month)).isPresent();
    }

    @Test
    void badInput_isRefusedPerArgument_beforeAnythingIsWritten() {
        String[] x = creatorWithModel(NOW.minusSeconds(3600), "0.01");
        clock.set(NOW);
        String creator = x[0];
        YearMonth month = YearMonth.of(2026, 6);
        Map<String, Long> before = allRowCounts();
        List<Object[]> cases = new ArrayList<>();
        cases.add(new Object[] {"creatorId", (Runnable) () -> earnings.insights().alerts(ADMIN, null, ReportPeriod.lastDays(7))});
        cases.add(new Object[] {"creatorId", (Runnable) () -> earnings.insights().alerts(ADMIN, " ", ReportPeriod.lastDays(7))});
        cases.add(new Object[] {"creatorId", (Runnable) () -> earnings.insights().alerts(ADMIN, "nobody-" + UUID.randomUUID(),
                ReportPeriod.lastDays(7))});
        cases.add(new Object[] {"period", (Runnable) () -> earnings.insights().alerts(ADMIN, creator, null)});
        cases.add(new Object[] {"creatorId", (Runnable) () -> earnings.insights().setGoal(ADMIN, "", month, ZoneOffset.UTC,
                BigDecimal.ONE)});
        cases.add(new Object[] {"month", (Runnable) () -> earnings.insights().setGoal(ADMIN, creator, null, ZoneOffset.UTC,
                BigDecimal.ONE)});
        cases.add(new Object[] {"month", (Runnable) () -> earnings.insights().setGoal(ADMIN, creator, YearMonth.of(2040, 1),
                ZoneOffset.UTC, BigDecimal.ONE)});
        cases.add(new Object[] {"month", (Runnable) () -> earnings.insights().setGoal(ADMIN, creator, YearMonth.of(2010, 1),
                ZoneOffset.UTC, BigDecimal.ONE)});
        cases.add(new Object[] {"zone", (Runnable) () -> earnings.insights().setGoal(ADMIN, creator, month, null, BigDecimal.ONE)});
        cases.add(new Object[] {"target", (Runnable) () -> earnings.insights().setGoal(ADMIN, creator, month, ZoneOffset.UTC,
                null)});
        cases.add(new Object[] {"target", (Runnable) () -> earnings.insights().setGoal(ADMIN, creator, month, ZoneOffset.UTC,
                BigDecimal.ZERO)});
        cases.add(new Object[] {"target", (Runnable) () -> earnings.insights().setGoal(ADMIN, creator, month, ZoneOffset.UTC,
                new BigDecimal("-5"))});
        cases.add(new Object[] {"target", (Runnable) () -> earnings.insights().setGoal(ADMIN, creator, month, ZoneOffset.UTC,
                new BigDecimal("0.0000000000001"))});
        cases.add(new Object[] {"target", (Runnable) () -> earnings.insights().setGoal(ADMIN, creator, month, ZoneOffset.UTC,
                new BigDecimal("1E+26"))});
        cases.add(new Object[] {"creatorId", (Runnable) () -> earnings.insights().setGoal(ADMIN, "nobody-" + UUID.randomUUID(),
                month, ZoneOffset.UTC, BigDecimal.ONE)});
        cases.add(new Object[] {"month", (Runnable) () -> earnings.insights().goal(ADMIN, creator, null)});
        cases.add(new Object[] {"creatorId", (Runnable) () -> earnings.insights().goal(ADMIN, null, month)});
        cases.add(new Object[] {"creatorId", (Runnable) () -> earnings.insights().goals(ADMIN, "a\u0000b")});
        cases.add(new Object[] {"month", (Runnable) () -> earnings.insights().deleteGoal(ADMIN, creator, null)});
        cases.add(new Object[] {"creatorId", (Runnable) () -> earnings.insights().deleteGoal(ADMIN, null, month)});
        cases.add(new Object[] {"creatorId", (Runnable) () -> earnings.insights().recommendations(ADMIN, null)});
        cases.add(new Object[] {"day", (Runnable) () -> earnings.insights().checkAlerts(ADMIN, null)});
        cases.add(new Object[] {"day", (Runnable) () -> earnings.insights().checkAlerts(ADMIN, LocalDate.of(2026, 6, 15))});
        cases.add(new Object[] {"day", (Runnable) () -> earnings.insights().checkAlerts(ADMIN, LocalDate.of(2026, 7, 1))});
        cases.add(new Object[] {"day", (Runnable) () -> earnings.insights().checkAlerts(ADMIN, LocalDate.of(2010, 1, 1))});
        for (Object[] c : cases) {
            InvalidInputException e = catchThrowableOfType(InvalidInputException.class, ((Runnable) c[1])::run);
            assertThat(e).as("case for %s", c[0]).isNotNull();
            assertThat(e.field()).isEqualTo(c[0]);
            assertThat(e.getMessage()).contains("allowed");
        }
        assertThat(allRowCounts()).isEqualTo(before);
        assertThat(earnings.insights().goal(ADMIN, creator, month)).isEqualTo(Optional.empty());
        // The largest target that fits is taken.
        assertThat(earnings.insights().setGoal(ADMIN, creator, month, ZoneOffset.UTC,
                new BigDecimal("99999999999999999999999999.999999999999")).target().amount())
                .isEqualByComparingTo("99999999999999999999999999.999999999999");
    }
}
