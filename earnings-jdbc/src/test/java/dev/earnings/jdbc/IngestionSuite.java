package dev.earnings.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.earnings.core.InvalidInputException;
import dev.earnings.core.ModelPricing;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
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
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            List<Future<?>> workers = new ArrayList<>();
            for (int t = 0; t < 16; t++) {
                workers.add(pool.submit(() -> {
                    for (int from = next.getAndAdd(50); from < total; from = next.getAndAdd(50)) {
                        List<UsageRequest> batch = new ArrayList<>();
                        for (int i = from; i < Math.min(total, from + 50); i++) {
                            batch.add(use(modelId, "creator-batch", i));
                        }
                        BatchResult result = earnings.logModelUsageBatch(batch);
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
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> workers = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int thread = t;
                workers.add(pool.submit(() -> {
                    java.util.Random random = new java.util.Random(thread);
                    for (int b = 0; b < batchesPerThread; b++) {
                        List<String> shuffled = new ArrayList<>(models);
                        Collections.shuffle(shuffled, random);
                        List<UsageRequest> batch = new ArrayList<>();
                        for (String model : shuffled.subList(0, 600)) {
                            batch.add(UsageRequest.builder("user-" + random.nextInt(50), model).tokensConsumed(7)
                                    .usageType("chat").build());
                        }
                        assertThat(earnings.logModelUsageBatch(batch).recorded()).isEqualTo(600);
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
        String in = models.stream().map(m -> "'" + m + "'").collect(Collectors.joining(", "));
        List<Map<String, Object>> perModel = db.jdbi.withHandle(h -> h.createQuery("SELECT model_id, COUNT(*) AS n,"
                + " MIN(use_ordinal) AS lo, MAX(use_ordinal) AS hi, COUNT(DISTINCT use_ordinal) AS distinct_ordinals FROM "
                + db.table("model_usage_logs") + " WHERE model_id IN (" + in + ") GROUP BY model_id").mapToMap().list());
        assertThat(perModel.stream().mapToLong(r -> ((Number) r.get("n")).longValue()).sum())
                .isEqualTo(8L * batchesPerThread * 600);
        for (Map<String, Object> row : perModel) {
            long n = ((Number) row.get("n")).longValue();
            assertThat(((Number) row.get("lo")).longValue()).isEqualTo(1);
            assertThat(((Number) row.get("hi")).longValue()).isEqualTo(n);
            assertThat(((Number) row.get("distinct_ordinals")).longValue()).isEqualTo(n);
        }
        assertThat(earnings.verifyIntegrity().isClean()).isTrue();
    }

    @Test
    void asyncRecorder_fromSixteenThreads_isExactAndCompletesEveryFuture() throws Exception {
        String modelId = newModel("creator-async", "0.01", "0.000013");
        int total = COUNTED + SELF_USES;
        List<CompletableFuture<RecordedUse>> futures = new CopyOnWriteArrayList<>();
        AtomicInteger next = new AtomicInteger();
        try (AsyncRecorder recorder = earnings.asyncRecorder(AsyncRecorder.Options.defaults())) {
            ExecutorService pool = Executors.newFixedThreadPool(16);
            try {
                List<Future<?>> submitters = new ArrayList<>();
                for (int t = 0; t < 16; t++) {
                    submitters.add(pool.submit(() -> {
                        for (int i = next.getAndIncrement(); i < total; i = next.getAndIncrement()) {
                            futures.add(recorder.submit(use(modelId, "creator-async", i)));
                        }
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

    @Test
    void batch_writesTheSameRowsAsOneUseAtATime_whateverTheTextHolds() {
        // The batch path sends values as arrays of strings: quotes, commas, braces, backslashes,
        // the word NULL and characters outside the BMP must arrive as sent, amounts unrounded.
        String creator = "creator \"q\", {b} \\ NULL";
        String single = newModel(creator, "0.012345678901", "0.000000000007");
        String batched = newModel(creator, "0.012345678901", "0.000000000007");
        String[] users = {"user \"one\", {two}", "NULL", "\\back\\slash", creator, "ünï 🎨 ∑", "  spaced  "};
        String metadata = "{\"prompt\":\"say \\\"hi\\\", {now} \\\\ NULL\",\"emoji\":\"🎨\","
                + "\"n\":12345678901234567890,\"nested\":{\"a\":[1,\"}\",null]}}";
        List<UsageRequest> one = new ArrayList<>();
        List<UsageRequest> many = new ArrayList<>();
        for (int i = 0; i < 24; i++) {
            Instant at = START.minus(Duration.ofDays(i % 3)).minusNanos(123_456_000L * i);
            for (String model : List.of(single, batched)) {
                UsageRequest.Builder use = UsageRequest.builder(users[i % users.length], model)
                        .tokensConsumed(i * 43_478_260L).usageType(TYPES[i % 3]).eventId("ev,\"" + i + "\"{" + model + "}\\");
                if (i % 2 == 0) {
                    use.occurredAt(at).metadataJson(metadata);
                }
                (model.equals(single) ? one : many).add(use.build());
            }
        }
        one.forEach(earnings::logModelUsage);
        BatchResult result = earnings.logModelUsageBatch(many);
        assertThat(result.recorded()).isEqualTo(many.size());

        String columns = "user_id, creator_id, tokens_consumed, usage_type, requested_usage_type, occurred_at,"
                + " occurred_at_given, usage_day, recorded_at, use_ordinal, prior_counted_uses, self_use, tier_index,"
                + " tier_threshold, tier_multiplier, type_multiplier, pricing_version, token_part, base_amount, earnings,"
                + " reason, metadata";
        List<Map<String, Object>> singleRows = rows("SELECT " + columns + " FROM {t}model_usage_logs WHERE model_id = ?"
                + " ORDER BY id", single);
        assertThat(singleRows).hasSize(24);
        assertThat(rows("SELECT " + columns + " FROM {t}model_usage_logs WHERE model_id = ? ORDER BY id", batched))
                .isEqualTo(singleRows);
        assertThat(rows("SELECT event_id FROM {t}model_usage_logs WHERE model_id = ? ORDER BY id", batched))
                .extracting(row -> row.get("event_id"))
                .isEqualTo(many.stream().map(r -> r.eventId().orElseThrow()).collect(Collectors.toList()));
        String days = "SELECT usage_day, creator_id, uses, counted_uses, earning_uses, tokens, earnings, unique_users"
                + " FROM {t}model_analytics WHERE model_id = ? ORDER BY usage_day";
        assertThat(rows(days, batched)).isEqualTo(rows(days, single)).hasSize(3);
        String aggregate = "SELECT creator_id, counted_uses, total_uses, total_tokens, lifetime_earnings, last_used_at"
                + " FROM {t}model_creator_earnings WHERE model_id = ?";
        assertThat(rows(aggregate, batched)).isEqualTo(rows(aggregate, single));
        // Each use reads back as sent: a replay compares the stored payload, metadata included.
        for (int i = 0; i < many.size(); i++) {
            RecordedUse replayed = earnings.logModelUsage(many.get(i));
            assertThat(replayed.replayed()).isTrue();
            assertThat(replayed.result()).isEqualTo(result.items().get(i).use().orElseThrow().result());
        }
        assertThat(earnings.verifyIntegrity().isClean()).isTrue();
    }

    private List<Map<String, Object>> rows(String sql, String modelId) {
        return db.jdbi.withHandle(h -> h.createQuery(sql.replace("{t}", db.table(""))).bind(0, modelId)
                .mapToMap().list());
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
