package dev.earnings.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.earnings.core.ModelPricing;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.jdbi.v3.core.Handle;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Failures, and what the library reports for them, run against each database by a subclass.
 *
 * <p>Each test guards one fix of the write path: a commit lost in transit is found by the retry
 * of the same call and reported as written by it (uses, batches, the recorder, payouts); every
 * step of a call is inside the retried unit; retries stop at the attempts and at the time budget,
 * and closing a recorder at its timeout; a pool of one connection works; a failing write's
 * message names its SQLSTATE and never the row's values, and fails only its own caller.
 *
 * <p>{@link #lossy} is a second instance on the same database, built on a {@link FaultyDataSource}
 * that plants the failures; {@link #earnings} sees the database as it is. Every test uses models
 * and creators of its own.
 */
abstract class FailureSuite extends DatabaseSuite {
    static final Instant START = Instant.parse("2026-03-10T12:00:00Z");
    static final Caller ADMIN = Caller.admin("admin-7");
    static final long POISON_TOKENS = 4_242;
    static final String SECRET_USER = "user-secret-9f3a1c";
    static final String SECRET_PROMPT = "a secret prompt about zebras at midnight";

    FaultyDataSource faulty;
    Earnings lossy;

    @Override
    Instant start() {
        return START;
    }

    @BeforeAll
    void openLossyInstance() {
        faulty = new FaultyDataSource(db.dataSource);
        lossy = db.builder(faulty.dataSource()).clock(clock).migrateOnStart(false).build();
    }

    @BeforeEach
    void resetClockAndCounts() {
        clock.set(START);
        faulty.clearCounts();
    }

    @AfterEach
    void clearFaults() {
        faulty.reset();
    }

    @AfterAll
    void closeLossyInstance() {
        if (lossy != null) {
            lossy.close();
        }
    }

    static UsageRequest use(String modelId, String userId, String eventId) {
        UsageRequest.Builder b = UsageRequest.builder(userId, modelId).usageType("image_generation");
        return (eventId == null ? b : b.eventId(eventId)).build();
    }

    String newModel() {
        return newModel("creator-" + UUID.randomUUID(), ModelPricing.of("1", "0"));
    }

    /** A creator whose model earned {@code uses} dollars, recorded by the undisturbed instance. */
    String creatorEarning(int uses) {
        return PayoutSuite.creatorEarning(earnings, "1", uses);
    }

    /** Loses the commit of the first transaction, from now on, that does {@code verb} on {@code table}. */
    FaultyDataSource.LoseFirst loseFirstCommitOf(String verb, String table) {
        FaultyDataSource.LoseFirst fault = new FaultyDataSource.LoseFirst(FaultyDataSource.wrote(verb, table));
        faulty.commitFault = fault;
        return fault;
    }

    List<Long> ordinalsOf(String modelId) {
        return db.jdbi.withHandle(h -> h.createQuery("SELECT use_ordinal FROM " + db.table("model_usage_logs")
                + " WHERE model_id = ? ORDER BY use_ordinal").bind(0, modelId).mapTo(Long.class).list());
    }

    // ------------------------------------------------------------------ lost commits: uses

    /** Guards: a retry after its own lost commit reports the use as written by the call, with a library eventId. */
    @Test
    void lostCommit_ofOneUseWithALibraryEventId_isReportedAsWrittenByTheCall() {
        String modelId = newModel();
        FaultyDataSource.LoseFirst lost = loseFirstCommitOf("INSERT", "model_usage_logs");
        long retries = lossy.retries();

        RecordedUse use = lossy.logModelUsage(use(modelId, "user-1", null));

        assertThat(faulty.lostCommits.get()).as("the planted loss happened").isEqualTo(1);
        assertThat(lost.matchingCommits.get()).as("one transaction wrote the use: the retry found it").isEqualTo(1);
        assertThat(lossy.retries() - retries).as("one retry").isEqualTo(1);
        assertThat(use.replayed()).as("written by this call, not replayed").isFalse();
        assertThat(use.useOrdinal()).isEqualTo(OptionalLong.of(1));
        assertThat(db.usesOf(modelId)).isEqualTo(1);

        // Control: a different call with the eventId the library assigned is a replay, with no retry.
        faulty.reset();
        long before = lossy.retries();
        RecordedUse again = lossy.logModelUsage(use(modelId, "user-1", use.eventId()));
        assertThat(again.replayed()).isTrue();
        assertThat(again.useOrdinal()).isEqualTo(OptionalLong.of(1));
        assertThat(lossy.retries()).isEqualTo(before);
        assertThat(db.usesOf(modelId)).isEqualTo(1);
        assertThat(earnings.verifyIntegrity().isClean()).isTrue();
    }

    /** Guards: the same with a host eventId, whose look-up runs on the first attempt too. */
    @Test
    void lostCommit_ofOneUseWithAHostEventId_isReportedAsWrittenByTheCall_andAnotherCallIsAReplay() {
        String modelId = newModel();
        String eventId = "host-" + modelId;
        loseFirstCommitOf("INSERT", "model_usage_logs");
        long retries = lossy.retries();

        RecordedUse use = lossy.logModelUsage(use(modelId, "user-1", eventId));

        assertThat(faulty.lostCommits.get()).isEqualTo(1);
        assertThat(lossy.retries() - retries).isEqualTo(1);
        assertThat(use.replayed()).isFalse();
        assertThat(use.eventId()).isEqualTo(eventId);
        assertThat(use.useOrdinal()).isEqualTo(OptionalLong.of(1));
        assertThat(db.usesOf(modelId)).isEqualTo(1);

        // Control: a genuinely different call with the same eventId still gets replayed() == true.
        faulty.reset();
        long before = lossy.retries();
        RecordedUse replay = lossy.logModelUsage(use(modelId, "user-1", eventId));
        assertThat(replay.replayed()).isTrue();
        assertThat(replay.useOrdinal()).isEqualTo(OptionalLong.of(1));
        assertThat(lossy.retries()).as("a replay needs no retry").isEqualTo(before);
        BatchResult batch = lossy.logModelUsageBatch(List.of(use(modelId, "user-1", eventId)));
        assertThat(batch.items().get(0).use().orElseThrow().replayed()).isTrue();
        assertThat(db.usesOf(modelId)).isEqualTo(1);
        assertThat(earnings.verifyIntegrity().isClean()).isTrue();
    }

    /**
     * Guards: a batch whose commit was lost succeeds on retry, every use written by it. With
     * library eventIds it used to fail: the retry did not look its own eventIds up, so it hit
     * their unique constraint until the attempts ran out.
     */
    @ParameterizedTest(name = "host eventIds: {0}")
    @ValueSource(booleans = {true, false})
    void lostCommit_ofABatch_succeedsWithEveryUseWrittenByTheBatch(boolean hostEventIds) {
        String modelId = newModel();
        int n = 7;
        List<UsageRequest> requests = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            requests.add(use(modelId, "user-" + i, hostEventIds ? "batch-" + i + "-" + modelId : null));
        }
        loseFirstCommitOf("INSERT", "model_usage_logs");
        long retries = lossy.retries();

        BatchResult result = lossy.logModelUsageBatch(requests);

        assertThat(faulty.lostCommits.get()).isEqualTo(1);
        assertThat(lossy.retries() - retries).isEqualTo(1);
        assertThat(result.rejected()).isZero();
        assertThat(result.recorded()).isEqualTo(n);
        assertThat(result.items()).allSatisfy(item -> assertThat(item.use().orElseThrow().replayed()).isFalse());
        assertThat(result.items().stream().map(i -> i.use().orElseThrow().useOrdinal().getAsLong()))
                .containsExactly(LongStream.rangeClosed(1, n).boxed().toArray(Long[]::new));
        assertThat(db.usesOf(modelId)).isEqualTo(n);
        assertThat(ordinalsOf(modelId)).containsExactly(LongStream.rangeClosed(1, n).boxed().toArray(Long[]::new));
        assertThat(earnings.verifyIntegrity().isClean()).isTrue();

        // Control: the same batch again is a different call: all replays, nothing written, no retry.
        faulty.reset();
        long before = lossy.retries();
        List<UsageRequest> again = new ArrayList<>();
        result.items().forEach(i -> again.add(use(modelId, i.use().orElseThrow().userId(), i.use().orElseThrow().eventId())));
        BatchResult replay = lossy.logModelUsageBatch(again);
        assertThat(replay.items()).allSatisfy(item -> assertThat(item.use().orElseThrow().replayed()).isTrue());
        assertThat(lossy.retries()).isEqualTo(before);
        assertThat(db.usesOf(modelId)).isEqualTo(n);
    }

    /** A batch mixing every answer a use can get, with eventIds of {@code tag}, on {@code modelId}. */
    static List<UsageRequest> mixedBatch(String modelId, String tag) {
        String e1 = "m1-" + tag;
        String e2 = "m2-" + tag;
        return List.of(
                use("no-such-model-" + tag, "user-1", e1),
                use(modelId, "user-1", e1),
                use(modelId, "user-1", e1),
                UsageRequest.builder("user-2", modelId).usageType("no_such_type").eventId(e2).build(),
                use(modelId, "user-2", e2),
                UsageRequest.builder("user-1", modelId).usageType("image_generation").tokensConsumed(3).eventId(e1).build(),
                use(modelId, "user-3", null));
    }

    /** What a batch answered, use by use: the error's type and field, or the ordinal and whether replayed. */
    static List<String> answers(BatchResult result) {
        return result.items().stream().map(item -> item.error().map(e -> e.getClass().getSimpleName()
                + (e instanceof IdempotencyConflictException ? " " + ((IdempotencyConflictException) e).field() : ""))
                .orElseGet(() -> "ordinal " + item.use().orElseThrow().useOrdinal() + (item.use().get().replayed()
                        ? " replayed" : ""))).collect(Collectors.toList());
    }

    /**
     * Guards: a batch whose commit was lost gets, on its retry, the answer it would have got
     * without the loss, use by use: a use whose eventId another use of the batch wrote (after
     * it failed on an unknown model, or was refused by a rule) keeps its own answer, the writer
     * is reported as written by the call, repeats and conflicts as such; and the retry locks
     * nothing, since it writes nothing.
     */
    @Test
    void lostCommit_ofAMixedBatch_isAnsweredUseByUseAsWithoutTheLoss() {
        String control = newModel();
        List<String> expected = answers(earnings.logModelUsageBatch(mixedBatch(control, control)));
        assertThat(expected).containsExactly("UnknownModelException", "ordinal OptionalLong[1]", "ordinal OptionalLong[1] replayed",
                "UnknownUsageTypeException", "ordinal OptionalLong[2]", "IdempotencyConflictException tokensConsumed",
                "ordinal OptionalLong[3]");

        String modelId = newModel();
        loseFirstCommitOf("INSERT", "model_usage_logs");
        List<BatchResult> result = new ArrayList<>();
        List<String> statements = statementsOf(() -> result.add(lossy.logModelUsageBatch(mixedBatch(modelId, modelId))));

        assertThat(faulty.lostCommits.get()).isEqualTo(1);
        assertThat(answers(result.get(0))).isEqualTo(expected);
        // The batch names two models, one unknown: Citus locks them one by one.
        assertThat(locks(statements)).as("the first attempt locks; the retry writes nothing")
                .isEqualTo(db.isPostgres() && TestDatabase.CITUS ? 2 : 1);
        assertThat(lookUps(statements)).as("host eventIds, then every eventId on the retry").isEqualTo(2);
        assertThat(ordinalsOf(modelId)).containsExactly(1L, 2L, 3L);
        assertThat(earnings.verifyIntegrity().isClean()).isTrue();
    }

    /** Guards: a recorder group whose commit was lost writes each use once and reports none as a replay. */
    @Test
    void lostCommit_ofAnAsyncGroup_writesEachUseOnce_andNoFutureReportsAReplay() throws Exception {
        String modelId = newModel();
        int n = 12;
        FaultyDataSource.LoseFirst lost = loseFirstCommitOf("INSERT", "model_usage_logs");
        long retries = lossy.retries();
        List<CompletableFuture<RecordedUse>> futures = new ArrayList<>();
        // One writer, and a group that closes when all n are in: one transaction for all of them.
        try (AsyncRecorder recorder = lossy.asyncRecorder(AsyncRecorder.Options.builder().writers(1).maxBatch(n)
                .flushInterval(Duration.ofSeconds(10)).build())) {
            for (int i = 0; i < n; i++) {
                // Half with host eventIds, half with eventIds the library assigns at submit.
                futures.add(recorder.submit(use(modelId, "user-" + i, i % 2 == 0 ? "async-" + i + "-" + modelId : null)));
            }
            for (int i = 0; i < n; i++) {
                RecordedUse use = futures.get(i).get(30, TimeUnit.SECONDS);
                assertThat(use.replayed()).as("use %d", i).isFalse();
                assertThat(use.useOrdinal()).isEqualTo(OptionalLong.of(i + 1));
            }
        }
        assertThat(faulty.lostCommits.get()).isEqualTo(1);
        assertThat(lost.matchingCommits.get()).as("one transaction wrote all of them: the retry found them").isEqualTo(1);
        assertThat(lossy.retries() - retries).isEqualTo(1);
        assertThat(db.usesOf(modelId)).isEqualTo(n);
        assertThat(earnings.verifyIntegrity().isClean()).isTrue();
    }

    // ------------------------------------------------------------------ lost commits: payouts

    static Payout move(Earnings on, PayoutStatus to, long id, String reason) {
        switch (to) {
            case COMPLETED:
                return on.payouts().complete(ADMIN, id, reason);
            case FAILED:
                return on.payouts().fail(ADMIN, id, reason);
            case CANCELLED:
                return on.payouts().cancel(ADMIN, id, reason);
            default:
                throw new IllegalArgumentException(to.name());
        }
    }

    /** Guards: a transition whose commit was lost succeeds, returns the moved payout and is in the history once. */
    @ParameterizedTest
    @EnumSource(value = PayoutStatus.class, names = {"COMPLETED", "FAILED", "CANCELLED"})
    void lostCommit_ofAPayoutTransition_succeedsOnceWithOneHistoryEvent(PayoutStatus to) {
        String creator = creatorEarning(5);
        Payout pending = earnings.payouts().create(ADMIN, PayoutRequest.of(creator, 200, "lost-" + to));
        loseFirstCommitOf("UPDATE", "earnings_transactions");
        long retries = lossy.retries();

        Payout moved = move(lossy, to, pending.id(), "transfer 17");

        assertThat(faulty.lostCommits.get()).isEqualTo(1);
        assertThat(lossy.retries() - retries).isEqualTo(1);
        assertThat(moved.id()).isEqualTo(pending.id());
        assertThat(moved.status()).isEqualTo(to);
        assertThat(moved.amountMinor()).isEqualTo(200);
        assertThat(moved.statusReason()).contains("transfer 17");
        List<PayoutEvent> history = earnings.payouts().history(ADMIN, pending.id());
        assertThat(history).extracting(PayoutEvent::to).containsExactly(PayoutStatus.PENDING, to);
        Balance balance = earnings.analytics().balance(ADMIN, creator);
        assertThat(balance.availableMinor()).isEqualTo(to == PayoutStatus.COMPLETED ? 300 : 500);

        // Control: a second call, of any transition, finds the payout moved and is refused.
        faulty.reset();
        for (PayoutStatus again : List.of(to, PayoutStatus.COMPLETED)) {
            assertThatThrownBy(() -> move(lossy, again, pending.id(), "again"))
                    .isInstanceOf(IllegalPayoutTransitionException.class);
        }
        assertThat(earnings.payouts().history(ADMIN, pending.id())).hasSize(2);
    }

    /** Guards: a creation whose commit was lost returns the payout it wrote, even when the rest cannot pay it again. */
    @Test
    void lostCommit_ofAPayoutCreation_returnsThePayoutItWrote() {
        String creator = creatorEarning(5);
        loseFirstCommitOf("INSERT", "earnings_transactions");
        long retries = lossy.retries();

        // 400 of 500: a retry that checked the balance before finding its own payout would refuse it.
        Payout payout = lossy.payouts().create(ADMIN, PayoutRequest.of(creator, 400, "lost-create"));

        assertThat(faulty.lostCommits.get()).isEqualTo(1);
        assertThat(lossy.retries() - retries).isEqualTo(1);
        assertThat(payout.status()).isEqualTo(PayoutStatus.PENDING);
        assertThat(payout.amountMinor()).isEqualTo(400);
        assertThat(payout.reference()).isEqualTo("lost-create");
        assertThat(earnings.payouts().find(ADMIN, payout.id())).contains(payout);
        assertThat(earnings.payouts().history(ADMIN, payout.id())).extracting(PayoutEvent::to)
                .containsExactly(PayoutStatus.PENDING);
        long payouts = db.jdbi.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM " + db.table("earnings_transactions")
                + " WHERE creator_id = ?").bind(0, creator).mapTo(Long.class).one());
        assertThat(payouts).isEqualTo(1);
        Balance balance = earnings.analytics().balance(ADMIN, creator);
        assertThat(balance.pending().amount()).isEqualByComparingTo("4");
        assertThat(balance.availableMinor()).isEqualTo(100);
    }

    /**
     * Guards: a bulk run whose creation commit for one creator was lost reports that creator
     * {@code CREATED}, not {@code ALREADY_CREATED}, and pays nobody twice. In a database of its
     * own, since a bulk run pays every creator there is.
     */
    @Test
    void lostCommit_inABulkPayout_isReportedCreated_andNobodyIsPaidTwice() {
        try (TestDatabase fresh = openDatabase(); Earnings direct = fresh.builder().clock(clock).build()) {
            FaultyDataSource faults = new FaultyDataSource(fresh.dataSource);
            try (Earnings bulk = fresh.builder(faults.dataSource()).clock(clock).migrateOnStart(false).build()) {
                // Creators are paid in id order: the first payout created is creator-a's.
                direct.models().register("model-a", "creator-a", ModelPricing.of("1", "0"));
                direct.models().register("model-b", "creator-b", ModelPricing.of("2", "0"));
                for (int i = 0; i < 3; i++) {
                    direct.logModelUsage("user-" + i, "model-a", 0, "image_generation", null);
                    direct.logModelUsage("user-" + i, "model-b", 0, "image_generation", null);
                }
                FaultyDataSource.LoseFirst lost = new FaultyDataSource.LoseFirst(
                        FaultyDataSource.wrote("INSERT", "earnings_transactions"));
                faults.commitFault = lost;
                long retries = bulk.retries();

                BulkPayoutResult result = bulk.payouts().payoutAll(ADMIN, BulkPayoutRequest.of("march"));

                assertThat(faults.lostCommits.get()).isEqualTo(1);
                assertThat(lost.matchingCommits.get()).as("creator-a's (lost; its retry found it), creator-b's").isEqualTo(2);
                assertThat(bulk.retries() - retries).isEqualTo(1);
                assertThat(result.items()).extracting(BulkPayoutResult.Item::creatorId, BulkPayoutResult.Item::outcome,
                        BulkPayoutResult.Item::availableMinor, i -> i.payout().orElseThrow().amountMinor())
                        .containsExactly(
                                org.assertj.core.groups.Tuple.tuple("creator-a", BulkPayoutResult.Outcome.CREATED, 300L, 300L),
                                org.assertj.core.groups.Tuple.tuple("creator-b", BulkPayoutResult.Outcome.CREATED, 600L, 600L));

                // Control: the batch again is another call: everything ALREADY_CREATED, nothing written.
                faults.reset();
                BulkPayoutResult again = bulk.payouts().payoutAll(ADMIN, BulkPayoutRequest.of("march"));
                assertThat(again.items()).extracting(BulkPayoutResult.Item::outcome)
                        .containsExactly(BulkPayoutResult.Outcome.ALREADY_CREATED, BulkPayoutResult.Outcome.ALREADY_CREATED);
                Map<String, Long> payoutsPerCreator = fresh.jdbi.withHandle(h -> h.createQuery("SELECT creator_id,"
                        + " COUNT(*) AS n FROM " + fresh.table("earnings_transactions") + " GROUP BY creator_id")
                        .map((rs, ctx) -> Map.entry(rs.getString(1), rs.getLong(2))).list())
                        .stream().collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
                assertThat(payoutsPerCreator).isEqualTo(Map.of("creator-a", 1L, "creator-b", 1L));
                long events = fresh.count("earnings_transaction_events");
                assertThat(events).as("one creation event per payout").isEqualTo(2);
                assertThat(direct.analytics().balance(ADMIN, "creator-a").availableMinor()).isZero();
                assertThat(direct.analytics().balance(ADMIN, "creator-b").availableMinor()).isZero();
            }
        }
    }

    // ------------------------------------------------------------------ every step is retried

    <T> T withTheFirstConnectionTimingOut(String what, Supplier<T> call) {
        AtomicBoolean armed = new AtomicBoolean(true);
        faulty.connectionFault = () -> {
            if (armed.compareAndSet(true, false)) {
                throw FaultyDataSource.poolTimeout();
            }
        };
        long retries = lossy.retries();
        int failed = faulty.failedConnections.get();
        try {
            T result = call.get();
            assertThat(faulty.failedConnections.get() - failed).as(what + ": the planted pool timeout").isEqualTo(1);
            assertThat(lossy.retries() - retries).as(what + ": one retry").isEqualTo(1);
            return result;
        } finally {
            faulty.reset();
        }
    }

    /**
     * Guards: every step of a call is inside the retried unit. A call with a host eventId used to
     * look its eventId up before its transaction, so a pool timeout there failed it at once.
     */
    @Test
    void poolTimeout_atTheFirstConnectionOfACall_isRetried() {
        String modelId = newModel();
        RecordedUse use = withTheFirstConnectionTimingOut("one use with a host eventId",
                () -> lossy.logModelUsage(use(modelId, "user-1", "pool-" + modelId)));
        assertThat(use.replayed()).isFalse();
        assertThat(use.useOrdinal()).isEqualTo(OptionalLong.of(1));

        BatchResult batch = withTheFirstConnectionTimingOut("a batch with host eventIds",
                () -> lossy.logModelUsageBatch(List.of(use(modelId, "user-2", "pool-2-" + modelId),
                        use(modelId, "user-3", "pool-3-" + modelId))));
        assertThat(batch.recorded()).isEqualTo(2);
        assertThat(db.usesOf(modelId)).isEqualTo(3);

        String creator = earnings.models().find(modelId).orElseThrow().creatorId();
        Payout payout = withTheFirstConnectionTimingOut("creating a payout",
                () -> lossy.payouts().create(ADMIN, PayoutRequest.of(creator, 100, "pool-timeout")));
        assertThat(payout.status()).isEqualTo(PayoutStatus.PENDING);
        Payout done = withTheFirstConnectionTimingOut("completing it",
                () -> lossy.payouts().complete(ADMIN, payout.id(), null));
        assertThat(done.status()).isEqualTo(PayoutStatus.COMPLETED);
        assertThat(earnings.payouts().history(ADMIN, payout.id())).hasSize(2);
    }

    // ------------------------------------------------------------------ the statements a write needs

    /** The statements the lossy instance executes while {@code call} runs. */
    List<String> statementsOf(Runnable call) {
        List<String> seen = new CopyOnWriteArrayList<>();
        faulty.statementFault = (connection, sql) -> seen.add(sql);
        try {
            call.run();
        } finally {
            faulty.reset();
        }
        return seen;
    }

    /**
     * The look-ups of eventIds: statements that ask for some by {@code event_id = ANY}. On Citus a
     * look-up asks the table of eventIds first and reads the rows of those found by a second
     * statement, so there a look-up is counted by the first.
     */
    static long lookUps(List<String> statements) {
        return statements.stream().filter(sql -> sql.contains("event_id = ANY(")
                && (!TestDatabase.CITUS || sql.contains("model_usage_events"))).count();
    }

    /** The statements that lock models: one for all of a write's models, on Citus one per model. */
    static long locks(List<String> statements) {
        return statements.stream().filter(sql -> sql.contains("FOR UPDATE")).count();
    }

    /**
     * Guards: only an eventId that may be recorded already (a host's) is looked up, all of a
     * write's in one statement, and a library-assigned one never on a first attempt; a write
     * that has nothing new to record locks no model.
     */
    @Test
    void aWriteLooksUpOnlyEventIdsThatMayBeRecorded_andLocksOnlyWhenItHasUsesToWrite() {
        String modelId = newModel();
        List<String> assigned = statementsOf(() -> lossy.logModelUsage(use(modelId, "user-1", null)));
        assertThat(lookUps(assigned)).as("a library-assigned eventId").isZero();
        assertThat(locks(assigned)).isEqualTo(1);

        String eventId = "host-" + modelId;
        List<String> hosts = statementsOf(() -> lossy.logModelUsage(use(modelId, "user-1", eventId)));
        assertThat(lookUps(hosts)).as("a host's eventId").isEqualTo(1);
        assertThat(locks(hosts)).isEqualTo(1);

        List<String> replay = statementsOf(() -> assertThat(lossy.logModelUsage(use(modelId, "user-1", eventId)).replayed())
                .isTrue());
        assertThat(lookUps(replay)).isEqualTo(1);
        assertThat(locks(replay)).as("a replay writes nothing, so locks nothing").isZero();
        assertThat(replay).noneMatch(sql -> FaultyDataSource.writes(sql, "INSERT", "model_usage_logs"));

        List<String> batch = statementsOf(() -> assertThat(lossy.logModelUsageBatch(List.of(use(modelId, "user-2", null),
                use(modelId, "user-3", "host-2-" + modelId), use(modelId, "user-4", "host-3-" + modelId),
                use(modelId, "user-5", null))).recorded()).isEqualTo(4));
        assertThat(lookUps(batch)).as("one look-up for the whole batch").isEqualTo(1);
        assertThat(locks(batch)).isEqualTo(1);
        List<String> libraryOnly = statementsOf(() -> lossy.logModelUsageBatch(List.of(use(modelId, "user-6", null),
                use(modelId, "user-7", null))));
        assertThat(lookUps(libraryOnly)).isZero();
        assertThat(db.usesOf(modelId)).isEqualTo(8);
    }

    /**
     * Guards: a call whose every use is refused before the write (missing, or breaking a rule),
     * none with an eventId that may be recorded, is answered without a connection; one with a
     * host's eventId asks the database, since that eventId may be a replay, which is answered
     * before the rules.
     */
    @Test
    void aCallWhoseUsesAreAllRefusedBeforeTheWrite_asksTheDatabaseNothing_unlessAnEventIdMayBeAReplay() {
        String modelId = newModel();
        Instant longAgo = START.minus(Duration.ofDays(400));
        UsageRequest tooOld = UsageRequest.builder("user-1", modelId).usageType("chat").occurredAt(longAgo).build();
        faulty.clearCounts();

        BatchResult refused = lossy.logModelUsageBatch(Arrays.asList(null, tooOld,
                UsageRequest.builder("user-1", modelId).usageType("no_such_type").build()));
        assertThat(refused.items().get(0).error().orElseThrow()).isInstanceOf(dev.earnings.core.InvalidInputException.class)
                .hasMessageContaining("request is missing");
        assertThat(refused.items().get(1).error().orElseThrow()).isInstanceOf(dev.earnings.core.InvalidInputException.class)
                .hasMessageContaining("occurredAt");
        assertThat(refused.items().get(2).error().orElseThrow())
                .isInstanceOf(dev.earnings.core.UnknownUsageTypeException.class);
        assertThatThrownBy(() -> lossy.logModelUsage(tooOld)).isInstanceOf(dev.earnings.core.InvalidInputException.class);
        assertThat(lossy.logModelUsageBatch(List.of()).items()).isEmpty();
        assertThat(faulty.connectionRequests.get()).as("connections asked for").isZero();

        // With a host's eventId the database is asked: here, once its occurredAt has left the
        // window, it is a replay, answered as one.
        UsageRequest recorded = UsageRequest.builder("user-1", modelId).usageType("chat").occurredAt(START)
                .eventId("old-" + modelId).build();
        RecordedUse first = lossy.logModelUsage(recorded);
        clock.advance(Duration.ofDays(400));
        faulty.clearCounts();
        RecordedUse replay = lossy.logModelUsage(recorded);
        assertThat(replay.replayed()).isTrue();
        assertThat(replay.useOrdinal()).isEqualTo(first.useOrdinal());
        assertThat(faulty.connectionRequests.get()).isPositive();
        assertThat(db.usesOf(modelId)).isEqualTo(1);
    }

    // ------------------------------------------------------------------ bounded retries

    void outage() {
        faulty.connectionFault = () -> {
            throw FaultyDataSource.poolTimeout();
        };
    }

    /** Guards: retries stop at the time budget, well before the attempts run out, and name the eventId. */
    @Test
    void aDatabaseThatStaysDown_failsTheCallWithinTheRetryBudget() {
        String modelId = newModel();
        try (Earnings patient = db.builder(faulty.dataSource()).clock(clock).migrateOnStart(false).maxAttempts(100)
                .retryBudget(Duration.ofSeconds(1)).build()) {
            outage();
            int requests = faulty.connectionRequests.get();
            long retries = patient.retries();
            long started = System.nanoTime();

            StorageException failure = catchThrowableOfType(StorageException.class,
                    () -> patient.logModelUsage(use(modelId, "user-1", "down-" + modelId)));

            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            int attempts = faulty.connectionRequests.get() - requests;
            assertThat(failure).isNotNull();
            assertThat(millis).as("the budget, not the 100 attempts, ended it").isBetween(1_000L, 5_000L);
            assertThat(attempts).isGreaterThan(1).isLessThan(100);
            assertThat(failure.isTransient()).isTrue();
            assertThat(failure.eventId()).contains("down-" + modelId);
            assertThat(failure.getMessage()).contains("retry budget of 1000 ms").contains("down-" + modelId);
            assertThat(patient.retries() - retries).isEqualTo(attempts - 1);

            // A library-assigned eventId is reported too, and the use can be recorded with it later.
            StorageException assigned = catchThrowableOfType(StorageException.class,
                    () -> patient.logModelUsage("user-2", modelId, 0, "image_generation", null));
            assertThat(assigned.eventId()).isPresent();
            faulty.reset();
            RecordedUse later = patient.logModelUsage(use(modelId, "user-2", assigned.eventId().orElseThrow()));
            assertThat(later.replayed()).isFalse();
            assertThat(db.usesOf(modelId)).isEqualTo(1);
        }
    }

    /** Guards: retries stop at the attempts when the budget is long. */
    @Test
    void aDatabaseThatStaysDown_failsTheCallAfterTheLastAttempt() {
        String modelId = newModel();
        try (Earnings patient = db.builder(faulty.dataSource()).clock(clock).migrateOnStart(false).maxAttempts(3)
                .retryBudget(Duration.ofMinutes(10)).build()) {
            outage();
            int requests = faulty.connectionRequests.get();
            long retries = patient.retries();
            StorageException failure = catchThrowableOfType(StorageException.class,
                    () -> patient.logModelUsageBatch(List.of(use(modelId, "user-1", "b1-" + modelId),
                            use(modelId, "user-2", "b2-" + modelId))));
            assertThat(faulty.connectionRequests.get() - requests).isEqualTo(3);
            assertThat(patient.retries() - retries).isEqualTo(2);
            assertThat(failure.isTransient()).isTrue();
            assertThat(failure.getMessage()).contains("after 3 attempts").doesNotContain("retry budget");
            assertThat(failure.eventIds()).containsExactly("b1-" + modelId, "b2-" + modelId);
        }
    }

    /**
     * Guards: closing a recorder during an outage returns at its close timeout, though its group
     * is still retrying; the uses still queued fail at once, the group's when its retries end.
     */
    @Test
    void asyncRecorderClose_duringAnOutage_returnsAtItsTimeout_andEveryFutureFails() throws Exception {
        String modelId = newModel();
        try (Earnings patient = db.builder(faulty.dataSource()).clock(clock).migrateOnStart(false).maxAttempts(100)
                .retryBudget(Duration.ofSeconds(1)).build()) {
            AsyncRecorder recorder = patient.asyncRecorder(AsyncRecorder.Options.builder().writers(1).maxBatch(5)
                    .flushInterval(Duration.ZERO).closeTimeout(Duration.ofSeconds(1)).build());
            outage();
            int requests = faulty.connectionRequests.get();
            List<CompletableFuture<RecordedUse>> futures = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                futures.add(recorder.submit(use(modelId, "user-" + i, "close-" + i + "-" + modelId)));
            }
            long waited = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (faulty.connectionRequests.get() == requests && System.nanoTime() < waited) {
                Thread.sleep(1);
            }
            assertThat(faulty.connectionRequests.get()).as("a group is in its retries").isGreaterThan(requests);

            long started = System.nanoTime();
            recorder.close();
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);

            assertThat(millis).as("close() waits its timeout, not for the outage").isBetween(900L, 3_000L);
            long open = futures.stream().filter(f -> !f.isDone()).count();
            assertThat(open).as("at most the group in its transaction is still open").isLessThanOrEqualTo(5);
            CompletableFuture.allOf(futures.toArray(new CompletableFuture<?>[0])).handle((r, e) -> null)
                    .get(5, TimeUnit.SECONDS);
            for (int i = 0; i < futures.size(); i++) {
                String eventId = "close-" + i + "-" + modelId;
                Throwable cause = catchThrowableOfType(ExecutionException.class, futures.get(i)::get).getCause();
                assertThat(cause).isInstanceOfAny(StorageException.class, RejectedUseException.class);
                if (cause instanceof StorageException) {
                    assertThat(((StorageException) cause).isTransient()).isTrue();
                    assertThat(((StorageException) cause).eventId()).contains(eventId);
                } else {
                    assertThat(cause.getMessage()).contains(eventId);
                }
            }
            assertThat(futures.stream().map(f -> catchThrowableOfType(ExecutionException.class, f::get).getCause())
                    .filter(RejectedUseException.class::isInstance).count())
                    .as("the uses still queued at the timeout").isGreaterThanOrEqualTo(5);
        }
        assertThat(db.usesOf(modelId)).isZero();
    }

    // ------------------------------------------------------------------ a pool of one

    /** Guards: a pool of one connection builds (migrations on connections of their own) and serves every call. */
    @Test
    void aPoolOfOneConnection_migratesRecordsAndPays() throws Exception {
        String schema = "pool_of_one_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        try (Earnings one = db.urlBuilder().schema(schema).maximumPoolSize(1)
                .retryBudget(Duration.ofSeconds(3)).clock(clock).build()) {
            one.models().register("m1", "c1", ModelPricing.of("0.5", "0"));
            assertThat(one.logModelUsage("u1", "m1", 0, "image_generation", null).useOrdinal()).isEqualTo(OptionalLong.of(1));
            assertThat(one.logModelUsageBatch(List.of(use("m1", "u2", "e2"), use("m1", "u3", "e3"))).recorded()).isEqualTo(2);
            try (AsyncRecorder recorder = one.asyncRecorder(AsyncRecorder.Options.defaults())) {
                assertThat(recorder.submit(use("m1", "u4", "e4")).get(30, TimeUnit.SECONDS).useOrdinal())
                        .isEqualTo(OptionalLong.of(4));
            }
            Payout payout = one.payouts().create(ADMIN, PayoutRequest.of("c1", 150, "one"));
            assertThat(one.payouts().complete(ADMIN, payout.id(), null).status()).isEqualTo(PayoutStatus.COMPLETED);
            assertThat(one.analytics().balance(Caller.creator("c1"), "c1").availableMinor()).isEqualTo(50);
            assertThat(one.verifyIntegrity().isClean()).isTrue();
            assertThat(one.retries()).as("no pool timeout on the way").isZero();
            long rows = db.jdbi.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM \"" + schema + "\".model_usage_logs")
                    .mapTo(Long.class).one());
            assertThat(rows).isEqualTo(4);
        } finally {
            db.jdbi.useHandle(h -> h.execute("DROP SCHEMA IF EXISTS \"" + schema + "\" CASCADE"));
        }
    }

    // ------------------------------------------------------------------ messages and poison uses

    /** The SQLSTATE of a CHECK violation: PostgreSQL's standard one, H2's own. */
    String checkViolation() {
        return db.isPostgres() ? "23514" : "23513";
    }

    /**
     * Makes the usage table refuse any use of {@link #POISON_TOKENS} tokens. On PostgreSQL a
     * trigger refuses it with a check violation whose message and detail quote the row's user id
     * and metadata: PostgreSQL's own CHECK message would quote the row too, but not to a role under
     * row-level security (the library's runtime role), and the test needs a driver message that
     * holds the values the library must not copy.
     */
    void addPoisonCheck() {
        if (db.isPostgres()) {
            String function = db.table("earnings_test_no_poison");
            db.jdbi.useHandle(h -> {
                if (TestDatabase.CITUS) {
                    // Citus runs triggers on distributed tables only when asked; it makes the
                    // function on the workers and the trigger on every shard.
                    h.execute("SET citus.enable_unsafe_triggers = on");
                }
                h.execute("CREATE FUNCTION " + function + "() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
                        + " IF NEW.tokens_consumed = " + POISON_TOKENS + " THEN RAISE EXCEPTION 'poisoned use of %', NEW.user_id"
                        + " USING ERRCODE = 'check_violation', CONSTRAINT = 'earnings_test_no_poison',"
                        + " DETAIL = 'Failing row contains (' || NEW.user_id || ', '"
                        + " || COALESCE(NEW.metadata, '') || ')'; END IF; RETURN NEW; END $$");
                h.execute("CREATE TRIGGER earnings_test_no_poison BEFORE INSERT ON " + db.table("model_usage_logs")
                        + " FOR EACH ROW EXECUTE FUNCTION " + function + "()");
            });
            return;
        }
        db.jdbi.useHandle(h -> h.execute("ALTER TABLE " + db.table("model_usage_logs")
                + " ADD CONSTRAINT earnings_test_no_poison CHECK (tokens_consumed <> " + POISON_TOKENS + ")"));
    }

    void dropPoisonCheck() {
        if (db.isPostgres()) {
            db.jdbi.useHandle(h -> {
                if (TestDatabase.CITUS) {
                    h.execute("SET citus.enable_unsafe_triggers = on");
                }
                h.execute("DROP TRIGGER earnings_test_no_poison ON " + db.table("model_usage_logs"));
                h.execute("DROP FUNCTION " + db.table("earnings_test_no_poison") + "()");
            });
            return;
        }
        db.jdbi.useHandle(h -> h.execute("ALTER TABLE " + db.table("model_usage_logs")
                + " DROP CONSTRAINT earnings_test_no_poison"));
    }

    static UsageRequest poison(String modelId, String eventId) {
        return UsageRequest.builder(SECRET_USER, modelId).usageType("chat").tokensConsumed(POISON_TOKENS)
                .metadata(Map.of("prompt", SECRET_PROMPT, "seed", 7)).eventId(eventId).build();
    }

    void assertNamesTheStateButNotTheRow(Throwable failure) {
        assertThat(LibraryMessages.of(failure)).isNotEmpty()
                .allSatisfy(message -> assertThat(message).doesNotContain(SECRET_USER).doesNotContain(SECRET_PROMPT))
                .anySatisfy(message -> assertThat(message).contains("SQLSTATE " + checkViolation()));
        // Nor do the causes it carries: PostgreSQL's message quotes the row and JDBI's lists the
        // arguments, so the chain keeps types, SQLSTATEs and, from PostgreSQL, the constraint.
        String chain = LibraryMessages.wholeChain(failure);
        assertThat(chain).doesNotContain(SECRET_USER).doesNotContain(SECRET_PROMPT)
                .contains("SQLSTATE " + checkViolation()).contains("message is withheld");
        // Citus relays a worker's error without its constraint name: there the chain names none.
        if (db.isPostgres() && !TestDatabase.CITUS) {
            assertThat(chain).contains("constraint earnings_test_no_poison");
        }
    }

    /** Guards: a failing insert's message names its SQLSTATE and eventId, never the user id or the prompt. */
    @Test
    void poisonUse_failsNamingItsSqlState_andNotTheRowsValues() {
        String modelId = newModel();
        addPoisonCheck();
        try {
            long retries = lossy.retries();
            String eventId = "poison-" + modelId;
            StorageException one = catchThrowableOfType(StorageException.class,
                    () -> lossy.logModelUsage(poison(modelId, eventId)));
            assertThat(one).isNotNull();
            assertThat(one.isTransient()).isFalse();
            assertThat(one.eventId()).contains(eventId);
            assertThat(one.getMessage()).contains(eventId).contains("recording a use of model '" + modelId + "'");
            assertNamesTheStateButNotTheRow(one);

            StorageException batch = catchThrowableOfType(StorageException.class,
                    () -> lossy.logModelUsageBatch(List.of(use(modelId, "user-1", "fine-" + modelId), poison(modelId, eventId))));
            assertThat(batch.eventIds()).containsExactly("fine-" + modelId, eventId);
            assertNamesTheStateButNotTheRow(batch);

            assertThat(lossy.retries()).as("not transient: no retry").isEqualTo(retries);
            assertThat(db.usesOf(modelId)).isZero();
        } finally {
            dropPoisonCheck();
        }
    }

    /** Guards: in a recorder group, a poison use fails only its own future, and neither log nor listener quote its row. */
    @Test
    void poisonUse_inAnAsyncGroup_failsOnlyItself_andTheLogAndListenerDoNotQuoteTheRow() throws Exception {
        String modelId = newModel();
        String eventId = "poison-async-" + modelId;
        List<AsyncRecorder.FlushFailure> heard = new CopyOnWriteArrayList<>();
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        PrintStream console = System.err;
        List<CompletableFuture<RecordedUse>> futures = new ArrayList<>();
        addPoisonCheck();
        try {
            // slf4j-simple writes to whatever System.err is when it logs.
            System.setErr(new PrintStream(log, true, StandardCharsets.UTF_8));
            try (AsyncRecorder recorder = lossy.asyncRecorder(AsyncRecorder.Options.builder().writers(1).maxBatch(5)
                    .flushInterval(Duration.ofSeconds(10)).failureListener(heard::add).build())) {
                for (int i = 0; i < 5; i++) {
                    futures.add(recorder.submit(i == 2 ? poison(modelId, eventId) : use(modelId, "user-" + i, null)));
                }
                for (CompletableFuture<RecordedUse> f : futures) {
                    f.handle((r, e) -> null).get(30, TimeUnit.SECONDS);
                }
            }
        } finally {
            System.setErr(console);
            dropPoisonCheck();
        }
        String logged = log.toString(StandardCharsets.UTF_8);
        console.print(logged);

        List<Long> ordinals = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            if (i != 2) {
                RecordedUse use = futures.get(i).get();
                assertThat(use.replayed()).isFalse();
                ordinals.add(use.useOrdinal().getAsLong());
            }
        }
        assertThat(ordinals).containsExactly(1L, 2L, 3L, 4L);
        StorageException failure = (StorageException) catchThrowableOfType(ExecutionException.class, futures.get(2)::get)
                .getCause();
        assertThat(failure.eventId()).contains(eventId);
        assertNamesTheStateButNotTheRow(failure);
        assertThat(heard).hasSize(1);
        assertThat(heard.get(0).uses()).isEqualTo(1);
        assertNamesTheStateButNotTheRow(heard.get(0).cause());
        assertThat(logged).contains(eventId).contains("SQLSTATE " + checkViolation())
                .doesNotContain(SECRET_USER).doesNotContain(SECRET_PROMPT);
        assertThat(db.usesOf(modelId)).isEqualTo(4);
    }

    /**
     * Guards: group commit. Synchronous calls that share one transaction with a poison use all
     * succeed but the poison's own caller. The calls queue behind a leader that waits on a row
     * lock held here, so they are certainly in one group when it is released.
     */
    @Test
    void poisonUse_sharingAGroupCommitTransaction_failsOnlyItsOwnCaller() throws Exception {
        String modelId = newModel();
        int others = 4;
        String poisonId = "poison-group-" + modelId;
        addPoisonCheck();
        try {
            FutureTask<RecordedUse> leader = new FutureTask<>(() -> lossy.logModelUsage(use(modelId, "leader", null)));
            List<FutureTask<RecordedUse>> calls = new ArrayList<>();
            List<Thread> threads = new ArrayList<>();
            CountDownLatch go = new CountDownLatch(1);
            for (int i = 0; i <= others; i++) {
                UsageRequest request = i == others ? poison(modelId, poisonId) : use(modelId, "user-" + i, null);
                FutureTask<RecordedUse> call = new FutureTask<>(() -> {
                    go.await();
                    return lossy.logModelUsage(request);
                });
                calls.add(call);
                threads.add(new Thread(call, "group-caller-" + i));
            }
            long retries = lossy.retries();
            int connectionsAfterRelease;
            Thread leaderThread = new Thread(leader, "group-leader");
            try (Handle holder = db.jdbi.open()) {
                holder.begin();
                holder.execute("UPDATE " + db.table("model_creator_earnings") + " SET total_uses = total_uses"
                        + " WHERE model_id = ?", modelId);
                leaderThread.start();
                awaitUntil("the leader is in its transaction", () -> inFrame(leaderThread, "UsageWriter", "write"));
                threads.forEach(Thread::start);
                go.countDown();
                awaitUntil("every caller waits in the leader's lane",
                        () -> threads.stream().allMatch(t -> inFrame(t, "GroupCommit", "record")
                                && inFrame(t, null, "awaitUninterruptibly")));
                assertThat(leader).as("the leader waits for the row lock").isNotDone();
                connectionsAfterRelease = faulty.connectionRequests.get();
                holder.rollback();
            }
            assertThat(leader.get(30, TimeUnit.SECONDS).useOrdinal()).isEqualTo(OptionalLong.of(1));
            List<Long> ordinals = new ArrayList<>();
            for (int i = 0; i < others; i++) {
                RecordedUse use = calls.get(i).get(30, TimeUnit.SECONDS);
                assertThat(use.replayed()).isFalse();
                ordinals.add(use.useOrdinal().getAsLong());
            }
            assertThat(ordinals).containsExactlyInAnyOrder(2L, 3L, 4L, 5L);
            Throwable poisoned = catchThrowableOfType(ExecutionException.class, () -> calls.get(others).get(30, TimeUnit.SECONDS))
                    .getCause();
            assertThat(poisoned).isInstanceOf(StorageException.class);
            assertThat(((StorageException) poisoned).eventId()).contains(poisonId);
            assertThat(((StorageException) poisoned).isTransient()).isFalse();
            assertNamesTheStateButNotTheRow(poisoned);
            // The group's one transaction, which failed, then each of its calls alone.
            assertThat(faulty.connectionRequests.get() - connectionsAfterRelease).isEqualTo(1 + others + 1);
            assertThat(lossy.retries()).isEqualTo(retries);
            assertThat(db.usesOf(modelId)).isEqualTo(1 + others);
        } finally {
            dropPoisonCheck();
        }
        assertThat(earnings.verifyIntegrity().isClean()).isTrue();
    }

    static boolean inFrame(Thread thread, String classSuffix, String method) {
        return Arrays.stream(thread.getStackTrace()).anyMatch(f -> f.getMethodName().equals(method)
                && (classSuffix == null || f.getClassName().endsWith("." + classSuffix)));
    }

    static void awaitUntil(String what, Supplier<Boolean> condition) throws InterruptedException {
        Await.until(what, 10, condition::get);
    }
}
