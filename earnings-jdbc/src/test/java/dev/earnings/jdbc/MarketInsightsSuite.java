package dev.earnings.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.earnings.core.EarningsCalculator;
import dev.earnings.core.InvalidInputException;
import dev.earnings.core.ModelPricing;
import dev.earnings.core.UsageTierSchedule;
import dev.earnings.jdbc.internal.Forecaster;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Forecasts, comparisons of a creator's models and market insights, cross-checked against an
 * independent computation over the raw usage rows, run against each database by a subclass.
 *
 * <p>The data: 12 creators over 70 days, every creator's models used with chat, three creators'
 * also with image generation, at any hour; a model a few uses short of its next tier; a reversal.
 * The deployment's k is the default 10, so creators see the chat figures (12 creators) but not
 * the image-generation ones (3).
 */
abstract class MarketInsightsSuite extends DatabaseSuite {
    static final Instant NOW = Instant.parse("2026-05-20T09:00:00Z");
    static final Caller ADMIN = Caller.admin("admin-market");
    static final int CREATORS = 12;
    static final UsageTierSchedule TIERS = UsageTierSchedule.builder().tier(0, "1").tier(400, "1.5").tier(100_000, "2")
            .build();

    List<Use> uses;
    List<Reversed> reversals;

    record Use(String creatorId, String modelId, Instant occurredAt, String usageType, BigDecimal earnings,
            boolean counted) {
    }

    record Reversed(String creatorId, String modelId, String usageType, Instant at, BigDecimal amount) {
    }

    @Override
    Instant start() {
        return NOW.minus(Duration.ofDays(75));
    }

    @Override
    Earnings.Builder configure(Earnings.Builder builder) {
        return builder.calculator(EarningsCalculator.builder().tiers(TIERS).build());
    }

    static String creator(int c) {
        return String.format(Locale.ROOT, "mk-creator-%02d", c);
    }

    @BeforeAll
    void populate() {
        Random random = new Random(20260520L);
        List<String> models = new ArrayList<>();
        for (int c = 0; c < CREATORS; c++) {
            for (int m = 0; m < (c < 3 ? 3 : 1); m++) {
                String id = creator(c) + "-m" + m;
                earnings.models().register(id, creator(c), ModelPricing.of("0.01", "0.00001"));
                models.add(id);
            }
        }
        List<Object[]> planned = new ArrayList<>();
        for (int d = 70; d >= 1; d--) {
            for (String model : models) {
                int creatorNo = Integer.parseInt(model.substring(11, 13));
                // Weekly rhythm with growth, so the forecast has something to find.
                int base = 2 + (70 - d) / 20 + (NOW.minus(Duration.ofDays(d)).atZone(ZoneOffset.UTC).getDayOfWeek()
                        .getValue() >= 6 ? 3 : 0);
                int count = base + random.nextInt(3);
                for (int i = 0; i < count; i++) {
                    String type = creatorNo < 3 && random.nextInt(3) == 0 ? "image_generation" : "chat";
                    planned.add(new Object[] {NOW.minus(Duration.ofDays(d)).plusSeconds(random.nextInt(86_400)), model,
                            type});
                }
            }
        }
        planned.sort(Comparator.comparing(p -> (Instant) p[0]));
        for (Object[] p : planned) {
            clock.set((Instant) p[0]);
            earnings.logModelUsage("user-" + random.nextInt(30), (String) p[1], random.nextInt(500), (String) p[2], null);
        }
        clock.set(NOW.minus(Duration.ofDays(3)));
        String someUse = db.jdbi.withHandle(h -> h.createQuery("SELECT MIN(event_id) FROM " + db.table("model_usage_logs")
                + " WHERE model_id = 'mk-creator-00-m0' AND earnings > 0").mapTo(String.class).one());
        earnings.reversals().reverse(ADMIN, ReversalRequest.whole(someUse, "mk-reversal", "refund"));
        clock.set(NOW);
        readRows();
        assertThat(reversals).hasSize(1);
        assertThat(earnings.verifyIntegrity().isClean()).isTrue();
    }

    /** The raw rows as they stand: a test may have added some. */
    @org.junit.jupiter.api.BeforeEach
    void readRows() {
        uses = db.jdbi.withHandle(h -> h.createQuery("SELECT creator_id, model_id, occurred_at, usage_type, earnings,"
                + " use_ordinal FROM " + db.table("model_usage_logs"))
                .map((rs, ctx) -> new Use(rs.getString(1), rs.getString(2), rs.getObject(3, OffsetDateTime.class).toInstant(),
                        rs.getString(4), rs.getBigDecimal(5), rs.getObject(6) != null))
                .list());
        reversals = db.jdbi.withHandle(h -> h.createQuery("SELECT r.creator_id, r.model_id, u.usage_type, r.reversed_at,"
                + " r.amount FROM " + db.table("earnings_reversals") + " r JOIN " + db.table("model_usage_logs")
                + " u ON u.event_id = r.event_id AND u.model_id = r.model_id")
                .map((rs, ctx) -> new Reversed(rs.getString(1), rs.getString(2), rs.getString(3),
                        rs.getObject(4, OffsetDateTime.class).toInstant(), rs.getBigDecimal(5)))
                .list());
    }

    // ------------------------------------------------------------------ the independent computation

    static Predicate<Instant> within(LocalDate from, LocalDate to, ZoneId zone) {
        return at -> {
            LocalDate d = LocalDate.ofInstant(at, zone);
            return !d.isBefore(from) && d.isBefore(to);
        };
    }

    /** Daily uses and net earnings of some models, per local day of [from, to). */
    double[][] series(Set<String> models, LocalDate from, LocalDate to, ZoneId zone) {
        int n = (int) java.time.temporal.ChronoUnit.DAYS.between(from, to);
        double[] u = new double[n];
        BigDecimal[] e = new BigDecimal[n];
        java.util.Arrays.fill(e, BigDecimal.ZERO);
        for (Use use : uses) {
            if (models.contains(use.modelId()) && within(from, to, zone).test(use.occurredAt())) {
                int i = (int) java.time.temporal.ChronoUnit.DAYS.between(from, LocalDate.ofInstant(use.occurredAt(), zone));
                u[i]++;
                e[i] = e[i].add(use.earnings());
            }
        }
        for (Reversed r : reversals) {
            if (models.contains(r.modelId()) && within(from, to, zone).test(r.at())) {
                int i = (int) java.time.temporal.ChronoUnit.DAYS.between(from, LocalDate.ofInstant(r.at(), zone));
                e[i] = e[i].subtract(r.amount());
            }
        }
        double[] earned = new double[n];
        for (int i = 0; i < n; i++) {
            earned[i] = e[i].doubleValue();
        }
        return new double[][] {u, earned};
    }

    static BigDecimal rounded(double value, int scale) {
        return BigDecimal.valueOf(value).setScale(scale, RoundingMode.HALF_EVEN).max(BigDecimal.ZERO.setScale(scale));
    }

    // ------------------------------------------------------------------ forecasts

    @ParameterizedTest
    @ValueSource(strings = {"UTC", "Asia/Kolkata", "America/New_York"})
    void aModelsForecast_isTheForecasterOnItsDaysFromTheRawRows(String zoneName) {
        ZoneId zone = ZoneId.of(zoneName);
        Forecast forecast = earnings.insights().forecastModel(Caller.creator(creator(0)), "mk-creator-00-m0", 30, zone);
        LocalDate today = LocalDate.ofInstant(NOW, zone);
        assertThat(forecast.historyTo()).isEqualTo(today);
        assertThat(forecast.historyFrom()).isEqualTo(today.minusDays(56));
        double[][] s = series(Set.of("mk-creator-00-m0"), forecast.historyFrom(), today, zone);
        DayOfWeek first = forecast.historyFrom().getDayOfWeek();
        Forecaster.Forecast u = Forecaster.forecast(s[0], first, 30, 0.9);
        Forecaster.Forecast e = Forecaster.forecast(s[1], first, 30, 0.9);
        assertThat(forecast.days()).hasSize(30);
        for (int i = 0; i < 30; i++) {
            Forecast.Day day = forecast.days().get(i);
            assertThat(day.day()).isEqualTo(today.plusDays(i + 1L));
            assertThat(day.uses().expected()).isEqualByComparingTo(rounded(u.point()[i], 0));
            assertThat(day.uses().low()).isEqualByComparingTo(rounded(u.lower()[i], 0));
            assertThat(day.uses().high()).contains(rounded(u.upper()[i], 0));
            assertThat(day.earnings().expected()).isEqualByComparingTo(rounded(e.point()[i], 2));
            assertThat(day.earnings().high()).contains(rounded(e.upper()[i], 2));
        }
        assertThat(forecast.uses().expected()).isEqualByComparingTo(rounded(u.total(), 0));
        assertThat(forecast.earnings().low()).isEqualByComparingTo(rounded(e.totalLower(), 2));
        assertThat(forecast.confidence()).isEqualByComparingTo("0.9");
        assertThat(forecast.currency().getCurrencyCode()).isEqualTo("USD");
        // The traffic has a weekly rhythm and grows: the fit says so.
        assertThat(forecast.method()).contains("day of week");
        assertThat(forecast.uses().expected()).isPositive();
    }

    @Test
    void aCreatorsForecast_sumsTheirModels_andIsTheSameEveryTime() {
        Forecast one = earnings.insights().forecastCreator(ADMIN, creator(1), 7, ZoneOffset.UTC);
        Forecast two = earnings.insights().forecastCreator(Caller.creator(creator(1)), creator(1), 7, ZoneOffset.UTC);
        assertThat(two).isEqualTo(one);
        LocalDate today = LocalDate.ofInstant(NOW, ZoneOffset.UTC);
        Set<String> models = Set.of(creator(1) + "-m0", creator(1) + "-m1", creator(1) + "-m2");
        double[][] s = series(models, today.minusDays(56), today, ZoneOffset.UTC);
        Forecaster.Forecast u = Forecaster.forecast(s[0], today.minusDays(56).getDayOfWeek(), 7, 0.9);
        assertThat(one.uses().expected()).isEqualByComparingTo(rounded(u.total(), 0));
        assertThat(one.modelId()).isEmpty();
        assertThat(one.tiers()).extracting(TierOutlook::modelId).containsExactlyElementsOf(models.stream().sorted().toList());
    }

    @Test
    void aTierOutlook_isTheExactArithmeticOfThePace() {
        Forecast forecast = earnings.insights().forecastModel(ADMIN, "mk-creator-00-m0", 7, ZoneOffset.UTC);
        TierOutlook outlook = forecast.tiers().get(0);
        long counted = uses.stream().filter(u -> u.modelId().equals("mk-creator-00-m0") && u.counted()).count();
        LocalDate today = LocalDate.ofInstant(NOW, ZoneOffset.UTC);
        long last28 = uses.stream().filter(u -> u.modelId().equals("mk-creator-00-m0") && u.counted())
                .filter(u -> within(today.minusDays(28), today, ZoneOffset.UTC).test(u.occurredAt())).count();
        assertThat(outlook.countedUses()).isEqualTo(counted);
        assertThat(outlook.countedUsesLast28Days()).isEqualTo(last28);
        assertThat(counted).as("the data puts this model below its second tier").isLessThan(400);
        assertThat(outlook.currentTier()).isEqualTo(1);
        assertThat(outlook.nextTier()).hasValue(2);
        assertThat(outlook.usesToNextTier()).hasValue(400 - counted);
        long days = (400 - counted) * 28 / last28 + ((400 - counted) * 28 % last28 == 0 ? 0 : 1);
        assertThat(outlook.expectedDay()).contains(today.plusDays(days));
        assertThat(outlook.usesPerDay()).isEqualByComparingTo(BigDecimal.valueOf(last28).divide(BigDecimal.valueOf(28), 2,
                RoundingMode.HALF_EVEN));
    }

    @Test
    void forecasts_checkAccessAndArguments() {
        Caller other = Caller.creator(creator(5));
        assertThatThrownBy(() -> earnings.insights().forecastModel(other, "mk-creator-00-m0", 7, ZoneOffset.UTC))
                .isInstanceOf(AccessDeniedException.class);
        assertThatThrownBy(() -> earnings.insights().forecastCreator(other, creator(0), 7, ZoneOffset.UTC))
                .isInstanceOf(AccessDeniedException.class);
        assertThatThrownBy(() -> earnings.insights().forecastCreator(null, creator(0), 7, ZoneOffset.UTC))
                .isInstanceOf(AccessDeniedException.class);
        assertThatThrownBy(() -> earnings.insights().forecastModel(ADMIN, "no-such-model", 7, ZoneOffset.UTC))
                .isInstanceOf(UnknownModelException.class);
        for (int days : new int[] {0, -1, Forecast.MAX_DAYS + 1}) {
            assertThatThrownBy(() -> earnings.insights().forecastModel(ADMIN, "mk-creator-00-m0", days, ZoneOffset.UTC))
                    .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.field()).isEqualTo("days"));
        }
        assertThatThrownBy(() -> earnings.insights().forecastModel(ADMIN, "mk-creator-00-m0", 7, null))
                .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.field()).isEqualTo("zone"));
    }

    @Test
    void aNewModel_isForecastFromWhatItHas() {
        clock.set(NOW.minus(Duration.ofDays(2)));
        String model = newModel(creator(4), ModelPricing.of("0.01", "0"));
        earnings.logModelUsage("user-1", model, 0, "chat", null);
        clock.set(NOW);
        try {
            Forecast forecast = earnings.insights().forecastModel(ADMIN, model, 7, ZoneOffset.UTC);
            assertThat(forecast.historyFrom()).isEqualTo(LocalDate.ofInstant(NOW.minus(Duration.ofDays(2)), ZoneOffset.UTC));
            assertThat(forecast.days()).hasSize(7);
            assertThat(forecast.uses().expected()).isNotNegative();
            // Two days cannot bound a forecast tightly, but they bound it.
            assertThat(forecast.method()).isNotBlank();
        } finally {
            clock.set(NOW);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"UTC", "Asia/Kolkata"})
    void aGoal_isProjectedToBeReached_onTheDayTheForecastSumsToItsTarget(String zoneName) {
        ZoneId zone = ZoneId.of(zoneName);
        String creator = creator(2);
        java.time.YearMonth month = java.time.YearMonth.from(LocalDate.ofInstant(NOW, zone));
        LocalDate today = LocalDate.ofInstant(NOW, zone);
        BigDecimal earned = uses.stream().filter(u -> u.creatorId().equals(creator)
                && within(month.atDay(1), today.plusDays(1), zone).test(u.occurredAt())).map(Use::earnings)
                .reduce(BigDecimal.ZERO, BigDecimal::add);
        Set<String> models = Set.of(creator + "-m0", creator + "-m1", creator + "-m2");
        double[][] s = series(models, today.minusDays(56), today, zone);
        int days = (int) java.time.temporal.ChronoUnit.DAYS.between(today, month.atEndOfMonth());
        Forecaster.Forecast f = Forecaster.forecast(s[1], today.minusDays(56).getDayOfWeek(), days, 0.9);
        // A target the forecast reaches on the fifth day from now.
        BigDecimal target = earned;
        for (int i = 0; i < 5; i++) {
            target = target.add(rounded(f.point()[i], 2));
        }
        Goal goal = earnings.insights().setGoal(Caller.creator(creator), creator, month, zone, target);
        try {
            assertThat(goal.earned().amount()).isEqualByComparingTo(earned);
            assertThat(goal.reached()).isFalse();
            assertThat(goal.projectedReachDay()).contains(today.plusDays(5));
            // A target beyond the month's forecast has no projected day.
            Goal far = earnings.insights().setGoal(Caller.creator(creator), creator, month, zone,
                    earned.add(new BigDecimal("1000000")));
            assertThat(far.projectedReachDay()).isEmpty();
        } finally {
            earnings.insights().deleteGoal(ADMIN, creator, month);
        }
    }

    // ------------------------------------------------------------------ comparisons

    @Test
    void aComparison_matchesTheRawRows_andRanksAmongThePlatformsModels() {
        ReportPeriod period = ReportPeriod.lastDays(30).in(ZoneId.of("Asia/Kolkata"));
        List<String> compared = List.of(creator(0) + "-m0", creator(0) + "-m2", creator(0) + "-m1");
        ModelComparison admin = earnings.insights().compareModels(ADMIN, creator(0), compared, period);
        ModelComparison own = earnings.insights().compareModels(Caller.creator(creator(0)), creator(0), compared, period);
        ZoneId zone = period.zone();
        LocalDate today = LocalDate.ofInstant(NOW, zone);
        LocalDate from = today.minusDays(29);
        LocalDate to = today.plusDays(1);
        assertThat(admin.models()).extracting(ModelComparison.Entry::modelId).containsExactlyElementsOf(compared);
        BigDecimal total = BigDecimal.ZERO;
        Map<String, BigDecimal> earned = new HashMap<>();
        for (String model : compared) {
            BigDecimal sum = uses.stream().filter(u -> u.modelId().equals(model) && within(from, to, zone).test(u.occurredAt()))
                    .map(Use::earnings).reduce(BigDecimal.ZERO, BigDecimal::add);
            BigDecimal back = reversals.stream().filter(r -> r.modelId().equals(model) && within(from, to, zone).test(r.at()))
                    .map(Reversed::amount).reduce(BigDecimal.ZERO, BigDecimal::add);
            earned.put(model, sum.subtract(back));
            total = total.add(sum.subtract(back));
        }
        for (ModelComparison.Entry entry : admin.models()) {
            long count = uses.stream().filter(u -> u.modelId().equals(entry.modelId())
                    && within(from, to, zone).test(u.occurredAt())).count();
            assertThat(entry.uses()).isEqualTo(count);
            assertThat(entry.earnings().amount()).isEqualByComparingTo(earned.get(entry.modelId()));
            assertThat(entry.shareOfEarnings()).contains(earned.get(entry.modelId()).divide(total, 4, RoundingMode.HALF_EVEN));
            assertThat(entry.trend()).hasSize(30);
            assertThat(entry.trend().stream().mapToLong(CreatorDashboard.TrendPoint::uses).sum()).isEqualTo(count);
            // Standings: each usage type the model was used with, against every model of that type.
            Set<String> types = uses.stream().filter(u -> u.modelId().equals(entry.modelId())
                    && within(from, to, zone).test(u.occurredAt())).map(Use::usageType).collect(Collectors.toSet());
            assertThat(entry.standings()).extracting(ModelComparison.Standing::usageType)
                    .containsExactlyInAnyOrderElementsOf(types);
            for (ModelComparison.Standing standing : entry.standings()) {
                Map<String, BigDecimal> byModel = earningsByModel(standing.usageType(), from, to, zone);
                BigDecimal mine = byModel.get(entry.modelId());
                long above = byModel.values().stream().filter(v -> v.compareTo(mine) > 0).count();
                long below = byModel.values().stream().filter(v -> v.compareTo(mine) < 0).count();
                assertThat(standing.models()).isEqualTo(byModel.size());
                assertThat(standing.rank()).isEqualTo(above + 1);
                assertThat(standing.percentile()).isEqualByComparingTo(BigDecimal.valueOf(below * 100)
                        .divide(BigDecimal.valueOf(byModel.size()), 1, RoundingMode.HALF_EVEN));
            }
        }
        // The creator sees the same figures, but no standing among fewer than k creators: image
        // generation is used by three creators only.
        for (int i = 0; i < compared.size(); i++) {
            ModelComparison.Entry a = admin.models().get(i);
            ModelComparison.Entry c = own.models().get(i);
            assertThat(c.earnings()).isEqualTo(a.earnings());
            assertThat(c.standings()).isEqualTo(a.standings().stream().filter(s -> s.usageType().equals("chat")).toList());
        }
        assertThat(admin.models().stream().flatMap(e -> e.standings().stream()).map(ModelComparison.Standing::usageType))
                .contains("image_generation");
    }

    /** Every model's net earnings from one usage type in the period, for the models used with it. */
    Map<String, BigDecimal> earningsByModel(String type, LocalDate from, LocalDate to, ZoneId zone) {
        Map<String, BigDecimal> byModel = new HashMap<>();
        uses.stream().filter(u -> u.usageType().equals(type) && within(from, to, zone).test(u.occurredAt()))
                .forEach(u -> byModel.merge(u.modelId(), u.earnings(), BigDecimal::add));
        reversals.stream().filter(r -> r.usageType().equals(type) && within(from, to, zone).test(r.at())
                && byModel.containsKey(r.modelId())).forEach(r -> byModel.merge(r.modelId(), r.amount().negate(), BigDecimal::add));
        return byModel;
    }

    @Test
    void comparisons_checkAccessAndArguments() {
        ReportPeriod period = ReportPeriod.lastDays(30);
        Caller owner = Caller.creator(creator(0));
        for (List<String> bad : List.of(List.of(creator(0) + "-m0"), List.of(creator(0) + "-m0", creator(0) + "-m0"),
                java.util.Collections.nCopies(11, "x"))) {
            assertThatThrownBy(() -> earnings.insights().compareModels(owner, creator(0), bad, period))
                    .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.field()).isEqualTo("modelIds"));
        }
        List<String> mixed = List.of(creator(0) + "-m0", creator(1) + "-m0");
        assertThatThrownBy(() -> earnings.insights().compareModels(owner, creator(0), mixed, period))
                .isInstanceOf(AccessDeniedException.class);
        assertThatThrownBy(() -> earnings.insights().compareModels(Caller.creator(creator(1)), creator(0),
                List.of(creator(0) + "-m0", creator(0) + "-m1"), period)).isInstanceOf(AccessDeniedException.class);
        assertThatThrownBy(() -> earnings.insights().compareModels(ADMIN, creator(0), mixed, period))
                .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.field()).isEqualTo("modelIds"));
    }

    // ------------------------------------------------------------------ market insights

    @ParameterizedTest
    @ValueSource(strings = {"UTC", "Asia/Kolkata", "America/New_York"})
    void marketInsights_forAnAdmin_matchTheRawRows(String zoneName) {
        ZoneId zone = ZoneId.of(zoneName);
        MarketInsights market = earnings.insights().market(ADMIN, ReportPeriod.lastDays(30).in(zone));
        LocalDate today = LocalDate.ofInstant(NOW, zone);
        LocalDate from = today.minusDays(29);
        LocalDate to = today.plusDays(1);
        assertThat(market.anonymized()).isFalse();
        assertThat(market.minimumCreators()).isEqualTo(10);
        checkBuckets(market.byUsageType(), Use::usageType, Reversed::usageType, from, to, zone);
        checkBuckets(market.byHour(), u -> String.format(Locale.ROOT, "%02d", u.occurredAt().atZone(zone).getHour()),
                r -> String.format(Locale.ROOT, "%02d", r.at().atZone(zone).getHour()), from, to, zone);
        checkBuckets(market.byWeekday(), u -> u.occurredAt().atZone(zone).getDayOfWeek().name(),
                r -> r.at().atZone(zone).getDayOfWeek().name(), from, to, zone);
        assertThat(market.byHour()).hasSize(24);
        assertThat(market.byWeekday()).extracting(MarketInsights.Bucket::key).startsWith("MONDAY").endsWith("SUNDAY");
        // Growth against the 30 days before.
        long now = uses.stream().filter(u -> within(from, to, zone).test(u.occurredAt())).count();
        long before = uses.stream().filter(u -> within(from.minusDays(30), from, zone).test(u.occurredAt())).count();
        assertThat(market.growth().current().orElseThrow().uses()).isEqualTo(now);
        assertThat(market.growth().previous().orElseThrow().uses()).isEqualTo(before);
        assertThat(market.growth().usesChangeRatio()).contains(BigDecimal.valueOf(now - before)
                .divide(BigDecimal.valueOf(before), 4, RoundingMode.HALF_EVEN));
        // Concentration: the top 1% (one model of 18) and top 10% (two) of models by earnings.
        Map<String, BigDecimal> byModel = new HashMap<>();
        uses.stream().filter(u -> within(from, to, zone).test(u.occurredAt()))
                .forEach(u -> byModel.merge(u.modelId(), u.earnings(), BigDecimal::add));
        reversals.stream().filter(r -> within(from, to, zone).test(r.at()))
                .forEach(r -> byModel.merge(r.modelId(), r.amount().negate(), BigDecimal::add));
        List<BigDecimal> sorted = byModel.values().stream().filter(v -> v.signum() > 0).sorted(Comparator.reverseOrder())
                .toList();
        BigDecimal total = sorted.stream().reduce(BigDecimal.ZERO, BigDecimal::add);
        assertThat(market.concentration().models()).isEqualTo(sorted.size());
        assertThat(market.concentration().topOnePercentShare()).contains(sorted.get(0).divide(total, 4, RoundingMode.HALF_EVEN));
        assertThat(market.concentration().topTenPercentShare()).contains(sorted.get(0).add(sorted.get(1))
                .divide(total, 4, RoundingMode.HALF_EVEN));
    }

    void checkBuckets(List<MarketInsights.Bucket> buckets, Function<Use, String> keyOfUse,
            Function<Reversed, String> keyOfReversal, LocalDate from, LocalDate to, ZoneId zone) {
        for (MarketInsights.Bucket bucket : buckets) {
            List<Use> in = uses.stream().filter(u -> within(from, to, zone).test(u.occurredAt()))
                    .filter(u -> keyOfUse.apply(u).equals(bucket.key())).toList();
            BigDecimal back = reversals.stream().filter(r -> within(from, to, zone).test(r.at()))
                    .filter(r -> keyOfReversal.apply(r).equals(bucket.key())).map(Reversed::amount)
                    .reduce(BigDecimal.ZERO, BigDecimal::add);
            MarketInsights.Figures f = bucket.figures().orElseThrow();
            assertThat(f.uses()).as(bucket.key()).isEqualTo(in.size());
            assertThat(f.earnings().amount()).as(bucket.key()).isEqualByComparingTo(
                    in.stream().map(Use::earnings).reduce(BigDecimal.ZERO, BigDecimal::add).subtract(back));
            assertThat(f.models()).as(bucket.key()).isEqualTo(in.stream().map(Use::modelId).distinct().count());
            assertThat(f.creators()).as(bucket.key()).isEqualTo(in.stream().map(Use::creatorId).distinct().count());
        }
    }

    @Test
    void marketInsights_forACreator_showOnlyAggregatesOverKCreators() {
        ZoneId zone = ZoneId.of("Asia/Kolkata");
        MarketInsights admin = earnings.insights().market(ADMIN, ReportPeriod.lastDays(30).in(zone));
        MarketInsights creator = earnings.insights().market(Caller.creator(creator(7)), ReportPeriod.lastDays(30).in(zone));
        assertThat(creator.anonymized()).isTrue();
        for (List<List<MarketInsights.Bucket>> pair : List.of(List.of(admin.byUsageType(), creator.byUsageType()),
                List.of(admin.byHour(), creator.byHour()), List.of(admin.byWeekday(), creator.byWeekday()))) {
            Set<String> withheld = new HashSet<>();
            for (int i = 0; i < pair.get(0).size(); i++) {
                MarketInsights.Bucket full = pair.get(0).get(i);
                MarketInsights.Bucket shown = pair.get(1).get(i);
                assertThat(shown.key()).isEqualTo(full.key());
                if (shown.figures().isPresent()) {
                    assertThat(shown.figures()).isEqualTo(full.figures());
                    assertThat(shown.figures().get().creators()).isGreaterThanOrEqualTo(10);
                } else {
                    withheld.add(full.key());
                }
            }
            // What is withheld covers k creators together, or everything is withheld.
            if (!withheld.isEmpty() && withheld.size() < pair.get(0).size()) {
                assertThat(pair.get(0).stream().filter(b -> withheld.contains(b.key()))
                        .mapToLong(b -> b.figures().orElseThrow().creators()).sum()).isGreaterThanOrEqualTo(10);
            }
        }
        // Chat spans all twelve creators; image generation three, so it is withheld, and alone
        // it would be the total less chat: the dimension is withheld whole.
        assertThat(admin.byUsageType()).extracting(MarketInsights.Bucket::key).containsExactly("chat", "image_generation");
        assertThat(creator.byUsageType()).allSatisfy(b -> assertThat(b.figures()).isEmpty());
        assertThat(creator.growth().current()).isEqualTo(admin.growth().current());
        // The top model (1% of 18) is one creator's: withheld; the top two are two creators': withheld.
        assertThat(creator.concentration().topOnePercentShare()).isEmpty();
        assertThat(creator.concentration().topTenPercentShare()).isEmpty();
        assertThat(admin.concentration().topOnePercentShare()).isPresent();
    }

    @Test
    void aSmallerK_showsMore_andAnUnknownCallerSeesNothing() {
        try (Earnings three = db.builder().clock(clock).migrateOnStart(false)
                .calculator(EarningsCalculator.builder().tiers(TIERS).build()).insightsMinimumCreators(3).build()) {
            MarketInsights market = three.insights().market(Caller.creator(creator(7)), ReportPeriod.lastDays(30));
            assertThat(market.minimumCreators()).isEqualTo(3);
            assertThat(market.byUsageType()).allSatisfy(b -> assertThat(b.figures()).isPresent());
            assertThat(market.concentration().topOnePercentShare()).isEmpty();
        }
        assertThatThrownBy(() -> earnings.insights().market(Caller.creator("nobody-at-all"), ReportPeriod.lastDays(30)))
                .isInstanceOf(AccessDeniedException.class);
        assertThatThrownBy(() -> earnings.insights().market(null, ReportPeriod.lastDays(30)))
                .isInstanceOf(AccessDeniedException.class);
        assertThatThrownBy(() -> db.builder().insightsMinimumCreators(1))
                .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.field()).isEqualTo("insightsMinimumCreators"));
    }
}
