package dev.earnings.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.earnings.core.InvalidInputException;
import dev.earnings.core.ModelPricing;
import dev.earnings.core.UsageTypes;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.jdbi.v3.core.Handle;
import org.junit.jupiter.api.Test;

/**
 * Batched and asynchronous ingestion, run against each database by a subclass: the same exactness
 * as one use at a time, idempotency inside and across batches, failures that write nothing.
 */
abstract class IngestionSuite extends DatabaseSuite {
    static final Instant START = Instant.parse("2026-03-10T12:00:00Z");
    static final String[] TYPES = {"image_generation", "chat", "other"};
    static final int COUNTED = 12_000;
    static final int SELF_USES = 300;

    @Override
    Instant start() {
        return START;
    }

    String newModel(String creator, String perUse, String perToken) {
        return newModel(creator, ModelPricing.of(perUse, perToken));
    }

    /** The i-th use of the exactness runs: every 41st is the creator's own, spread over four days. */
    static UsageRequest use(String modelId, String creator, int i) {
        return UsageRequest.builder(i % 41 == 0 ? creator : "user-" + (i % 97), modelId)
                .tokensConsumed((i * 7919L) % 3001).usageType(TYPES[i % 3])
                .occurredAt(START.minus(Duration.ofDays(i % 4))).eventId(modelId + "-" + i).build();
    }

    void renameTable(String from, String to) {
        db.jdbi.useHandle(h -> h.execute("ALTER TABLE " + db.table(from) + " RENAME TO " + to));
    }

    @Test
    void batches_fromSixteenThreads_areExact() throws Exception {
        String modelId = newModel("creator-batch", "0.01", "0.000013");
        int total = COUNTED + SELF_USES;
        AtomicInteger next = new AtomicInteger();
        InFlight race = new InFlight();
        CyclicBarrier start = new CyclicBarrier(16);
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            List<Future<?>> workers = new ArrayList<>();
            for (int t = 0; t < 16; t++) {
                workers.add(pool.submit(() -> {
                    start.await(30, TimeUnit.SECONDS);
                    for (int from = next.getAndAdd(50); from < total; from = next.getAndAdd(50)) {
                        List<UsageRequest> batch = new ArrayList<>();
                        for (int i = from; i < Math.min(total, from + 50); i++) {
                            batch.add(use(modelId, "creator-batch", i));
                        }
                        BatchResult result = race.call("batch", () -> earnings.logModelUsageBatch(batch));
                        assertThat(result.rejected()).isZero();
                    }
                    return null;
                }));
            }
            for (Future<?> w : workers) {
                w.get(10, TimeUnit.MINUTES);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(race.maxInFlight()).as("batches in flight at once").isGreaterThan(1);
        UsageRecordingSuite.assertConcurrentRunIsExact(db, earnings, modelId, "0.01", "0.000013", COUNTED, SELF_USES);
    }

    @Test
    void batchesOverHundredsOfModelsInEveryOrder_fromEightThreads_neitherDeadlockNorDrift() throws Exception {
        // Each batch names 600 of 700 models, shuffled differently: the models' locks must still
        // be taken in one order, and every model's ordinals must run 1..n without a gap.
        List<String> models = new ArrayList<>();
        for (int m = 0; m < 700; m++) {
            models.add(newModel("creator-many-" + (m % 13), "0.01", "0.0001"));
        }
        int batchesPerThread = 6;
        // Seeded per thread from one seed (-Dearnings.test.seed=...), named in the failures.
        long seed = Long.getLong("earnings.test.seed", 20260310L);
        InFlight race = new InFlight();
        CyclicBarrier start = new CyclicBarrier(8);
        long retriesBefore = earnings.retries();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> workers = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int thread = t;
                workers.add(pool.submit(() -> {
                    java.util.Random random = new java.util.Random(seed + thread);
                    start.await(30, TimeUnit.SECONDS);
                    for (int b = 0; b < batchesPerThread; b++) {
                        List<String> shuffled = new ArrayList<>(models);
                        Collections.shuffle(shuffled, random);
                        List<UsageRequest> batch = new ArrayList<>();
                        for (String model : shuffled.subList(0, 600)) {
                            batch.add(UsageRequest.builder("user-" + random.nextInt(50), model).tokensConsumed(7)
                                    .usageType("chat").build());
                        }
                        assertThat(race.call("batch", () -> earnings.logModelUsageBatch(batch)).recorded())
                                .as("seed %d", seed).isEqualTo(600);
                    }
                    return null;
                }));
            }
            for (Future<?> w : workers) {
                w.get(10, TimeUnit.MINUTES);
            }
        } finally {
            pool.shutdownNow();
        }
        // The batches overlapped, and none of them was run again: a deadlock (or a lock timeout)
        // would have been retried, and counted.
        assertThat(race.maxInFlight()).as("batches in flight at once (seed %d)", seed).isGreaterThan(1);
        assertThat(earnings.retries() - retriesBefore).as("transactions retried (seed %d)", seed).isZero();
        String in = models.stream().map(m -> "'" + m + "'").collect(Collectors.joining(", "));
        List<Map<String, Object>> perModel = db.jdbi.withHandle(h -> h.createQuery("SELECT model_id, COUNT(*) AS n,"
                + " MIN(use_ordinal) AS lo, MAX(use_ordinal) AS hi, COUNT(DISTINCT use_ordinal) AS distinct_ordinals FROM "
                + db.table("model_usage_logs") + " WHERE model_id IN (" + in + ") GROUP BY model_id").mapToMap().list());
        assertThat(perModel.stream().mapToLong(r -> ((Number) r.get("n")).longValue()).sum())
                .as("seed %d", seed).isEqualTo(8L * batchesPerThread * 600);
        for (Map<String, Object> row : perModel) {
            long n = ((Number) row.get("n")).longValue();
            assertThat(((Number) row.get("lo")).longValue()).as("seed %d", seed).isEqualTo(1);
            assertThat(((Number) row.get("hi")).longValue()).as("seed %d", seed).isEqualTo(n);
            assertThat(((Number) row.get("distinct_ordinals")).longValue()).as("seed %d", seed).isEqualTo(n);
        }
        assertThat(earnings.verifyIntegrity().isClean()).as("seed %d", seed).isTrue();
    }

    @Test
    void asyncRecorder_fromSixteenThreads_isExactAndCompletesEveryFuture() throws Exception {
        String modelId = newModel("creator-async", "0.01", "0.000013");
        int total = COUNTED + SELF_USES;
        List<CompletableFuture<RecordedUse>> futures = new CopyOnWriteArrayList<>();
        AtomicInteger next = new AtomicInteger();
        InFlight race = new InFlight();
        CyclicBarrier start = new CyclicBarrier(16);
        try (AsyncRecorder recorder = earnings.asyncRecorder(AsyncRecorder.Options.defaults())) {
            ExecutorService pool = Executors.newFixedThreadPool(16);
            try {
                List<Future<?>> submitters = new ArrayList<>();
                for (int t = 0; t < 16; t++) {
                    submitters.add(pool.submit(() -> {
                        start.await(30, TimeUnit.SECONDS);
                        for (int i = next.getAndIncrement(); i < total; i = next.getAndIncrement()) {
                            UsageRequest request = use(modelId, "creator-async", i);
                            futures.add(race.call("submit", () -> recorder.submit(request)));
                        }
                        return null;
                    }));
                }
                for (Future<?> s : submitters) {
                    s.get(10, TimeUnit.MINUTES);
                }
            } finally {
                pool.shutdownNow();
            }
            CompletableFuture.allOf(futures.toArray(new CompletableFuture<?>[0])).get(10, TimeUnit.MINUTES);
        }
        assertThat(race.maxInFlight()).as("submissions in flight at once").isGreaterThan(1);
        assertThat(futures).hasSize(total).allMatch(f -> f.isDone() && !f.isCompletedExceptionally());
        UsageRecordingSuite.assertConcurrentRunIsExact(db, earnings, modelId, "0.01", "0.000013", COUNTED, SELF_USES);
    }

    @Test
    void batch_isIdempotentInsideAndAcrossBatches_andRejectsUsesOneByOne() {
        String modelId = newModel("creator-1", "0.01", "0.0001");
        String e1 = "e1-" + modelId;
        UsageRequest a = UsageRequest.builder("user-1", modelId).tokensConsumed(10).usageType("chat").eventId(e1).build();
        UsageRequest b = UsageRequest.builder("user-2", modelId).tokensConsumed(20).usageType("chat").build();
        UsageRequest conflicting = UsageRequest.builder("user-1", modelId).tokensConsumed(11).usageType("chat").eventId(e1).build();
        UsageRequest unknownModel = UsageRequest.builder("user-1", "no-such-model").usageType("chat").build();
        UsageRequest tooManyTokens = UsageRequest.builder("user-1", modelId).tokensConsumed(-1).usageType("chat").build();
        Map<String, Long> before = rowCounts();

        BatchResult first = earnings.logModelUsageBatch(List.of(a, b, a, conflicting, unknownModel, tooManyTokens));

        RecordedUse recordedA = first.items().get(0).use().orElseThrow();
        assertThat(recordedA.replayed()).isFalse();
        assertThat(recordedA.useOrdinal()).isEqualTo(OptionalLong.of(1));
        assertThat(first.items().get(1).use().orElseThrow().useOrdinal()).isEqualTo(OptionalLong.of(2));
        RecordedUse repeat = first.items().get(2).use().orElseThrow();
        assertThat(repeat.replayed()).isTrue();
        assertThat(repeat.useOrdinal()).isEqualTo(recordedA.useOrdinal());
        assertThat(repeat.result()).isEqualTo(recordedA.result());
        assertThat(first.items().get(3).error().orElseThrow()).isInstanceOf(IdempotencyConflictException.class);
        assertThat(((IdempotencyConflictException) first.items().get(3).error().get()).field()).isEqualTo("tokensConsumed");
        assertThat(first.items().get(4).error().orElseThrow()).isInstanceOf(UnknownModelException.class);
        assertThat(first.items().get(5).error().orElseThrow()).isInstanceOf(InvalidInputException.class);
        assertThat(first.recorded()).isEqualTo(2);
        assertThat(first.rejected()).isEqualTo(3);
        assertThat(rowCounts().get("model_usage_logs")).isEqualTo(before.get("model_usage_logs") + 2);

        UsageRequest c = UsageRequest.builder("user-3", modelId).usageType("other").eventId("e3-" + modelId).build();
        BatchResult second = earnings.logModelUsageBatch(List.of(a, c));
        assertThat(second.items().get(0).use().orElseThrow().replayed()).isTrue();
        assertThat(second.items().get(0).use().get().result()).isEqualTo(recordedA.result());
        assertThat(second.items().get(1).use().orElseThrow().useOrdinal()).isEqualTo(OptionalLong.of(3));
        assertThat(earnings.logModelUsage(c).replayed()).isTrue();
        assertThat(rowCounts().get("model_usage_logs")).isEqualTo(before.get("model_usage_logs") + 3);
        assertThat(earnings.verifyIntegrity().isClean()).isTrue();
    }

    /** What the contract says one use's row must hold, computed by the test. */
    record Expected(UsageRequest request, String modelId, String creatorId, Long ordinal, long prior, boolean self,
            int pricingVersion, String perUse, String perToken, boolean monetized, Instant occurredAt, String metadata) {

        long n() {
            return prior + 1;
        }

        BigDecimal earnings() {
            return self || !monetized ? BigDecimal.ZERO
                    : Oracle.earnings(perUse, perToken, request.tokensConsumed(), request.usageType(), n());
        }

        String reason() {
            return self ? "SELF_USE" : monetized ? null : "NOT_MONETIZED";
        }
    }

    /** A usage row as stored. */
    record Stored(String eventId, String modelId, String creatorId, String userId, long tokens, String usageType,
            String requestedUsageType, Instant occurredAt, boolean occurredAtGiven, LocalDate usageDay, Instant recordedAt,
            Long ordinal, long prior, boolean self, int tierIndex, long tierThreshold, BigDecimal tierMultiplier,
            BigDecimal typeMultiplier, int pricingVersion, BigDecimal tokenPart, BigDecimal base, BigDecimal earnings,
            String reason, String metadata) {
    }

    /** The models' pricing as the test sets it: per model, version, per use, per token, monetized. */
    static final class Pricing {
        final Map<String, Object[]> current = new HashMap<>();

        void set(String modelId, int version, String perUse, String perToken, boolean monetized) {
            current.put(modelId, new Object[] {version, perUse, perToken, monetized});
        }
    }

    @Test
    void batchAndRecorderRows_matchTheOracleColumnByColumn_andTheSumsOfTheRollups() throws Exception {
        // Values travel as arrays of text: quotes, commas, braces, backslashes, the word NULL and
        // characters outside the BMP must arrive as sent. Prices have 12 decimals, so amounts have
        // up to 14 before rounding; model b's tier-3 image uses end in an exact half at the 13th.
        String run = UUID.randomUUID().toString().substring(0, 8);
        String creator = "creator \"q\", {b} \\ NULL " + run;
        String a = newModel(creator, "0.012345678901", "0.000000000007");
        String b = newModel(creator, "0.000000000003", "0.000000000002");
        Pricing pricing = new Pricing();
        pricing.set(a, 1, "0.012345678901", "0.000000000007", true);
        pricing.set(b, 1, "0.000000000003", "0.000000000002", true);
        String[] users = {"user \"one\", {two}", "NULL", "\\back\\slash", "ünï 🎨 ∑", "  spaced  "};
        String canonical = "{\"emoji\":\"🎨\",\"n\":12345678901234567890,\"nested\":{\"a\":[1,\"}\",null]},"
                + "\"prompt\":\"say \\\"hi\\\", {now} \\\\ NULL\"}";
        String loose = "{ \"prompt\": \"" + "🎨".repeat(150) + "\", \"b\": 1.50, \"a\": [ \"x\", 1e3 ] }";
        String looseCanonical = "{\"a\":[\"x\",1000],\"b\":1.50,\"prompt\":\"" + "🎨".repeat(100) + "\"}";

        Map<String, long[]> counted = new HashMap<>(Map.of(a, new long[1], b, new long[1]));
        List<Expected> expected = new ArrayList<>();
        java.util.function.IntFunction<UsageRequest> request = i -> {
            String model = i % 8 == 0 ? a : b;
            String user = i % 53 == 52 ? creator : users[i % 5];
            UsageRequest.Builder use = UsageRequest.builder(user, model).usageType(TYPES[i % 3])
                    .tokensConsumed((i * 7_919L * 104_729L)
                            % (UsageTypes.defaults().tokenCap(TYPES[i % 3]).orElseThrow() + 1)).eventId("ev,\"" + i + "\"{" + run + "}\\");
            if (i % 2 == 0) {
                use.occurredAt(START.minus(Duration.ofDays(i % 3)).minusNanos(123_456_000L * (i % 50))).metadataJson(canonical);
            } else if (i % 5 == 0) {
                use.metadataJson(loose);
            }
            UsageRequest r = use.build();
            Object[] p = pricing.current.get(model);
            boolean self = user.equals(creator);
            Long ordinal = self ? null : ++counted.get(model)[0];
            expected.add(new Expected(r, model, creator, ordinal, self ? counted.get(model)[0] : ordinal - 1, self,
                    (int) p[0], (String) p[1], (String) p[2], (boolean) p[3], r.occurredAt().orElse(START),
                    i % 2 == 0 ? canonical : i % 5 == 0 ? looseCanonical : null));
            return r;
        };

        // One batch across both models' first tiers and into model b's third.
        List<UsageRequest> first = new ArrayList<>();
        for (int i = 0; i < 1_250; i++) {
            first.add(request.apply(i));
        }
        BatchResult batch = earnings.logModelUsageBatch(first);
        assertThat(batch.recorded()).isEqualTo(first.size());
        List<RecordedUse> returned = new ArrayList<>();
        batch.items().forEach(item -> returned.add(item.use().orElseThrow()));

        // A new price for model a, then the asynchronous recorder, from one submitting thread.
        earnings.models().changePricing(a, ModelPricing.of("0.02", "0.000000000011"));
        pricing.set(a, 2, "0.02", "0.000000000011", true);
        List<CompletableFuture<RecordedUse>> futures = new ArrayList<>();
        try (AsyncRecorder recorder = earnings.asyncRecorder(AsyncRecorder.Options.builder().writers(2).maxBatch(64)
                .flushInterval(Duration.ofMillis(1)).build())) {
            for (int i = 1_250; i < 1_550; i++) {
                futures.add(recorder.submit(request.apply(i)));
            }
            for (CompletableFuture<RecordedUse> f : futures) {
                returned.add(f.get(60, TimeUnit.SECONDS));
            }
        }

        // Model b stops earning: its uses are still counted, rated NOT_MONETIZED (SELF_USE wins).
        earnings.models().setMonetized(b, false);
        pricing.set(b, 2, "0.000000000003", "0.000000000002", false);
        List<UsageRequest> last = new ArrayList<>();
        for (int i = 1_550; i < 1_650; i++) {
            last.add(request.apply(i));
        }
        earnings.logModelUsageBatch(last).items().forEach(item -> returned.add(item.use().orElseThrow()));
        assertThat(counted.get(b)[0]).as("model b's counted uses").isGreaterThan(1_000);
        assertThat(counted.get(a)[0]).as("model a's counted uses").isGreaterThan(100);

        Map<String, Stored> stored = new HashMap<>();
        db.jdbi.withHandle(h -> h.createQuery("SELECT * FROM " + db.table("model_usage_logs") + " WHERE model_id IN (?, ?)")
                .bind(0, a).bind(1, b).map((rs, ctx) -> {
                    long ordinal = rs.getLong("use_ordinal");
                    Long ordinalOrNull = rs.wasNull() ? null : ordinal;
                    return new Stored(rs.getString("event_id"), rs.getString("model_id"), rs.getString("creator_id"),
                            rs.getString("user_id"), rs.getLong("tokens_consumed"), rs.getString("usage_type"),
                            rs.getString("requested_usage_type"), rs.getObject("occurred_at", OffsetDateTime.class).toInstant(),
                            rs.getBoolean("occurred_at_given"), rs.getObject("usage_day", LocalDate.class),
                            rs.getObject("recorded_at", OffsetDateTime.class).toInstant(), ordinalOrNull,
                            rs.getLong("prior_counted_uses"), rs.getBoolean("self_use"), rs.getInt("tier_index"),
                            rs.getLong("tier_threshold"), rs.getBigDecimal("tier_multiplier"), rs.getBigDecimal("type_multiplier"),
                            rs.getInt("pricing_version"), rs.getBigDecimal("token_part"), rs.getBigDecimal("base_amount"),
                            rs.getBigDecimal("earnings"), rs.getString("reason"), rs.getString("metadata"));
                }).list()).forEach(row -> stored.put(row.eventId(), row));
        assertThat(stored).hasSize(expected.size());

        int roundingMattered = 0;
        for (int i = 0; i < expected.size(); i++) {
            Expected e = expected.get(i);
            UsageRequest r = e.request();
            String id = r.eventId().orElseThrow();
            Stored row = stored.get(id);
            assertThat(row).as("row of use %d", i).isNotNull();
            String what = "use " + i + " (" + (i < 1_250 ? "batch" : i < 1_550 ? "recorder" : "batch while b is unpaid") + ")";
            long tokens = r.tokensConsumed();
            assertThat(row.modelId()).as("%s model", what).isEqualTo(e.modelId());
            assertThat(row.creatorId()).as("%s creator", what).isEqualTo(creator);
            assertThat(row.userId()).as("%s user as stored", what).isEqualTo(db.storedUser(r.userId()));
            assertThat(row.tokens()).as("%s tokens", what).isEqualTo(tokens);
            assertThat(row.usageType()).as("%s type", what).isEqualTo(r.usageType());
            assertThat(row.requestedUsageType()).as("%s type as sent", what).isEqualTo(r.usageType());
            assertThat(row.occurredAt()).as("%s occurredAt", what).isEqualTo(e.occurredAt());
            assertThat(row.occurredAtGiven()).as("%s occurredAt given", what).isEqualTo(r.occurredAt().isPresent());
            assertThat(row.usageDay()).as("%s day", what).isEqualTo(LocalDate.ofInstant(e.occurredAt(), ZoneOffset.UTC));
            assertThat(row.recordedAt()).as("%s recordedAt", what).isEqualTo(START);
            assertThat(row.ordinal()).as("%s ordinal", what).isEqualTo(e.ordinal());
            assertThat(row.prior()).as("%s prior counted uses", what).isEqualTo(e.prior());
            assertThat(row.self()).as("%s self-use", what).isEqualTo(e.self());
            assertThat(row.tierIndex()).as("%s tier", what).isEqualTo(Oracle.tierIndex(e.n()));
            assertThat(row.tierThreshold()).as("%s tier threshold", what).isEqualTo(Oracle.tierThreshold(e.n()));
            assertThat(row.tierMultiplier()).as("%s tier multiplier", what).isEqualByComparingTo(Oracle.tierMultiplier(e.n()));
            assertThat(row.typeMultiplier()).as("%s type multiplier", what)
                    .isEqualByComparingTo(Oracle.typeMultiplier(r.usageType()));
            assertThat(row.pricingVersion()).as("%s pricing version", what).isEqualTo(e.pricingVersion());
            assertThat(row.tokenPart()).as("%s token part", what).isEqualByComparingTo(Oracle.tokenPart(e.perToken(), tokens));
            assertThat(row.base()).as("%s base", what).isEqualByComparingTo(Oracle.base(e.perUse(), e.perToken(), tokens));
            assertThat(row.earnings()).as("%s earnings", what).isEqualTo(e.earnings().setScale(12));
            assertThat(row.reason()).as("%s reason", what).isEqualTo(e.reason());
            assertThat(db.plainMetadata(row.metadata(), id)).as("%s metadata", what).isEqualTo(e.metadata());
            // What the call returned is what was stored.
            RecordedUse use = returned.get(i);
            assertThat(use.eventId()).isEqualTo(id);
            assertThat(use.replayed()).isFalse();
            assertThat(use.useOrdinal()).as("%s returned ordinal", what)
                    .isEqualTo(e.ordinal() == null ? OptionalLong.empty() : OptionalLong.of(e.ordinal()));
            assertThat(use.result().earnings().amount()).as("%s returned earnings", what).isEqualTo(e.earnings().setScale(12));
            assertThat(use.pricingVersion()).as("%s returned pricing version", what).isEqualTo(e.pricingVersion());
            if (e.earnings().signum() > 0) {
                BigDecimal unrounded = Oracle.base(e.perUse(), e.perToken(), tokens).multiply(Oracle.tierMultiplier(e.n()))
                        .multiply(Oracle.typeMultiplier(r.usageType()));
                roundingMattered += unrounded.setScale(12, RoundingMode.HALF_UP).compareTo(e.earnings()) != 0 ? 1 : 0;
            }
        }
        assertThat(roundingMattered).as("uses whose amount differs rounded half-up and half-even").isPositive();
        // Every token names the key that made it; plain user ids name none.
        List<Long> tokenKeys = db.jdbi.withHandle(h -> h.createQuery("SELECT DISTINCT user_token_key FROM "
                + db.table("model_usage_logs") + " WHERE model_id IN (?, ?)").bind(0, a).bind(1, b)
                .mapTo(Long.class).list());
        assertThat(tokenKeys).containsExactly(db.keys() == null ? null : db.keys().userKey());
        assertThat(expected).filteredOn(e -> "NOT_MONETIZED".equals(e.reason())).isNotEmpty();
        assertThat(expected).filteredOn(Expected::self).isNotEmpty();

        // The counters and rollups against sums computed here.
        for (String model : List.of(a, b)) {
            List<Expected> mine = expected.stream().filter(e -> e.modelId().equals(model)).collect(Collectors.toList());
            Map<String, Object> aggregate = db.jdbi.withHandle(h -> h.createQuery("SELECT total_uses, counted_uses,"
                    + " total_tokens, lifetime_earnings, last_used_at FROM " + db.table("model_creator_earnings")
                    + " WHERE model_id = ?").bind(0, model).map((rs, ctx) -> Map.<String, Object>of(
                            "total_uses", rs.getLong(1), "counted_uses", rs.getLong(2), "total_tokens", rs.getLong(3),
                            "lifetime_earnings", rs.getBigDecimal(4),
                            "last_used_at", rs.getObject(5, OffsetDateTime.class).toInstant())).one());
            assertThat(aggregate).isEqualTo(Map.of("total_uses", (long) mine.size(),
                    "counted_uses", mine.stream().filter(e -> !e.self()).count(),
                    "total_tokens", mine.stream().mapToLong(e -> e.request().tokensConsumed()).sum(),
                    "lifetime_earnings", mine.stream().map(Expected::earnings).reduce(BigDecimal.ZERO, BigDecimal::add)
                            .setScale(12),
                    "last_used_at", mine.stream().map(Expected::occurredAt).max(Comparator.naturalOrder()).orElseThrow()));

            Map<LocalDate, List<Expected>> byDay = mine.stream()
                    .collect(Collectors.groupingBy(e -> LocalDate.ofInstant(e.occurredAt(), ZoneOffset.UTC), TreeMap::new,
                            Collectors.toList()));
            Map<LocalDate, List<Object>> expectedDays = new TreeMap<>();
            byDay.forEach((day, uses) -> expectedDays.put(day, List.of((long) uses.size(),
                    uses.stream().filter(e -> !e.self()).count(), uses.stream().filter(e -> e.earnings().signum() > 0).count(),
                    uses.stream().mapToLong(e -> e.request().tokensConsumed()).sum(),
                    uses.stream().map(Expected::earnings).reduce(BigDecimal.ZERO, BigDecimal::add).setScale(12),
                    uses.stream().map(e -> e.request().userId()).distinct().count())));
            Map<LocalDate, List<Object>> days = new TreeMap<>();
            db.jdbi.withHandle(h -> h.createQuery("SELECT usage_day, uses, counted_uses, earning_uses, tokens, earnings,"
                    + " unique_users FROM " + db.table("model_analytics") + " WHERE model_id = ?").bind(0, model)
                    .map((rs, ctx) -> days.put(rs.getObject(1, LocalDate.class), List.of(rs.getLong(2), rs.getLong(3),
                            rs.getLong(4), rs.getLong(5), rs.getBigDecimal(6), rs.getLong(7)))).list());
            assertThat(days).as("daily rollups of %s", model).isEqualTo(expectedDays).hasSize(3);
            Map<LocalDate, Set<String>> expectedUsers = new TreeMap<>();
            byDay.forEach((day, uses) -> expectedUsers.put(day, uses.stream().map(e -> db.storedUser(e.request().userId()))
                    .collect(Collectors.toCollection(TreeSet::new))));
            Map<LocalDate, Set<String>> dailyUsers = new TreeMap<>();
            db.jdbi.withHandle(h -> h.createQuery("SELECT usage_day, user_id FROM " + db.table("model_daily_users")
                    + " WHERE model_id = ?").bind(0, model).map((rs, ctx) -> dailyUsers.computeIfAbsent(
                            rs.getObject(1, LocalDate.class), d -> new TreeSet<>()).add(rs.getString(2))).list());
            assertThat(dailyUsers).as("daily users of %s", model).isEqualTo(expectedUsers);
        }

        // Each use reads back as sent: a replay compares the stored payload, metadata included.
        BatchResult replays = earnings.logModelUsageBatch(first);
        for (int i = 0; i < first.size(); i++) {
            RecordedUse replay = replays.items().get(i).use().orElseThrow();
            assertThat(replay.replayed()).as("replay of use %d", i).isTrue();
            assertThat(replay.result()).isEqualTo(returned.get(i).result());
        }
        for (int i = 1_250; i < 1_300; i++) {
            RecordedUse replay = earnings.logModelUsage(expected.get(i).request());
            assertThat(replay.replayed()).isTrue();
            assertThat(replay.result()).isEqualTo(returned.get(i).result());
        }
        assertThat(db.usesOf(a) + db.usesOf(b)).isEqualTo(expected.size());
        assertThat(earnings.verifyIntegrity().isClean()).isTrue();
    }

    @Test
    void batch_aRejectedUseDoesNotClaimItsEventId() {
        String modelId = newModel("creator-1", "0.01", "0");
        String e1 = "r1-" + modelId;
        String e2 = "r2-" + modelId;
        BatchResult result = earnings.logModelUsageBatch(List.of(
                UsageRequest.builder("user-1", modelId).tokensConsumed(-1).usageType("chat").eventId(e1).build(),
                UsageRequest.builder("user-1", modelId).tokensConsumed(1).usageType("chat").eventId(e1).build(),
                UsageRequest.builder("user-1", "no-such-model").usageType("chat").eventId(e2).build(),
                UsageRequest.builder("user-1", modelId).usageType("chat").eventId(e2).build()));
        assertThat(result.items().get(0).error().orElseThrow()).isInstanceOf(InvalidInputException.class);
        assertThat(result.items().get(1).use().orElseThrow().replayed()).isFalse();
        assertThat(result.items().get(2).error().orElseThrow()).isInstanceOf(UnknownModelException.class)
                .hasMessageContaining("no-such-model");
        assertThat(result.items().get(3).use().orElseThrow().useOrdinal()).isEqualTo(OptionalLong.of(2));
        assertThat(earnings.verifyIntegrity().isClean()).isTrue();
    }

    /**
     * Guards: a repeat of an eventId claimed earlier in the batch is answered as a separate call
     * after the first would be (replays come before the rules), even when the repeat breaks a rule
     * or names a model that does not exist: a conflict naming the field, never the rule's error.
     */
    @Test
    void batch_aRepeatOfAClaimedEventId_isAnsweredLikeALaterCall_evenWhenItBreaksARule() {
        String modelId = newModel("creator-1", "0.01", "0");
        String e = "rep-" + modelId;
        UsageRequest first = UsageRequest.builder("user-1", modelId).tokensConsumed(5).usageType("chat").eventId(e).build();
        List<UsageRequest> repeats = List.of(
                UsageRequest.builder("user-1", modelId).tokensConsumed(5).usageType("no_such_type").eventId(e).build(),
                UsageRequest.builder("user-1", "no-such-model").tokensConsumed(5).usageType("chat").eventId(e).build(),
                UsageRequest.builder("user-1", modelId).tokensConsumed(5).usageType("chat").eventId(e)
                        .occurredAt(clock.instant().minus(Duration.ofDays(400))).build(),
                UsageRequest.builder("user-2", modelId).tokensConsumed(5).usageType("chat").eventId(e).build(),
                UsageRequest.builder("user-1", modelId).tokensConsumed(5).usageType("chat").eventId(e)
                        .metadata(Map.of("seed", 7)).build());
        List<String> fields = List.of("usageType", "modelId", "occurredAt", "userId", "metadata");
        List<UsageRequest> batch = new ArrayList<>(List.of(first));
        batch.addAll(repeats);

        BatchResult result = earnings.logModelUsageBatch(batch);

        assertThat(result.items().get(0).use().orElseThrow().replayed()).isFalse();
        for (int i = 0; i < repeats.size(); i++) {
            UsageRequest repeat = repeats.get(i);
            assertThat(result.items().get(i + 1).error().orElseThrow()).isInstanceOf(IdempotencyConflictException.class);
            IdempotencyConflictException inBatch = (IdempotencyConflictException) result.items().get(i + 1).error().get();
            IdempotencyConflictException alone = catchThrowableOfType(IdempotencyConflictException.class,
                    () -> earnings.logModelUsage(repeat));
            assertThat(inBatch.field()).isEqualTo(fields.get(i)).isEqualTo(alone.field());
        }
        assertThat(result.recorded()).isEqualTo(1);
        assertThat(db.usesOf(modelId)).isEqualTo(1);
    }

    @Test
    void asyncRecorder_retryingAGroupWhoseCommitWasLost_writesEachUseOnce() throws Exception {
        String modelId = newModel("creator-1", "0.01", "0");
        AtomicInteger commits = new AtomicInteger();
        java.util.concurrent.atomic.AtomicBoolean armed = new java.util.concurrent.atomic.AtomicBoolean();
        javax.sql.DataSource flaky = LostCommits.wrap(db.dataSource, () -> armed.get() && commits.incrementAndGet() == 1);
        try (Earnings lossy = db.builder(flaky).clock(clock).migrateOnStart(false).maxAttempts(3).build();
                AsyncRecorder recorder = lossy.asyncRecorder(AsyncRecorder.Options.builder().maxBatch(100)
                        .flushInterval(Duration.ofMillis(100)).writers(1).build())) {
            armed.set(true);
            List<CompletableFuture<RecordedUse>> futures = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                futures.add(recorder.logModelUsage("user-" + i, modelId, 0, "chat", null));
            }
            for (CompletableFuture<RecordedUse> f : futures) {
                RecordedUse use = f.get(30, TimeUnit.SECONDS);
                assertThat(use.useOrdinal()).isPresent();
                // The lost commit was this group's own: its uses are reported as written, not replayed.
                assertThat(use.replayed()).isFalse();
            }
            assertThat(commits.get()).as("a first commit that was reported lost, then the retry").isGreaterThanOrEqualTo(2);
            assertThat(lossy.retries()).as("the retry happened in the transaction runner").isPositive();
        }
        long rows = db.usesOf(modelId);
        assertThat(rows).isEqualTo(20);
        assertThat(earnings.verifyIntegrity().isClean()).isTrue();
    }

    @Test
    void asyncRecorder_callbacksThatSubmitOrClose_andListenersThatThrow_neverHang() throws Exception {
        String modelId = newModel("creator-1", "0.01", "0");
        AsyncRecorder.Options tiny = AsyncRecorder.Options.builder().capacity(1).blockWhenFull(true).maxBatch(1)
                .flushInterval(Duration.ZERO).writers(1).build();
        AsyncRecorder recorder = earnings.asyncRecorder(tiny);
        List<CompletableFuture<RecordedUse>> chained = new CopyOnWriteArrayList<>();
        recorder.logModelUsage("user-1", modelId, 0, "chat", null).thenRun(() -> {
            chained.add(recorder.logModelUsage("user-2", modelId, 0, "chat", null));
            chained.add(recorder.logModelUsage("user-3", modelId, 0, "chat", null));
        }).get(30, TimeUnit.SECONDS);
        CompletableFuture<Void> closing = CompletableFuture.runAsync(recorder::close);
        closing.get(30, TimeUnit.SECONDS);
        assertThat(chained).hasSize(2).allMatch(CompletableFuture::isDone);

        AsyncRecorder.Options throwing = AsyncRecorder.Options.builder().failureListener(failure -> {
            throw new AssertionError("a listener that throws");
        }).build();
        AsyncRecorder second = earnings.asyncRecorder(throwing);
        renameTable("model_analytics", "model_analytics_off");
        try {
            CompletableFuture<RecordedUse> doomed = second.logModelUsage("user-4", modelId, 0, "chat", null);
            assertThat(doomed).failsWithin(Duration.ofSeconds(30)).withThrowableOfType(ExecutionException.class)
                    .withCauseInstanceOf(StorageException.class);
            StorageException cause = (StorageException) doomed.handle((r, e) -> e).get();
            assertThat(cause.eventId()).isPresent();
        } finally {
            renameTable("model_analytics_off", "model_analytics");
        }
        assertThat(second.logModelUsage("user-5", modelId, 0, "chat", null).get(30, TimeUnit.SECONDS).useOrdinal()).isPresent();
        CompletableFuture.runAsync(second::close).get(30, TimeUnit.SECONDS);
    }

    @Test
    void batch_thatFailsInTheDatabase_writesNothing() {
        String modelId = newModel("creator-1", "0.01", "0");
        List<UsageRequest> batch = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            batch.add(UsageRequest.builder("user-" + i, modelId).usageType("chat").eventId("f-" + i + modelId).build());
        }
        Map<String, Long> before = rowCounts();
        renameTable("model_analytics", "model_analytics_off");
        try {
            assertThatThrownBy(() -> earnings.logModelUsageBatch(batch)).isInstanceOf(StorageException.class)
                    .satisfies(e -> assertThat(((StorageException) e).isTransient()).isFalse())
                    .satisfies(e -> assertThat(((StorageException) e).eventIds()).hasSize(20).doesNotContainNull());
        } finally {
            renameTable("model_analytics_off", "model_analytics");
        }
        assertThat(rowCounts()).isEqualTo(before);
        // The eventIds are still free: the same batch now records every use.
        assertThat(earnings.logModelUsageBatch(batch).recorded()).isEqualTo(20);
        assertThat(earnings.verifyIntegrity().isClean()).isTrue();
    }

    @Test
    void asyncRecorder_failedFlush_failsExactlyItsFuturesAndTellsTheListener() throws Exception {
        String modelId = newModel("creator-1", "0.01", "0");
        List<AsyncRecorder.FlushFailure> failures = new CopyOnWriteArrayList<>();
        AsyncRecorder.Options options = AsyncRecorder.Options.builder().maxBatch(100).flushInterval(Duration.ofMillis(200))
                .failureListener(failures::add).build();
        Map<String, Long> before = rowCounts();
        try (AsyncRecorder recorder = earnings.asyncRecorder(options)) {
            renameTable("model_analytics", "model_analytics_off");
            List<CompletableFuture<RecordedUse>> doomed = new ArrayList<>();
            try {
                for (int i = 0; i < 10; i++) {
                    doomed.add(recorder.logModelUsage("user-" + i, modelId, 0, "chat", null));
                }
                for (CompletableFuture<RecordedUse> f : doomed) {
                    assertThatThrownBy(() -> f.get(30, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                            .hasCauseInstanceOf(StorageException.class);
                }
            } finally {
                renameTable("model_analytics_off", "model_analytics");
            }
            assertThat(failures).isNotEmpty();
            assertThat(failures.stream().mapToInt(AsyncRecorder.FlushFailure::uses).sum()).isEqualTo(10);
            assertThat(rowCounts()).isEqualTo(before);
            // The recorder keeps working once the database does.
            assertThat(recorder.logModelUsage("user-x", modelId, 0, "chat", null).get(30, TimeUnit.SECONDS)
                    .useOrdinal()).isEqualTo(OptionalLong.of(1));
        }
    }

    @Test
    void asyncRecorder_close_writesEverythingItAccepted() {
        String modelId = newModel("creator-1", "0.01", "0");
        List<CompletableFuture<RecordedUse>> futures = new ArrayList<>();
        AsyncRecorder recorder = earnings.asyncRecorder(AsyncRecorder.Options.builder().maxBatch(50)
                .flushInterval(Duration.ofMillis(50)).build());
        for (int i = 0; i < 3_000; i++) {
            futures.add(recorder.logModelUsage("user-" + (i % 10), modelId, i, "chat", null));
        }
        recorder.close();
        assertThat(futures).allMatch(f -> f.isDone() && !f.isCompletedExceptionally());
        // Uses of one model are written in the order they were submitted.
        assertThat(futures.stream().map(f -> f.join().useOrdinal().getAsLong()).collect(Collectors.toList()))
                .isSorted().hasSize(3_000).startsWith(1L).endsWith(3_000L);
        long rows = db.usesOf(modelId);
        assertThat(rows).isEqualTo(3_000);
        assertThat(recorder.logModelUsage("user-1", modelId, 0, "chat", null))
                .failsWithin(Duration.ofSeconds(5)).withThrowableOfType(ExecutionException.class)
                .withCauseInstanceOf(RejectedUseException.class);
    }

    @Test
    void asyncRecorder_keepsEachThreadsOrderPerModel_acrossWritersAndSmallGroups() throws Exception {
        int threads = 4;
        int perThread = 240;
        // Two models for each of three writers (the recorder gives a model to the writer its id's
        // hash names), and groups of seven: the uses of one thread for one model travel in many
        // groups, beside other models' groups on the same writer and on the other writers.
        List<String> models = new ArrayList<>();
        int[] perWriter = new int[3];
        while (models.size() < 6) {
            String modelId = newModel("creator-order-" + (models.size() % 2), "0.01", "0");
            if (perWriter[Math.floorMod(modelId.hashCode(), 3)]++ < 2) {
                models.add(modelId);
            }
        }
        AsyncRecorder.Options options = AsyncRecorder.Options.builder().writers(3).maxBatch(7)
                .flushInterval(Duration.ofMillis(1)).build();
        List<List<CompletableFuture<RecordedUse>>> submitted = new ArrayList<>();
        try (AsyncRecorder recorder = earnings.asyncRecorder(options)) {
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                List<Future<List<CompletableFuture<RecordedUse>>>> work = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    int thread = t;
                    work.add(pool.submit(() -> {
                        List<CompletableFuture<RecordedUse>> mine = new ArrayList<>();
                        for (int i = 0; i < perThread; i++) {
                            mine.add(recorder.logModelUsage("user-" + thread, models.get((i * 5 + thread) % models.size()),
                                    i, "chat", null));
                        }
                        return mine;
                    }));
                }
                for (Future<List<CompletableFuture<RecordedUse>>> w : work) {
                    submitted.add(w.get(5, TimeUnit.MINUTES));
                }
            } finally {
                pool.shutdownNow();
            }
        }
        for (int t = 0; t < threads; t++) {
            for (String modelId : models) {
                List<Long> ordinals = submitted.get(t).stream().map(CompletableFuture::join)
                        .filter(use -> use.modelId().equals(modelId)).map(use -> use.useOrdinal().getAsLong())
                        .collect(Collectors.toList());
                assertThat(ordinals).as("ordinals of thread %d's uses of %s, in submission order", t, modelId)
                        .isNotEmpty().isSorted().doesNotHaveDuplicates();
            }
        }
        for (String modelId : models) {
            List<Long> stored = db.jdbi.withHandle(h -> h.createQuery("SELECT use_ordinal FROM "
                    + db.table("model_usage_logs") + " WHERE model_id = ? ORDER BY use_ordinal").bind(0, modelId)
                    .mapTo(Long.class).list());
            assertThat(stored).as("ordinals of %s", modelId).hasSize(threads * perThread / models.size())
                    .isEqualTo(java.util.stream.LongStream.rangeClosed(1, stored.size()).boxed().collect(Collectors.toList()));
        }
    }

    @Test
    void asyncRecorder_fullQueueUnderTheRejectPolicy_failsTheFutureWithoutThrowing() throws Exception {
        String modelId = newModel("creator-1", "0.01", "0");
        AsyncRecorder.Options options = AsyncRecorder.Options.builder().capacity(2).blockWhenFull(false).maxBatch(1)
                .flushInterval(Duration.ZERO).build();
        List<CompletableFuture<RecordedUse>> futures = new ArrayList<>();
        try (AsyncRecorder recorder = earnings.asyncRecorder(options); Handle holder = db.jdbi.open()) {
            // Stall the writer on the model's lock, so the queue fills.
            holder.begin();
            holder.execute("UPDATE " + db.table("model_creator_earnings") + " SET total_uses = total_uses WHERE model_id = ?",
                    modelId);
            futures.add(recorder.logModelUsage("user-0", modelId, 0, "chat", null));
            Thread.sleep(300);
            for (int i = 1; i < 8; i++) {
                futures.add(recorder.logModelUsage("user-" + i, modelId, 0, "chat", null));
            }
            long rejected = futures.stream().filter(CompletableFuture::isCompletedExceptionally).count();
            assertThat(rejected).isGreaterThanOrEqualTo(5);
            holder.commit();
        }
        List<Throwable> causes = new ArrayList<>();
        long recorded = 0;
        for (CompletableFuture<RecordedUse> f : futures) {
            try {
                f.get(30, TimeUnit.SECONDS);
                recorded++;
            } catch (ExecutionException e) {
                causes.add(e.getCause());
            }
        }
        assertThat(causes).isNotEmpty().allMatch(c -> c instanceof RejectedUseException);
        assertThat(recorded + causes.size()).isEqualTo(8);
        long rows = db.usesOf(modelId);
        assertThat(rows).isEqualTo(recorded);
    }

    @Test
    void batch_ofTenThousandUses_isAccepted_andOfOneMore_isRejectedNamingRequestsAndWritingNothing() {
        String modelId = newModel("creator-limit", "0.01", "0.000013");
        List<UsageRequest> uses = new ArrayList<>();
        for (int i = 0; i < 10_001; i++) {
            uses.add(UsageRequest.builder("user-" + (i % 97), modelId).tokensConsumed((i * 7919L) % 3001)
                    .usageType(TYPES[i % 3]).eventId(modelId + "-" + i).build());
        }
        Map<String, Long> before = rowCounts();
        InvalidInputException refused = catchThrowableOfType(InvalidInputException.class,
                () -> earnings.logModelUsageBatch(uses));
        assertThat(refused).as("a batch of 10,001 uses is refused").isNotNull();
        assertThat(refused.field()).isEqualTo("requests");
        assertThat(refused.getMessage()).contains("10001").contains("up to 10000").contains("allowed");
        assertThat(rowCounts()).isEqualTo(before);

        BatchResult result = earnings.logModelUsageBatch(uses.subList(0, 10_000));
        assertThat(result.recorded()).isEqualTo(10_000);
        assertThat(result.rejected()).isZero();
        assertThat(db.usesOf(modelId)).isEqualTo(10_000);
        // The use left out is still free to record: the 10,001st, the first of the fifth tier.
        RecordedUse last = earnings.logModelUsage(uses.get(10_000));
        assertThat(last.replayed()).isFalse();
        assertThat(last.useOrdinal()).isEqualTo(OptionalLong.of(10_001));
        UsageRecordingSuite.assertConcurrentRunIsExact(db, earnings, modelId, "0.01", "0.000013", 10_001, 0);
    }

    /** A recorder of one writer and a queue of two, on an instance whose next commit the gate holds. */
    static AsyncRecorder.Options heldQueueOfTwo(boolean blockWhenFull) {
        return AsyncRecorder.Options.builder().capacity(2).writers(1).maxBatch(1).flushInterval(Duration.ZERO)
                .blockWhenFull(blockWhenFull).build();
    }

    /** Whether a thread is parked (with or without a timeout) inside the recorder's submit. */
    static boolean waitsInSubmit(Thread thread) {
        Thread.State state = thread.getState();
        return (state == Thread.State.WAITING || state == Thread.State.TIMED_WAITING)
                && java.util.Arrays.stream(thread.getStackTrace()).anyMatch(f -> f.getClassName().equals(
                        AsyncRecorder.class.getName()) && f.getMethodName().equals("submit"));
    }

    static UsageRequest chat(String userId, String modelId) {
        return UsageRequest.builder(userId, modelId).usageType("chat").eventId(userId + "@" + modelId).build();
    }

    @Test
    void asyncRecorder_fullQueueThatWaits_blocksTheSubmitterWhileTheWriterIsHeld_andWritesEveryUseOnce() throws Exception {
        String modelId = newModel("creator-1", "0.01", "0");
        CommitGate gate = new CommitGate();
        List<CompletableFuture<RecordedUse>> futures = new CopyOnWriteArrayList<>();
        try (Earnings gated = gated(gate).build();
                AsyncRecorder recorder = gated.asyncRecorder(heldQueueOfTwo(true))) {
            gate.arm();
            futures.add(recorder.submit(chat("user-0", modelId)));
            gate.awaitHeld();
            // The writer holds use 0 at its commit; two more fill the queue.
            futures.add(recorder.submit(chat("user-1", modelId)));
            futures.add(recorder.submit(chat("user-2", modelId)));
            assertThat(recorder.queued()).isEqualTo(2);

            CompletableFuture<Void> submitted = new CompletableFuture<>();
            Thread submitter = new Thread(() -> {
                futures.add(recorder.submit(chat("user-3", modelId)));
                submitted.complete(null);
            }, "submitter");
            submitter.start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!waitsInSubmit(submitter)) {
                assertThat(submitted).as("submit returned although the queue was full").isNotDone();
                assertThat(System.nanoTime()).as("the submitter never waited").isLessThan(deadline);
                Thread.sleep(5);
            }
            Thread.sleep(300);
            // Still waiting, inside submit, while the writer is held: nothing is written yet.
            assertThat(submitted).isNotDone();
            assertThat(waitsInSubmit(submitter)).as("the submitter waits inside submit").isTrue();
            assertThat(futures).hasSize(3).noneMatch(CompletableFuture::isDone);
            assertThat(db.usesOf(modelId)).isZero();

            gate.open();
            submitted.get(30, TimeUnit.SECONDS);
            submitter.join(TimeUnit.SECONDS.toMillis(30));
            assertThat(futures).hasSize(4);
            List<Long> ordinals = new ArrayList<>();
            for (CompletableFuture<RecordedUse> f : futures) {
                RecordedUse use = f.get(30, TimeUnit.SECONDS);
                assertThat(use.replayed()).isFalse();
                ordinals.add(use.useOrdinal().getAsLong());
            }
            assertThat(ordinals).containsExactly(1L, 2L, 3L, 4L);
            assertThat(gated.retries()).isZero();
        }
        List<String> written = db.jdbi.withHandle(h -> h.createQuery("SELECT event_id FROM " + db.table("model_usage_logs")
                + " WHERE model_id = ? ORDER BY use_ordinal").bind(0, modelId).mapTo(String.class).list());
        assertThat(written).containsExactly("user-0@" + modelId, "user-1@" + modelId, "user-2@" + modelId,
                "user-3@" + modelId);
        assertThat(earnings.verifyIntegrity().isClean()).isTrue();
    }

    @Test
    void asyncRecorder_fullQueueThatRejects_failsTheNextFutureAtOnce_andWritesTheOthersOnce() throws Exception {
        String modelId = newModel("creator-1", "0.01", "0");
        CommitGate gate = new CommitGate();
        List<CompletableFuture<RecordedUse>> accepted = new ArrayList<>();
        try (Earnings gated = gated(gate).build();
                AsyncRecorder recorder = gated.asyncRecorder(heldQueueOfTwo(false))) {
            gate.arm();
            accepted.add(recorder.submit(chat("user-0", modelId)));
            gate.awaitHeld();
            accepted.add(recorder.submit(chat("user-1", modelId)));
            accepted.add(recorder.submit(chat("user-2", modelId)));
            // The submit returns at once (bounded here, so a submit that waits fails the test)...
            CompletableFuture<RecordedUse> rejected = CompletableFuture
                    .supplyAsync(() -> recorder.submit(chat("user-3", modelId)))
                    .get(5, TimeUnit.SECONDS);
            // ...with its future failed, while the writer is still held.
            assertThat(rejected).isCompletedExceptionally();
            assertThat(rejected).failsWithin(Duration.ZERO).withThrowableOfType(ExecutionException.class)
                    .withCauseInstanceOf(RejectedUseException.class);
            assertThat(accepted).noneMatch(CompletableFuture::isDone);
            gate.open();
            List<Long> ordinals = new ArrayList<>();
            for (CompletableFuture<RecordedUse> f : accepted) {
                ordinals.add(f.get(30, TimeUnit.SECONDS).useOrdinal().getAsLong());
            }
            assertThat(ordinals).containsExactly(1L, 2L, 3L);
            // The rejected use was not written: submitted again, it is the fourth.
            assertThat(recorder.submit(chat("user-3", modelId)).get(30, TimeUnit.SECONDS).useOrdinal())
                    .isEqualTo(OptionalLong.of(4));
        }
        assertThat(db.usesOf(modelId)).isEqualTo(4);
        assertThat(earnings.verifyIntegrity().isClean()).isTrue();
    }

    @Test
    void asyncRecorderClose_whileASubmitterWaitsForRoom_returnsWithinItsCloseTimeout() throws Exception {
        String modelId = newModel("creator-1", "0.01", "0");
        CommitGate gate = new CommitGate();
        List<CompletableFuture<RecordedUse>> futures = new CopyOnWriteArrayList<>();
        try (Earnings gated = gated(gate).build()) {
            AsyncRecorder recorder = gated.asyncRecorder(heldQueueOfTwo(true).toBuilder()
                    .closeTimeout(Duration.ofMillis(200)).build());
            Thread submitter;
            try {
                gate.arm();
                futures.add(recorder.submit(chat("user-0", modelId)));
                gate.awaitHeld();
                futures.add(recorder.submit(chat("user-1", modelId)));
                futures.add(recorder.submit(chat("user-2", modelId)));
                submitter = new Thread(() -> futures.add(recorder.submit(chat("user-3", modelId))), "submitter");
                submitter.start();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (!waitsInSubmit(submitter)) {
                    assertThat(System.nanoTime()).as("the submitter never waited for room").isLessThan(deadline);
                    Thread.sleep(5);
                }
                // The writer stays held: close() must still return within its timeout (with a margin).
                Thread closer = new Thread(recorder::close, "closer");
                closer.start();
                closer.join(3_000);
                if (closer.isAlive()) {
                    throw new AssertionError("close() with a close timeout of 200 ms was still waiting after 3 s, while a"
                            + " submitter waited for room in the queue and the writer's transaction was held; close() was at "
                            + java.util.Arrays.stream(closer.getStackTrace()).limit(8).map(String::valueOf)
                                    .collect(Collectors.joining(" < ")));
                }
            } finally {
                gate.open();
            }
            submitter.join(TimeUnit.SECONDS.toMillis(30));
            assertThat(submitter.isAlive()).as("the submitter is still blocked").isFalse();
            // The use in its transaction is written when the transaction ends; the others were not
            // accepted for writing in time and fail, unwritten.
            assertThat(futures.get(0).get(30, TimeUnit.SECONDS).useOrdinal()).isEqualTo(OptionalLong.of(1));
            assertThat(futures).hasSize(4);
            for (CompletableFuture<RecordedUse> f : futures.subList(1, 4)) {
                assertThat(f).failsWithin(Duration.ofSeconds(30)).withThrowableOfType(ExecutionException.class)
                        .withCauseInstanceOf(RejectedUseException.class);
            }
        }
        assertThat(db.usesOf(modelId)).isEqualTo(1);
    }

    @Test
    void asyncRecorder_badInput_failsTheFutureInsteadOfThrowing() {
        try (AsyncRecorder recorder = earnings.asyncRecorder(AsyncRecorder.Options.defaults())) {
            assertThat(recorder.logModelUsage(" ", "m", 0, "chat", null)).isCompletedExceptionally();
            assertThat(recorder.logModelUsage("u", "no-such-model", 0, "chat", null))
                    .failsWithin(Duration.ofSeconds(30)).withThrowableOfType(ExecutionException.class)
                    .withCauseInstanceOf(UnknownModelException.class);
            assertThat(recorder.submit(null)).isCompletedExceptionally();
        }
    }
}
