package dev.earnings.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.earnings.core.EarningsCalculator;
import dev.earnings.core.InvalidConfigurationException;
import dev.earnings.core.InvalidInputException;
import dev.earnings.core.ModelPricing;
import dev.earnings.core.NoEarningsReason;
import dev.earnings.core.UnknownUsageTypeException;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import com.zaxxer.hikari.HikariDataSource;
import org.jdbi.v3.core.Handle;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The behaviour of recording uses, run against each database by a subclass.
 *
 * <p>Every test registers models of its own, so tests share one database per class without
 * depending on each other.
 */
abstract class UsageRecordingSuite extends DatabaseSuite {
    static final Instant START = Instant.parse("2026-03-10T12:00:00Z");
    static final List<String> TABLES = List.of("earnings_models", "earnings_model_pricing", "model_creator_earnings",
            "model_usage_logs", "model_analytics", "model_daily_users", "model_usage_slots", "earnings_transactions",
            "earnings_reversals", "earnings_audit_log", "earnings_scheduled_tasks", "earnings_settings", "earnings_events",
            "earnings_event_sequence", "earnings_event_consumers", "earnings_event_dead_letters");

    String badInputModel;

    @Override
    Instant start() {
        return START;
    }

    @BeforeAll
    void registerBadInputModel() {
        badInputModel = newModel("creator-bad", ModelPricing.of("0.01", "0.0001"));
    }

    @BeforeEach
    void resetClock() {
        clock.set(START);
    }

    BigDecimal storedLifetime(String modelId) {
        return db.jdbi.withHandle(h -> h.createQuery("SELECT lifetime_earnings FROM " + db.table("model_creator_earnings")
                + " WHERE model_id = ?").bind(0, modelId).mapTo(BigDecimal.class).one());
    }

    // ------------------------------------------------------------------ registry

    @Test
    void register_sameCreatorAndPricing_isIdempotent() {
        String modelId = newModel("creator-1", ModelPricing.of("0.01", "0.0001"));
        Model again = earnings.models().register(modelId, "creator-1", ModelPricing.of("0.010", "0.00010"));
        assertThat(again.pricingVersion()).isEqualTo(1);
        assertThat(earnings.models().find(modelId)).contains(again);
    }

    @Test
    void register_toAnotherCreator_isAConflictAndWritesNothing() {
        String modelId = newModel("creator-1", ModelPricing.of("0.01", "0.0001"));
        Map<String, Long> before = rowCounts();
        assertThatThrownBy(() -> earnings.models().register(modelId, "creator-2", ModelPricing.of("0.01", "0.0001")))
                .isInstanceOf(ModelConflictException.class).hasMessageContaining("another creator");
        assertThat(rowCounts()).isEqualTo(before);
    }

    @Test
    void register_again_afterAPricingChange_keepsTheChange() {
        String modelId = newModel("creator-1", ModelPricing.of("0.01", "0.0001"));
        earnings.models().changePricing(modelId, ModelPricing.of("0.03", "0"));
        Model again = earnings.models().register(modelId, "creator-1", ModelPricing.of("0.01", "0.0001"));
        assertThat(again.pricingVersion()).isEqualTo(2);
        assertThat(again.pricing()).isEqualTo(ModelPricing.of("0.03", "0"));
    }

    @Test
    void setMonetized_racingWithPriceChanges_neverUndoesAPrice() throws Exception {
        // Whether the two sides meet is up to the scheduler, so the race runs again, on a model of
        // its own, until it did (at most five times): every round must keep every price, and one
        // round at least must show toggles landing between price changes.
        boolean met = false;
        for (int round = 1; round <= 5 && !met; round++) {
            met = raceTogglesWithPriceChanges();
        }
        assertThat(met).as("in five rounds, a toggle that ran between price changes").isTrue();
    }

    /** One round: forty price changes against forty toggles; whether they met. */
    private boolean raceTogglesWithPriceChanges() throws Exception {
        // Registered at a price no change sets, so every version that keeps its predecessor's
        // price was made by a toggle, and every other one by a price change.
        String modelId = newModel("creator-1", ModelPricing.of("0.001", "0"));
        InFlight race = new InFlight();
        CyclicBarrier start = new CyclicBarrier(2);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<?> prices = pool.submit(() -> {
                start.await(30, TimeUnit.SECONDS);
                for (int i = 1; i <= 40; i++) {
                    int n = i;
                    race.run("price", () -> earnings.models().changePricing(modelId,
                            ModelPricing.of(new BigDecimal(n).movePointLeft(2), BigDecimal.ZERO).withMonetized(n % 2 == 0)));
                }
                return null;
            });
            Future<?> toggles = pool.submit(() -> {
                start.await(30, TimeUnit.SECONDS);
                for (int i = 0; i < 40; i++) {
                    int n = i;
                    race.run("toggle", () -> earnings.models().setMonetized(modelId, n % 2 == 0));
                }
                return null;
            });
            prices.get(60, TimeUnit.SECONDS);
            toggles.get(60, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }
        assertThat(earnings.models().find(modelId).orElseThrow().pricing().earningsPerUse()).isEqualByComparingTo("0.40");

        // Every price was set once and none was undone: along the versions the price only rises,
        // through all forty prices.
        List<BigDecimal> perVersion = db.jdbi.withHandle(h -> h.createQuery("SELECT earnings_per_use FROM "
                + db.table("earnings_model_pricing") + " WHERE model_id = ? ORDER BY version").bind(0, modelId)
                .mapTo(BigDecimal.class).list());
        List<BigDecimal> distinct = new ArrayList<>();
        int togglesBetweenPriceChanges = 0;
        for (int v = 1; v < perVersion.size(); v++) {
            int order = perVersion.get(v).compareTo(perVersion.get(v - 1));
            assertThat(order).as("price of version %d against version %d", v + 1, v).isGreaterThanOrEqualTo(0);
            if (order > 0) {
                distinct.add(perVersion.get(v));
            } else if (!distinct.isEmpty() && distinct.size() < 40) {
                togglesBetweenPriceChanges++;
            }
        }
        assertThat(distinct).hasSize(40);
        return race.crossings() > 0 && togglesBetweenPriceChanges > 0;
    }

    @Test
    void usesRacingWithPriceChanges_areRatedWithOneVersionEach_inOrdinalOrder() throws Exception {
        String modelId = newModel("creator-1", ModelPricing.of("0.001", "0"));
        int threads = 4;
        int perThread = 100;
        InFlight race = new InFlight();
        CyclicBarrier start = new CyclicBarrier(threads + 1);
        // The changes start once a use went through, so a slow first use (a cold write path) cannot
        // let every change pass before any use.
        CountDownLatch firstUse = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(threads + 1);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                futures.add(pool.submit(() -> {
                    start.await(30, TimeUnit.SECONDS);
                    for (int i = 0; i < perThread; i++) {
                        String user = "user-" + i;
                        race.call("use", () -> earnings.logModelUsage(user, modelId, 0, "image_generation", null));
                        firstUse.countDown();
                    }
                    return null;
                }));
            }
            futures.add(pool.submit(() -> {
                start.await(30, TimeUnit.SECONDS);
                assertThat(firstUse.await(60, TimeUnit.SECONDS)).as("a first use went through").isTrue();
                for (int v = 2; v <= 21; v++) {
                    BigDecimal price = new BigDecimal(v).movePointLeft(3);
                    race.call("price", () -> earnings.models().changePricing(modelId, ModelPricing.of(price, BigDecimal.ZERO)));
                    Thread.sleep(5);
                }
                return null;
            }));
            for (Future<?> f : futures) {
                f.get(120, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(race.crossings()).as("uses and price changes in flight at once").isPositive();
        List<Map<String, Object>> rows = db.jdbi.withHandle(h -> h.createQuery("SELECT use_ordinal, pricing_version, earnings"
                + " FROM " + db.table("model_usage_logs") + " WHERE model_id = ? ORDER BY use_ordinal")
                .bind(0, modelId).mapToMap().list());
        assertThat(rows).hasSize(threads * perThread);
        int previous = 1;
        java.util.Set<Integer> versions = new java.util.TreeSet<>();
        for (Map<String, Object> row : rows) {
            int version = ((Number) row.get("pricing_version")).intValue();
            long ordinal = ((Number) row.get("use_ordinal")).longValue();
            assertThat(version).as("pricing version at ordinal %d", ordinal).isGreaterThanOrEqualTo(previous);
            // Version v charges v/1000 per use, so each row's amount must match its own version.
            assertThat((BigDecimal) row.get("earnings")).isEqualByComparingTo(
                    Oracle.earnings(new BigDecimal(version).movePointLeft(3).toPlainString(), "0", 0, "image_generation", ordinal));
            previous = version;
            versions.add(version);
        }
        // The uses interleaved with the changes: some were rated with a version that was neither
        // the first nor the last.
        assertThat(versions).as("pricing versions the uses were rated with").anyMatch(v -> v > 1 && v < 21);
        assertThat(earnings.verifyIntegrity().isClean()).isTrue();
    }

    @Test
    void changePricing_appliesToLaterUsesOnly() {
        String modelId = newModel("creator-1", ModelPricing.of("0.01", "0.0001"));
        RecordedUse first = earnings.logModelUsage("user-1", modelId, 100, "image_generation", null);
        clock.advance(Duration.ofSeconds(1));
        Model changed = earnings.models().changePricing(modelId, ModelPricing.of("0.05", "0"));
        RecordedUse second = earnings.logModelUsage("user-1", modelId, 100, "image_generation", null);

        assertThat(changed.pricingVersion()).isEqualTo(2);
        assertThat(first.pricingVersion()).isEqualTo(1);
        assertThat(first.result().earnings().amount()).isEqualByComparingTo("0.02");
        assertThat(second.pricingVersion()).isEqualTo(2);
        assertThat(second.result().earnings().amount()).isEqualByComparingTo("0.05");
        // The first use keeps the pricing it was rated with.
        RecordedUse replayOfFirst = earnings.logModelUsage(UsageRequest.builder("user-1", modelId)
                .tokensConsumed(100).usageType("image_generation").eventId(first.eventId()).build());
        assertThat(replayOfFirst.result()).isEqualTo(first.result());
        assertThat(replayOfFirst.pricingVersion()).isEqualTo(1);
        assertThat(storedLifetime(modelId)).isEqualByComparingTo("0.07");
    }

    @Test
    void changePricing_unknownModel_isRejected() {
        assertThatThrownBy(() -> earnings.models().changePricing("no-such-model", ModelPricing.of("1", "0")))
                .isInstanceOf(UnknownModelException.class).hasMessageContaining("no-such-model");
        assertThatThrownBy(() -> earnings.models().setMonetized("no-such-model", false))
                .isInstanceOf(UnknownModelException.class);
    }

    @Test
    void monetizationOff_recordsAndCountsButEarnsNothing() {
        String modelId = newModel("creator-1", ModelPricing.of("0.01", "0.0001"));
        earnings.logModelUsage("user-1", modelId, 10, "chat", null);
        Model off = earnings.models().setMonetized(modelId, false);
        RecordedUse unpaid = earnings.logModelUsage("user-2", modelId, 10, "chat", null);
        earnings.models().setMonetized(modelId, true);
        RecordedUse paid = earnings.logModelUsage("user-3", modelId, 10, "chat", null);

        assertThat(off.pricing().monetized()).isFalse();
        assertThat(unpaid.result().earnings().isZero()).isTrue();
        assertThat(unpaid.result().reason()).contains(NoEarningsReason.NOT_MONETIZED);
        assertThat(unpaid.useOrdinal()).isEqualTo(OptionalLong.of(2));
        assertThat(paid.useOrdinal()).isEqualTo(OptionalLong.of(3));
        assertThat(paid.pricingVersion()).isEqualTo(3);
        assertThat(earnings.verifyIntegrity().isClean()).isTrue();
    }

    // ------------------------------------------------------------------ recording

    @Test
    void logModelUsage_recordsTheExplainedResultInOneGo() {
        String modelId = newModel("creator-1", ModelPricing.of("0.01", "0.0001"));
        Map<String, Long> before = rowCounts();
        RecordedUse use = earnings.logModelUsage("user-1", modelId, 50, "image_generation", Map.of("seed", 42));

        assertThat(use.useOrdinal()).isEqualTo(OptionalLong.of(1));
        assertThat(UUID.fromString(use.eventId())).isNotNull();
        assertThat(use.replayed()).isFalse();
        assertThat(use.creatorId()).isEqualTo("creator-1");
        assertThat(use.occurredAt()).isEqualTo(START);
        assertThat(use.result().earnings().amount()).isEqualByComparingTo("0.015");
        assertThat(use.result()).isEqualTo(earnings.calculator()
                .calculate(ModelPricing.of("0.01", "0.0001"), 0, 50, "image_generation", false));
        Map<String, Long> after = rowCounts();
        assertThat(after.get("model_usage_logs")).isEqualTo(before.get("model_usage_logs") + 1);
        assertThat(after.get("model_analytics")).isEqualTo(before.get("model_analytics") + 1);
        assertThat(after.get("model_daily_users")).isEqualTo(before.get("model_daily_users") + 1);
        assertThat(storedLifetime(modelId)).isEqualByComparingTo("0.015");
    }

    @Test
    void usesAcrossTheFirstTierBoundary_getConsecutiveOrdinalsAndTheirTiers() {
        String modelId = newModel("creator-1", ModelPricing.of("0.01", "0"));
        List<RecordedUse> uses = new ArrayList<>();
        for (int i = 0; i < 102; i++) {
            uses.add(earnings.logModelUsage("user-" + (i % 5), modelId, 0, "image_generation", null));
        }
        assertThat(uses.stream().map(u -> u.useOrdinal().getAsLong()))
                .containsExactlyElementsOf(LongStream.rangeClosed(1, 102).boxed().collect(Collectors.toList()));
        assertThat(uses.get(99).result().tier().index()).isEqualTo(1);
        assertThat(uses.get(99).result().earnings().amount()).isEqualByComparingTo("0.01");
        assertThat(uses.get(100).result().tier().index()).isEqualTo(2);
        assertThat(uses.get(100).result().earnings().amount()).isEqualByComparingTo("0.012");
        assertThat(earnings.verifyIntegrity().isClean()).isTrue();
    }

    @Test
    void selfUse_isRecordedEarnsNothingAndDoesNotAdvanceTheTier() {
        String modelId = newModel("creator-1", ModelPricing.of("0.01", "0"));
        RecordedUse own = earnings.logModelUsage("creator-1", modelId, 0, "chat", null);
        RecordedUse other = earnings.logModelUsage("user-1", modelId, 0, "chat", null);

        assertThat(own.result().reason()).contains(NoEarningsReason.SELF_USE);
        assertThat(own.result().earnings().isZero()).isTrue();
        assertThat(own.useOrdinal()).isEmpty();
        assertThat(other.useOrdinal()).isEqualTo(OptionalLong.of(1));
        Map<String, Object> aggregate = db.jdbi.withHandle(h -> h.createQuery("SELECT total_uses, counted_uses FROM "
                + db.table("model_creator_earnings") + " WHERE model_id = ?").bind(0, modelId).mapToMap().one());
        assertThat(((Number) aggregate.get("total_uses")).longValue()).isEqualTo(2);
        assertThat(((Number) aggregate.get("counted_uses")).longValue()).isEqualTo(1);
        long dailyUses = db.jdbi.withHandle(h -> h.createQuery("SELECT uses FROM " + db.table("model_analytics")
                + " WHERE model_id = ?").bind(0, modelId).mapTo(Long.class).one());
        assertThat(dailyUses).isEqualTo(2);
    }

    @Test
    void selfUse_underACountingPolicy_advancesTheTier() {
        EarningsCalculator counting = EarningsCalculator.builder()
                .selfUsePolicy(dev.earnings.core.SelfUsePolicy.COUNTED_WITHOUT_EARNINGS).build();
        try (Earnings other = db.builder().clock(clock).calculator(counting).migrateOnStart(false).build()) {
            String modelId = "model-" + UUID.randomUUID();
            other.models().register(modelId, "creator-1", ModelPricing.of("0.01", "0"));
            RecordedUse own = other.logModelUsage("creator-1", modelId, 0, "chat", null);
            RecordedUse next = other.logModelUsage("user-1", modelId, 0, "chat", null);
            assertThat(own.useOrdinal()).isEqualTo(OptionalLong.of(1));
            assertThat(own.result().reason()).contains(NoEarningsReason.SELF_USE);
            assertThat(next.useOrdinal()).isEqualTo(OptionalLong.of(2));
            long counted = db.jdbi.withHandle(h -> h.createQuery("SELECT counted_uses FROM "
                    + db.table("model_creator_earnings") + " WHERE model_id = ?").bind(0, modelId).mapTo(Long.class).one());
            assertThat(counted).isEqualTo(2);
            assertThat(other.verifyIntegrity().isClean()).isTrue();
        }
    }

    @Test
    void metadata_promptIsCutTo100CodePointsBeforeStorage() {
        String modelId = newModel("creator-1", ModelPricing.of("0.01", "0"));
        String prompt = "\uD83C\uDFA8".repeat(150);
        RecordedUse use = earnings.logModelUsage("user-1", modelId, 0, "chat", Map.of("prompt", prompt, "steps", 30));
        assertThat(storedMetadata(use.eventId())).isEqualTo("{\"prompt\":\"" + "\uD83C\uDFA8".repeat(100) + "\",\"steps\":30}");
    }

    /** The metadata stored for a use, decrypted when the suite encrypts. */
    String storedMetadata(String eventId) {
        return db.plainMetadata(db.jdbi.withHandle(h -> h.createQuery("SELECT metadata FROM " + db.table("model_usage_logs")
                + " WHERE event_id = :e").bind("e", eventId).mapTo(String.class).one()), eventId);
    }

    /**
     * Guards the attack: {@code Prompt}, {@code negative_prompt} and a nested {@code input.prompt}
     * of 3,000 characters were stored whole. Every path records them cut, and a replay with the
     * whole text is the same use.
     */
    @Test
    void metadata_promptLikeKeysAtAnyDepthAreCut_onEveryPath() throws Exception {
        String modelId = newModel("creator-1", ModelPricing.of("0.01", "0"));
        String text = "t".repeat(3000);
        String cut = "t".repeat(100);
        String json = "{\"Prompt\":\"" + text + "\",\"negative_prompt\":\"" + text + "\",\"input\":{\"prompt\":\"" + text
                + "\",\"images\":[\"" + text + "\"]},\"tags\":{\"systemPrompt\":[\"" + text + "\",\"short\"]},\"seed\":7}";
        String expected = "{\"Prompt\":\"" + cut + "\",\"input\":{\"images\":[\"" + text + "\"],\"prompt\":\"" + cut
                + "\"},\"negative_prompt\":\"" + cut + "\",\"seed\":7,\"tags\":{\"systemPrompt\":[\"" + cut + "\",\"short\"]}}";
        java.util.function.Function<String, UsageRequest> use = eventId -> UsageRequest.builder("user-1", modelId)
                .usageType("chat").metadataJson(json).eventId(eventId).build();
        // "images" is not prompt-like, so its 3,000 characters stay; the rest fits 8 KiB once cut.
        RecordedUse single = earnings.logModelUsage(use.apply("one-" + modelId));
        earnings.logModelUsageBatch(List.of(use.apply("batch-" + modelId)));
        try (AsyncRecorder recorder = earnings.asyncRecorder(AsyncRecorder.Options.builder().build())) {
            recorder.submit(use.apply("async-" + modelId)).get(30, java.util.concurrent.TimeUnit.SECONDS);
        }
        for (String path : List.of("one-", "batch-", "async-")) {
            assertThat(storedMetadata(path + modelId)).as(path).isEqualTo(expected);
        }
        RecordedUse again = earnings.logModelUsage(use.apply("one-" + modelId));
        assertThat(again.replayed()).isTrue();
        assertThat(again.eventId()).isEqualTo(single.eventId());
        assertThat(db.usesOf(modelId)).isEqualTo(3);
    }

    /** Guards the attack: {@code api_key} and {@code email} keys were stored as given; now refused, nothing written. */
    @Test
    void metadata_deniedKeysAreRefused_andNothingIsWritten() {
        String modelId = newModel("creator-1", ModelPricing.of("0.01", "0"));
        Map<String, Long> before = rowCounts();
        InvalidInputException single = catchThrowableOfType(InvalidInputException.class, () -> earnings.logModelUsage(
                "user-1", modelId, 1, "chat", Map.of("auth", Map.of("api_key", "sk-live-123"))));
        assertThat(single.field()).isEqualTo("metadata");
        assertThat(single.getMessage()).startsWith("metadata.auth.api_key is a denied key").doesNotContain("sk-live-123");
        BatchResult batch = earnings.logModelUsageBatch(List.of(
                UsageRequest.builder("user-2", modelId).usageType("chat").metadataJson("{\"Email\":\"a@b.c\"}").build(),
                UsageRequest.builder("user-3", modelId).usageType("chat").build()));
        assertThat(batch.items().get(0).error()).get().isInstanceOf(InvalidInputException.class)
                .extracting(Throwable::getMessage).asString().startsWith("metadata.Email is a denied key").doesNotContain("a@b.c");
        assertThat(batch.items().get(1).use()).isPresent();
        assertThat(rowCounts().get("model_usage_logs")).isEqualTo(before.get("model_usage_logs") + 1);
    }

    /** Guards: the host's rules replace the defaults, on the instance that has them. */
    @Test
    void metadata_theHostsRulesApply() {
        String modelId = newModel("creator-1", ModelPricing.of("0.01", "0"));
        MetadataRules rules = MetadataRules.of(List.of("caption"), List.of("phone"));
        try (Earnings custom = db.builder().clock(clock).migrateOnStart(false).metadataRules(rules).build()) {
            RecordedUse use = custom.logModelUsage("user-1", modelId, 1, "chat",
                    Map.of("caption", "c".repeat(120), "prompt", "p".repeat(120), "email", "kept"));
            assertThat(storedMetadata(use.eventId())).isEqualTo("{\"caption\":\"" + "c".repeat(100) + "\",\"email\":\"kept\","
                    + "\"prompt\":\"" + "p".repeat(120) + "\"}");
            assertThatThrownBy(() -> custom.logModelUsage("user-1", modelId, 1, "chat", Map.of("PHONE", "1")))
                    .isInstanceOf(InvalidInputException.class).hasMessageStartingWith("metadata.PHONE is a denied key");
        }
    }


    @Test
    void occurredAt_lateEventsWithinTheWindowGoToTheirUtcDay() {
        String modelId = newModel("creator-1", ModelPricing.of("0.01", "0"));
        Instant edge = START.minus(Duration.ofDays(35));
        RecordedUse late = earnings.logModelUsage(UsageRequest.builder("user-1", modelId).usageType("chat")
                .occurredAt(edge).build());
        RecordedUse ahead = earnings.logModelUsage(UsageRequest.builder("user-1", modelId).usageType("chat")
                .occurredAt(START.plus(Duration.ofMinutes(5))).build());
        assertThat(late.occurredAt()).isEqualTo(edge);
        assertThat(ahead.occurredAt()).isEqualTo(START.plus(Duration.ofMinutes(5)));
        List<LocalDate> days = db.jdbi.withHandle(h -> h.createQuery("SELECT usage_day FROM " + db.table("model_analytics")
                + " WHERE model_id = ? ORDER BY usage_day").bind(0, modelId).mapTo(LocalDate.class).list());
        assertThat(days).containsExactly(LocalDate.ofInstant(edge, ZoneOffset.UTC), LocalDate.ofInstant(START, ZoneOffset.UTC));
    }

    @Test
    void occurredAt_isKeptToTheMicrosecond() {
        String modelId = newModel("creator-1", ModelPricing.of("0.01", "0"));
        Instant precise = START.minusNanos(123_456_789);
        RecordedUse use = earnings.logModelUsage(UsageRequest.builder("user-1", modelId).usageType("chat")
                .occurredAt(precise).eventId("micro-" + modelId).build());
        assertThat(use.occurredAt()).isEqualTo(precise.truncatedTo(java.time.temporal.ChronoUnit.MICROS));
        RecordedUse replay = earnings.logModelUsage(UsageRequest.builder("user-1", modelId).usageType("chat")
                .occurredAt(precise).eventId("micro-" + modelId).build());
        assertThat(replay.replayed()).isTrue();
        assertThat(replay.occurredAt()).isEqualTo(use.occurredAt());
    }

    // ------------------------------------------------------------------ idempotency

    @Test
    void replay_returnsTheOriginalAndWritesNothing() {
        String modelId = newModel("creator-1", ModelPricing.of("0.01", "0.0001"));
        UsageRequest request = UsageRequest.builder("user-1", modelId).tokensConsumed(77).usageType("chat")
                .metadata(Map.of("b", 1, "a", List.of("x"))).eventId("evt-" + modelId).build();
        RecordedUse original = earnings.logModelUsage(request);
        clock.advance(Duration.ofMinutes(3));
        Map<String, Long> before = rowCounts();
        BigDecimal lifetime = storedLifetime(modelId);

        RecordedUse replay = earnings.logModelUsage(UsageRequest.builder("user-1", modelId).tokensConsumed(77)
                .usageType("chat").metadataJson("{\"a\": [\"x\"], \"b\": 1}").eventId("evt-" + modelId).build());

        assertThat(replay.replayed()).isTrue();
        assertThat(replay).usingRecursiveComparison().ignoringFields("replayed").isEqualTo(original);
        assertThat(rowCounts()).isEqualTo(before);
        assertThat(storedLifetime(modelId)).isEqualByComparingTo(lifetime);
    }

    static Stream<Arguments> conflictingReplays() {
        return Stream.of(
                Arguments.of("modelId", (Consumer<UsageRequest.Builder>) b -> { }, true),
                Arguments.of("userId", (Consumer<UsageRequest.Builder>) b -> { }, false),
                Arguments.of("tokensConsumed", (Consumer<UsageRequest.Builder>) b -> b.tokensConsumed(11), false),
                Arguments.of("usageType", (Consumer<UsageRequest.Builder>) b -> b.usageType("other"), false),
                Arguments.of("metadata", (Consumer<UsageRequest.Builder>) b -> b.metadata(Map.of("k", "w")), false),
                Arguments.of("occurredAt", (Consumer<UsageRequest.Builder>) b -> b.occurredAt(START.minusSeconds(1)), false));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("conflictingReplays")
    void replay_withADifferentPayload_namesTheField(String field, Consumer<UsageRequest.Builder> change, boolean otherModel) {
        String modelId = newModel("creator-1", ModelPricing.of("0.01", "0"));
        String otherModelId = newModel("creator-1", ModelPricing.of("0.01", "0"));
        String eventId = "evt-" + UUID.randomUUID();
        earnings.logModelUsage(UsageRequest.builder("user-1", modelId).tokensConsumed(10).usageType("chat")
                .metadata(Map.of("k", "v")).occurredAt(START).eventId(eventId).build());
        Map<String, Long> before = rowCounts();

        UsageRequest.Builder replay = UsageRequest.builder(field.equals("userId") ? "user-2" : "user-1",
                otherModel ? otherModelId : modelId).tokensConsumed(10).usageType("chat").metadata(Map.of("k", "v"))
                .eventId(eventId);
        change.accept(replay);
        IdempotencyConflictException conflict = catchThrowableOfType(IdempotencyConflictException.class,
                () -> earnings.logModelUsage(replay.build()));

        assertThat(conflict).isNotNull();
        assertThat(conflict.field()).isEqualTo(field);
        assertThat(conflict.eventId()).isEqualTo(eventId);
        assertThat(conflict.getMessage()).contains(eventId, field);
        // The two numbers or times that differ are named; other fields' values (ids, metadata) never.
        if (field.equals("tokensConsumed")) {
            assertThat(conflict.getMessage()).contains("(recorded 10, sent 11)");
        } else if (field.equals("occurredAt")) {
            assertThat(conflict.getMessage()).contains("(recorded " + START + ", sent " + START.minusSeconds(1) + ")");
        } else {
            assertThat(conflict.getMessage()).doesNotContain("(recorded");
        }
        assertThat(rowCounts()).isEqualTo(before);
    }

    @Test
    void replay_afterTheEventLeftTheWindow_stillReturnsTheOriginal() {
        String modelId = newModel("creator-1", ModelPricing.of("0.01", "0"));
        UsageRequest request = UsageRequest.builder("user-1", modelId).usageType("chat")
                .occurredAt(START.minus(Duration.ofDays(34))).eventId("late-" + modelId).build();
        RecordedUse original = earnings.logModelUsage(request);
        clock.advance(Duration.ofDays(2));
        RecordedUse replay = earnings.logModelUsage(request);
        assertThat(replay.replayed()).isTrue();
        assertThat(replay.result()).isEqualTo(original.result());
    }

    @Test
    void unknownTypes_mappedToOther_keepTheNameAsSentForReplays() {
        EarningsCalculator mapping = EarningsCalculator.builder()
                .usageTypes(dev.earnings.core.UsageTypes.defaults().toBuilder().mapUnknownToOther(true).build()).build();
        try (Earnings lenient = db.builder().clock(clock).calculator(mapping).migrateOnStart(false).build()) {
            String modelId = "model-" + UUID.randomUUID();
            lenient.models().register(modelId, "creator-1", ModelPricing.of("0.01", "0"));
            UsageRequest video = UsageRequest.builder("user-1", modelId).usageType("video").eventId("v-" + modelId).build();
            RecordedUse use = lenient.logModelUsage(video);
            assertThat(use.result().usageType().name()).isEqualTo("other");
            assertThat(use.result().earnings().amount()).isEqualByComparingTo("0.006");
            assertThat(lenient.logModelUsage(video).replayed()).isTrue();
            IdempotencyConflictException conflict = catchThrowableOfType(IdempotencyConflictException.class,
                    () -> lenient.logModelUsage(UsageRequest.builder("user-1", modelId).usageType("other")
                            .eventId("v-" + modelId).build()));
            assertThat(conflict.field()).isEqualTo("usageType");

            Map<String, Long> before = rowCounts();
            for (String bad : List.of("x".repeat(600), "a\u0000b", "", "\n")) {
                assertThatThrownBy(() -> lenient.logModelUsage("user-1", modelId, 0, bad, null))
                        .isInstanceOf(InvalidInputException.class)
                        .satisfies(e -> assertThat(((InvalidInputException) e).field()).isEqualTo("usageType"));
            }
            assertThat(rowCounts()).isEqualTo(before);
        }
    }

    @Test
    void concurrentReplaysOfOneEventId_recordItExactlyOnce() throws Exception {
        String modelId = newModel("creator-1", ModelPricing.of("0.01", "0.0001"));
        String eventId = "evt-" + UUID.randomUUID();
        UsageRequest request = UsageRequest.builder("user-1", modelId).tokensConsumed(5).usageType("chat")
                .eventId(eventId).build();
        int threads = 16;
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        InFlight race = new InFlight();
        try {
            // Each call with the moments it started and returned.
            List<Future<Object[]>> futures = new ArrayList<>();
            for (int i = 0; i < threads * 4; i++) {
                futures.add(pool.submit(() -> {
                    start.await();
                    long started = System.nanoTime();
                    RecordedUse use = race.call("replay", () -> earnings.logModelUsage(request));
                    return new Object[] {use, started, System.nanoTime()};
                }));
            }
            start.countDown();
            List<Object[]> calls = new ArrayList<>();
            for (Future<Object[]> f : futures) {
                calls.add(f.get(60, TimeUnit.SECONDS));
            }
            List<RecordedUse> results = calls.stream().map(c -> (RecordedUse) c[0]).collect(Collectors.toList());
            assertThat(results).filteredOn(r -> !r.replayed()).hasSize(1);
            assertThat(results).extracting(RecordedUse::useOrdinal).containsOnly(OptionalLong.of(1));
            assertThat(results).extracting(r -> r.result().earnings()).containsOnly(results.get(0).result().earnings());
            assertThat(race.maxInFlight()).as("calls in flight at once").isGreaterThan(1);
        } finally {
            pool.shutdownNow();
        }
        long rows = db.usesOf(modelId);
        assertThat(rows).isEqualTo(1);
        assertThat(earnings.verifyIntegrity().isClean()).isTrue();
    }

    @Test
    void replaysStartedWhileTheWritingCallIsCommitting_waitAndReturnTheOriginal() throws Exception {
        String modelId = newModel("creator-1", ModelPricing.of("0.01", "0.0001"));
        UsageRequest request = UsageRequest.builder("user-1", modelId).tokensConsumed(5).usageType("chat")
                .eventId("evt-" + UUID.randomUUID()).build();
        CommitGate gate = new CommitGate();
        ExecutorService pool = Executors.newFixedThreadPool(9);
        try (Earnings writer = gated(gate).build()) {
            gate.arm();
            Future<RecordedUse> written = pool.submit(() -> writer.logModelUsage(request));
            gate.awaitHeld();
            // The use is written and its transaction waits at its commit, holding the model's lock:
            // replays through another instance start now, certainly before the writing call returns.
            long retriesBefore = earnings.retries();
            List<Future<RecordedUse>> replays = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                replays.add(pool.submit(() -> earnings.logModelUsage(request)));
            }
            Thread.sleep(300);
            assertThat(written).as("the writing call, held at its commit").isNotDone();
            assertThat(replays).as("replays wait for the model's lock").noneMatch(Future::isDone);
            gate.open();
            assertThat(written.get(30, TimeUnit.SECONDS).replayed()).isFalse();
            for (Future<RecordedUse> replay : replays) {
                RecordedUse use = replay.get(30, TimeUnit.SECONDS);
                assertThat(use.replayed()).isTrue();
                assertThat(use.useOrdinal()).isEqualTo(OptionalLong.of(1));
            }
            // They found no row before the commit, wrote it again, met the unique eventId, and the
            // retry answered them from the row: proof that they really raced the write.
            assertThat(earnings.retries()).isGreaterThan(retriesBefore);
        } finally {
            pool.shutdownNow();
        }
        assertThat(db.usesOf(modelId)).isEqualTo(1);
        assertThat(earnings.verifyIntegrity().isClean()).isTrue();
    }

    // ------------------------------------------------------------------ bad input

    /** Guards: a type's plausibility cap is inclusive, and in a batch a use above it fails only itself. */
    @Test
    void tokensAtTheTypesCap_areRecorded_andAboveItFailOnlyTheirOwnItem() {
        String modelId = newModel("creator-cap", ModelPricing.of("0.01", "0.00015"));
        RecordedUse atCap = earnings.logModelUsage("u-cap", modelId, 100_000, "image_generation", null);
        assertThat(atCap.result().earnings().amount()).isEqualByComparingTo("15.01");
        BatchResult batch = earnings.logModelUsageBatch(List.of(
                UsageRequest.builder("u-cap", modelId).usageType("chat").tokensConsumed(2_000_000).build(),
                UsageRequest.builder("u-cap", modelId).usageType("image_generation").tokensConsumed(100_001).build()));
        assertThat(batch.items().get(0).use()).isPresent();
        assertThat(batch.items().get(1).error()).get().isInstanceOf(InvalidInputException.class)
                .extracting(Throwable::getMessage).asString()
                .isEqualTo("tokensConsumed is 100001 for usage type image_generation; allowed: a whole number from 0 to"
                        + " 100000, the type's plausibility cap");
        assertThat(db.usesOf(modelId)).isEqualTo(2);
    }

    record BadCall(String name, Class<? extends Exception> type, String field, Consumer<UsageRecordingSuite> call) {
        @Override
        public String toString() {
            return name;
        }
    }

    static BadCall bad(String name, Class<? extends Exception> type, String field, Consumer<UsageRecordingSuite> call) {
        return new BadCall(name, type, field, call);
    }

    static Stream<BadCall> badCalls() {
        String tooLong = "x".repeat(129);
        Map<String, Object> deep = new HashMap<>();
        Map<String, Object> level = deep;
        for (int i = 0; i < 11; i++) {
            Map<String, Object> next = new HashMap<>();
            level.put("n", next);
            level = next;
        }
        return Stream.of(
                bad("blank userId", InvalidInputException.class, "userId", s -> s.log(" ", s.badInputModel, 1, "chat", null)),
                bad("null userId", InvalidInputException.class, "userId", s -> s.log(null, s.badInputModel, 1, "chat", null)),
                bad("129-character userId", InvalidInputException.class, "userId", s -> s.log(tooLong, s.badInputModel, 1, "chat", null)),
                bad("userId with a control character", InvalidInputException.class, "userId", s -> s.log("a\nb", s.badInputModel, 1, "chat", null)),
                bad("blank modelId", InvalidInputException.class, "modelId", s -> s.log("u", "", 1, "chat", null)),
                bad("129-character modelId", InvalidInputException.class, "modelId", s -> s.log("u", tooLong, 1, "chat", null)),
                bad("modelId with a control character", InvalidInputException.class, "modelId", s -> s.log("u", "m\u0007", 1, "chat", null)),
                bad("unknown modelId", UnknownModelException.class, "modelId", s -> s.log("u", "no-such-model", 1, "chat", null)),
                bad("negative tokens", InvalidInputException.class, "tokensConsumed", s -> s.log("u", s.badInputModel, -1, "chat", null)),
                bad("tokens above the maximum", InvalidInputException.class, "tokensConsumed",
                        s -> s.log("u", s.badInputModel, EarningsCalculator.DEFAULT_MAX_TOKENS + 1, "chat", null)),
                bad("a billion tokens for one image (above its plausibility cap)", InvalidInputException.class, "tokensConsumed",
                        s -> s.log("u", s.badInputModel, 1_000_000_000L, "image_generation", null)),
                bad("chat tokens one above the type's cap", InvalidInputException.class, "tokensConsumed",
                        s -> s.log("u", s.badInputModel, 2_000_001L, "chat", null)),
                bad("unknown usage type", UnknownUsageTypeException.class, "usageType", s -> s.log("u", s.badInputModel, 1, "video", null)),
                bad("usage type in the wrong case", UnknownUsageTypeException.class, "usageType", s -> s.log("u", s.badInputModel, 1, "Chat", null)),
                bad("missing usage type", InvalidInputException.class, "usageType", s -> s.log("u", s.badInputModel, 1, null, null)),
                bad("metadata with a double", InvalidInputException.class, "metadata",
                        s -> s.log("u", s.badInputModel, 1, "chat", Map.of("cfg", 7.5d))),
                bad("metadata over 8 KiB", InvalidInputException.class, "metadata",
                        s -> s.log("u", s.badInputModel, 1, "chat", Map.of("notes", "y".repeat(8200)))),
                bad("metadata nested 12 levels deep", InvalidInputException.class, "metadata",
                        s -> s.log("u", s.badInputModel, 1, "chat", deep)),
                bad("metadata that is not an object", InvalidInputException.class, "metadata",
                        s -> s.earnings.logModelUsage(UsageRequest.builder("u", s.badInputModel).usageType("chat")
                                .metadataJson("[1, 2]").build())),
                bad("malformed metadata", InvalidInputException.class, "metadata",
                        s -> s.earnings.logModelUsage(UsageRequest.builder("u", s.badInputModel).usageType("chat")
                                .metadataJson("{\"a\": ").build())),
                bad("blank eventId", InvalidInputException.class, "eventId",
                        s -> s.earnings.logModelUsage(UsageRequest.builder("u", s.badInputModel).usageType("chat")
                                .eventId("  ").build())),
                bad("129-character eventId", InvalidInputException.class, "eventId",
                        s -> s.earnings.logModelUsage(UsageRequest.builder("u", s.badInputModel).usageType("chat")
                                .eventId(tooLong).build())),
                bad("eventId with a control character", InvalidInputException.class, "eventId",
                        s -> s.earnings.logModelUsage(UsageRequest.builder("u", s.badInputModel).usageType("chat")
                                .eventId("e\u0000").build())),
                bad("occurredAt before the window", InvalidInputException.class, "occurredAt",
                        s -> s.earnings.logModelUsage(UsageRequest.builder("u", s.badInputModel).usageType("chat")
                                .occurredAt(START.minus(Duration.ofDays(35)).minusNanos(1000)).build())),
                bad("occurredAt after the window", InvalidInputException.class, "occurredAt",
                        s -> s.earnings.logModelUsage(UsageRequest.builder("u", s.badInputModel).usageType("chat")
                                .occurredAt(START.plus(Duration.ofMinutes(5)).plusNanos(1000)).build())));
    }

    void log(String userId, String modelId, long tokens, String type, Map<String, ?> metadata) {
        earnings.logModelUsage(userId, modelId, tokens, type, metadata);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badCalls")
    void badInput_isRejectedNamingTheFieldAndWritesNothing(BadCall bad) {
        Map<String, Long> before = rowCounts();
        Throwable thrown = org.assertj.core.api.Assertions.catchThrowable(() -> bad.call().accept(this));
        assertThat(thrown).isInstanceOf(bad.type());
        assertThat(((InvalidInputException) thrown).field()).isEqualTo(bad.field());
        assertThat(thrown.getMessage()).contains(bad.field()).contains("allowed");
        assertThat(rowCounts()).isEqualTo(before);
    }

    // ------------------------------------------------------------------ configuration and failures

    @Test
    void anotherCurrency_onAnExistingDatabase_isRefused() {
        EarningsCalculator euros = EarningsCalculator.builder().currency(java.util.Currency.getInstance("EUR")).build();
        assertThatThrownBy(() -> db.builder().calculator(euros).build())
                .isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("USD").hasMessageContaining("EUR");
    }

    /** The library's migrations that both databases run, by version: description and script. */
    static final Map<String, List<String>> MIGRATIONS = byVersion(Map.ofEntries(
            Map.entry("1", List.of("earnings schema", "V1__earnings_schema.sql")),
            Map.entry("2", List.of("creators and payout history", "V2__creators_and_payout_history.sql")),
            Map.entry("3", List.of("recent activity indexes", "V3__recent_activity_indexes.sql")),
            Map.entry("4", List.of("write tokens", "V4__write_tokens.sql")),
            Map.entry("6", List.of("rate limit buckets", "V6__rate_limit_buckets.sql")),
            Map.entry("7", List.of("user token keys", "V7__user_token_keys.sql")),
            Map.entry("9", List.of("reversals", "V9__reversals.sql")),
            Map.entry("11", List.of("audit log", "V11__audit_log.sql")),
            Map.entry("13", List.of("scheduled tasks", "V13__scheduled_tasks.sql")),
            Map.entry("15", List.of("text columns by code points", "V15__text_columns_by_code_points.sql")),
            Map.entry("16", List.of("event outbox", "V16__event_outbox.sql")),
            Map.entry("18", List.of("usage slots", "V18__usage_slots.sql")),
            Map.entry("20", List.of("insights", "V20__insights.sql")),
            Map.entry("22", List.of("usage event ids and archives", "V22__usage_event_ids_and_archives.sql")),
            Map.entry("24", List.of("creator of pricing and payout history",
                    "V24__creator_of_pricing_and_payout_history.sql"))));

    /** The migrations only PostgreSQL runs, by version: description and script. */
    static final Map<String, List<String>> POSTGRES_MIGRATIONS = byVersion(Map.ofEntries(
            Map.entry("5", List.of("row level security", "V5__row_level_security.sql")),
            Map.entry("8", List.of("rate limit bucket policies", "V8__rate_limit_bucket_policies.sql")),
            Map.entry("10", List.of("reversal policies", "V10__reversal_policies.sql")),
            Map.entry("12", List.of("audit log policies", "V12__audit_log_policies.sql")),
            Map.entry("14", List.of("scheduled task policies", "V14__scheduled_task_policies.sql")),
            Map.entry("17", List.of("event policies", "V17__event_policies.sql")),
            Map.entry("19", List.of("usage slot policies", "V19__usage_slot_policies.sql")),
            Map.entry("21", List.of("insight policies", "V21__insight_policies.sql")),
            Map.entry("23", List.of("partitioned usage log", "V23__partitioned_usage_log.sql"))));

    /** Migrations in the order of their version numbers (11 after 9). */
    static Map<String, List<String>> byVersion(Map<String, List<String>> migrations) {
        Map<String, List<String>> sorted = new TreeMap<>(java.util.Comparator.comparingInt(Integer::parseInt));
        sorted.putAll(migrations);
        return sorted;
    }

    /** The newest version of either database. */
    static final int LATEST = 24;

    /** The migrations a database runs, by version. */
    static Map<String, List<String>> migrationsOf(TestDatabase db) {
        Map<String, List<String>> all = new TreeMap<>(java.util.Comparator.comparingInt(Integer::parseInt));
        all.putAll(MIGRATIONS);
        if (db.isPostgres()) {
            all.putAll(POSTGRES_MIGRATIONS);
        }
        return all;
    }

    /** The rows of the library's migration history, in the order applied: version, description, type, script, success. */
    static List<List<Object>> migrationHistory(TestDatabase db) {
        return db.jdbi.withHandle(h -> h.createQuery("SELECT \"version\", \"description\", \"type\", \"script\", \"success\""
                + " FROM " + db.table("\"earnings_schema_history\"") + " ORDER BY \"installed_rank\"")
                .map((rs, ctx) -> java.util.Arrays.<Object>asList(rs.getString(1), rs.getString(2), rs.getString(3),
                        rs.getString(4), rs.getBoolean(5)))
                .list());
    }

    /** The history a database migrated to {@code version} must hold, exactly. */
    static List<List<Object>> expectedHistory(TestDatabase db, int version) {
        List<List<Object>> expected = new ArrayList<>();
        // Flyway's own first row: the schema it created for the library when given one, else the
        // history table it created in the connection's schema.
        expected.add(db.schema.isPresent()
                ? java.util.Arrays.asList(null, "<< Flyway Schema Creation >>", "SCHEMA", "\"" + db.schema.get() + "\"", true)
                : java.util.Arrays.asList(null, "<< Flyway Schema History table created >>", "TABLE", "", true));
        migrationsOf(db).forEach((v, m) -> {
            if (Integer.parseInt(v) <= version) {
                expected.add(java.util.Arrays.asList(v, m.get(0), "SQL", m.get(1), true));
            }
        });
        return expected;
    }

    @Test
    void migrationHistory_holdsExactlyTheLibrarysMigrations_inItsOwnTable() throws Exception {
        // The scripts the library ships are exactly the ones listed, so the list cannot fall behind.
        assertThat(versionedScripts("dev/earnings/jdbc/migration"))
                .containsExactlyElementsOf(MIGRATIONS.values().stream().map(m -> m.get(1)).collect(Collectors.toList()));
        assertThat(versionedScripts("dev/earnings/jdbc/dialect/postgresql"))
                .containsExactlyElementsOf(POSTGRES_MIGRATIONS.values().stream().map(m -> m.get(1)).collect(Collectors.toList()));
        assertThat(migrationHistory(db)).containsExactlyElementsOf(expectedHistory(db, LATEST));
        // A second instance on the migrated database applies nothing more.
        db.builder().clock(clock).build().close();
        assertThat(migrationHistory(db)).containsExactlyElementsOf(expectedHistory(db, LATEST));
    }

    /** The versioned migration scripts in a folder of the classpath, by name; callbacks are not listed. */
    private List<String> versionedScripts(String folder) throws Exception {
        java.net.URL url = getClass().getClassLoader().getResource(folder);
        assertThat(url).as(folder).isNotNull();
        try (Stream<java.nio.file.Path> files = java.nio.file.Files.list(java.nio.file.Path.of(url.toURI()))) {
            return files.map(f -> f.getFileName().toString()).filter(f -> f.startsWith("V"))
                    .sorted(java.util.Comparator.comparingInt(f -> Integer.parseInt(f.substring(1, f.indexOf("__")))))
                    .collect(Collectors.toList());
        }
    }

    @Test
    void lockTimeouts_areRetriedAndTheUseIsRecordedOnce() throws Exception {
        String modelId = newModel("creator-1", ModelPricing.of("0.01", "0"));
        try (HikariDataSource shortLocks = db.withLockTimeout(100);
                Earnings impatient = db.builder(shortLocks).clock(clock).migrateOnStart(false)
                        .maxAttempts(30).build()) {
            Future<RecordedUse> use;
            ExecutorService other = Executors.newSingleThreadExecutor();
            try {
                try (Handle holder = db.jdbi.open()) {
                    // Another transaction holds the model's aggregate row well past the lock timeout.
                    holder.begin();
                    holder.execute("UPDATE " + db.table("model_creator_earnings") + " SET total_uses = total_uses"
                            + " WHERE model_id = ?", modelId);
                    use = other.submit(() -> impatient.logModelUsage("user-1", modelId, 0, "chat", null));
                    Thread.sleep(400);
                    assertThat(use).isNotDone();
                    holder.commit();
                }
                assertThat(use.get(30, TimeUnit.SECONDS).useOrdinal()).isEqualTo(OptionalLong.of(1));
            } finally {
                other.shutdownNow();
            }
        }
        long rows = db.usesOf(modelId);
        assertThat(rows).isEqualTo(1);
    }

    @Test
    void lockTimeouts_pastTheLastAttempt_areATransientStorageErrorAndWriteNothing() {
        String modelId = newModel("creator-1", ModelPricing.of("0.01", "0"));
        try (HikariDataSource shortLocks = db.withLockTimeout(50);
                Earnings impatient = db.builder(shortLocks).clock(clock).migrateOnStart(false)
                        .maxAttempts(2).build();
                Handle holder = db.jdbi.open()) {
            holder.begin();
            holder.execute("UPDATE " + db.table("model_creator_earnings") + " SET total_uses = total_uses"
                    + " WHERE model_id = ?", modelId);
            Map<String, Long> before = rowCounts();
            StorageException failure = catchThrowableOfType(StorageException.class,
                    () -> impatient.logModelUsage("user-1", modelId, 0, "chat", null));
            holder.rollback();
            assertThat(failure).isNotNull();
            assertThat(failure.isTransient()).isTrue();
            assertThat(failure.getCause()).isNotNull();
            assertThat(failure.getMessage()).contains("after 2 attempts");
            assertThat(rowCounts()).isEqualTo(before);
        }
    }

    // ------------------------------------------------------------------ upgrades

    @Test
    void upgradeFromTheFirstSchemaVersion_keepsTheOldData_andContinuesIt() {
        try (TestDatabase old = openDatabase()) {
            org.flywaydb.core.api.configuration.FluentConfiguration v1 = org.flywaydb.core.Flyway
                    .configure(getClass().getClassLoader()).dataSource(old.migrationPool())
                    .locations("classpath:dev/earnings/jdbc/migration").table("earnings_schema_history").target("1");
            old.schema.ifPresent(s -> v1.schemas(s).defaultSchema(s).createSchemas(true));
            v1.load().migrate();
            assertThat(migrationHistory(old)).containsExactlyElementsOf(expectedHistory(old, 1));
            SchemaV1Data legacy = SchemaV1Data.write(old);
            Map<String, List<Map<String, Object>>> before = SchemaV1Data.read(old);
            assertThat(before.get("model_usage_logs")).hasSize(128);

            try (Earnings upgraded = old.builder().clock(clock).build()) {
                assertThat(migrationHistory(old)).containsExactlyElementsOf(expectedHistory(old, LATEST));
                // Every old row is intact; the rows written before version 4 carry no write token,
                // before version 7 no user token key (their user ids are plain), before version 9
                // no reversed amount.
                Map<String, List<Map<String, Object>>> after = SchemaV1Data.read(old);
                for (String table : SchemaV1Data.TABLES.keySet()) {
                    List<Map<String, Object>> rows = after.get(table);
                    if (table.equals("earnings_settings")) {
                        rows = rows.stream().filter(r -> r.get("setting_name").equals("currency")).collect(Collectors.toList());
                    }
                    for (Map<String, Object> row : rows) {
                        if (row.containsKey("write_token")) {
                            assertThat(row.remove("write_token")).as("write token of an old row of %s", table).isNull();
                        }
                        if (row.containsKey("user_token_key")) {
                            assertThat(row.remove("user_token_key")).as("user token key of an old row of %s", table).isNull();
                        }
                        // Since version 24 a pricing version names its model's creator: the legacy one.
                        if (table.equals("earnings_model_pricing")) {
                            assertThat(row.remove("creator_id")).as("creator of an old pricing version")
                                    .isEqualTo(SchemaV1Data.CREATOR);
                        }
                        // Since version 9 counters and rollups keep what was reversed: nothing, for old rows.
                        for (String reversed : List.of("reversed_earnings", "reversed")) {
                            if (row.containsKey(reversed)) {
                                assertThat((BigDecimal) row.remove(reversed)).as("%s of an old row of %s", reversed, table)
                                        .isZero();
                            }
                        }
                    }
                    assertThat(rows).as("rows of %s", table).isEqualTo(before.get(table));
                }
                List<String> creators = old.jdbi.withHandle(h -> h.createQuery("SELECT creator_id FROM "
                        + old.table("earnings_creators")).mapTo(String.class).list());
                assertThat(creators).containsExactly(SchemaV1Data.CREATOR);
                IntegrityReport report = upgraded.verifyIntegrity();
                assertThat(report.drifts()).isEmpty();
                assertThat(report.usesChecked()).isEqualTo(128);

                // Every old eventId replays to its original record, as one batch and one by one.
                List<UsageRequest> replays = legacy.uses.stream().map(SchemaV1Data.Use::replay).collect(Collectors.toList());
                BatchResult replayed = upgraded.logModelUsageBatch(replays);
                for (int i = 0; i < replays.size(); i++) {
                    SchemaV1Data.Use original = legacy.uses.get(i);
                    RecordedUse use = replayed.items().get(i).use().orElseThrow();
                    assertThat(use.replayed()).as("replay of %s", original.eventId()).isTrue();
                    assertThat(use.useOrdinal()).isEqualTo(original.ordinal() == null ? OptionalLong.empty()
                            : OptionalLong.of(original.ordinal()));
                    assertThat(use.pricingVersion()).isEqualTo(original.pricingVersion());
                    assertThat(use.occurredAt()).isEqualTo(original.occurredAt());
                    assertThat(use.result().earnings().amount()).isEqualByComparingTo(original.earnings());
                    assertThat(use.result().reason().map(Enum::name).orElse(null)).isEqualTo(original.reason());
                    assertThat(use.result().priorCountedUses()).isEqualTo(original.prior());
                }
                SchemaV1Data.Use last = legacy.uses.get(119);
                RecordedUse single = upgraded.logModelUsage(last.replay());
                assertThat(single.replayed()).isTrue();
                assertThat(single.result().earnings().amount()).isEqualByComparingTo(last.earnings());
                IdempotencyConflictException conflict = catchThrowableOfType(IdempotencyConflictException.class,
                        () -> upgraded.logModelUsage(UsageRequest.builder(last.userId(), last.modelId())
                                .tokensConsumed(last.tokens() + 1).usageType(last.type()).eventId(last.eventId()).build()));
                assertThat(conflict.field()).isEqualTo("tokensConsumed");
                assertThat(old.count("model_usage_logs")).isEqualTo(128);

                // New uses continue the ordinals, rated with the pricing in force.
                RecordedUse next = upgraded.logModelUsage("new-user", SchemaV1Data.PAID, 10, "chat", null);
                assertThat(next.replayed()).isFalse();
                assertThat(next.useOrdinal()).isEqualTo(OptionalLong.of(121));
                assertThat(next.pricingVersion()).isEqualTo(2);
                assertThat(next.result().tier().index()).isEqualTo(2);
                assertThat(next.result().earnings().amount())
                        .isEqualByComparingTo(Oracle.earnings("0.02", "0", 10, "chat", 121));
                assertThat(upgraded.logModelUsage(SchemaV1Data.CREATOR, SchemaV1Data.PAID, 0, "chat", null).useOrdinal())
                        .isEmpty();
                assertThat(upgraded.logModelUsage("new-user", SchemaV1Data.PAID, 0, "chat", null).useOrdinal())
                        .isEqualTo(OptionalLong.of(122));
                RecordedUse unpaid = upgraded.logModelUsage("new-user", SchemaV1Data.OFF, 0, "chat", null);
                assertThat(unpaid.useOrdinal()).isEqualTo(OptionalLong.of(6));
                assertThat(unpaid.result().reason()).contains(NoEarningsReason.NOT_MONETIZED);
                BigDecimal earnedSince = next.result().earnings().amount()
                        .add(Oracle.earnings("0.02", "0", 0, "chat", 122));
                assertThat(upgraded.verifyIntegrity().drifts()).isEmpty();

                // The old payouts count in the balance; the old pending one still moves, with history.
                Caller admin = Caller.admin("admin-new");
                Balance balance = upgraded.analytics().balance(admin, SchemaV1Data.CREATOR);
                assertThat(balance.earned().amount()).isEqualByComparingTo(legacy.earned().add(earnedSince));
                assertThat(balance.paidOut().amount()).isEqualByComparingTo("1.00");
                assertThat(balance.pending().amount()).isEqualByComparingTo("0.50");
                assertThat(balance.available().amount())
                        .isEqualByComparingTo(legacy.earned().add(earnedSince).subtract(new BigDecimal("1.50")));
                Payout moved = upgraded.payouts().complete(admin, legacy.pendingPayout, "wire 2");
                assertThat(moved.status()).isEqualTo(PayoutStatus.COMPLETED);
                assertThat(moved.createdBy()).isEqualTo("admin-old");
                assertThat(upgraded.payouts().history(admin, legacy.pendingPayout)).extracting(PayoutEvent::to)
                        .containsExactly(PayoutStatus.COMPLETED);
                assertThat(upgraded.payouts().find(admin, legacy.completedPayout).orElseThrow().status())
                        .isEqualTo(PayoutStatus.COMPLETED);
                Payout fresh = upgraded.payouts().create(admin, PayoutRequest.of(SchemaV1Data.CREATOR, 25, "after-upgrade"));
                assertThat(fresh.amount().amount()).isEqualByComparingTo("0.25");
            }
        }
    }

    // ------------------------------------------------------------------ integrity

    @Test
    void verifyIntegrity_findsDriftPlantedByHand() {
        String modelId = newModel("creator-1", ModelPricing.of("0.01", "0.0001"));
        for (int i = 0; i < 5; i++) {
            earnings.logModelUsage("user-" + i, modelId, 10, "chat", null);
        }
        assertThat(earnings.verifyIntegrity().drifts()).noneMatch(d -> d.modelId().equals(modelId));

        db.jdbi.useHandle(h -> {
            h.execute("UPDATE " + db.table("model_creator_earnings")
                    + " SET lifetime_earnings = lifetime_earnings + 0.000000000001 WHERE model_id = ?", modelId);
            h.execute("UPDATE " + db.table("model_analytics") + " SET unique_users = unique_users + 1 WHERE model_id = ?", modelId);
        });
        try {
            IntegrityReport report = earnings.verifyIntegrity();
            List<IntegrityReport.Drift> mine = report.drifts().stream().filter(d -> d.modelId().equals(modelId))
                    .collect(Collectors.toList());
            assertThat(mine).extracting(IntegrityReport.Drift::figure)
                    .containsExactlyInAnyOrder("lifetime_earnings", "unique_users");
            IntegrityReport.Drift money = mine.stream().filter(d -> d.figure().equals("lifetime_earnings")).findFirst().get();
            assertThat(money.stored().get().subtract(money.recomputed())).isEqualByComparingTo("0.000000000001");
            assertThat(money.day()).isEmpty();
            assertThat(report.isClean()).isFalse();
        } finally {
            db.jdbi.useHandle(h -> {
                h.execute("UPDATE " + db.table("model_creator_earnings")
                        + " SET lifetime_earnings = lifetime_earnings - 0.000000000001 WHERE model_id = ?", modelId);
                h.execute("UPDATE " + db.table("model_analytics") + " SET unique_users = unique_users - 1 WHERE model_id = ?", modelId);
            });
        }
        assertThat(earnings.verifyIntegrity().drifts()).noneMatch(d -> d.modelId().equals(modelId));
    }

    @Test
    void verifyIntegrity_duringLiveTraffic_isClean() throws Exception {
        String modelId = newModel("creator-1", ModelPricing.of("0.01", "0.0001"));
        int threads = 6;
        CountDownLatch done = new CountDownLatch(threads);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> writers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                writers.add(pool.submit(() -> {
                    try {
                        for (int i = 0; i < 150; i++) {
                            earnings.logModelUsage(UsageRequest.builder("user-" + (i % 13), modelId)
                                    .tokensConsumed(i).usageType("chat")
                                    .occurredAt(START.minus(Duration.ofDays((i + thread) % 3))).build());
                        }
                    } finally {
                        done.countDown();
                    }
                    return null;
                }));
            }
            int checks = 0;
            int checksDuringCommits = 0;
            while (done.getCount() > 0) {
                long before = db.usesOf(modelId);
                IntegrityReport report = earnings.verifyIntegrity();
                long after = db.usesOf(modelId);
                assertThat(report.drifts()).as("drift seen during traffic").isEmpty();
                checks++;
                // Uses were committed while this check read its snapshot.
                checksDuringCommits += after > before ? 1 : 0;
            }
            for (Future<?> w : writers) {
                w.get(60, TimeUnit.SECONDS);
            }
            assertThat(checks).isPositive();
            assertThat(checksDuringCommits).as("checks of %d during which uses were committed", checks).isPositive();
        } finally {
            pool.shutdownNow();
        }
        assertThat(earnings.verifyIntegrity().isClean()).isTrue();
    }

    @Test
    void verifyIntegrity_findsADailyUserWithoutAUse() {
        String modelId = newModel("creator-1", ModelPricing.of("0.01", "0"));
        earnings.logModelUsage("user-1", modelId, 0, "chat", null);
        LocalDate day = LocalDate.ofInstant(START, ZoneOffset.UTC);
        db.jdbi.useHandle(h -> h.execute("UPDATE " + db.table("model_daily_users") + " SET user_id = 'ghost'"
                + " WHERE model_id = ?", modelId));
        try {
            assertThat(earnings.verifyIntegrity().drifts()).filteredOn(d -> d.modelId().equals(modelId))
                    .extracting(IntegrityReport.Drift::figure, IntegrityReport.Drift::day)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple("daily_users_without_use", Optional.of(day)));
        } finally {
            db.jdbi.useHandle(h -> h.execute("UPDATE " + db.table("model_daily_users") + " SET user_id = ?"
                    + " WHERE model_id = ?", db.storedUser("user-1"), modelId));
        }
    }

    @Test
    void verifyIntegrity_findsAMissingDailyRowAndAnOrdinalGap() {
        String modelId = newModel("creator-1", ModelPricing.of("0.01", "0"));
        for (int i = 0; i < 3; i++) {
            earnings.logModelUsage("user-1", modelId, 0, "chat", null);
        }
        db.jdbi.useHandle(h -> {
            h.execute("UPDATE " + db.table("model_usage_logs") + " SET use_ordinal = 7 WHERE model_id = ? AND use_ordinal = 3", modelId);
            h.execute("DELETE FROM " + db.table("model_analytics") + " WHERE model_id = ?", modelId);
        });
        try {
            List<IntegrityReport.Drift> mine = earnings.verifyIntegrity().drifts().stream()
                    .filter(d -> d.modelId().equals(modelId)).collect(Collectors.toList());
            assertThat(mine).extracting(IntegrityReport.Drift::figure).contains("max_use_ordinal", "uses", "earnings");
            assertThat(mine).filteredOn(d -> d.figure().equals("uses"))
                    .allSatisfy(d -> assertThat(d.stored()).isEmpty());
        } finally {
            db.jdbi.useHandle(h -> h.execute("UPDATE " + db.table("model_usage_logs")
                    + " SET use_ordinal = 3 WHERE model_id = ? AND use_ordinal = 7", modelId));
            // The rollup is gone for good; keep other tests' checks clean by rebuilding it from the rows.
            db.jdbi.useHandle(h -> h.execute("INSERT INTO " + db.table("model_analytics")
                    + " (model_id, usage_day, creator_id, uses, counted_uses, earning_uses, tokens, earnings, unique_users)"
                    + " SELECT model_id, usage_day, MIN(creator_id), COUNT(*), COUNT(use_ordinal),"
                    + " SUM(CASE WHEN earnings > 0 THEN 1 ELSE 0 END), SUM(tokens_consumed), SUM(earnings), COUNT(DISTINCT user_id)"
                    + " FROM " + db.table("model_usage_logs") + " WHERE model_id = ? GROUP BY model_id, usage_day", modelId));
        }
    }

    // ------------------------------------------------------------------ concurrency

    @Test
    void sixteenThreads_record12000CountedUsesAndSelfUses_withExactTiersOrdinalsAndSums() throws Exception {
        String perUse = "0.01";
        String perToken = "0.000013";
        String modelId = newModel("creator-conc", ModelPricing.of(perUse, perToken));
        int counted = 12_000;
        int selfUses = 300;
        int total = counted + selfUses;
        int threads = 16;
        String[] types = {"image_generation", "chat", "other"};
        AtomicInteger next = new AtomicInteger();
        List<RecordedUse> results = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        InFlight race = new InFlight();
        try {
            List<Future<?>> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                workers.add(pool.submit(() -> {
                    start.await();
                    for (int i = next.getAndIncrement(); i < total; i = next.getAndIncrement()) {
                        // Every 41st use is the creator's own; uses spread over four UTC days.
                        String user = i % 41 == 0 ? "creator-conc" : "user-" + (i % 97);
                        UsageRequest request = UsageRequest.builder(user, modelId)
                                .tokensConsumed((i * 7919L) % 3001).usageType(types[i % 3])
                                .occurredAt(START.minus(Duration.ofDays(i % 4))).build();
                        results.add(race.call("use", () -> earnings.logModelUsage(request)));
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> worker : workers) {
                worker.get(10, TimeUnit.MINUTES);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(race.maxInFlight()).as("calls in flight at once").isGreaterThan(1);

        assertConcurrentRunIsExact(db, earnings, modelId, perUse, perToken, counted, selfUses);
        assertThat(results).hasSize(total);
        assertThat(results).filteredOn(r -> r.useOrdinal().isEmpty()).hasSize(selfUses)
                .allSatisfy(r -> assertThat(r.result().reason()).contains(NoEarningsReason.SELF_USE));
        long days = db.jdbi.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM " + db.table("model_analytics")
                + " WHERE model_id = ?").bind(0, modelId).mapTo(Long.class).one());
        assertThat(days).isEqualTo(4);
    }

    /**
     * Checks a model's rows against an independent computation: ordinals exactly 1..total, the tier
     * counts of the contract, each row's earnings, and the aggregate and rollups equal to the sum.
     */
    static void assertConcurrentRunIsExact(TestDatabase db, Earnings earnings, String modelId, String perUse,
            String perToken, int total, int selfUses) {
        List<Map<String, Object>> rows = db.jdbi.withHandle(h -> h.createQuery("SELECT use_ordinal, tokens_consumed,"
                + " usage_type, tier_multiplier, earnings FROM " + db.table("model_usage_logs") + " WHERE model_id = ?"
                + " AND use_ordinal IS NOT NULL ORDER BY use_ordinal").bind(0, modelId).mapToMap().list());
        long selfRows = db.jdbi.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM " + db.table("model_usage_logs")
                + " WHERE model_id = ? AND use_ordinal IS NULL AND self_use = TRUE AND earnings = 0 AND reason = 'SELF_USE'")
                .bind(0, modelId).mapTo(Long.class).one());
        assertThat(selfRows).isEqualTo(selfUses);
        assertThat(rows).hasSize(total);
        Map<BigDecimal, Integer> perTier = new TreeMap<>();
        BigDecimal expectedSum = BigDecimal.ZERO;
        for (int i = 0; i < rows.size(); i++) {
            Map<String, Object> row = rows.get(i);
            long ordinal = ((Number) row.get("use_ordinal")).longValue();
            assertThat(ordinal).isEqualTo(i + 1L);
            BigDecimal tier = Oracle.tierMultiplier(ordinal);
            assertThat((BigDecimal) row.get("tier_multiplier")).isEqualByComparingTo(tier);
            perTier.merge(tier.stripTrailingZeros(), 1, Integer::sum);
            BigDecimal expected = Oracle.earnings(perUse, perToken, ((Number) row.get("tokens_consumed")).longValue(),
                    (String) row.get("usage_type"), ordinal);
            assertThat((BigDecimal) row.get("earnings")).as("earnings of ordinal %d", ordinal).isEqualByComparingTo(expected);
            expectedSum = expectedSum.add(expected);
        }
        Map<BigDecimal, Integer> expectedTiers = new TreeMap<>();
        expectedTiers.put(new BigDecimal("1"), 100);
        expectedTiers.put(new BigDecimal("1.2"), 900);
        expectedTiers.put(new BigDecimal("1.5"), 4000);
        expectedTiers.put(new BigDecimal("2"), 5000);
        expectedTiers.put(new BigDecimal("2.5"), total - 10_000);
        assertThat(perTier).isEqualTo(expectedTiers);

        Map<String, Object> aggregate = db.jdbi.withHandle(h -> h.createQuery("SELECT counted_uses, total_uses,"
                + " lifetime_earnings FROM " + db.table("model_creator_earnings") + " WHERE model_id = ?")
                .bind(0, modelId).mapToMap().one());
        assertThat(((Number) aggregate.get("counted_uses")).longValue()).isEqualTo(total);
        assertThat(((Number) aggregate.get("total_uses")).longValue()).isEqualTo(total + selfUses);
        assertThat((BigDecimal) aggregate.get("lifetime_earnings")).isEqualByComparingTo(expectedSum);
        BigDecimal rollups = db.jdbi.withHandle(h -> h.createQuery("SELECT SUM(earnings) FROM "
                + db.table("model_analytics") + " WHERE model_id = ?").bind(0, modelId).mapTo(BigDecimal.class).one());
        assertThat(rollups).isEqualByComparingTo(expectedSum);
        IntegrityReport report = earnings.verifyIntegrity();
        assertThat(report.drifts()).isEmpty();
        assertThat(report.usesChecked()).isGreaterThanOrEqualTo(total + selfUses);
    }
}
