package dev.earnings.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import dev.earnings.core.InvalidInputException;
import dev.earnings.core.ModelPricing;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Reports in time zones and filtered by usage type and model set, cross-checked against an
 * independent computation over the raw usage rows and reversals, run against each database by a
 * subclass.
 *
 * <p>The data: 130 days of seeded traffic at any hour up to "today" (2026-03-12), which spans both
 * of New York's daylight-saving changes (2025-11-02 and 2026-03-08) and Lord Howe Island's
 * half-hour ones; uses and reversals placed exactly on and one second before the local midnights
 * of New York, Kolkata (+05:30) and Kathmandu (+05:45).
 */
abstract class ZonedReportsSuite extends DatabaseSuite {
    static final Instant NOW = Instant.parse("2026-03-12T10:00:00Z");
    static final Caller ADMIN = Caller.admin("admin-zones");
    static final Caller Z = Caller.creator("creator-z");
    static final Caller Y = Caller.creator("creator-y");
    static final String[] TYPES = {"image_generation", "chat", "other"};
    static final String[] MODELS = {"z-anime", "z-chat", "z-sketch", "y-photo"};
    static final List<String> ZONES = List.of("America/New_York", "Asia/Kolkata", "Asia/Kathmandu",
            "Australia/Lord_Howe", "UTC");

    List<Use> uses;
    List<Reversed> reversals;

    /** A usage row as read back. */
    record Use(String eventId, String creatorId, String modelId, String userId, Instant occurredAt, String usageType,
            BigDecimal earnings) {
    }

    /** A reversal row as read back, with its use's usage type. */
    record Reversed(String modelId, String creatorId, String usageType, Instant at, BigDecimal amount) {
    }

    @Override
    Instant start() {
        return NOW.minus(Duration.ofDays(130));
    }

    @BeforeAll
    void populate() {
        earnings.models().register("z-anime", "creator-z", ModelPricing.of("0.01", "0.0001"));
        earnings.models().register("z-chat", "creator-z", ModelPricing.of("0.002", "0.00002"));
        earnings.models().register("z-sketch", "creator-z", ModelPricing.of("0.005", "0"));
        earnings.models().register("y-photo", "creator-y", ModelPricing.of("0.02", "0.000003"));
        Random random = new Random(20260312L);
        List<Instant> times = new ArrayList<>();
        for (int d = 130; d >= 1; d--) {
            for (int i = 0; i < 10; i++) {
                times.add(NOW.minus(Duration.ofDays(d)).plusSeconds(random.nextInt(86_400)));
            }
        }
        // On and just before local midnights, around both New York changes and in the last days.
        for (String date : List.of("2025-11-01", "2025-11-02", "2025-11-03", "2026-03-07", "2026-03-08", "2026-03-09",
                "2026-03-10", "2026-03-11")) {
            for (String zone : List.of("America/New_York", "Asia/Kolkata", "Asia/Kathmandu", "Australia/Lord_Howe")) {
                Instant midnight = LocalDate.parse(date).atStartOfDay(ZoneId.of(zone)).toInstant();
                times.add(midnight);
                times.add(midnight.minusSeconds(1));
            }
        }
        times.add(Instant.parse("2026-03-08T06:59:59Z"));
        times.add(Instant.parse("2026-03-08T07:00:00Z"));
        times.add(Instant.parse("2025-11-02T05:30:00Z"));
        times.add(Instant.parse("2025-11-02T06:30:00Z"));
        times.sort(Comparator.naturalOrder());
        List<String> recorded = new ArrayList<>();
        for (Instant at : times) {
            clock.set(at);
            String model = MODELS[random.nextInt(MODELS.length)];
            String user = "user-" + random.nextInt(40);
            recorded.add(earnings.logModelUsage(user, model, random.nextInt(3000), TYPES[random.nextInt(3)], null).eventId());
        }
        // Reversals at local midnights and at random times, of random earlier uses.
        List<Instant> reversalTimes = new ArrayList<>();
        for (String date : List.of("2025-11-02", "2026-03-08", "2026-03-09", "2026-03-11")) {
            for (String zone : List.of("America/New_York", "Asia/Kolkata", "Asia/Kathmandu")) {
                Instant midnight = LocalDate.parse(date).atStartOfDay(ZoneId.of(zone)).toInstant();
                reversalTimes.add(midnight);
                reversalTimes.add(midnight.minusSeconds(1));
            }
        }
        for (int i = 0; i < 20; i++) {
            reversalTimes.add(NOW.minus(Duration.ofDays(1 + random.nextInt(100))).plusSeconds(random.nextInt(86_400)));
        }
        reversalTimes.sort(Comparator.naturalOrder());
        int n = 0;
        Map<String, Instant> occurred = new HashMap<>();
        uses = readUses();
        uses.forEach(u -> occurred.put(u.eventId(), u.occurredAt()));
        for (Instant at : reversalTimes) {
            clock.set(at);
            List<String> earlier = recorded.stream().filter(e -> occurred.get(e).isBefore(at)).collect(Collectors.toList());
            String eventId = earlier.get(random.nextInt(earlier.size()));
            Use use = uses.stream().filter(u -> u.eventId().equals(eventId)).findFirst().orElseThrow();
            if (use.earnings().signum() == 0) {
                continue;
            }
            try {
                earnings.reversals().reverse(ADMIN, ReversalRequest.partial(eventId,
                        use.earnings().divide(BigDecimal.valueOf(4)), "zones-" + n++, "test reversal"));
            } catch (ReversalExceedsRemainderException e) {
                // Reversed enough already.
            }
        }
        clock.set(NOW);
        Map<String, String> typeOf = new HashMap<>();
        uses.forEach(u -> typeOf.put(u.eventId(), u.usageType()));
        reversals = db.jdbi.withHandle(h -> h.createQuery("SELECT event_id, model_id, creator_id, reversed_at, amount FROM "
                + db.table("earnings_reversals"))
                .map((rs, ctx) -> new Reversed(rs.getString("model_id"), rs.getString("creator_id"),
                        typeOf.get(rs.getString("event_id")), rs.getObject("reversed_at", OffsetDateTime.class).toInstant(),
                        rs.getBigDecimal("amount")))
                .list());
        assertThat(uses).hasSizeGreaterThan(1000);
        assertThat(reversals).hasSizeGreaterThan(30);
        assertThat(earnings.verifyIntegrity().isClean()).isTrue();
    }

    List<Use> readUses() {
        return db.jdbi.withHandle(h -> h.createQuery("SELECT event_id, creator_id, model_id, user_id, occurred_at, usage_type,"
                + " earnings FROM " + db.table("model_usage_logs"))
                .map((rs, ctx) -> new Use(rs.getString("event_id"), rs.getString("creator_id"), rs.getString("model_id"),
                        rs.getString("user_id"), rs.getObject("occurred_at", OffsetDateTime.class).toInstant(),
                        rs.getString("usage_type"), rs.getBigDecimal("earnings")))
                .list());
    }

    // ------------------------------------------------------------------ the independent computation

    /** What a report counts: a creator (or all), models (or all), usage types (or all). */
    record Scope(Optional<String> creatorId, Set<String> models, Set<String> types) {
        boolean counts(String creator, String model, String type) {
            return creatorId.map(creator::equals).orElse(true) && (models.isEmpty() || models.contains(model))
                    && (types.isEmpty() || types.contains(type));
        }
    }

    /** Per local day: uses, earning uses, earnings net of reversals, reversed. */
    static final class Day {
        long uses;
        long earningUses;
        BigDecimal earnings = BigDecimal.ZERO;
        BigDecimal reversed = BigDecimal.ZERO;
    }

    Map<LocalDate, Day> days(Scope scope, ZoneId zone, LocalDate from, LocalDate to) {
        Map<LocalDate, Day> days = new TreeMap<>();
        Predicate<LocalDate> within = d -> !d.isBefore(from) && d.isBefore(to);
        for (Use u : uses) {
            LocalDate day = LocalDate.ofInstant(u.occurredAt(), zone);
            if (within.test(day) && scope.counts(u.creatorId(), u.modelId(), u.usageType())) {
                Day d = days.computeIfAbsent(day, k -> new Day());
                d.uses++;
                d.earningUses += u.earnings().signum() > 0 ? 1 : 0;
                d.earnings = d.earnings.add(u.earnings());
            }
        }
        for (Reversed r : reversals) {
            LocalDate day = LocalDate.ofInstant(r.at(), zone);
            if (within.test(day) && scope.counts(r.creatorId(), r.modelId(), r.usageType())) {
                Day d = days.computeIfAbsent(day, k -> new Day());
                d.earnings = d.earnings.subtract(r.amount());
                d.reversed = d.reversed.add(r.amount());
            }
        }
        return days;
    }

    long uniqueUsers(Scope scope, ZoneId zone, LocalDate from, LocalDate to) {
        return uses.stream().filter(u -> scope.counts(u.creatorId(), u.modelId(), u.usageType()))
                .filter(u -> {
                    LocalDate d = LocalDate.ofInstant(u.occurredAt(), zone);
                    return !d.isBefore(from) && d.isBefore(to);
                }).map(Use::userId).distinct().count();
    }

    static long usesOf(Map<LocalDate, Day> days) {
        return days.values().stream().mapToLong(d -> d.uses).sum();
    }

    static BigDecimal earningsOf(Map<LocalDate, Day> days) {
        return days.values().stream().map(d -> d.earnings).reduce(BigDecimal.ZERO, BigDecimal::add);
    }

    static BigDecimal reversedOf(Map<LocalDate, Day> days) {
        return days.values().stream().map(d -> d.reversed).reduce(BigDecimal.ZERO, BigDecimal::add);
    }

    static Stream<Arguments> zonesAndPeriods() {
        List<Arguments> args = new ArrayList<>();
        for (String zone : ZONES) {
            ZoneId z = ZoneId.of(zone);
            LocalDate today = LocalDate.ofInstant(NOW, z);
            args.add(Arguments.of(zone, ReportPeriod.lastDays(7), today.minusDays(6), today.plusDays(1)));
            args.add(Arguments.of(zone, ReportPeriod.lastDays(30), today.minusDays(29), today.plusDays(1)));
            args.add(Arguments.of(zone, ReportPeriod.lastDays(90), today.minusDays(89), today.plusDays(1)));
            // Across New York's spring change and across its autumn change.
            args.add(Arguments.of(zone, ReportPeriod.between(LocalDate.of(2026, 3, 1), LocalDate.of(2026, 3, 12)),
                    LocalDate.of(2026, 3, 1), LocalDate.of(2026, 3, 12)));
            args.add(Arguments.of(zone, ReportPeriod.between(LocalDate.of(2025, 10, 29), LocalDate.of(2025, 11, 6)),
                    LocalDate.of(2025, 10, 29), LocalDate.of(2025, 11, 6)));
        }
        return args.stream();
    }

    static final List<ReportFilter> FILTERS = List.of(ReportFilter.NONE, ReportFilter.NONE.usageTypes("chat"),
            ReportFilter.NONE.models("z-anime", "z-sketch"), ReportFilter.NONE.models("z-chat").usageTypes("chat", "other"));

    // ------------------------------------------------------------------ dashboards

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("zonesAndPeriods")
    void dashboard_inAZone_withEachFilter_matchesTheRawRows(String zone, ReportPeriod period, LocalDate from, LocalDate to) {
        ZoneId z = ZoneId.of(zone);
        for (ReportFilter filter : FILTERS) {
            CreatorDashboard dash = earnings.analytics().creatorDashboard(Z, "creator-z",
                    DashboardQuery.of(period.in(z)).filter(filter).limits(10, 20, 0));
            Scope scope = new Scope(Optional.of("creator-z"), filter.modelIds(), filter.usageTypes());
            Map<LocalDate, Day> days = days(scope, z, from, to);
            String what = zone + " " + period + " " + filter;
            assertThat(dash.range()).as(what).isEqualTo(new ReportPeriod.DateRange(from, to, z));
            assertThat(dash.uses()).as(what).isEqualTo(usesOf(days));
            assertThat(dash.earningUses()).as(what).isEqualTo(days.values().stream().mapToLong(d -> d.earningUses).sum());
            assertThat(dash.periodEarnings().amount()).as(what).isEqualByComparingTo(earningsOf(days));
            assertThat(dash.periodReversed().amount()).as(what).isEqualByComparingTo(reversedOf(days));
            assertThat(dash.uniqueUsers()).as(what).isEqualTo(uniqueUsers(scope, z, from, to));
            // The trend: one point per local day, each with that day's figures.
            assertThat(dash.trend()).as(what).hasSize((int) java.time.temporal.ChronoUnit.DAYS.between(from, to));
            for (CreatorDashboard.TrendPoint p : dash.trend()) {
                Day d = days.getOrDefault(p.start(), new Day());
                assertThat(p.uses()).as(what + " " + p.start()).isEqualTo(d.uses);
                assertThat(p.earnings().amount()).as(what + " " + p.start()).isEqualByComparingTo(d.earnings);
            }
            // Per model, in the top list.
            for (CreatorDashboard.ModelPerformance m : dash.topModels()) {
                Map<LocalDate, Day> own = days(new Scope(scope.creatorId(), Set.of(m.modelId()), scope.types()), z, from, to);
                assertThat(m.uses()).as(what + " " + m.modelId()).isEqualTo(usesOf(own));
                assertThat(m.earnings().amount()).as(what + " " + m.modelId()).isEqualByComparingTo(earningsOf(own));
            }
            // The previous period of the same length, in the same zone.
            long length = java.time.temporal.ChronoUnit.DAYS.between(from, to);
            Map<LocalDate, Day> previous = days(scope, z, from.minusDays(length), from);
            assertThat(dash.change().previousUses()).as(what).isEqualTo(usesOf(previous));
            assertThat(dash.change().previousEarnings().amount()).as(what).isEqualByComparingTo(earningsOf(previous));
            // The latest uses: the newest of the period that the filter counts.
            List<Instant> latest = uses.stream().filter(u -> scope.counts(u.creatorId(), u.modelId(), u.usageType()))
                    .filter(u -> !LocalDate.ofInstant(u.occurredAt(), z).isBefore(from)
                            && LocalDate.ofInstant(u.occurredAt(), z).isBefore(to))
                    .map(Use::occurredAt).sorted(Comparator.reverseOrder()).limit(20).collect(Collectors.toList());
            assertThat(dash.recentActivity().stream().map(CreatorDashboard.Activity::occurredAt)).as(what)
                    .containsExactlyElementsOf(latest);
        }
    }

    @Test
    void weeklyTrend_inNewYork_sumsLocalDays() {
        ZoneId z = ZoneId.of("America/New_York");
        LocalDate from = LocalDate.of(2026, 2, 2);
        LocalDate to = LocalDate.of(2026, 3, 12);
        CreatorDashboard dash = earnings.analytics().creatorDashboard(Z, "creator-z",
                DashboardQuery.of(ReportPeriod.between(from, to).in(z)).by(Granularity.WEEK));
        Map<LocalDate, Day> days = days(new Scope(Optional.of("creator-z"), Set.of(), Set.of()), z, from, to);
        assertThat(dash.trend()).isNotEmpty();
        for (CreatorDashboard.TrendPoint p : dash.trend()) {
            long expected = days.entrySet().stream().filter(e -> Granularity.WEEK.bucketOf(e.getKey()).equals(p.start()))
                    .mapToLong(e -> e.getValue().uses).sum();
            assertThat(p.uses()).as(p.start().toString()).isEqualTo(expected);
        }
    }

    @Test
    void aDaylightSavingDay_hasItsOwnLength() {
        // 2026-03-08 in New York has 23 hours: the uses of 04:00-05:00 UTC on the 9th belong to the 8th.
        ZoneId z = ZoneId.of("America/New_York");
        CreatorDashboard dash = earnings.analytics().creatorDashboard(ADMIN, "creator-z",
                DashboardQuery.of(ReportPeriod.between(LocalDate.of(2026, 3, 8), LocalDate.of(2026, 3, 9)).in(z)));
        assertThat(dash.range().end().getEpochSecond() - dash.range().start().getEpochSecond()).isEqualTo(23 * 3600);
        assertThat(dash.uses()).isEqualTo(usesOf(days(new Scope(Optional.of("creator-z"), Set.of(), Set.of()), z,
                LocalDate.of(2026, 3, 8), LocalDate.of(2026, 3, 9))));
    }

    @Test
    void utcWithEveryUsageType_equalsTheUnfilteredDashboard() {
        // The quarter-hour rollups and the daily rollups agree where both answer.
        DashboardQuery plain = DashboardQuery.of(ReportPeriod.lastDays(90)).limits(10, 10, 0);
        CreatorDashboard daily = earnings.analytics().creatorDashboard(Z, "creator-z", plain);
        CreatorDashboard slots = earnings.analytics().creatorDashboard(Z, "creator-z",
                plain.filter(ReportFilter.NONE.usageTypes(TYPES)));
        assertThat(slots.uses()).isEqualTo(daily.uses());
        assertThat(slots.periodEarnings()).isEqualTo(daily.periodEarnings());
        assertThat(slots.periodReversed()).isEqualTo(daily.periodReversed());
        assertThat(slots.uniqueUsers()).isEqualTo(daily.uniqueUsers());
        assertThat(slots.trend()).isEqualTo(daily.trend());
        assertThat(slots.topModels()).isEqualTo(daily.topModels());
        assertThat(slots.change()).isEqualTo(daily.change());
    }

    // ------------------------------------------------------------------ model reports and platform totals

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("zonesAndPeriods")
    void modelReport_inAZone_matchesTheRawRows(String zone, ReportPeriod period, LocalDate from, LocalDate to) {
        ZoneId z = ZoneId.of(zone);
        for (String model : List.of("z-anime", "y-photo")) {
            Caller caller = model.startsWith("z") ? Z : Y;
            ModelReport report = earnings.analytics().modelReport(caller, model, period.in(z), Granularity.DAY);
            Scope scope = new Scope(Optional.empty(), Set.of(model), Set.of());
            Map<LocalDate, Day> days = days(scope, z, from, to);
            String what = zone + " " + period + " " + model;
            assertThat(report.periodUses()).as(what).isEqualTo(usesOf(days));
            assertThat(report.periodEarnings().amount()).as(what).isEqualByComparingTo(earningsOf(days));
            assertThat(report.periodReversed().amount()).as(what).isEqualByComparingTo(reversedOf(days));
            assertThat(report.uniqueUsers()).as(what).isEqualTo(uniqueUsers(scope, z, from, to));
            for (CreatorDashboard.TrendPoint p : report.trend()) {
                assertThat(p.uses()).as(what + " " + p.start()).isEqualTo(days.getOrDefault(p.start(), new Day()).uses);
            }
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("zonesAndPeriods")
    void platformTotals_inAZone_matchTheRawRows(String zone, ReportPeriod period, LocalDate from, LocalDate to) {
        ZoneId z = ZoneId.of(zone);
        PlatformTotals totals = earnings.admin().platformTotals(ADMIN, period.in(z));
        Map<LocalDate, Day> days = days(new Scope(Optional.empty(), Set.of(), Set.of()), z, from, to);
        assertThat(totals.uses()).isEqualTo(usesOf(days));
        assertThat(totals.earnings().amount()).isEqualByComparingTo(earningsOf(days));
        assertThat(totals.reversed().amount()).isEqualByComparingTo(reversedOf(days));
        long models = uses.stream().filter(u -> {
            LocalDate d = LocalDate.ofInstant(u.occurredAt(), z);
            return !d.isBefore(from) && d.isBefore(to);
        }).map(Use::modelId).distinct().count();
        assertThat(totals.modelsWithUsage()).isEqualTo(models);
    }

    // ------------------------------------------------------------------ refusals and access

    @Test
    void anUnknownUsageType_isRefused_notReadAsAQuietPeriod() {
        assertThatThrownBy(() -> earnings.analytics().creatorDashboard(Z, "creator-z",
                DashboardQuery.of(ReportPeriod.lastDays(7)).filter(ReportFilter.NONE.usageTypes("chatt"))))
                .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.field()).isEqualTo("usageTypes"))
                .hasMessageContaining("chatt");
    }

    @Test
    void aFilterNamingAnotherCreatorsModel_isRefused() {
        DashboardQuery query = DashboardQuery.of(ReportPeriod.lastDays(30)).filter(ReportFilter.NONE.models("z-anime",
                "y-photo"));
        // A creator cannot learn whether another creator's model exists.
        assertThatThrownBy(() -> earnings.analytics().creatorDashboard(Z, "creator-z", query))
                .isInstanceOf(AccessDeniedException.class);
        assertThatThrownBy(() -> earnings.analytics().creatorDashboard(Z, "creator-z",
                DashboardQuery.of(ReportPeriod.lastDays(30)).filter(ReportFilter.NONE.models("no-such-model"))))
                .isInstanceOf(AccessDeniedException.class);
        assertThatThrownBy(() -> earnings.analytics().creatorDashboard(ADMIN, "creator-z", query))
                .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.field()).isEqualTo("modelIds"));
        assertThatThrownBy(() -> earnings.analytics().creatorDashboard(ADMIN, "creator-z",
                DashboardQuery.of(ReportPeriod.lastDays(30)).filter(ReportFilter.NONE.models("no-such-model"))))
                .isInstanceOf(UnknownModelException.class);
    }

    @Test
    void aModelAndADisjointFilter_countNothing() {
        CreatorDashboard dash = earnings.analytics().creatorDashboard(Z, "creator-z",
                DashboardQuery.of(ReportPeriod.lastDays(30)).forModel("z-anime").filter(ReportFilter.NONE.models("z-chat")));
        assertThat(dash.uses()).isZero();
        assertThat(dash.trend()).allSatisfy(p -> assertThat(p.uses()).isZero());
    }

    @Test
    void aPeriodWhereTheZoneWasOffsetByOddMinutes_isRefused() {
        // Liberia kept -00:44:30 until 1972.
        ReportPeriod liberia = ReportPeriod.between(LocalDate.of(1971, 1, 1), LocalDate.of(1971, 2, 1))
                .in(ZoneId.of("Africa/Monrovia"));
        assertThatThrownBy(() -> earnings.analytics().creatorDashboard(Z, "creator-z", DashboardQuery.of(liberia)))
                .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.field()).isEqualTo("zone"))
                .hasMessageContaining("Africa/Monrovia");
        assertThatThrownBy(() -> ReportPeriod.lastDays(7).in(null))
                .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.field()).isEqualTo("zone"));
    }

    @Test
    void theCreatorsOverview_inAnotherZone_isRefused() {
        assertThatThrownBy(() -> earnings.admin().creatorsOverview(ADMIN,
                CreatorsOverviewQuery.of(ReportPeriod.lastDays(30).in(ZoneId.of("Asia/Kolkata")))))
                .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.field()).isEqualTo("period"));
    }

    @Test
    void badFilters_areRefusedNamingTheField() {
        assertThatThrownBy(() -> new ReportFilter(null, Set.of()))
                .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.field()).isEqualTo("modelIds"));
        assertThatThrownBy(() -> ReportFilter.NONE.models("ok", null))
                .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.field()).isEqualTo("modelIds"));
        assertThatThrownBy(() -> ReportFilter.NONE.usageTypes(" "))
                .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.field()).isEqualTo("usageTypes"));
        String[] many = new String[ReportFilter.MAX_ENTRIES + 1];
        for (int i = 0; i < many.length; i++) {
            many[i] = "m" + i;
        }
        assertThatThrownBy(() -> ReportFilter.NONE.models(many))
                .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.field()).isEqualTo("modelIds"));
        assertThatThrownBy(() -> DashboardQuery.of(ReportPeriod.lastDays(7)).filter(null))
                .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.field()).isEqualTo("filter"));
    }

    // ------------------------------------------------------------------ the rollups stay exact

    @Test
    void aTamperedQuarterHour_isReportedByTheIntegrityCheck() {
        String table = db.table("model_usage_slots");
        long slot = db.jdbi.withHandle(h -> h.createQuery("SELECT MIN(slot) FROM " + table + " WHERE model_id = 'y-photo'")
                .mapTo(Long.class).one());
        try {
            db.jdbi.useHandle(h -> h.execute("UPDATE " + table + " SET earnings = earnings + 1"
                    + " WHERE model_id = 'y-photo' AND slot = ?", slot));
            IntegrityReport report = earnings.verifyIntegrity();
            assertThat(report.drifts()).anySatisfy(d -> {
                assertThat(d.modelId()).isEqualTo("y-photo");
                assertThat(d.figure()).isEqualTo("slot_earnings");
                assertThat(d.day()).contains(LocalDate.ofInstant(Instant.ofEpochSecond(slot * 900), ZoneOffset.UTC));
            });
        } finally {
            db.jdbi.useHandle(h -> h.execute("UPDATE " + table + " SET earnings = earnings - 1"
                    + " WHERE model_id = 'y-photo' AND slot = ?", slot));
        }
        assertThat(earnings.verifyIntegrity().isClean()).isTrue();
    }

    @Test
    void aMissingQuarterHour_andOneWithoutUses_areReportedByTheIntegrityCheck() {
        String table = db.table("model_usage_slots");
        Map<String, Object> row = db.jdbi.withHandle(h -> h.createQuery("SELECT * FROM " + table
                + " WHERE model_id = 'y-photo' ORDER BY slot DESC, usage_type FETCH FIRST 1 ROWS ONLY").mapToMap().one());
        long slot = ((Number) row.get("slot")).longValue();
        String type = (String) row.get("usage_type");
        long uses = ((Number) row.get("uses")).longValue();
        long empty = slot + 96 * 400;
        try {
            db.jdbi.useHandle(h -> h.execute("DELETE FROM " + table + " WHERE model_id = 'y-photo' AND slot = ?"
                    + " AND usage_type = ?", slot, type));
            db.jdbi.useHandle(h -> h.execute("INSERT INTO " + table + " (model_id, slot, usage_type, creator_id, uses,"
                    + " counted_uses, earning_uses, tokens, earnings, reversed) VALUES ('y-photo', ?, ?, ?, 2, 0, 0, 0, 0, 0)",
                    empty, type, row.get("creator_id")));
            IntegrityReport report = earnings.verifyIntegrity();
            LocalDate missingDay = LocalDate.ofInstant(Instant.ofEpochSecond(slot * 900), ZoneOffset.UTC);
            assertThat(report.drifts()).filteredOn(d -> d.day().equals(Optional.of(missingDay)))
                    .extracting(IntegrityReport.Drift::modelId, IntegrityReport.Drift::figure, d -> d.stored().isPresent())
                    .contains(tuple("y-photo", "slot_uses", false), tuple("y-photo", "slot_earnings", false));
            assertThat(report.drifts()).filteredOn(d -> d.figure().equals("slot_uses") && d.stored().isPresent())
                    .singleElement().satisfies(d -> {
                        assertThat(d.day()).contains(LocalDate.ofInstant(Instant.ofEpochSecond(empty * 900), ZoneOffset.UTC));
                        assertThat(d.recomputed()).isEqualByComparingTo("0");
                        assertThat(d.stored()).get().satisfies(a -> assertThat(a).isEqualByComparingTo("2"));
                    });
            assertThat(report.drifts()).filteredOn(d -> d.figure().equals("slot_uses") && d.stored().isEmpty())
                    .singleElement().satisfies(d -> assertThat(d.recomputed()).isEqualByComparingTo(String.valueOf(uses)));
        } finally {
            db.jdbi.useHandle(h -> h.execute("DELETE FROM " + table + " WHERE model_id = 'y-photo' AND slot = ?", empty));
            db.jdbi.useHandle(h -> h.execute("INSERT INTO " + table + " (model_id, slot, usage_type, creator_id, uses,"
                    + " counted_uses, earning_uses, tokens, earnings, reversed) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    row.get("model_id"), slot, type, row.get("creator_id"), row.get("uses"), row.get("counted_uses"),
                    row.get("earning_uses"), row.get("tokens"), row.get("earnings"), row.get("reversed")));
        }
        assertThat(earnings.verifyIntegrity().isClean()).isTrue();
    }
}
