package dev.earnings.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.earnings.core.InvalidInputException;
import dev.earnings.core.ModelPricing;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

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
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<Future<Boolean>> attempts = new ArrayList<>();
        try {
            for (int i = 0; i < threads * 3; i++) {
                int n = i;
                attempts.add(pool.submit(() -> {
                    start.await();
                    try {
                        earnings.payouts().create(ADMIN, PayoutRequest.of(creator, 700, "race-" + n));
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
}
