package dev.earnings.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.earnings.core.InvalidInputException;
import dev.earnings.core.ModelPricing;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Creator dashboards and admin views, cross-checked against an independent computation over the
 * raw usage rows, run against each database by a subclass.
 *
 * <p>The data: 121 days of seeded random traffic up to "today" (Tuesday 2026-03-10) for creators
 * A (three models), B (one model) and C (one model, never used), with self-uses and a
 * monetization switch, recorded by moving the library's clock day by day.
 */
abstract class AnalyticsSuite extends DatabaseSuite {
    static final Instant NOW = Instant.parse("2026-03-10T15:30:00Z");
    static final LocalDate TODAY = LocalDate.of(2026, 3, 10);
    static final long SEED = Long.getLong("earnings.test.seed", 20260310L);
    static final Caller ADMIN = Caller.admin("admin-1");
    static final Caller A = Caller.creator("creator-a");
    static final Caller B = Caller.creator("creator-b");
    static final String[] TYPES = {"image_generation", "chat", "other"};

    List<Row> rows;

    /** A usage row as the test reads it back, for the independent computation. */
    record Row(long id, String creatorId, String modelId, String userId, Instant occurredAt, String usageType,
            long tokens, BigDecimal earnings) {
        LocalDate day() {
            return LocalDate.ofInstant(occurredAt, ZoneOffset.UTC);
        }
    }

    @Override
    Instant start() {
        return NOW.minus(Duration.ofDays(120));
    }

    @BeforeAll
    void populate() {
        earnings.models().register("a-anime", "creator-a", ModelPricing.of("0.01", "0.0001"));
        earnings.models().register("a-chat", "creator-a", ModelPricing.of("0.002", "0.00002"));
        earnings.models().register("a-sketch", "creator-a", ModelPricing.of("0.005", "0"));
        earnings.models().register("b-photo", "creator-b", ModelPricing.of("0.02", "0.000003"));
        earnings.models().register("c-idle", "creator-c", ModelPricing.of("0.01", "0"));

        Random random = new Random(SEED);
        String[] models = {"a-anime", "a-chat", "a-sketch", "b-photo"};
        String[] types = {"image_generation", "chat", "other"};
        for (int d = 120; d >= 0; d--) {
            for (String model : models) {
                int count = random.nextInt(model.equals("a-anime") ? 6 : 3);
                for (int i = 0; i < count; i++) {
                    clock.set(NOW.minus(Duration.ofDays(d)).minus(Duration.ofMinutes(random.nextInt(15 * 60))));
                    String user = random.nextInt(25) == 0 ? (model.startsWith("a") ? "creator-a" : "creator-b")
                            : "user-" + random.nextInt(15);
                    earnings.logModelUsage(user, model, random.nextInt(2000), types[random.nextInt(3)], null);
                }
            }
            if (d == 60) {
                clock.set(NOW.minus(Duration.ofDays(d)));
                earnings.models().setMonetized("a-sketch", false);
            }
            if (d == 30) {
                clock.set(NOW.minus(Duration.ofDays(d)));
                earnings.models().setMonetized("a-sketch", true);
            }
        }
        clock.set(NOW);
        rows = db.jdbi.withHandle(h -> h.createQuery("SELECT id, creator_id, model_id, user_id, occurred_at, usage_type,"
                + " tokens_consumed, earnings FROM " + db.table("model_usage_logs"))
                .map((rs, ctx) -> new Row(rs.getLong("id"), rs.getString("creator_id"), rs.getString("model_id"),
                        rs.getString("user_id"), rs.getObject("occurred_at", java.time.OffsetDateTime.class).toInstant(),
                        rs.getString("usage_type"), rs.getLong("tokens_consumed"), rs.getBigDecimal("earnings")))
                .list());
        assertThat(rows).hasSizeGreaterThan(500);
        assertThat(earnings.verifyIntegrity().isClean()).isTrue();
    }

    // ------------------------------------------------------------------ the independent computation

    static BigDecimal sum(Stream<Row> rows) {
        return rows.map(Row::earnings).reduce(BigDecimal.ZERO, BigDecimal::add);
    }

    Predicate<Row> of(String creatorId, Optional<String> modelId) {
        return r -> r.creatorId().equals(creatorId) && modelId.map(r.modelId()::equals).orElse(true);
    }

    static Predicate<Row> in(LocalDate from, LocalDate to) {
        return r -> !r.day().isBefore(from) && r.day().isBefore(to);
    }

    static LocalDate bucket(LocalDate day, Granularity g) {
        switch (g) {
            case WEEK:
                return day.minusDays(day.getDayOfWeek().getValue() - 1L);
            case MONTH:
                return LocalDate.of(day.getYear(), day.getMonth(), 1);
            default:
                return day;
        }
    }

    static Stream<Arguments> periods() {
        List<Arguments> args = new ArrayList<>();
        Object[][] cases = {
            {ReportPeriod.lastDays(7), TODAY.minusDays(6), TODAY.plusDays(1)},
            {ReportPeriod.lastDays(30), TODAY.minusDays(29), TODAY.plusDays(1)},
            {ReportPeriod.lastDays(90), TODAY.minusDays(89), TODAY.plusDays(1)},
            {ReportPeriod.lastDays(365), TODAY.minusDays(364), TODAY.plusDays(1)},
            // Across a month end and several week boundaries, starting mid-week.
            {ReportPeriod.between(LocalDate.of(2026, 1, 28), LocalDate.of(2026, 3, 4)), LocalDate.of(2026, 1, 28),
                LocalDate.of(2026, 3, 4)},
            // A single day, across the year boundary for the previous period.
            {ReportPeriod.between(LocalDate.of(2026, 1, 1), LocalDate.of(2026, 1, 2)), LocalDate.of(2026, 1, 1),
                LocalDate.of(2026, 1, 2)},
        };
        for (Object[] c : cases) {
            for (Granularity g : Granularity.values()) {
                for (Optional<String> model : List.of(Optional.<String>empty(), Optional.of("a-sketch"))) {
                    args.add(Arguments.of(c[0], c[1], c[2], g, model));
                }
            }
        }
        return args.stream();
    }

    @ParameterizedTest(name = "{0} by {3}, model {4}")
    @MethodSource("periods")
    void creatorDashboard_matchesTheRawUsageRows(ReportPeriod period, LocalDate from, LocalDate to, Granularity g,
            Optional<String> model) {
        DashboardQuery query = new DashboardQuery(period, model, g, 2, 7, 5);
        CreatorDashboard dashboard = earnings.analytics().creatorDashboard(A, "creator-a", query);

        Predicate<Row> mine = of("creator-a", model);
        List<Row> inPeriod = rows.stream().filter(mine.and(in(from, to))).collect(Collectors.toList());
        assertThat(dashboard.range()).isEqualTo(new ReportPeriod.DateRange(from, to));
        assertThat(dashboard.lifetimeEarnings().amount()).isEqualByComparingTo(sum(rows.stream().filter(mine)));
        // The balance is the creator's, whichever model the dashboard shows.
        assertThat(dashboard.balance().earned().amount())
                .isEqualByComparingTo(sum(rows.stream().filter(of("creator-a", Optional.empty()))));
        assertThat(dashboard.balance()).isEqualTo(earnings.analytics().balance(A, "creator-a"));
        BigDecimal periodEarnings = sum(inPeriod.stream());
        assertThat(dashboard.periodEarnings().amount()).isEqualByComparingTo(periodEarnings);
        assertThat(dashboard.uses()).isEqualTo(inPeriod.size());
        assertThat(dashboard.earningUses()).isEqualTo(inPeriod.stream().filter(r -> r.earnings().signum() > 0).count());
        assertThat(dashboard.uniqueUsers()).isEqualTo(inPeriod.stream().map(Row::userId).distinct().count());
        long active = inPeriod.stream().map(Row::modelId).distinct().count();
        assertThat(dashboard.activeModels()).isEqualTo(active);
        assertThat(dashboard.averageEarningsPerActiveModel().amount()).isEqualByComparingTo(active == 0 ? BigDecimal.ZERO
                : periodEarnings.divide(BigDecimal.valueOf(active), 12, RoundingMode.HALF_EVEN));

        // Top models: by period earnings, then uses, then id.
        Map<String, List<Row>> byModel = inPeriod.stream().collect(Collectors.groupingBy(Row::modelId));
        List<String> expectedTop = byModel.keySet().stream()
                .sorted(Comparator.<String, BigDecimal>comparing(m -> sum(byModel.get(m).stream())).reversed()
                        .thenComparing(m -> -byModel.get(m).size()).thenComparing(m -> m))
                .limit(2).collect(Collectors.toList());
        assertThat(dashboard.topModels()).extracting(CreatorDashboard.ModelPerformance::modelId).containsExactlyElementsOf(expectedTop);
        for (CreatorDashboard.ModelPerformance p : dashboard.topModels()) {
            assertThat(p.uses()).isEqualTo(byModel.get(p.modelId()).size());
            assertThat(p.earnings().amount()).isEqualByComparingTo(sum(byModel.get(p.modelId()).stream()));
            long counted = db.jdbi.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM " + db.table("model_usage_logs")
                    + " WHERE model_id = ? AND use_ordinal IS NOT NULL").bind(0, p.modelId()).mapTo(Long.class).one());
            int tier = counted < 100 ? 1 : counted < 1000 ? 2 : counted < 5000 ? 3 : counted < 10000 ? 4 : 5;
            assertThat(p.currentTier()).isEqualTo(tier);
            long[] thresholds = {100, 1000, 5000, 10000};
            assertThat(p.usesToNextTier().getAsLong()).isEqualTo(thresholds[tier - 1] - counted);
        }

        // Trend: zero-filled buckets from the bucket of the first day, each summing its days in the period.
        Map<LocalDate, BigDecimal> expectedTrend = new LinkedHashMap<>();
        Map<LocalDate, Long> expectedUses = new HashMap<>();
        for (LocalDate b = bucket(from, g); b.isBefore(to);
                b = g == Granularity.DAY ? b.plusDays(1) : g == Granularity.WEEK ? b.plusWeeks(1) : b.plusMonths(1)) {
            LocalDate bucketStart = b;
            List<Row> inBucket = inPeriod.stream().filter(r -> bucket(r.day(), g).equals(bucketStart)).collect(Collectors.toList());
            expectedTrend.put(b, sum(inBucket.stream()));
            expectedUses.put(b, (long) inBucket.size());
        }
        assertThat(dashboard.trend()).extracting(CreatorDashboard.TrendPoint::start).containsExactlyElementsOf(expectedTrend.keySet());
        for (CreatorDashboard.TrendPoint point : dashboard.trend()) {
            assertThat(point.earnings().amount()).as("trend %s", point.start()).isEqualByComparingTo(expectedTrend.get(point.start()));
            assertThat(point.uses()).isEqualTo(expectedUses.get(point.start()));
        }
        assertThat(dashboard.trend().stream().map(p -> p.earnings().amount()).reduce(BigDecimal.ZERO, BigDecimal::add))
                .isEqualByComparingTo(periodEarnings);

        // Change against the previous period of the same length.
        long days = to.toEpochDay() - from.toEpochDay();
        List<Row> previous = rows.stream().filter(mine.and(in(from.minusDays(days), from))).collect(Collectors.toList());
        BigDecimal previousEarnings = sum(previous.stream());
        assertThat(dashboard.change().previousEarnings().amount()).isEqualByComparingTo(previousEarnings);
        assertThat(dashboard.change().previousUses()).isEqualTo(previous.size());
        assertThat(dashboard.change().earningsChange().amount()).isEqualByComparingTo(periodEarnings.subtract(previousEarnings));
        assertThat(dashboard.change().usesChange()).isEqualTo(inPeriod.size() - previous.size());
        if (previousEarnings.signum() == 0) {
            assertThat(dashboard.change().earningsChangeRatio()).isEmpty();
        } else {
            assertThat(dashboard.change().earningsChangeRatio()).contains(periodEarnings.subtract(previousEarnings)
                    .divide(previousEarnings, 4, RoundingMode.HALF_EVEN));
        }

        // Recent activity: the latest uses in the period, newest first, with pseudonyms only.
        List<Row> latest = inPeriod.stream().sorted(Comparator.comparing(Row::occurredAt).thenComparing(Row::id).reversed())
                .limit(7).collect(Collectors.toList());
        assertThat(dashboard.recentActivity()).hasSize(latest.size());
        for (int i = 0; i < latest.size(); i++) {
            CreatorDashboard.Activity a = dashboard.recentActivity().get(i);
            Row r = latest.get(i);
            assertThat(a.occurredAt()).isEqualTo(r.occurredAt());
            assertThat(a.modelId()).isEqualTo(r.modelId());
            assertThat(a.usageType()).isEqualTo(r.usageType());
            assertThat(a.tokensConsumed()).isEqualTo(r.tokens());
            assertThat(a.earnings().amount()).isEqualByComparingTo(r.earnings());
            assertThat(a.userPseudonym()).doesNotContain(r.userId()).matches("anon-[0-9a-f]{16}");
        }
    }

    @Test
    void pseudonyms_areStablePerUserAndDistinctAcrossUsers() {
        CreatorDashboard dashboard = earnings.analytics().creatorDashboard(A, "creator-a",
                DashboardQuery.of(ReportPeriod.lastDays(365)).limits(5, 100, 0));
        Map<Long, String> pseudonymByRow = new HashMap<>();
        List<Row> latest = rows.stream().filter(of("creator-a", Optional.empty()))
                .sorted(Comparator.comparing(Row::occurredAt).thenComparing(Row::id).reversed()).limit(100)
                .collect(Collectors.toList());
        Map<String, String> byUser = new HashMap<>();
        for (int i = 0; i < latest.size(); i++) {
            String pseudonym = dashboard.recentActivity().get(i).userPseudonym();
            String previous = byUser.putIfAbsent(latest.get(i).userId(), pseudonym);
            assertThat(previous == null || previous.equals(pseudonym)).isTrue();
            pseudonymByRow.put(latest.get(i).id(), pseudonym);
        }
        assertThat(new HashSet<>(byUser.values())).hasSameSizeAs(byUser.keySet());
        // Stable across instances of the library on the same database.
        try (Earnings second = db.builder().clock(clock).migrateOnStart(false).build()) {
            CreatorDashboard again = second.analytics().creatorDashboard(A, "creator-a",
                    DashboardQuery.of(ReportPeriod.lastDays(365)).limits(5, 100, 0));
            assertThat(again.recentActivity()).extracting(CreatorDashboard.Activity::userPseudonym)
                    .containsExactlyElementsOf(dashboard.recentActivity().stream()
                            .map(CreatorDashboard.Activity::userPseudonym).collect(Collectors.toList()));
        }
    }

    /**
     * Guards: with the host's key, a pseudonym is HMAC-SHA256 of the creator and the user under
     * that key (computed here independently), and one user looks different to two creators.
     */
    @Test
    void pseudonyms_withTheHostsKey_areKeyedByCreatorAndUser() throws Exception {
        byte[] key = new byte[32];
        new Random(42).nextBytes(key);
        DashboardQuery query = DashboardQuery.of(ReportPeriod.lastDays(365)).limits(5, 100, 0);
        try (Earnings keyed = db.builder().clock(clock).migrateOnStart(false).pseudonymKey(key).build()) {
            Map<String, String> seenByA = new HashMap<>();
            Map<String, String> seenByB = new HashMap<>();
            for (String creator : List.of("creator-a", "creator-b")) {
                CreatorDashboard dashboard = keyed.analytics().creatorDashboard(Caller.creator(creator), creator, query);
                List<Row> latest = rows.stream().filter(of(creator, Optional.empty()))
                        .sorted(Comparator.comparing(Row::occurredAt).thenComparing(Row::id).reversed()).limit(100)
                        .collect(Collectors.toList());
                assertThat(dashboard.recentActivity()).hasSameSizeAs(latest).isNotEmpty();
                for (int i = 0; i < latest.size(); i++) {
                    String expected = hmacPseudonym(key, creator, latest.get(i).userId());
                    assertThat(dashboard.recentActivity().get(i).userPseudonym()).isEqualTo(expected);
                    (creator.equals("creator-a") ? seenByA : seenByB).put(latest.get(i).userId(), expected);
                }
            }
            Set<String> shared = new HashSet<>(seenByA.keySet());
            shared.retainAll(seenByB.keySet());
            assertThat(shared).as("users of both creators in the fixture").isNotEmpty();
            for (String user : shared) {
                assertThat(seenByA.get(user)).as("user %s as A and B see them", user).isNotEqualTo(seenByB.get(user));
            }
            // The database's generated key gives other pseudonyms to the same rows.
            List<String> withGenerated = earnings.analytics().creatorDashboard(A, "creator-a", query).recentActivity().stream()
                    .map(CreatorDashboard.Activity::userPseudonym).collect(Collectors.toList());
            List<String> withHosts = keyed.analytics().creatorDashboard(A, "creator-a", query).recentActivity().stream()
                    .map(CreatorDashboard.Activity::userPseudonym).collect(Collectors.toList());
            assertThat(withGenerated).hasSameSizeAs(withHosts);
            for (int i = 0; i < withHosts.size(); i++) {
                assertThat(withGenerated.get(i)).isNotEqualTo(withHosts.get(i));
            }
        }
    }

    /** HMAC-SHA256 over the creator's UTF-8 length (4 bytes, big-endian), the creator and the user; 16 hex digits. */
    static String hmacPseudonym(byte[] key, String creator, String user) throws Exception {
        javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
        mac.init(new javax.crypto.spec.SecretKeySpec(key, "HmacSHA256"));
        byte[] c = creator.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        mac.update(new byte[] {(byte) (c.length >>> 24), (byte) (c.length >>> 16), (byte) (c.length >>> 8), (byte) c.length});
        mac.update(c);
        byte[] digest = mac.doFinal(user.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        StringBuilder hex = new StringBuilder("anon-");
        for (int i = 0; i < 8; i++) {
            hex.append(Character.forDigit((digest[i] >> 4) & 0xf, 16)).append(Character.forDigit(digest[i] & 0xf, 16));
        }
        return hex.toString();
    }

    @Test
    void modelReport_matchesTheRawUsageRows() {
        ModelReport report = earnings.analytics().modelReport(A, "a-anime", ReportPeriod.lastDays(30), Granularity.WEEK);
        List<Row> model = rows.stream().filter(r -> r.modelId().equals("a-anime")).collect(Collectors.toList());
        List<Row> inPeriod = model.stream().filter(in(TODAY.minusDays(29), TODAY.plusDays(1))).collect(Collectors.toList());
        assertThat(report.lifetimeEarnings().amount()).isEqualByComparingTo(sum(model.stream()));
        assertThat(report.totalUses()).isEqualTo(model.size());
        // Rows hold user ids as stored: tokens when the suite encrypts.
        assertThat(report.countedUses()).isEqualTo(model.stream().filter(r -> !r.userId().equals(db.storedUser("creator-a")))
                .count());
        assertThat(report.periodEarnings().amount()).isEqualByComparingTo(sum(inPeriod.stream()));
        assertThat(report.periodUses()).isEqualTo(inPeriod.size());
        assertThat(report.uniqueUsers()).isEqualTo(inPeriod.stream().map(Row::userId).distinct().count());
        assertThat(report.trend().get(0).start()).isEqualTo(LocalDate.of(2026, 2, 9));
        assertThat(report.currentTier()).isEqualTo(report.countedUses() < 100 ? 1 : 2);
    }

    @Test
    void platformTotals_matchTheRawUsageRows() {
        PlatformTotals totals = earnings.admin().platformTotals(ADMIN, ReportPeriod.lastDays(90));
        List<Row> inPeriod = rows.stream().filter(in(TODAY.minusDays(89), TODAY.plusDays(1))).collect(Collectors.toList());
        assertThat(totals.earnings().amount()).isEqualByComparingTo(sum(inPeriod.stream()));
        assertThat(totals.uses()).isEqualTo(inPeriod.size());
        assertThat(totals.earningUses()).isEqualTo(inPeriod.stream().filter(r -> r.earnings().signum() > 0).count());
        assertThat(totals.creatorsWithUsage()).isEqualTo(2);
        assertThat(totals.modelsWithUsage()).isEqualTo(inPeriod.stream().map(Row::modelId).distinct().count());
        // Every model was registered 120 days ago: outside the last 90 days, inside the last 365.
        assertThat(totals.newModels()).isZero();
        assertThat(earnings.admin().platformTotals(ADMIN, ReportPeriod.lastDays(365)).newModels()).isEqualTo(5);
    }

    @Test
    void creatorsOverview_sortsAndPagesEveryCreator() {
        Page<CreatorOverview> byLifetime = earnings.admin().creatorsOverview(ADMIN, CreatorsOverviewQuery.of(ReportPeriod.lastDays(30)).sortedBy(CreatorOverview.Sort.LIFETIME_EARNINGS, true).page(0, 2));
        assertThat(byLifetime.totalItems()).isGreaterThanOrEqualTo(3);
        assertThat(byLifetime.items()).hasSize(2);
        Page<CreatorOverview> all = earnings.admin().creatorsOverview(ADMIN, CreatorsOverviewQuery.of(ReportPeriod.lastDays(30)).sortedBy(CreatorOverview.Sort.CREATOR_ID, false).page(0, 500));
        Map<String, CreatorOverview> byId = all.items().stream().collect(Collectors.toMap(CreatorOverview::creatorId, c -> c));
        for (String creator : List.of("creator-a", "creator-b", "creator-c")) {
            CreatorOverview o = byId.get(creator);
            assertThat(o.lifetimeEarnings().amount()).isEqualByComparingTo(sum(rows.stream().filter(of(creator, Optional.empty()))));
            List<Row> period = rows.stream().filter(of(creator, Optional.empty()).and(in(TODAY.minusDays(29), TODAY.plusDays(1))))
                    .collect(Collectors.toList());
            assertThat(o.periodEarnings().amount()).isEqualByComparingTo(sum(period.stream()));
            assertThat(o.periodUses()).isEqualTo(period.size());
            assertThat(o.balance()).isEqualTo(earnings.analytics().balance(ADMIN, creator));
        }
        assertThat(byId.get("creator-a").models()).isEqualTo(3);
        List<BigDecimal> lifetimes = all.items().stream().map(c -> c.lifetimeEarnings().amount())
                .sorted(Comparator.reverseOrder()).collect(Collectors.toList());
        assertThat(byLifetime.items()).extracting(c -> c.lifetimeEarnings().amount())
                .usingElementComparator(BigDecimal::compareTo).containsExactlyElementsOf(lifetimes.subList(0, 2));
        for (CreatorOverview.Sort sort : CreatorOverview.Sort.values()) {
            Page<CreatorOverview> first = earnings.admin().creatorsOverview(ADMIN, CreatorsOverviewQuery.of(ReportPeriod.lastDays(7)).sortedBy(sort, true).page(0, 1));
            Page<CreatorOverview> second = earnings.admin().creatorsOverview(ADMIN, CreatorsOverviewQuery.of(ReportPeriod.lastDays(7)).sortedBy(sort, true).page(1, 1));
            assertThat(first.items().get(0).creatorId()).isNotEqualTo(second.items().get(0).creatorId());
        }
    }

    @ParameterizedTest(name = "{0}, descending {1}")
    @MethodSource("overviewSorts")
    void creatorsOverview_ordersEveryCreatorExactly_byEachSortAndDirection(CreatorOverview.Sort sort, boolean descending) {
        // The independent figures: lifetime and last-7-days figures from the usage rows, models as
        // registered, available = lifetime minus reserved and paid payouts as stored.
        Map<String, Long> models = Map.of("creator-a", 3L, "creator-b", 1L, "creator-c", 1L);
        Map<String, BigDecimal> paid = db.jdbi.withHandle(h -> h.createQuery("SELECT creator_id, SUM(amount) AS paid FROM "
                + db.table("earnings_transactions") + " WHERE status IN ('PENDING', 'COMPLETED') GROUP BY creator_id")
                .map((rs, ctx) -> Map.entry(rs.getString(1), rs.getBigDecimal(2))).list().stream()
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue)));
        Map<String, Comparable<?>> key = new java.util.HashMap<>();
        for (String creator : models.keySet()) {
            BigDecimal lifetime = sum(rows.stream().filter(of(creator, Optional.empty())));
            List<Row> week = rows.stream().filter(of(creator, Optional.empty()).and(in(TODAY.minusDays(6), TODAY.plusDays(1))))
                    .collect(Collectors.toList());
            switch (sort) {
                case LIFETIME_EARNINGS:
                    key.put(creator, lifetime);
                    break;
                case PERIOD_EARNINGS:
                    key.put(creator, sum(week.stream()));
                    break;
                case PERIOD_USES:
                    key.put(creator, (long) week.size());
                    break;
                case MODELS:
                    key.put(creator, models.get(creator));
                    break;
                case AVAILABLE_BALANCE:
                    key.put(creator, lifetime.subtract(paid.getOrDefault(creator, BigDecimal.ZERO)));
                    break;
                default:
                    key.put(creator, creator);
            }
        }
        @SuppressWarnings({"unchecked", "rawtypes"})
        Comparator<String> byKey = (x, y) -> ((Comparable) key.get(x)).compareTo(key.get(y));
        List<String> expected = models.keySet().stream()
                .sorted((descending ? byKey.reversed() : byKey).thenComparing(Comparator.naturalOrder()))
                .collect(Collectors.toList());

        CreatorsOverviewQuery query = CreatorsOverviewQuery.of(ReportPeriod.lastDays(7)).sortedBy(sort, descending);
        assertThat(earnings.admin().creatorsOverview(ADMIN, query.page(0, 500)).items())
                .extracting(CreatorOverview::creatorId).containsExactlyElementsOf(expected);
        assertThat(earnings.admin().creatorsOverview(ADMIN, query.page(1, 1)).items())
                .extracting(CreatorOverview::creatorId).containsExactly(expected.get(1));
        // The balance shown is the balance sorted by: ascending by available, the shown figures ascend.
        List<BigDecimal> shown = earnings.admin().creatorsOverview(ADMIN, CreatorsOverviewQuery.of(ReportPeriod.lastDays(7))
                .sortedBy(CreatorOverview.Sort.AVAILABLE_BALANCE, false).page(0, 500)).items().stream()
                .map(o -> o.balance().available().amount()).collect(Collectors.toList());
        assertThat(shown).isSortedAccordingTo(BigDecimal::compareTo);
    }

    static Stream<Arguments> overviewSorts() {
        return Stream.of(CreatorOverview.Sort.values())
                .flatMap(sort -> Stream.of(Arguments.of(sort, true), Arguments.of(sort, false)));
    }

    // ------------------------------------------------------------------ one snapshot under live writes

    @Test
    void creatorDashboard_readsOneSnapshot_whileUsesAreBeingRecorded() throws Exception {
        // A database of its own: the writes must not change the figures the other tests compare.
        try (TestDatabase own = openDatabase(); Earnings e = own.builder().clock(clock).build()) {
            List<String> models = List.of("live-a", "live-b", "live-c");
            models.forEach(m -> e.models().register(m, "creator-live", ModelPricing.of("0.01", "0.0001")));
            Caller live = Caller.creator("creator-live");
            DashboardQuery query = DashboardQuery.of(ReportPeriod.lastDays(30)).by(Granularity.DAY).limits(100, 100, 0);
            int writers = 3;
            InFlight race = new InFlight();
            java.util.concurrent.atomic.AtomicLong committed = new java.util.concurrent.atomic.AtomicLong();
            List<RecordedUse> recorded = java.util.Collections.synchronizedList(new ArrayList<>());
            java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(writers + 1);
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(writers);
            int reads = 0;
            int readsDuringCommits = 0;
            try {
                List<java.util.concurrent.Future<?>> done = new ArrayList<>();
                for (int w = 0; w < writers; w++) {
                    int writer = w;
                    done.add(pool.submit(() -> {
                        start.await(30, java.util.concurrent.TimeUnit.SECONDS);
                        for (int call = 0; call < 80; call++) {
                            // One use alone or a batch of up to four, over the last seven days; every
                            // 13th use is the creator's own.
                            List<UsageRequest> batch = new ArrayList<>();
                            for (int k = 0; k <= call % 4; k++) {
                                int i = writer * 1_000 + call * 4 + k;
                                batch.add(UsageRequest.builder(i % 13 == 0 ? "creator-live" : "user-" + i % 17,
                                        models.get(i % 3)).tokensConsumed(i % 500).usageType(TYPES[i % 3])
                                        .occurredAt(NOW.minus(Duration.ofDays(i % 7)).minus(Duration.ofMinutes(i % 60))).build());
                            }
                            if (batch.size() == 1) {
                                recorded.add(race.call("write", () -> e.logModelUsage(batch.get(0))));
                            } else {
                                race.call("write", () -> e.logModelUsageBatch(batch)).items()
                                        .forEach(item -> recorded.add(item.use().orElseThrow()));
                            }
                            committed.addAndGet(batch.size());
                        }
                        return null;
                    }));
                }
                start.await(30, java.util.concurrent.TimeUnit.SECONDS);
                while (done.stream().anyMatch(f -> !f.isDone())) {
                    long before = committed.get();
                    CreatorDashboard d = race.call("read", () -> e.analytics().creatorDashboard(live, "creator-live", query));
                    long after = committed.get();
                    assertConsistent(d, "read " + reads);
                    reads++;
                    readsDuringCommits += after > before ? 1 : 0;
                }
                for (java.util.concurrent.Future<?> f : done) {
                    f.get(120, java.util.concurrent.TimeUnit.SECONDS);
                }
            } finally {
                pool.shutdownNow();
            }
            assertThat(readsDuringCommits).as("dashboards of %d read while uses were committed", reads).isPositive();
            assertThat(race.crossings()).as("reads and writes in flight at once").isPositive();

            // Once the writes are done: the figures of every use recorded.
            CreatorDashboard last = e.analytics().creatorDashboard(live, "creator-live", query);
            assertConsistent(last, "the last read");
            assertThat(last.uses()).isEqualTo(recorded.size());
            assertThat(last.periodEarnings().amount()).isEqualByComparingTo(recorded.stream()
                    .map(u -> u.result().earnings().amount()).reduce(BigDecimal.ZERO, BigDecimal::add));
            assertThat(last.earningUses()).isEqualTo(recorded.stream().filter(u -> u.result().earnings().signum() > 0).count());
            assertThat(last.uniqueUsers()).isEqualTo(recorded.stream().map(RecordedUse::userId).distinct().count());
            assertThat(e.verifyIntegrity().isClean()).isTrue();
        }
    }

    /** The figures of one dashboard agree with each other, as figures of one moment must. */
    static void assertConsistent(CreatorDashboard d, String which) {
        BigDecimal period = d.periodEarnings().amount();
        assertThat(d.trend()).as("%s: trend days", which).hasSize(30);
        assertThat(d.trend().stream().map(p -> p.earnings().amount()).reduce(BigDecimal.ZERO, BigDecimal::add))
                .as("%s: the trend's earnings", which).isEqualByComparingTo(period);
        assertThat(d.trend().stream().mapToLong(CreatorDashboard.TrendPoint::uses).sum()).as("%s: the trend's uses", which)
                .isEqualTo(d.uses());
        // Every active model is listed (up to 100), so the list adds up to the period.
        assertThat(d.topModels()).as("%s: models listed", which).hasSize((int) d.activeModels());
        assertThat(d.topModels().stream().map(m -> m.earnings().amount()).reduce(BigDecimal.ZERO, BigDecimal::add))
                .as("%s: the models' earnings", which).isEqualByComparingTo(period);
        assertThat(d.topModels().stream().mapToLong(CreatorDashboard.ModelPerformance::uses).sum())
                .as("%s: the models' uses", which).isEqualTo(d.uses());
        // Every use lies in the period: the lifetime counters (another table) and the balance (another
        // statement) are the period's figure, and the recent activity (a third) holds the period's uses.
        assertThat(d.lifetimeEarnings().amount()).as("%s: lifetime earnings", which).isEqualByComparingTo(period);
        assertThat(d.balance().earned().amount()).as("%s: earned in the balance", which).isEqualByComparingTo(period);
        assertThat(d.balance().available().amount()).as("%s: available", which).isEqualByComparingTo(period);
        assertThat(d.recentActivity()).as("%s: recent activity", which).hasSize((int) Math.min(d.uses(), 100));
        assertThat(d.earningUses()).as("%s: earning uses", which).isLessThanOrEqualTo(d.uses());
        assertThat(d.averageEarningsPerActiveModel().amount()).as("%s: average", which).isEqualByComparingTo(
                d.activeModels() == 0 ? BigDecimal.ZERO
                        : period.divide(BigDecimal.valueOf(d.activeModels()), 12, RoundingMode.HALF_EVEN));
        assertThat(d.change().previousUses()).as("%s: previous uses", which).isZero();
        for (CreatorDashboard.ModelPerformance m : d.topModels()) {
            // Counted uses (from the counters) never exceed the model's uses (from the rollups).
            long next = new long[] {100, 1_000, 5_000, 10_000}[m.currentTier() - 1];
            assertThat(next - m.usesToNextTier().orElseThrow()).as("%s: counted uses of %s", which, m.modelId())
                    .isLessThanOrEqualTo(m.uses());
        }
    }

    // ------------------------------------------------------------------ access

    @Test
    void accessMatrix_creatorsReadOnlyTheirOwnData() {
        DashboardQuery query = DashboardQuery.of(ReportPeriod.lastDays(30));
        // Creator A: their own dashboard, models and balance; nothing of B's; no admin call.
        CreatorDashboard own = earnings.analytics().creatorDashboard(A, "creator-a", query.limits(100, 100, 100));
        Set<String> aModels = Set.of("a-anime", "a-chat", "a-sketch");
        assertThat(own.topModels()).extracting(CreatorDashboard.ModelPerformance::modelId).allMatch(aModels::contains);
        assertThat(own.recentActivity()).extracting(CreatorDashboard.Activity::modelId).allMatch(aModels::contains);
        assertThat(own.recentTransactions()).allMatch(p -> p.creatorId().equals("creator-a"));
        assertDenied(() -> earnings.analytics().creatorDashboard(A, "creator-b", query));
        assertDenied(() -> earnings.analytics().creatorDashboard(A, "creator-a", query.forModel("b-photo")));
        assertDenied(() -> earnings.analytics().creatorDashboard(A, "creator-a", query.forModel("no-such-model")));
        assertDenied(() -> earnings.analytics().modelReport(A, "b-photo", ReportPeriod.lastDays(7), Granularity.DAY));
        assertDenied(() -> earnings.analytics().modelReport(A, "no-such-model", ReportPeriod.lastDays(7), Granularity.DAY));
        assertDenied(() -> earnings.analytics().balance(A, "creator-b"));
        assertDenied(() -> earnings.admin().platformTotals(A, ReportPeriod.lastDays(7)));
        assertDenied(() -> earnings.admin().creatorsOverview(A, CreatorsOverviewQuery.of(ReportPeriod.lastDays(7)).sortedBy(CreatorOverview.Sort.CREATOR_ID, false).page(0, 10)));
        assertDenied(() -> earnings.admin().transactionSummary(A));
        assertDenied(() -> earnings.payouts().create(A, PayoutRequest.of("creator-a", 1, "self-pay")));
        assertDenied(() -> earnings.payouts().payoutAll(A, BulkPayoutRequest.of("batch").threshold(1).dryRun(true)));
        assertDenied(() -> earnings.payouts().complete(A, 1, null));
        assertDenied(() -> earnings.payouts().fail(A, 1, "x"));
        assertDenied(() -> earnings.payouts().cancel(A, 1, null));
        assertDenied(() -> earnings.payouts().completeAll(A, List.of(1L), null));
        assertDenied(() -> earnings.payouts().failAll(A, List.of(1L), "x"));
        assertDenied(() -> earnings.payouts().history(A, 1));

        // Creator B is refused A's data the same way, whatever exists.
        assertDenied(() -> earnings.analytics().creatorDashboard(B, "creator-a", query));
        assertDenied(() -> earnings.analytics().modelReport(B, "a-anime", ReportPeriod.lastDays(7), Granularity.DAY));
        CreatorDashboard bOwn = earnings.analytics().creatorDashboard(B, "creator-b", query.limits(100, 100, 100));
        assertThat(bOwn.recentActivity()).extracting(CreatorDashboard.Activity::modelId).containsOnly("b-photo");

        // No caller, and a creator the library has never seen: denied everywhere.
        for (Caller nobody : java.util.Arrays.asList(null, Caller.creator("creator-unknown"))) {
            assertDenied(() -> earnings.analytics().creatorDashboard(nobody, "creator-a", query));
            assertDenied(() -> earnings.analytics().creatorDashboard(nobody, "creator-unknown", query));
            assertDenied(() -> earnings.analytics().modelReport(nobody, "a-anime", ReportPeriod.lastDays(7), Granularity.DAY));
            assertDenied(() -> earnings.analytics().balance(nobody, "creator-a"));
            assertDenied(() -> earnings.admin().platformTotals(nobody, ReportPeriod.lastDays(7)));
            assertDenied(() -> earnings.admin().transactionSummary(nobody));
            assertDenied(() -> earnings.payouts().create(nobody, PayoutRequest.of("creator-a", 1, "x")));
            assertDenied(() -> earnings.payouts().find(nobody, 1));
            assertDenied(() -> earnings.payouts().payoutAll(nobody, BulkPayoutRequest.of("batch").threshold(1).dryRun(true)));
            assertDenied(() -> earnings.payouts().complete(nobody, 1, null));
            assertDenied(() -> earnings.payouts().history(nobody, 1));
            assertDenied(() -> earnings.admin().creatorsOverview(nobody, CreatorsOverviewQuery.of(ReportPeriod.lastDays(7)).sortedBy(CreatorOverview.Sort.CREATOR_ID, false).page(0, 10)));
        }

        // Admin: everything, for anyone.
        assertThat(earnings.analytics().creatorDashboard(ADMIN, "creator-b", query).creatorId()).isEqualTo("creator-b");
        assertThat(earnings.analytics().modelReport(ADMIN, "a-anime", ReportPeriod.lastDays(7), Granularity.DAY)
                .model().creatorId()).isEqualTo("creator-a");
        assertThat(earnings.admin().transactionSummary(ADMIN).byStatus()).containsOnlyKeys(PayoutStatus.values());
        assertThatThrownBy(() -> earnings.analytics().modelReport(ADMIN, "no-such-model", ReportPeriod.lastDays(7),
                Granularity.DAY)).isInstanceOf(UnknownModelException.class);
        assertThatThrownBy(() -> earnings.analytics().creatorDashboard(ADMIN, "creator-a", query.forModel("b-photo")))
                .isInstanceOf(InvalidInputException.class);
    }

    static void assertDenied(org.assertj.core.api.ThrowableAssert.ThrowingCallable call) {
        assertThatThrownBy(call).isInstanceOf(AccessDeniedException.class)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("creator-b", "b-photo", "a-anime", "no-such-model"));
    }

    @Test
    void badQueries_areRejectedNamingTheField() {
        assertThatThrownBy(() -> ReportPeriod.lastDays(14)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("7, 30, 90 or 365");
        assertThatThrownBy(() -> ReportPeriod.between(TODAY, TODAY)).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> DashboardQuery.of(ReportPeriod.lastDays(7)).limits(101, 0, 0))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("topModels");
        assertThatThrownBy(() -> earnings.admin().creatorsOverview(ADMIN, CreatorsOverviewQuery.of(ReportPeriod.lastDays(7)).sortedBy(CreatorOverview.Sort.MODELS, true).page(0, 0))).isInstanceOf(InvalidInputException.class).hasMessageContaining("pageSize");
    }
}
