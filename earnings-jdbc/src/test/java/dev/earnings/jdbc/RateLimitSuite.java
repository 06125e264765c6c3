package dev.earnings.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.earnings.core.InvalidInputException;
import dev.earnings.core.ModelPricing;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Rate limits on recording, run against each database and way of keeping buckets by a subclass:
 * limits hold exactly under many threads, a refusal says when to retry and writes nothing, tokens
 * come back with time, and every way of recording is limited alike.
 *
 * <p>The test clock stands still unless a test moves it, so a bucket refills only when the test
 * says so and every count is exact. Each test limits users and models of its own.
 */
abstract class RateLimitSuite extends DatabaseSuite {
    static final Instant START = Instant.parse("2026-03-10T12:00:00Z");

    /** Where the buckets of the instances under test live. */
    abstract RateLimits.Storage storage();

    @Override
    Instant start() {
        return START;
    }

    @BeforeEach
    void resetClock() {
        clock.set(START);
    }

    /** An instance on this database and clock with the given limits, kept in {@link #storage()}. */
    Earnings limited(RateLimits.Builder limits) {
        return db.builder().clock(clock).migrateOnStart(false).rateLimits(limits.storage(storage()).build()).build();
    }

    static String newUser() {
        return "user-" + UUID.randomUUID();
    }

    String newModel() {
        return newModel("creator-" + UUID.randomUUID(), ModelPricing.of("0.01", "0.0001"));
    }

    long rowsOfUser(String userId) {
        return db.jdbi.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM " + db.table("model_usage_logs")
                + " WHERE user_id = ?").bind(0, userId).mapTo(Long.class).one());
    }

    static UsageRequest use(String userId, String modelId) {
        return UsageRequest.builder(userId, modelId).tokensConsumed(10).usageType("chat").build();
    }

    /** Asserts that the next use of {@code userId} and {@code modelId} is over a limit. */
    static RateLimitedException refusedNext(Earnings limited, String userId, String modelId) {
        RateLimitedException refused = catchThrowableOfType(RateLimitedException.class,
                () -> limited.logModelUsage(use(userId, modelId)));
        assertThat(refused).as("a use over the limit").isNotNull();
        return refused;
    }

    void renameTable(String from, String to) {
        db.jdbi.useHandle(h -> h.execute("ALTER TABLE " + db.table(from) + " RENAME TO " + to));
    }

    static UsageRequest use(String userId, String modelId, String eventId) {
        return UsageRequest.builder(userId, modelId).tokensConsumed(10).usageType("chat").eventId(eventId).build();
    }

    /** What sixteen threads' calls came to. */
    record Run(int recorded, List<RateLimitedException> refused, int maxInFlight) {
    }

    /** Sixteen threads make {@code calls} calls each, all at once, through {@code call}. */
    static Run sixteenThreads(int calls, ThreadCall call) throws Exception {
        AtomicInteger recorded = new AtomicInteger();
        List<RateLimitedException> refused = new CopyOnWriteArrayList<>();
        InFlight race = new InFlight();
        CyclicBarrier start = new CyclicBarrier(16);
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            List<Future<?>> workers = new ArrayList<>();
            for (int t = 0; t < 16; t++) {
                int thread = t;
                workers.add(pool.submit(() -> {
                    start.await(30, TimeUnit.SECONDS);
                    for (int i = 0; i < calls; i++) {
                        int n = i;
                        try {
                            race.run("record", () -> call.record(thread, n));
                            recorded.incrementAndGet();
                        } catch (RateLimitedException e) {
                            refused.add(e);
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> w : workers) {
                w.get(5, TimeUnit.MINUTES);
            }
        } finally {
            pool.shutdownNow();
        }
        return new Run(recorded.get(), refused, race.maxInFlight());
    }

    /** One call of a thread. */
    interface ThreadCall {
        void record(int thread, int call) throws Exception;
    }

    // ------------------------------------------------------------------ exactness under threads

    @Test
    void perUserLimit_sixteenThreadsOfOneUser_recordExactlyTheCapacity() throws Exception {
        String user = newUser();
        String bystander = newUser();
        List<String> models = List.of(newModel(), newModel(), newModel());
        try (Earnings limited = limited(RateLimits.builder().perUser(50, Duration.ofHours(1)))) {
            // 320 calls of one user over three models: the attack of one user calling as fast as it can.
            Run run = sixteenThreads(20, (t, i) -> limited.logModelUsage(use(user, models.get((t + i) % 3))));

            assertThat(run.maxInFlight()).as("calls in flight at once").isGreaterThan(1);
            assertThat(run.recorded()).isEqualTo(50);
            assertThat(run.refused()).hasSize(270).allSatisfy(e -> {
                assertThat(e.limit()).isEqualTo(RateLimits.Per.USER);
                // 50 per hour refill one use every 72 seconds, and the clock stands still.
                assertThat(e.retryAfter()).isEqualTo(Duration.ofSeconds(72));
                assertThat(e.getMessage()).doesNotContain(user).contains("retry after 72000 ms");
            });
            assertThat(rowsOfUser(user)).isEqualTo(50);
            // Another user has a bucket of their own.
            assertThat(limited.logModelUsage(use(bystander, models.get(0))).replayed()).isFalse();
        }
        assertThat(earnings.verifyIntegrity().isClean()).isTrue();
    }

    @Test
    void theAttack_twoThousandCallsOfOneUserIn3_7Seconds_recordTheBurstAndTheRefillOnly_andLeaveTheTier() throws Exception {
        // 2,000 tracking calls of one user within 3.7 seconds once moved a model out of its first
        // tier. With 60 per minute, the user has a burst of 60 and one more use each second.
        String user = newUser();
        String model = newModel();
        Duration step = Duration.ofMillis(3700).dividedBy(2000);
        try (Earnings limited = limited(RateLimits.builder().perUser(60, Duration.ofMinutes(1)))) {
            List<RecordedUse> written = new CopyOnWriteArrayList<>();
            Run run = sixteenThreads(125, (t, i) -> {
                clock.advance(step);
                written.add(limited.logModelUsage(use(user, model)));
            });
            assertThat(run.recorded()).isEqualTo(63);
            assertThat(run.refused()).hasSize(2000 - 63);
            assertThat(db.usesOf(model)).isEqualTo(63);
            assertThat(written).allSatisfy(u -> assertThat(u.result().tier().index()).isEqualTo(1));
        }
    }

    @Test
    void perModelLimit_sixteenThreadsOfManyUsers_recordExactlyTheCapacity_withOrdinalsWithoutGaps() throws Exception {
        String model = newModel();
        String other = newModel();
        try (Earnings limited = limited(RateLimits.builder().perModel(40, Duration.ofDays(1)))) {
            Run run = sixteenThreads(10, (t, i) -> limited.logModelUsage(use("user-" + t + "-" + i, model)));

            assertThat(run.maxInFlight()).as("calls in flight at once").isGreaterThan(1);
            assertThat(run.recorded()).isEqualTo(40);
            assertThat(run.refused()).hasSize(120).allSatisfy(e -> {
                assertThat(e.limit()).isEqualTo(RateLimits.Per.MODEL);
                assertThat(e.modelId()).isEqualTo(model);
                assertThat(e.retryAfter()).isEqualTo(Duration.ofDays(1).dividedBy(40));
                assertThat(e.getMessage()).contains("model '" + model + "'");
            });
            assertThat(db.usesOf(model)).isEqualTo(40);
            List<Long> ordinals = db.jdbi.withHandle(h -> h.createQuery("SELECT use_ordinal FROM "
                    + db.table("model_usage_logs") + " WHERE model_id = ? ORDER BY use_ordinal").bind(0, model)
                    .mapTo(Long.class).list());
            assertThat(ordinals).isEqualTo(java.util.stream.LongStream.rangeClosed(1, 40).boxed().toList());
            // Another model has a bucket of its own.
            assertThat(limited.logModelUsage(use(newUser(), other)).useOrdinal()).isEqualTo(OptionalLong.of(1));
        }
    }

    @Test
    void bothLimits_fromSixteenThreads_neitherIsExceeded_andRefusedUsesSpendNoUserToken() throws Exception {
        // Eight users of one model: each may record 5, the model 30 in all, so the model limit
        // refuses some uses that their users' limits let through, and those give their tokens back.
        String model = newModel();
        String spare = newModel();
        List<String> users = new ArrayList<>();
        for (int u = 0; u < 8; u++) {
            users.add(newUser());
        }
        try (Earnings limited = limited(RateLimits.builder().perUser(5, Duration.ofHours(1))
                .perModel(30, Duration.ofHours(1)))) {
            Run run = sixteenThreads(8, (t, i) -> limited.logModelUsage(use(users.get(t % 8), model)));

            assertThat(run.recorded()).isEqualTo(30);
            assertThat(db.usesOf(model)).isEqualTo(30);
            Map<String, Long> perUser = new ConcurrentHashMap<>();
            for (String user : users) {
                perUser.put(user, rowsOfUser(user));
            }
            assertThat(perUser.values()).allSatisfy(n -> assertThat(n).isLessThanOrEqualTo(5));
            // What each user did not spend on the model is theirs to spend on another model.
            for (String user : users) {
                long left = 5 - perUser.get(user);
                for (int i = 0; i < left; i++) {
                    limited.logModelUsage(use(user, spare));
                }
                assertThat(refusedNext(limited, user, spare).limit()).isEqualTo(RateLimits.Per.USER);
            }
            assertThat(db.usesOf(spare)).isEqualTo(8 * 5 - 30);
        }
    }

    // ------------------------------------------------------------------ when to retry, and refill

    @Test
    void retryAfter_isWhenTheNextUsePasses_andTheBucketRefillsToItsCapacityOnly() {
        String user = newUser();
        String model = newModel();
        try (Earnings limited = limited(RateLimits.builder().perUser(3, Duration.ofMinutes(1)))) {
            for (int i = 0; i < 3; i++) {
                limited.logModelUsage(use(user, model));
            }
            // Three per minute: one use comes back every 20 seconds.
            assertThat(refusedNext(limited, user, model).retryAfter()).isEqualTo(Duration.ofSeconds(20));
            clock.advance(Duration.ofMillis(19_999));
            assertThat(refusedNext(limited, user, model).retryAfter()).isEqualTo(Duration.ofMillis(1));
            clock.advance(Duration.ofMillis(1));
            limited.logModelUsage(use(user, model));
            refusedNext(limited, user, model);

            // A long pause refills the bucket to its capacity, never beyond.
            clock.advance(Duration.ofHours(5));
            for (int i = 0; i < 3; i++) {
                limited.logModelUsage(use(user, model));
            }
            refusedNext(limited, user, model);
            assertThat(rowsOfUser(user)).isEqualTo(7);
        }
    }

    @Test
    void severalRates_allApply_theRefusalWaitsForTheSlowest() {
        String user = newUser();
        String model = newModel();
        // A burst of 2 per second within 4 per hour.
        try (Earnings limited = limited(RateLimits.builder().perUser(2, Duration.ofSeconds(1)).perUser(4, Duration.ofHours(1)))) {
            limited.logModelUsage(use(user, model));
            limited.logModelUsage(use(user, model));
            assertThat(refusedNext(limited, user, model).retryAfter()).isEqualTo(Duration.ofMillis(500));
            clock.advance(Duration.ofSeconds(1));
            limited.logModelUsage(use(user, model));
            limited.logModelUsage(use(user, model));
            // The hourly rate is spent: its next use is 15 minutes after the first, less the second gone by.
            RateLimitedException hourly = refusedNext(limited, user, model);
            assertThat(hourly.retryAfter()).isEqualTo(Duration.ofMinutes(15).minusSeconds(1));
            assertThat(hourly.getMessage()).contains("2 uses per PT1S and 4 uses per PT1H");
        }
    }

    // ------------------------------------------------------------------ honest outcomes

    @Test
    void refusedUse_writesNothing_isNotRetried_andNamesNeitherTheUserNorAnythingPrivate() {
        String user = "alice@example.com";
        String model = newModel();
        try (Earnings limited = limited(RateLimits.builder().perUser(1, Duration.ofHours(1)))) {
            limited.logModelUsage(use(user, model));
            Map<String, Long> before = rowCounts();
            long retries = limited.retries();

            RateLimitedException refused = catchThrowableOfType(RateLimitedException.class, () -> limited.logModelUsage(
                    UsageRequest.builder(user, model).usageType("chat").eventId("refused-" + model)
                            .metadata(Map.of("prompt", "a secret prompt")).build()));

            assertThat(refused.eventId()).isEqualTo("refused-" + model);
            assertThat(refused.modelId()).isEqualTo(model);
            assertThat(refused.getMessage()).doesNotContain(user).doesNotContain("secret")
                    .contains("user's rate limit", "1 use per PT1H", "eventId 'refused-" + model + "'", "not recorded");
            assertThat(rowCounts()).isEqualTo(before);
            assertThat(limited.retries()).isEqualTo(retries);
            // The refused eventId stays free: once the limit allows, the same request records it.
            clock.advance(Duration.ofHours(1));
            assertThat(limited.logModelUsage(UsageRequest.builder(user, model).usageType("chat")
                    .eventId("refused-" + model).metadata(Map.of("prompt", "a secret prompt")).build()).replayed()).isFalse();
        }
    }

    @Test
    void replay_spendsNoToken_andIsAnsweredEvenWhenTheLimitIsSpent() {
        String user = newUser();
        String model = newModel();
        try (Earnings limited = limited(RateLimits.builder().perUser(2, Duration.ofHours(1)))) {
            UsageRequest first = use(user, model, "first-" + model);
            RecordedUse original = limited.logModelUsage(first);
            for (int i = 0; i < 3; i++) {
                assertThat(limited.logModelUsage(first).replayed()).isTrue();
            }
            assertThat(limited.logModelUsageBatch(List.of(first, first)).recorded()).isZero();
            // Replays took nothing: one token is left.
            limited.logModelUsage(use(user, model));
            refusedNext(limited, user, model);
            // With the limit spent, a replay still gets its original answer, and a conflict its error.
            RecordedUse replay = limited.logModelUsage(first);
            assertThat(replay.replayed()).isTrue();
            assertThat(replay.useOrdinal()).isEqualTo(original.useOrdinal());
            assertThatThrownBy(() -> limited.logModelUsage(UsageRequest.builder(user, model).tokensConsumed(11)
                    .usageType("chat").eventId("first-" + model).build()))
                    .isInstanceOf(IdempotencyConflictException.class);
            assertThat(rowsOfUser(user)).isEqualTo(2);
        }
    }

    @Test
    void rejectedUses_spendNoToken() {
        String user = newUser();
        String model = newModel();
        try (Earnings limited = limited(RateLimits.builder().perUser(2, Duration.ofHours(1)))) {
            assertThatThrownBy(() -> limited.logModelUsage(use(user, "no-such-model-" + model)))
                    .isInstanceOf(UnknownModelException.class);
            assertThatThrownBy(() -> limited.logModelUsage(user, model, 1, "no_such_type", null))
                    .isInstanceOf(InvalidInputException.class);
            assertThatThrownBy(() -> limited.logModelUsage(UsageRequest.builder(user, model).usageType("chat")
                    .occurredAt(START.minus(Duration.ofDays(400))).build())).isInstanceOf(InvalidInputException.class);
            limited.logModelUsage(use(user, model));
            limited.logModelUsage(use(user, model));
            refusedNext(limited, user, model);
        }
    }

    @Test
    void writeThatFailsInTheDatabase_givesItsTokensBack() {
        String user = newUser();
        String model = newModel();
        try (Earnings limited = limited(RateLimits.builder().perUser(3, Duration.ofHours(1)))) {
            List<UsageRequest> batch = List.of(use(user, model), use(user, model), use(user, model));
            renameTable("model_analytics", "model_analytics_off");
            try {
                assertThatThrownBy(() -> limited.logModelUsageBatch(batch)).isInstanceOf(StorageException.class)
                        .satisfies(e -> assertThat(((StorageException) e).eventIds()).hasSize(3));
            } finally {
                renameTable("model_analytics_off", "model_analytics");
            }
            assertThat(limited.logModelUsageBatch(batch).recorded()).isEqualTo(3);
        }
    }

    /**
     * An instance with a local limit of {@code perHour} uses of a user an hour, one attempt per
     * call, whose commits are lost in transit (committed, then reported failed) while {@code lose}
     * is set. Local buckets, since the shared ones would lose their commits too.
     */
    Earnings losingCommits(java.util.concurrent.atomic.AtomicBoolean lose, int perHour) {
        return db.builder(LostCommits.wrap(db.dataSource, lose::get)).clock(clock).migrateOnStart(false).maxAttempts(1)
                .rateLimits(RateLimits.builder().perUser(perHour, Duration.ofHours(1)).storage(RateLimits.Storage.LOCAL).build())
                .build();
    }

    /**
     * Guards: a write whose commit was lost in transit fails transiently, and may have recorded its
     * uses; they keep their tokens, so the host's retry (a replay) and a new use cannot between
     * them pass a limit of one.
     */
    @Test
    void writeWhoseCommitWasLost_keepsItsToken() {
        String user = newUser();
        String model = newModel();
        java.util.concurrent.atomic.AtomicBoolean lose = new java.util.concurrent.atomic.AtomicBoolean(false);
        try (Earnings limited = losingCommits(lose, 1)) {
            UsageRequest first = UsageRequest.builder(user, model).tokensConsumed(10).usageType("chat")
                    .eventId("lost-" + user).build();
            lose.set(true);
            StorageException lost = catchThrowableOfType(StorageException.class, () -> limited.logModelUsage(first));
            assertThat(lost).isNotNull();
            assertThat(lost.isTransient()).isTrue();
            lose.set(false);
            assertThat(limited.logModelUsage(first).replayed()).as("the host's retry finds the use").isTrue();
            refusedNext(limited, user, model);
            assertThat(rowsOfUser(user)).isEqualTo(1);
        }
    }

    /** Guards: the same for a batch whose commit was lost: its uses keep their tokens. */
    @Test
    void batchWhoseCommitWasLost_keepsItsTokens() {
        String user = newUser();
        String model = newModel();
        java.util.concurrent.atomic.AtomicBoolean lose = new java.util.concurrent.atomic.AtomicBoolean(false);
        try (Earnings limited = losingCommits(lose, 2)) {
            List<UsageRequest> batch = List.of(
                    UsageRequest.builder(user, model).tokensConsumed(10).usageType("chat").eventId("lost-1-" + user).build(),
                    UsageRequest.builder(user, model).tokensConsumed(10).usageType("chat").eventId("lost-2-" + user).build());
            lose.set(true);
            StorageException lost = catchThrowableOfType(StorageException.class, () -> limited.logModelUsageBatch(batch));
            assertThat(lost).isNotNull();
            assertThat(lost.isTransient()).isTrue();
            lose.set(false);
            BatchResult retried = limited.logModelUsageBatch(batch);
            assertThat(retried.items()).allSatisfy(item -> assertThat(item.use()).get()
                    .satisfies(use -> assertThat(use.replayed()).isTrue()));
            refusedNext(limited, user, model);
            assertThat(rowsOfUser(user)).isEqualTo(2);
        }
    }

    // ------------------------------------------------------------------ batches and the recorder

    @Test
    void batch_isJudgedUseByUse_inItsOrder_likeAnyOtherRejection() {
        String user = newUser();
        String model = newModel();
        try (Earnings limited = limited(RateLimits.builder().perUser(5, Duration.ofHours(1)))) {
            List<UsageRequest> batch = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                batch.add(i == 1 ? UsageRequest.builder(user, model).usageType("no_such_type").build() : use(user, model));
            }
            Map<String, Long> before = rowCounts();
            BatchResult result = limited.logModelUsageBatch(batch);

            // The rejected use took no token: uses 0 and 2 to 5 are recorded, 6 and 7 refused.
            assertThat(result.recorded()).isEqualTo(5);
            assertThat(result.items().get(1).error()).containsInstanceOf(dev.earnings.core.UnknownUsageTypeException.class);
            for (int i : List.of(0, 2, 3, 4, 5)) {
                assertThat(result.items().get(i).use()).isPresent();
            }
            for (int i : List.of(6, 7)) {
                RateLimitedException e = (RateLimitedException) result.items().get(i).error().orElseThrow();
                assertThat(e.limit()).isEqualTo(RateLimits.Per.USER);
                assertThat(e.eventId()).isNotBlank();
                assertThat(e.retryAfter()).isEqualTo(Duration.ofMinutes(12));
            }
            assertThat(db.count("model_usage_logs") - before.get("model_usage_logs")).isEqualTo(5);

            // A batch the limit refuses whole asks the database nothing and writes nothing.
            Map<String, Long> full = rowCounts();
            BatchResult refused = limited.logModelUsageBatch(List.of(use(user, model), use(user, model)));
            assertThat(refused.rejected()).isEqualTo(2);
            assertThat(rowCounts()).isEqualTo(full);
        }
    }

    @Test
    void batch_repeatsOfAnEventId_areAnswered_andGiveTheirTokensBack() {
        String user = newUser();
        String model = newModel();
        try (Earnings limited = limited(RateLimits.builder().perUser(2, Duration.ofHours(1)))) {
            UsageRequest once = use(user, model, "once-" + model);
            // The use and its first repeat take the two tokens while the batch runs, so the new
            // use after them is refused; the second repeat, refused too, is still answered.
            BatchResult result = limited.logModelUsageBatch(List.of(once, once, use(user, model), once));
            assertThat(result.items().get(0).use().orElseThrow().replayed()).isFalse();
            assertThat(result.items().get(1).use().orElseThrow().replayed()).isTrue();
            assertThat(result.items().get(2).error()).containsInstanceOf(RateLimitedException.class);
            assertThat(result.items().get(3).use().orElseThrow().replayed()).isTrue();
            // The repeat gave its token back afterwards: one more use passes.
            limited.logModelUsage(use(user, model));
            refusedNext(limited, user, model);
            assertThat(rowsOfUser(user)).isEqualTo(2);
        }
    }

    @Test
    void asyncRecorder_usesOverTheLimit_failTheirFutures_andTheOthersAreWritten() throws Exception {
        String user = newUser();
        String model = newModel();
        List<AsyncRecorder.FlushFailure> failures = new CopyOnWriteArrayList<>();
        try (Earnings limited = limited(RateLimits.builder().perUser(10, Duration.ofHours(1)));
                AsyncRecorder recorder = limited.asyncRecorder(AsyncRecorder.Options.builder().maxBatch(7)
                        .failureListener(failures::add).build())) {
            List<CompletableFuture<RecordedUse>> futures = new ArrayList<>();
            for (int i = 0; i < 25; i++) {
                futures.add(recorder.submit(use(user, model)));
            }
            int written = 0;
            int refused = 0;
            for (CompletableFuture<RecordedUse> f : futures) {
                try {
                    assertThat(f.get(30, TimeUnit.SECONDS).replayed()).isFalse();
                    written++;
                } catch (ExecutionException e) {
                    assertThat(e.getCause()).isInstanceOf(RateLimitedException.class);
                    assertThat(((RateLimitedException) e.getCause()).retryAfter()).isEqualTo(Duration.ofMinutes(6));
                    refused++;
                }
            }
            assertThat(written).isEqualTo(10);
            assertThat(refused).isEqualTo(15);
            // In submission order: one model, one writer, so the first ten are the ones written.
            for (int i = 0; i < 10; i++) {
                assertThat(futures.get(i)).isCompleted().isNotCompletedExceptionally();
            }
            assertThat(failures).as("refusals are rejections of uses, not failed groups").isEmpty();
        }
        assertThat(rowsOfUser(user)).isEqualTo(10);
    }

    @Test
    void asyncRecordersFromSixteenThreads_andSynchronousCalls_shareTheLimitExactly() throws Exception {
        String user = newUser();
        String model = newModel();
        try (Earnings limited = limited(RateLimits.builder().perUser(100, Duration.ofDays(1)));
                AsyncRecorder recorder = limited.asyncRecorder(AsyncRecorder.Options.defaults())) {
            Run run = sixteenThreads(25, (t, i) -> {
                if (t % 2 == 0) {
                    try {
                        recorder.submit(use(user, model)).get(30, TimeUnit.SECONDS);
                    } catch (ExecutionException e) {
                        throw (Exception) e.getCause();
                    }
                } else if (t % 4 == 1) {
                    limited.logModelUsage(use(user, model));
                } else {
                    BatchResult one = limited.logModelUsageBatch(List.of(use(user, model)));
                    if (one.rejected() > 0) {
                        throw one.items().get(0).error().orElseThrow();
                    }
                }
            });
            assertThat(run.recorded()).isEqualTo(100);
            assertThat(run.refused()).hasSize(300);
        }
        assertThat(rowsOfUser(user)).isEqualTo(100);
    }
}
