package dev.earnings.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.earnings.core.EarningsCalculator;
import dev.earnings.core.EarningsException;
import dev.earnings.core.InvalidConfigurationException;
import dev.earnings.core.InvalidInputException;
import dev.earnings.core.ModelPricing;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Currency;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Payouts: reservations, transitions, races and bulk runs, run against each database by a
 * subclass. Every test pays a creator of its own, whose balance it sets up by recording uses.
 */
abstract class PayoutSuite extends DatabaseSuite {
    static final Instant NOW = Instant.parse("2026-03-10T12:00:00Z");
    static final Caller ADMIN = Caller.admin("admin-7");

    @Override
    Instant start() {
        return NOW;
    }

    /** A new creator whose model earned {@code uses x perUse} (all in the first tier, image generation). */
    static String creatorEarning(Earnings earnings, String perUse, int uses) {
        String creator = "payee-" + UUID.randomUUID();
        String model = "model-" + UUID.randomUUID();
        earnings.models().register(model, creator, ModelPricing.of(perUse, "0"));
        for (int i = 0; i < uses; i++) {
            earnings.logModelUsage("user-" + i, model, 0, "image_generation", null);
        }
        return creator;
    }

    String creatorEarning(String perUse, int uses) {
        return creatorEarning(earnings, perUse, uses);
    }

    long payoutRows() {
        return db.count("earnings_transactions");
    }

    @Test
    void create_reservesTheAmountAndCompleteMovesItToPaidOut() {
        String creator = creatorEarning("1", 50);
        Payout payout = earnings.payouts().create(ADMIN, PayoutRequest.of(creator, 1_000, "march-1").note("March, first half"));

        assertThat(payout.status()).isEqualTo(PayoutStatus.PENDING);
        assertThat(payout.amount().amount()).isEqualByComparingTo("10.00");
        assertThat(payout.createdBy()).isEqualTo("admin-7");
        Balance reserved = earnings.analytics().balance(ADMIN, creator);
        assertThat(reserved.earned().amount()).isEqualByComparingTo("50");
        assertThat(reserved.pending().amount()).isEqualByComparingTo("10");
        assertThat(reserved.available().amount()).isEqualByComparingTo("40");

        clock.set(NOW.plusSeconds(60));
        Payout completed = earnings.payouts().complete(Caller.admin("admin-8"), payout.id(), "wire 55-A");
        assertThat(completed.status()).isEqualTo(PayoutStatus.COMPLETED);
        assertThat(completed.updatedBy()).isEqualTo("admin-8");
        assertThat(completed.updatedAt()).isEqualTo(NOW.plusSeconds(60));
        assertThat(completed.statusReason()).contains("wire 55-A");
        Balance paid = earnings.analytics().balance(ADMIN, creator);
        assertThat(paid.pending().isZero()).isTrue();
        assertThat(paid.paidOut().amount()).isEqualByComparingTo("10");
        assertThat(paid.available().amount()).isEqualByComparingTo("40");

        assertThat(earnings.payouts().history(ADMIN, payout.id())).containsExactly(
                new PayoutEvent(Optional.empty(), PayoutStatus.PENDING, "admin-7", NOW, Optional.of("March, first half")),
                new PayoutEvent(Optional.of(PayoutStatus.PENDING), PayoutStatus.COMPLETED, "admin-8", NOW.plusSeconds(60),
                        Optional.of("wire 55-A")));
        clock.set(NOW);
    }

    @Test
    void failAndCancel_releaseTheAmount() {
        String creator = creatorEarning("1", 20);
        Payout first = earnings.payouts().create(ADMIN, PayoutRequest.of(creator, 1_500, "r1"));
        assertThatThrownBy(() -> earnings.payouts().create(ADMIN, PayoutRequest.of(creator, 600, "r2")))
                .isInstanceOf(InsufficientFundsException.class).hasMessageContaining("500 available");
        earnings.payouts().fail(ADMIN, first.id(), "bank rejected the account");
        Payout second = earnings.payouts().create(ADMIN, PayoutRequest.of(creator, 2_000, "r3"));
        earnings.payouts().cancel(ADMIN, second.id(), null);
        assertThat(earnings.analytics().balance(ADMIN, creator).availableMinor()).isEqualTo(2_000);
    }

    @Test
    void onlyPendingPayoutsMove_andOnlyOnce() {
        String creator = creatorEarning("1", 10);
        Payout payout = earnings.payouts().create(ADMIN, PayoutRequest.of(creator, 100, "once"));
        earnings.payouts().complete(ADMIN, payout.id(), null);
        for (PayoutStatus to : List.of(PayoutStatus.COMPLETED, PayoutStatus.FAILED, PayoutStatus.CANCELLED)) {
            Throwable thrown = catchThrowable(() -> {
                if (to == PayoutStatus.COMPLETED) {
                    earnings.payouts().complete(ADMIN, payout.id(), null);
                } else if (to == PayoutStatus.FAILED) {
                    earnings.payouts().fail(ADMIN, payout.id(), "late");
                } else {
                    earnings.payouts().cancel(ADMIN, payout.id(), null);
                }
            });
            assertThat(thrown).isInstanceOf(IllegalPayoutTransitionException.class)
                    .hasMessageContaining("is COMPLETED and cannot become " + to);
        }
        assertThat(earnings.payouts().history(ADMIN, payout.id())).hasSize(2);
    }

    @Test
    void badPayoutInput_isRejectedAndWritesNothing() {
        String creator = creatorEarning("1", 5);
        long before = payoutRows();
        assertThatThrownBy(() -> earnings.payouts().create(ADMIN, PayoutRequest.of(creator, 0, "zero")))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("amountMinor");
        assertThatThrownBy(() -> earnings.payouts().create(ADMIN, PayoutRequest.of(creator, -5, "neg")))
                .isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> earnings.payouts().create(ADMIN, PayoutRequest.of(creator, 1, " ")))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("reference");
        assertThatThrownBy(() -> earnings.payouts().create(ADMIN, PayoutRequest.of("creator-nobody", 1, "r")))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("not a known creator");
        assertThatThrownBy(() -> earnings.payouts().create(ADMIN, PayoutRequest.of(creator, 1, "r").note("n".repeat(2001))))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("note");
        assertThatThrownBy(() -> earnings.payouts().complete(ADMIN, 987_654_321L, null))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("payoutId");
        Payout payout = earnings.payouts().create(ADMIN, PayoutRequest.of(creator, 100, "needs-reason"));
        assertThatThrownBy(() -> earnings.payouts().fail(ADMIN, payout.id(), " "))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("reason");
        assertThat(earnings.payouts().find(ADMIN, payout.id()).orElseThrow().status()).isEqualTo(PayoutStatus.PENDING);
        assertThat(payoutRows()).isEqualTo(before + 1);
    }

    @Test
    void reference_makesCreationReplaySafe() {
        String creator = creatorEarning("1", 10);
        Payout first = earnings.payouts().create(ADMIN, PayoutRequest.of(creator, 300, "inv-2026-03"));
        long rows = payoutRows();
        Payout again = earnings.payouts().create(ADMIN, PayoutRequest.of(creator, 300, "inv-2026-03"));
        assertThat(again).isEqualTo(first);
        assertThat(payoutRows()).isEqualTo(rows);
        assertThatThrownBy(() -> earnings.payouts().create(ADMIN, PayoutRequest.of(creator, 301, "inv-2026-03")))
                .isInstanceOf(PayoutReferenceConflictException.class).hasMessageContaining("300");
        // Another creator may use the same reference.
        String other = creatorEarning("1", 10);
        assertThat(earnings.payouts().create(ADMIN, PayoutRequest.of(other, 300, "inv-2026-03")).id()).isNotEqualTo(first.id());
    }

    @Test
    void subCentRemainder_staysInTheBalance() {
        String creator = creatorEarning("0.333", 3);
        Balance before = earnings.analytics().balance(ADMIN, creator);
        assertThat(before.earned().amount()).isEqualByComparingTo("0.999");
        assertThat(before.availableMinor()).isEqualTo(99);
        assertThatThrownBy(() -> earnings.payouts().create(ADMIN, PayoutRequest.of(creator, 100, "too-much")))
                .isInstanceOf(InsufficientFundsException.class);
        earnings.payouts().create(ADMIN, PayoutRequest.of(creator, 99, "all"));
        Balance after = earnings.analytics().balance(ADMIN, creator);
        assertThat(after.available().amount()).isEqualByComparingTo("0.009");
        assertThat(after.availableMinor()).isZero();
    }

    @Test
    void concurrentPayouts_neverReserveMoreThanAvailable() throws Exception {
        String creator = creatorEarning("1", 50);
        int threads = 16;
        CountDownLatch start = new CountDownLatch(1);
        InFlight race = new InFlight();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<Future<Boolean>> attempts = new ArrayList<>();
        try {
            for (int i = 0; i < threads * 3; i++) {
                int n = i;
                attempts.add(pool.submit(() -> {
                    start.await();
                    try {
                        race.call("create", () -> earnings.payouts().create(ADMIN, PayoutRequest.of(creator, 700, "race-" + n)));
                        return true;
                    } catch (InsufficientFundsException e) {
                        return false;
                    }
                }));
            }
            start.countDown();
            long created = 0;
            for (Future<Boolean> f : attempts) {
                created += f.get(60, TimeUnit.SECONDS) ? 1 : 0;
            }
            assertThat(created).isEqualTo(7);
            assertThat(race.maxInFlight()).as("payouts in flight at once").isGreaterThan(1);
        } finally {
            pool.shutdownNow();
        }
        long reserved = db.jdbi.withHandle(h -> h.createQuery("SELECT SUM(amount_minor) FROM "
                + db.table("earnings_transactions") + " WHERE creator_id = ?").bind(0, creator).mapTo(Long.class).one());
        assertThat(reserved).isEqualTo(4_900);
        assertThat(earnings.analytics().balance(ADMIN, creator).availableMinor()).isEqualTo(100);
    }

    @Test
    void concurrentCompleteAndFail_exactlyOneWins() throws Exception {
        String creator = creatorEarning("1", 30);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (int i = 0; i < 15; i++) {
                Payout payout = earnings.payouts().create(ADMIN, PayoutRequest.of(creator, 100, "duel-" + i));
                CountDownLatch start = new CountDownLatch(1);
                Future<PayoutStatus> complete = pool.submit(() -> {
                    start.await();
                    try {
                        return earnings.payouts().complete(Caller.admin("admin-a"), payout.id(), null).status();
                    } catch (IllegalPayoutTransitionException e) {
                        return null;
                    }
                });
                Future<PayoutStatus> fail = pool.submit(() -> {
                    start.await();
                    try {
                        return earnings.payouts().fail(Caller.admin("admin-b"), payout.id(), "duel").status();
                    } catch (IllegalPayoutTransitionException e) {
                        return null;
                    }
                });
                start.countDown();
                PayoutStatus completed = complete.get(30, TimeUnit.SECONDS);
                PayoutStatus failed = fail.get(30, TimeUnit.SECONDS);
                assertThat(completed == null ^ failed == null).as("exactly one of complete and fail wins").isTrue();
                PayoutStatus winner = completed != null ? completed : failed;
                assertThat(earnings.payouts().find(ADMIN, payout.id()).orElseThrow().status()).isEqualTo(winner);
                assertThat(earnings.payouts().history(ADMIN, payout.id())).hasSize(2);
            }
        } finally {
            pool.shutdownNow();
        }
        // And once for certain: complete is written and held at its commit, fail starts meanwhile
        // and waits for the payout's row, then finds it completed.
        Payout payout = earnings.payouts().create(ADMIN, PayoutRequest.of(creator, 100, "held-duel"));
        CommitGate gate = new CommitGate();
        ExecutorService duel = Executors.newFixedThreadPool(2);
        try (Earnings held = gated(gate).build()) {
            gate.arm();
            Future<Payout> complete = duel.submit(() -> held.payouts().complete(Caller.admin("admin-a"), payout.id(), null));
            gate.awaitHeld();
            Future<Payout> fail = duel.submit(() -> earnings.payouts().fail(Caller.admin("admin-b"), payout.id(), "duel"));
            Thread.sleep(300);
            assertThat(complete).isNotDone();
            assertThat(fail).as("fail waits for the row complete holds").isNotDone();
            gate.open();
            assertThat(complete.get(30, TimeUnit.SECONDS).status()).isEqualTo(PayoutStatus.COMPLETED);
            assertThatThrownBy(() -> fail.get(30, TimeUnit.SECONDS)).hasCauseInstanceOf(IllegalPayoutTransitionException.class);
        } finally {
            duel.shutdownNow();
        }
        assertThat(earnings.payouts().history(ADMIN, payout.id())).hasSize(2);
    }

    @Test
    void bulkPayout_dryRunThenRunThenReplay_andBulkTransitions() {
        try (TestDatabase own = openDatabase(); Earnings e = own.builder().clock(clock).build()) {
            String rich = creatorEarning(e, "1", 30);
            String modest = creatorEarning(e, "0.25", 10);
            String poor = creatorEarning(e, "0.001", 3);
            long rows = own.count("earnings_transactions");

            BulkPayoutResult dry = e.payouts().payoutAll(ADMIN, BulkPayoutRequest.of("2026-03").threshold(1_000).dryRun(true));
            Map<String, BulkPayoutResult.Item> dryItems = dry.items().stream()
                    .collect(Collectors.toMap(BulkPayoutResult.Item::creatorId, i -> i));
            assertThat(dryItems.get(rich).outcome()).isEqualTo(BulkPayoutResult.Outcome.WOULD_CREATE);
            assertThat(dryItems.get(rich).availableMinor()).isEqualTo(3_000);
            assertThat(dryItems.get(modest).outcome()).isEqualTo(BulkPayoutResult.Outcome.BELOW_THRESHOLD);
            assertThat(dryItems).doesNotContainKey(poor);
            assertThat(own.count("earnings_transactions")).isEqualTo(rows);

            BulkPayoutResult run = e.payouts().payoutAll(ADMIN, BulkPayoutRequest.of("2026-03").threshold(200));
            Map<String, BulkPayoutResult.Item> items = run.items().stream()
                    .collect(Collectors.toMap(BulkPayoutResult.Item::creatorId, i -> i));
            assertThat(items.get(rich).outcome()).isEqualTo(BulkPayoutResult.Outcome.CREATED);
            assertThat(items.get(rich).payout().orElseThrow().amountMinor()).isEqualTo(3_000);
            assertThat(items.get(modest).outcome()).isEqualTo(BulkPayoutResult.Outcome.CREATED);
            assertThat(items.get(modest).payout().orElseThrow().amountMinor()).isEqualTo(250);
            assertThat(items.get(rich).payout().orElseThrow().reference()).isEqualTo("2026-03:" + rich);
            assertThat(own.count("earnings_transactions")).isEqualTo(rows + 2);

            BulkPayoutResult again = e.payouts().payoutAll(ADMIN, BulkPayoutRequest.of("2026-03").threshold(200));
            assertThat(again.items()).extracting(BulkPayoutResult.Item::outcome)
                    .containsOnly(BulkPayoutResult.Outcome.ALREADY_CREATED);
            assertThat(own.count("earnings_transactions")).isEqualTo(rows + 2);

            long richId = items.get(rich).payout().orElseThrow().id();
            long modestId = items.get(modest).payout().orElseThrow().id();
            List<PayoutResult> completed = e.payouts().completeAll(ADMIN, List.of(richId, 424_242L), "batch wire");
            assertThat(completed.get(0).succeeded()).isTrue();
            assertThat(completed.get(1).succeeded()).isFalse();
            assertThat(completed.get(1).error().orElseThrow()).contains("payoutId");
            List<PayoutResult> failed = e.payouts().failAll(ADMIN, List.of(modestId, richId), "account closed");
            assertThat(failed.get(0).payout().orElseThrow().status()).isEqualTo(PayoutStatus.FAILED);
            assertThat(failed.get(1).error().orElseThrow()).contains("COMPLETED");

            TransactionSummary summary = e.admin().transactionSummary(ADMIN);
            assertThat(summary.byStatus().get(PayoutStatus.COMPLETED).amountMinor()).isEqualTo(3_000);
            assertThat(summary.byStatus().get(PayoutStatus.FAILED).count()).isEqualTo(1);
            assertThat(summary.byStatus().get(PayoutStatus.PENDING).count()).isZero();
            assertThat(e.analytics().balance(ADMIN, modest).availableMinor()).isEqualTo(250);
        }
    }

    @Test
    void dashboard_showsTheCreatorsBalanceAndLatestPayouts() {
        String creator = creatorEarning("1", 12);
        Payout first = earnings.payouts().create(ADMIN, PayoutRequest.of(creator, 200, "d1"));
        clock.set(NOW.plusSeconds(5));
        Payout second = earnings.payouts().create(ADMIN, PayoutRequest.of(creator, 300, "d2"));
        earnings.payouts().complete(ADMIN, first.id(), null);
        clock.set(NOW);
        CreatorDashboard dashboard = earnings.analytics().creatorDashboard(Caller.creator(creator), creator,
                DashboardQuery.of(ReportPeriod.lastDays(7)));
        assertThat(dashboard.balance().earned().amount()).isEqualByComparingTo("12");
        assertThat(dashboard.balance().paidOut().amount()).isEqualByComparingTo("2");
        assertThat(dashboard.balance().pending().amount()).isEqualByComparingTo("3");
        assertThat(dashboard.balance().available().amount()).isEqualByComparingTo(new BigDecimal("7"));
        assertThat(dashboard.recentTransactions()).extracting(Payout::id).containsExactly(second.id(), first.id());
        assertThat(earnings.payouts().find(Caller.creator(creator), second.id())).isPresent();
        // Another creator cannot see it, and cannot tell it exists.
        String other = creatorEarning("1", 1);
        assertThat(earnings.payouts().find(Caller.creator(other), second.id())).isEmpty();
        assertThatThrownBy(() -> earnings.analytics().creatorDashboard(Caller.creator(other), creator,
                DashboardQuery.of(ReportPeriod.lastDays(7)))).isInstanceOf(AccessDeniedException.class);
    }

    // ------------------------------------------------------------------ final statuses

    Payout move(Caller caller, long payoutId, PayoutStatus to) {
        switch (to) {
            case COMPLETED:
                return earnings.payouts().complete(caller, payoutId, "paid after all");
            case FAILED:
                return earnings.payouts().fail(caller, payoutId, "failed after all");
            default:
                return earnings.payouts().cancel(caller, payoutId, "cancelled after all");
        }
    }

    @ParameterizedTest(name = "out of {0}")
    @EnumSource(value = PayoutStatus.class, names = {"FAILED", "CANCELLED"})
    void failedAndCancelledPayouts_moveNowhere_andARefusedMoveChangesNothing(PayoutStatus terminal) {
        String creator = creatorEarning("1", 10);
        Payout payout = earnings.payouts().create(ADMIN, PayoutRequest.of(creator, 300, "final-" + terminal));
        Payout ended = move(Caller.admin("admin-9"), payout.id(), terminal);
        assertThat(ended.status()).isEqualTo(terminal);
        List<PayoutEvent> history = earnings.payouts().history(ADMIN, payout.id());
        assertThat(history).extracting(PayoutEvent::to).containsExactly(PayoutStatus.PENDING, terminal);
        Balance balance = earnings.analytics().balance(ADMIN, creator);
        assertThat(balance.availableMinor()).as("the funds were released").isEqualTo(1_000);
        long payouts = payoutRows();
        long events = db.count("earnings_transaction_events");
        try {
            clock.set(NOW.plusSeconds(90));
            for (PayoutStatus to : PayoutStatus.values()) {
                if (to == PayoutStatus.PENDING) {
                    continue;
                }
                Throwable thrown = catchThrowable(() -> move(Caller.admin("admin-10"), payout.id(), to));
                assertThat(thrown).as("%s to %s", terminal, to).isInstanceOf(IllegalPayoutTransitionException.class)
                        .hasMessageContaining("is " + terminal + " and cannot become " + to);
                IllegalPayoutTransitionException refused = (IllegalPayoutTransitionException) thrown;
                assertThat(refused.payoutId()).isEqualTo(payout.id());
                assertThat(refused.from()).isEqualTo(terminal);
                assertThat(refused.to()).isEqualTo(to);
                // Nothing changed: not the payout (status, who, when, why), its history or the balance.
                assertThat(earnings.payouts().find(ADMIN, payout.id())).contains(ended);
                assertThat(earnings.payouts().history(ADMIN, payout.id())).isEqualTo(history);
                assertThat(earnings.analytics().balance(ADMIN, creator)).isEqualTo(balance);
                assertThat(payoutRows()).isEqualTo(payouts);
                assertThat(db.count("earnings_transaction_events")).isEqualTo(events);
            }
            // The bulk transitions refuse it the same way, item by item.
            assertThat(earnings.payouts().completeAll(ADMIN, List.of(payout.id()), null)).singleElement()
                    .satisfies(r -> assertThat(r.error().orElseThrow()).contains("is " + terminal + " and cannot become"));
            assertThat(earnings.payouts().failAll(ADMIN, List.of(payout.id()), "again")).singleElement()
                    .satisfies(r -> assertThat(r.succeeded()).isFalse());
            assertThat(earnings.payouts().find(ADMIN, payout.id())).contains(ended);
            assertThat(db.count("earnings_transaction_events")).isEqualTo(events);
        } finally {
            clock.set(NOW);
        }
    }

    // ------------------------------------------------------------------ concurrent creation

    /** Runs {@code calls} at once, each on its own thread, and returns what each returned or threw. */
    static List<Object> atOnce(InFlight race, String side, List<java.util.concurrent.Callable<Object>> calls) throws Exception {
        CyclicBarrier start = new CyclicBarrier(calls.size());
        ExecutorService pool = Executors.newFixedThreadPool(calls.size());
        try {
            List<Future<Object>> futures = new ArrayList<>();
            for (java.util.concurrent.Callable<Object> call : calls) {
                futures.add(pool.submit(() -> {
                    start.await(30, TimeUnit.SECONDS);
                    try {
                        return race.callTogether(side, call);
                    } catch (EarningsException e) {
                        return e;
                    }
                }));
            }
            List<Object> outcomes = new ArrayList<>();
            for (Future<Object> f : futures) {
                outcomes.add(f.get(60, TimeUnit.SECONDS));
            }
            return outcomes;
        } finally {
            pool.shutdownNow();
        }
    }

    long rowsWithReference(String creator, String reference) {
        return db.jdbi.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM " + db.table("earnings_transactions")
                + " WHERE creator_id = ? AND reference = ?").bind(0, creator).bind(1, reference).mapTo(Long.class).one());
    }

    @Test
    void concurrentCreations_withOneReferenceAndOneAmount_makeOnePayout_thatEveryCallerGets() throws Exception {
        String creator = creatorEarning("1", 20);
        InFlight race = new InFlight();
        List<java.util.concurrent.Callable<Object>> calls = new ArrayList<>();
        for (int t = 0; t < 16; t++) {
            calls.add(() -> earnings.payouts().create(ADMIN, PayoutRequest.of(creator, 700, "one-ref")));
        }
        List<Object> outcomes = atOnce(race, "create", calls);
        assertThat(race.maxInFlight()).as("creations in flight at once").isGreaterThan(1);
        assertThat(outcomes).allMatch(o -> o instanceof Payout);
        Payout first = (Payout) outcomes.get(0);
        assertThat(outcomes).containsOnly(first);
        assertThat(rowsWithReference(creator, "one-ref")).isEqualTo(1);
        assertThat(earnings.payouts().history(ADMIN, first.id())).hasSize(1);
        Balance balance = earnings.analytics().balance(ADMIN, creator);
        assertThat(balance.pending().amount()).isEqualByComparingTo("7");
        assertThat(balance.availableMinor()).isEqualTo(1_300);
    }

    @Test
    void concurrentCreations_withOneReferenceAndDifferentAmounts_oneWins_theOthersConflictOrGetIt() throws Exception {
        String creator = creatorEarning("1", 20);
        InFlight race = new InFlight();
        List<Long> amounts = new ArrayList<>();
        List<java.util.concurrent.Callable<Object>> calls = new ArrayList<>();
        for (int t = 0; t < 15; t++) {
            long amount = 100L * (1 + t % 3);
            amounts.add(amount);
            calls.add(() -> earnings.payouts().create(ADMIN, PayoutRequest.of(creator, amount, "contested")));
        }
        List<Object> outcomes = atOnce(race, "create", calls);
        assertThat(race.maxInFlight()).as("creations in flight at once").isGreaterThan(1);
        assertThat(rowsWithReference(creator, "contested")).isEqualTo(1);
        Payout winner = earnings.payouts().find(ADMIN, ((Payout) outcomes.stream().filter(o -> o instanceof Payout)
                .findFirst().orElseThrow()).id()).orElseThrow();
        for (int t = 0; t < outcomes.size(); t++) {
            if (amounts.get(t) == winner.amountMinor()) {
                assertThat(outcomes.get(t)).as("caller %d, asking %d", t, amounts.get(t)).isEqualTo(winner);
            } else {
                assertThat(outcomes.get(t)).as("caller %d, asking %d", t, amounts.get(t))
                        .isInstanceOf(PayoutReferenceConflictException.class);
                assertThat(((PayoutReferenceConflictException) outcomes.get(t)).field()).isEqualTo("reference");
            }
        }
        assertThat(earnings.analytics().balance(ADMIN, creator).pending().amount())
                .isEqualByComparingTo(winner.amount().amount());
        assertThat(earnings.payouts().history(ADMIN, winner.id())).hasSize(1);
    }

    @Test
    void concurrentPayoutsOfRandomAmounts_neverReserveMoreThanWasEarned() throws Exception {
        long seed = Long.getLong("earnings.test.seed", 20260310L);
        java.util.Random random = new java.util.Random(seed);
        String creator = creatorEarning("1", 40);
        InFlight race = new InFlight();
        List<Long> amounts = new ArrayList<>();
        List<java.util.concurrent.Callable<Object>> calls = new ArrayList<>();
        for (int t = 0; t < 24; t++) {
            long amount = 1 + random.nextInt(900);
            String reference = "random-" + t;
            amounts.add(amount);
            calls.add(() -> earnings.payouts().create(ADMIN, PayoutRequest.of(creator, amount, reference)));
        }
        assertThat(amounts.stream().mapToLong(Long::longValue).sum()).as("asked in all (seed %d)", seed).isGreaterThan(4_000);
        List<Object> outcomes = atOnce(race, "create", calls);
        assertThat(race.maxInFlight()).as("payouts in flight at once (seed %d)", seed).isGreaterThan(1);
        long created = 0;
        List<Long> refused = new ArrayList<>();
        for (int t = 0; t < outcomes.size(); t++) {
            if (outcomes.get(t) instanceof Payout) {
                created += amounts.get(t);
            } else {
                assertThat(outcomes.get(t)).as("seed %d", seed).isInstanceOf(InsufficientFundsException.class);
                refused.add(amounts.get(t));
            }
        }
        long reserved = db.jdbi.withHandle(h -> h.createQuery("SELECT SUM(amount_minor) FROM "
                + db.table("earnings_transactions") + " WHERE creator_id = ?").bind(0, creator).mapTo(Long.class).one());
        assertThat(reserved).as("reserved (seed %d)", seed).isEqualTo(created).isLessThanOrEqualTo(4_000);
        long available = earnings.analytics().balance(ADMIN, creator).availableMinor();
        assertThat(available).as("available (seed %d)", seed).isEqualTo(4_000 - reserved);
        // Available only fell during the run, so every refused amount was more than is left now.
        assertThat(refused).as("refused amounts (seed %d)", seed).isNotEmpty().allMatch(a -> a > available);
    }

    @Test
    void concurrentBulkPayouts_ofOneBatchPayEachCreatorOnce_andOfTwoBatchesOverdrawNobody() throws Exception {
        try (TestDatabase own = openDatabase(); Earnings e = own.builder().clock(clock).build()) {
            List<String> first = new ArrayList<>();
            for (int c = 0; c < 12; c++) {
                first.add(creatorEarning(e, "1", 2 + c % 3));
            }
            InFlight race = new InFlight();
            List<Object> twice = atOnceOnTwoSides(race, () -> e.payouts().payoutAll(ADMIN, BulkPayoutRequest.of("twice")),
                    () -> e.payouts().payoutAll(ADMIN, BulkPayoutRequest.of("twice")));
            assertThat(race.crossings()).as("the two runs were in flight at once").isPositive();
            Map<String, List<BulkPayoutResult.Item>> byCreator = items(twice);
            for (String creator : first) {
                long earned = 100L * (2 + first.indexOf(creator) % 3);
                assertThat(byCreator.get(creator)).extracting(BulkPayoutResult.Item::outcome).as(creator)
                        .containsExactlyInAnyOrder(BulkPayoutResult.Outcome.CREATED, BulkPayoutResult.Outcome.ALREADY_CREATED);
                assertThat(byCreator.get(creator)).extracting(i -> i.payout().orElseThrow()).as(creator)
                        .containsOnly(byCreator.get(creator).get(0).payout().orElseThrow());
                assertThat(byCreator.get(creator).get(0).payout().orElseThrow().amountMinor()).isEqualTo(earned);
                assertThat(own.count("earnings_transactions")).isEqualTo(first.size());
                assertThat(e.analytics().balance(ADMIN, creator).availableMinor()).isZero();
            }

            List<String> second = new ArrayList<>();
            for (int c = 0; c < 12; c++) {
                second.add(creatorEarning(e, "1", 2 + c % 3));
            }
            InFlight race2 = new InFlight();
            List<Object> two = atOnceOnTwoSides(race2, () -> e.payouts().payoutAll(ADMIN, BulkPayoutRequest.of("batch-a")),
                    () -> e.payouts().payoutAll(ADMIN, BulkPayoutRequest.of("batch-b")));
            assertThat(race2.crossings()).as("the two batches were in flight at once").isPositive();
            Map<String, List<BulkPayoutResult.Item>> paid = items(two);
            for (String creator : second) {
                long earned = 100L * (2 + second.indexOf(creator) % 3);
                List<Map<String, Object>> rows = own.jdbi.withHandle(h -> h.createQuery("SELECT reference, amount_minor FROM "
                        + own.table("earnings_transactions") + " WHERE creator_id = ?").bind(0, creator).mapToMap().list());
                assertThat(rows).as("payouts of %s", creator).hasSize(1);
                assertThat(((Number) rows.get(0).get("amount_minor")).longValue()).isEqualTo(earned);
                assertThat(paid.get(creator)).extracting(BulkPayoutResult.Item::outcome).as(creator)
                        .contains(BulkPayoutResult.Outcome.CREATED)
                        .doesNotContain(BulkPayoutResult.Outcome.FAILED, BulkPayoutResult.Outcome.ALREADY_CREATED);
                assertThat(e.analytics().balance(ADMIN, creator).availableMinor()).isZero();
            }
            // The creators paid by the first batch were not paid again.
            for (String creator : first) {
                assertThat(paid.getOrDefault(creator, List.of())).allMatch(i -> i.payout().isEmpty());
            }
            assertThat(own.count("earnings_transactions")).isEqualTo(first.size() + second.size());
        }
    }

    /** Two calls at once, one per side; their results in side order. */
    static List<Object> atOnceOnTwoSides(InFlight race, java.util.concurrent.Callable<Object> one,
            java.util.concurrent.Callable<Object> other) throws Exception {
        CyclicBarrier start = new CyclicBarrier(2);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<Object> a = pool.submit(() -> {
                start.await(30, TimeUnit.SECONDS);
                return race.call("one", one);
            });
            Future<Object> b = pool.submit(() -> {
                start.await(30, TimeUnit.SECONDS);
                return race.call("other", other);
            });
            return List.of(a.get(120, TimeUnit.SECONDS), b.get(120, TimeUnit.SECONDS));
        } finally {
            pool.shutdownNow();
        }
    }

    /** The items of bulk results, by creator. */
    static Map<String, List<BulkPayoutResult.Item>> items(List<Object> results) {
        return results.stream().flatMap(r -> ((BulkPayoutResult) r).items().stream())
                .collect(Collectors.groupingBy(BulkPayoutResult.Item::creatorId));
    }

    // ------------------------------------------------------------------ other currencies

    @Test
    void euros_travelThroughStorageInCents_andTheDatabaseThenRefusesAnotherCurrency() {
        EarningsCalculator euros = EarningsCalculator.builder().currency(Currency.getInstance("EUR")).build();
        Currency eur = Currency.getInstance("EUR");
        try (TestDatabase own = openDatabase()) {
            try (Earnings e = own.builder().clock(clock).calculator(euros).build()) {
                e.models().register("eur-model", "eur-creator", ModelPricing.of("0.015", "0.0001"));
                for (int i = 0; i < 3; i++) {
                    RecordedUse use = e.logModelUsage("user-" + i, "eur-model", 5, "image_generation", null);
                    assertThat(use.result().earnings().currency()).isEqualTo(eur);
                    assertThat(use.result().earnings().amount()).isEqualByComparingTo("0.0155");
                }
                Balance balance = e.analytics().balance(ADMIN, "eur-creator");
                assertThat(balance.earned().currency()).isEqualTo(eur);
                assertThat(balance.earned().amount()).isEqualTo(new BigDecimal("0.046500000000"));
                assertThat(balance.availableMinor()).isEqualTo(4);
                Payout payout = e.payouts().create(ADMIN, PayoutRequest.of("eur-creator", 4, "eur-1"));
                assertThat(payout.amount().currency()).isEqualTo(eur);
                assertThat(payout.amount().amount()).isEqualByComparingTo("0.04");
                assertThatThrownBy(() -> e.payouts().create(ADMIN, PayoutRequest.of("eur-creator", 1, "eur-2")))
                        .isInstanceOf(InsufficientFundsException.class);
                Balance after = e.analytics().balance(ADMIN, "eur-creator");
                assertThat(after.pending().amount()).isEqualByComparingTo("0.04");
                assertThat(after.available().amount()).isEqualTo(new BigDecimal("0.006500000000"));
                assertThat(after.available().currency()).isEqualTo(eur);
                assertThat(stored(own)).isEqualTo(List.of(List.of(4L, new BigDecimal("0.040000000000"), "EUR")));
                CreatorDashboard dashboard = e.analytics().creatorDashboard(ADMIN, "eur-creator",
                        DashboardQuery.of(ReportPeriod.lastDays(7)));
                assertThat(dashboard.periodEarnings().currency()).isEqualTo(eur);
                assertThat(dashboard.periodEarnings().amount()).isEqualTo(new BigDecimal("0.046500000000"));
            }
            assertThat(storedCurrency(own)).isEqualTo("EUR");
            for (String other : List.of("USD", "JPY")) {
                EarningsCalculator calculator = EarningsCalculator.builder().currency(Currency.getInstance(other)).build();
                assertThatThrownBy(() -> own.builder().clock(clock).calculator(calculator).build())
                        .isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("EUR").hasMessageContaining(other);
            }
        }
    }

    @Test
    void yen_haveNoMinorDigits_soPayoutsAreWholeYen_andTheRemainderStays() {
        EarningsCalculator yen = EarningsCalculator.builder().currency(Currency.getInstance("JPY")).build();
        Currency jpy = Currency.getInstance("JPY");
        try (TestDatabase own = openDatabase()) {
            try (Earnings e = own.builder().clock(clock).calculator(yen).build()) {
                e.models().register("yen-model", "yen-creator", ModelPricing.of("1.5", "0.25"));
                for (int i = 0; i < 3; i++) {
                    // (1.5 + 2 x 0.25) x 1.0 x 0.8 = 1.6 yen
                    assertThat(e.logModelUsage("user-" + i, "yen-model", 2, "chat", null).result().earnings())
                            .isEqualTo(dev.earnings.core.Money.of(jpy, new BigDecimal("1.600000000000")));
                }
                Balance balance = e.analytics().balance(ADMIN, "yen-creator");
                assertThat(balance.earned().amount()).isEqualTo(new BigDecimal("4.800000000000"));
                assertThat(balance.availableMinor()).isEqualTo(4);
                Payout payout = e.payouts().create(ADMIN, PayoutRequest.of("yen-creator", 4, "yen-1"));
                assertThat(payout.amount().currency()).isEqualTo(jpy);
                assertThat(payout.amount().amount()).isEqualByComparingTo("4");
                assertThatThrownBy(() -> e.payouts().create(ADMIN, PayoutRequest.of("yen-creator", 1, "yen-2")))
                        .isInstanceOf(InsufficientFundsException.class);
                e.payouts().complete(ADMIN, payout.id(), "furikomi");
                Balance after = e.analytics().balance(ADMIN, "yen-creator");
                assertThat(after.paidOut().amount()).isEqualByComparingTo("4");
                assertThat(after.available().amount()).isEqualTo(new BigDecimal("0.800000000000"));
                assertThat(after.availableMinor()).isZero();
                assertThat(stored(own)).isEqualTo(List.of(List.of(4L, new BigDecimal("4.000000000000"), "JPY")));
            }
            assertThat(storedCurrency(own)).isEqualTo("JPY");
            assertThatThrownBy(() -> own.builder().clock(clock).build()).isInstanceOf(InvalidConfigurationException.class)
                    .hasMessageContaining("JPY").hasMessageContaining("USD");
        }
    }

    /** Each stored payout: minor units, amount and currency. */
    static List<List<Object>> stored(TestDatabase db) {
        return db.jdbi.withHandle(h -> h.createQuery("SELECT amount_minor, amount, currency FROM "
                + db.table("earnings_transactions") + " ORDER BY id")
                .map((rs, ctx) -> List.<Object>of(rs.getLong(1), rs.getBigDecimal(2), rs.getString(3))).list());
    }

    static String storedCurrency(TestDatabase db) {
        return db.jdbi.withHandle(h -> h.createQuery("SELECT setting_value FROM " + db.table("earnings_settings")
                + " WHERE setting_name = 'currency'").mapTo(String.class).one());
    }
}
