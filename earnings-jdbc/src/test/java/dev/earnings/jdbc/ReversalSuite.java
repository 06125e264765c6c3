package dev.earnings.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.earnings.core.InvalidInputException;
import dev.earnings.core.ModelPricing;
import dev.earnings.core.Money;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Reversals of recorded uses, run against each database by a subclass: whole and partial,
 * never beyond what remains, idempotent by correction id, booked on the day they are made,
 * ratings untouched, clawbacks below zero, and races against each other and against payouts.
 * Every figure is compared with a computation of the test's own over the raw rows.
 */
abstract class ReversalSuite extends DatabaseSuite {
    static final Instant NOW = Instant.parse("2026-03-10T12:00:00Z");
    static final Caller ADMIN = Caller.admin("admin-rev");

    @Override
    Instant start() {
        return NOW;
    }

    @BeforeEach
    void resetClock() {
        clock.set(NOW);
    }

    /** A creator of their own, with a model that earns {@code perUse} a use. */
    record Creator(String creatorId, String modelId) {
    }

    Creator newCreator(String perUse) {
        String creator = "creator-" + UUID.randomUUID();
        return new Creator(creator, newModel(creator, ModelPricing.of(perUse, "0")));
    }

    RecordedUse use(Creator c, String eventId) {
        return earnings.logModelUsage(UsageRequest.builder("user-" + UUID.randomUUID(), c.modelId())
                .usageType("image_generation").eventId(eventId).build());
    }

    /** The creator's earnings as the test computes them: the uses' earnings less every reversal of them. */
    BigDecimal netFromRows(String creatorId) {
        return db.jdbi.withHandle(h -> h.createQuery("SELECT (SELECT COALESCE(SUM(earnings), 0) FROM "
                + db.table("model_usage_logs") + " WHERE creator_id = :c) - (SELECT COALESCE(SUM(amount), 0) FROM "
                + db.table("earnings_reversals") + " WHERE creator_id = :c)").bind("c", creatorId).mapTo(BigDecimal.class).one());
    }

    BigDecimal reversedOnDay(String modelId, LocalDate day) {
        return db.jdbi.withHandle(h -> h.createQuery("SELECT reversed FROM " + db.table("model_analytics")
                + " WHERE model_id = :m AND usage_day = :d").bind("m", modelId).bind("d", day).mapTo(BigDecimal.class)
                .findOne().orElse(BigDecimal.ZERO));
    }

    Balance balance(String creatorId) {
        return earnings.analytics().balance(ADMIN, creatorId);
    }

    static Money usd(String amount) {
        return Money.of("USD", amount);
    }

    // ------------------------------------------------------------------ whole and partial

    @Test
    void wholeReversal_takesAllTheUseEarned_lowersLifetimeAndBalance_andLeavesTheUseAsItWas() {
        Creator c = newCreator("1.25");
        RecordedUse first = use(c, "w1-" + c.modelId());
        RecordedUse second = use(c, "w2-" + c.modelId());
        Map<String, Object> rowBefore = usageRow(first.eventId());

        Reversal reversal = earnings.reversals().reverse(ADMIN, ReversalRequest.whole(first.eventId(), "refund-" + c.modelId(),
                "generation failed"));

        assertThat(reversal.amount()).isEqualTo(first.result().earnings());
        assertThat(reversal.remaining()).isEqualTo(usd("0"));
        assertThat(reversal.replayed()).isFalse();
        assertThat(reversal.actor()).isEqualTo("admin-rev");
        assertThat(reversal.reason()).isEqualTo("generation failed");
        assertThat(reversal.reversedAt()).isEqualTo(NOW);
        assertThat(reversal.modelId()).isEqualTo(c.modelId());
        assertThat(reversal.creatorId()).isEqualTo(c.creatorId());
        // The use's row is untouched; the balance is net of the reversal.
        assertThat(usageRow(first.eventId())).isEqualTo(rowBefore);
        Balance balance = balance(c.creatorId());
        assertThat(balance.earned()).isEqualTo(second.result().earnings());
        assertThat(balance.earned().amount()).isEqualByComparingTo(netFromRows(c.creatorId()));
        assertThat(balance.available()).isEqualTo(balance.earned());
        // Ratings are final: the next use continues the ordinals, rated as if nothing was reversed.
        RecordedUse third = use(c, "w3-" + c.modelId());
        assertThat(third.useOrdinal()).isEqualTo(OptionalLong.of(3));
        assertThat(third.result().priorCountedUses()).isEqualTo(2);
        assertThat(earnings.verifyIntegrity().isClean()).isTrue();
    }

    @Test
    void partialReversals_takeFromWhatRemains_neverMore_andWholeTakesTheRest() {
        Creator c = newCreator("1");
        RecordedUse u = use(c, "p-" + c.modelId());
        BigDecimal earned = u.result().earnings().amount();
        assertThat(earned).isEqualByComparingTo("1");

        Reversal a = earnings.reversals().reverse(ADMIN, ReversalRequest.partial(u.eventId(), new BigDecimal("0.25"),
                "pa-" + c.modelId(), "a quarter"));
        assertThat(a.amount()).isEqualTo(usd("0.25"));
        assertThat(a.remaining()).isEqualTo(usd("0.75"));
        Reversal b = earnings.reversals().reverse(ADMIN, ReversalRequest.partial(u.eventId(), new BigDecimal("0.000000000001"),
                "pb-" + c.modelId(), "the smallest amount"));
        assertThat(b.remaining()).isEqualTo(usd("0.749999999999"));

        Map<String, Long> before = rowCounts();
        ReversalExceedsRemainderException tooMuch = catchThrowableOfType(ReversalExceedsRemainderException.class,
                () -> earnings.reversals().reverse(ADMIN, ReversalRequest.partial(u.eventId(), new BigDecimal("0.75"),
                        "pc-" + c.modelId(), "too much")));
        assertThat(tooMuch).isNotNull();
        assertThat(tooMuch.remaining()).isEqualTo(usd("0.749999999999"));
        assertThat(tooMuch.getMessage()).contains("amount is 0.75", "has 0.749999999999 left to reverse", u.eventId());
        assertThat(rowCounts()).isEqualTo(before);

        Reversal rest = earnings.reversals().reverse(ADMIN, ReversalRequest.whole(u.eventId(), "pd-" + c.modelId(), "the rest"));
        assertThat(rest.amount()).isEqualTo(usd("0.749999999999"));
        assertThat(rest.remaining()).isEqualTo(usd("0"));
        assertThatThrownBy(() -> earnings.reversals().reverse(ADMIN, ReversalRequest.whole(u.eventId(), "pe-" + c.modelId(),
                "nothing left"))).isInstanceOf(ReversalExceedsRemainderException.class).hasMessageContaining("all that remains");

        assertThat(earnings.reversals().ofUse(ADMIN, u.eventId())).extracting(r -> r.remaining().amount().toPlainString())
                .containsExactly("0.750000000000", "0.749999999999", "0.000000000000");
        assertThat(balance(c.creatorId()).earned()).isEqualTo(usd("0"));
        assertThat(netFromRows(c.creatorId())).isZero();
        assertThat(earnings.verifyIntegrity().isClean()).isTrue();
    }

    @Test
    void aUseThatEarnedNothing_hasNothingToReverse() {
        Creator c = newCreator("1");
        RecordedUse self = earnings.logModelUsage(UsageRequest.builder(c.creatorId(), c.modelId()).usageType("image_generation")
                .eventId("self-" + c.modelId()).build());
        assertThat(self.result().earnings().isZero()).isTrue();
        assertThatThrownBy(() -> earnings.reversals().reverse(ADMIN, ReversalRequest.whole(self.eventId(), "s-" + c.modelId(),
                "self use"))).isInstanceOf(ReversalExceedsRemainderException.class);
    }

    // ------------------------------------------------------------------ correction ids

    @Test
    void aCorrectionId_isAppliedOnce_forever_andAnotherRequestUnderItIsAConflictNamingTheField() {
        Creator c = newCreator("2");
        RecordedUse u = use(c, "c-" + c.modelId());
        RecordedUse other = use(c, "c2-" + c.modelId());
        ReversalRequest half = ReversalRequest.partial(u.eventId(), new BigDecimal("1.0"), "corr-" + c.modelId(), "half");
        Reversal original = earnings.reversals().reverse(ADMIN, half);

        clock.advance(Duration.ofDays(30));
        Reversal again = earnings.reversals().reverse(Caller.admin("another-admin"),
                ReversalRequest.partial(u.eventId(), new BigDecimal("1.00"), "corr-" + c.modelId(), "retried"));
        assertThat(again.replayed()).isTrue();
        assertThat(again).usingRecursiveComparison().ignoringFields("replayed").isEqualTo(original);

        ReversalConflictException otherUse = catchThrowableOfType(ReversalConflictException.class,
                () -> earnings.reversals().reverse(ADMIN, ReversalRequest.partial(other.eventId(), new BigDecimal("1"),
                        "corr-" + c.modelId(), "half")));
        assertThat(otherUse.field()).isEqualTo("eventId");
        assertThat(otherUse.correctionId()).isEqualTo("corr-" + c.modelId());
        ReversalConflictException otherAmount = catchThrowableOfType(ReversalConflictException.class,
                () -> earnings.reversals().reverse(ADMIN, ReversalRequest.partial(u.eventId(), new BigDecimal("0.5"),
                        "corr-" + c.modelId(), "half")));
        assertThat(otherAmount.field()).isEqualTo("amount");
        assertThat(otherAmount.getMessage()).contains("asked 1", "sent 0.5");
        ReversalConflictException whole = catchThrowableOfType(ReversalConflictException.class,
                () -> earnings.reversals().reverse(ADMIN, ReversalRequest.whole(u.eventId(), "corr-" + c.modelId(), "all")));
        assertThat(whole.field()).isEqualTo("amount");

        assertThat(db.count("earnings_reversals")).isPositive();
        assertThat(earnings.reversals().ofUse(ADMIN, u.eventId())).hasSize(1);
        assertThat(balance(c.creatorId()).earned()).isEqualTo(usd("3"));
    }

    // ------------------------------------------------------------------ booking

    @Test
    void aReversal_isBookedOnTheDayItIsMade_notOnTheUsesDay() {
        Creator c = newCreator("1");
        RecordedUse u = use(c, "d-" + c.modelId());
        LocalDate useDay = LocalDate.ofInstant(NOW, ZoneOffset.UTC);
        clock.advance(Duration.ofDays(3));
        LocalDate today = useDay.plusDays(3);

        earnings.reversals().reverse(ADMIN, ReversalRequest.partial(u.eventId(), new BigDecimal("0.4"), "d1-" + c.modelId(),
                "late refund"));
        earnings.reversals().reverse(ADMIN, ReversalRequest.partial(u.eventId(), new BigDecimal("0.1"), "d2-" + c.modelId(),
                "another"));

        assertThat(reversedOnDay(c.modelId(), useDay)).isZero();
        assertThat(reversedOnDay(c.modelId(), today)).isEqualByComparingTo("0.5");
        Map<String, Object> day = db.jdbi.withHandle(h -> h.createQuery("SELECT uses, earnings, unique_users FROM "
                + db.table("model_analytics") + " WHERE model_id = :m AND usage_day = :d").bind("m", c.modelId())
                .bind("d", today).mapToMap().one());
        assertThat(((Number) day.get("uses")).longValue()).as("a day with a reversal and no use").isZero();
        assertThat((BigDecimal) day.get("earnings")).isZero();
        assertThat(earnings.verifyIntegrity().isClean()).isTrue();
    }

    // ------------------------------------------------------------------ clawbacks

    @Test
    void aReversalAfterPayout_takesAvailableBelowZero_noPayoutWhileOwed_andLaterEarningsRepayFirst() {
        Creator c = newCreator("1");
        List<RecordedUse> uses = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            uses.add(use(c, "cb" + i + "-" + c.modelId()));
        }
        Payout paid = earnings.payouts().create(ADMIN, PayoutRequest.of(c.creatorId(), 300, "all-" + c.modelId()));
        earnings.payouts().complete(ADMIN, paid.id(), "wire");

        earnings.reversals().reverse(ADMIN, ReversalRequest.whole(uses.get(0).eventId(), "cb-" + c.modelId(), "chargeback"));

        Balance owed = balance(c.creatorId());
        assertThat(owed.available()).isEqualTo(usd("-1"));
        assertThat(owed.owed()).isEqualTo(usd("1"));
        assertThat(owed.availableMinor()).isZero();
        assertThat(owed.earned()).isEqualTo(usd("2"));
        assertThatThrownBy(() -> earnings.payouts().create(ADMIN, PayoutRequest.of(c.creatorId(), 1, "owed-" + c.modelId())))
                .isInstanceOf(InsufficientFundsException.class);
        // The next use repays the debt before anything is available again.
        use(c, "cb3-" + c.modelId());
        assertThat(balance(c.creatorId()).available()).isEqualTo(usd("0"));
        assertThat(balance(c.creatorId()).owed()).isEqualTo(usd("0"));
        use(c, "cb4-" + c.modelId());
        assertThat(balance(c.creatorId()).available()).isEqualTo(usd("1"));
        assertThat(earnings.payouts().create(ADMIN, PayoutRequest.of(c.creatorId(), 100, "next-" + c.modelId())).amountMinor())
                .isEqualTo(100);
    }

    // ------------------------------------------------------------------ reports

    @Test
    void reports_showEarnedReversedAndNet_andRecentActivityMarksReversedUses() {
        Creator c = newCreator("1");
        Creator quiet = newCreator("1");
        RecordedUse old = use(c, "rep0-" + c.modelId());
        clock.advance(Duration.ofDays(10));
        RecordedUse recent = use(c, "rep1-" + c.modelId());
        use(c, "rep2-" + c.modelId());
        RecordedUse quietUse = use(quiet, "rep-" + quiet.modelId());
        // Reversed today: the old use wholly, a recent one in part; the quiet creator's use wholly,
        // so their only figure today is a reversal.
        earnings.reversals().reverse(ADMIN, ReversalRequest.whole(old.eventId(), "rep-a-" + c.modelId(), "refund"));
        earnings.reversals().reverse(ADMIN, ReversalRequest.partial(recent.eventId(), new BigDecimal("0.25"),
                "rep-b-" + c.modelId(), "partial refund"));
        clock.advance(Duration.ofDays(1));
        earnings.reversals().reverse(ADMIN, ReversalRequest.whole(quietUse.eventId(), "rep-q-" + quiet.modelId(), "fraud"));

        LocalDate today = LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
        ReportPeriod lastTwoDays = ReportPeriod.between(today.minusDays(1), today.plusDays(1));
        CreatorDashboard d = earnings.analytics().creatorDashboard(Caller.creator(c.creatorId()), c.creatorId(),
                DashboardQuery.of(lastTwoDays));
        assertThat(d.lifetimeEarnings()).isEqualTo(usd("1.75"));
        assertThat(d.lifetimeReversed()).isEqualTo(usd("1.25"));
        // Yesterday: two uses earned 2, and 1.25 was reversed (one of them an older use's): net 0.75.
        assertThat(d.periodEarnings()).isEqualTo(usd("0.75"));
        assertThat(d.periodReversed()).isEqualTo(usd("1.25"));
        assertThat(d.uses()).isEqualTo(2);
        assertThat(d.activeModels()).isEqualTo(1);
        assertThat(d.trend()).extracting(p -> p.earnings().amount()).containsExactly(new BigDecimal("0.750000000000"),
                new BigDecimal("0E-12"));
        assertThat(d.recentActivity()).extracting(a -> a.reversed().amount().stripTrailingZeros().toPlainString())
                .containsExactly("0", "0.25");
        assertThat(d.recentActivity()).extracting(CreatorDashboard.Activity::isReversed).containsExactly(false, true);
        assertThat(d.balance().earned()).isEqualTo(usd("1.75"));

        ModelReport m = earnings.analytics().modelReport(ADMIN, c.modelId(), lastTwoDays, Granularity.DAY);
        assertThat(m.lifetimeEarnings()).isEqualTo(usd("1.75"));
        assertThat(m.lifetimeReversed()).isEqualTo(usd("1.25"));
        assertThat(m.periodEarnings()).isEqualTo(usd("0.75"));
        assertThat(m.periodReversed()).isEqualTo(usd("1.25"));

        PlatformTotals today1 = earnings.admin().platformTotals(ADMIN, ReportPeriod.between(today, today.plusDays(1)));
        assertThat(today1.reversed().amount()).isEqualByComparingTo(reversedOn(today));
        assertThat(today1.modelsWithUsage()).as("a day with only a reversal is no usage").isEqualTo(usedModelsOn(today));
        assertThat(today1.earnings().amount()).isEqualByComparingTo(earnedOn(today).subtract(reversedOn(today)));

        Page<CreatorOverview> overview = earnings.admin().creatorsOverview(ADMIN, CreatorsOverviewQuery.of(
                ReportPeriod.between(today, today.plusDays(1))).sortedBy(CreatorOverview.Sort.PERIOD_EARNINGS, false)
                .page(0, CreatorsOverviewQuery.MAX_PAGE_SIZE));
        CreatorOverview q = overview.items().stream().filter(o -> o.creatorId().equals(quiet.creatorId())).findFirst()
                .orElseThrow();
        assertThat(q.periodEarnings()).isEqualTo(usd("-1"));
        assertThat(q.periodReversed()).isEqualTo(usd("1"));
        assertThat(q.periodUses()).isZero();
        assertThat(q.lifetimeEarnings()).isEqualTo(usd("0"));
        assertThat(earnings.verifyIntegrity().isClean()).isTrue();
    }

    BigDecimal reversedOn(LocalDate day) {
        return db.jdbi.withHandle(h -> h.createQuery("SELECT COALESCE(SUM(amount), 0) FROM " + db.table("earnings_reversals")
                + " WHERE booked_day = :d").bind("d", day).mapTo(BigDecimal.class).one());
    }

    BigDecimal earnedOn(LocalDate day) {
        return db.jdbi.withHandle(h -> h.createQuery("SELECT COALESCE(SUM(earnings), 0) FROM " + db.table("model_usage_logs")
                + " WHERE usage_day = :d").bind("d", day).mapTo(BigDecimal.class).one());
    }

    long usedModelsOn(LocalDate day) {
        return db.jdbi.withHandle(h -> h.createQuery("SELECT COUNT(DISTINCT model_id) FROM " + db.table("model_usage_logs")
                + " WHERE usage_day = :d").bind("d", day).mapTo(Long.class).one());
    }

    // ------------------------------------------------------------------ holds and the minimum payout

    @Test
    void holds_keepAUsesEarningsFromPayoutUntilItsDayAndTheHoldDaysHavePassed_andAReversalLowersWhatIsHeld() {
        try (Earnings held = db.builder().clock(clock).migrateOnStart(false).holdDays(2).build()) {
            Creator c = newCreator("1");
            RecordedUse first = use(c, "h1-" + c.modelId());
            clock.advance(Duration.ofDays(1));
            use(c, "h2-" + c.modelId());

            Balance b = held.analytics().balance(ADMIN, c.creatorId());
            assertThat(b.earned()).isEqualTo(usd("2"));
            assertThat(b.held()).isEqualTo(usd("2"));
            assertThat(b.available()).isEqualTo(usd("0"));
            assertThatThrownBy(() -> held.payouts().create(ADMIN, PayoutRequest.of(c.creatorId(), 1, "h-" + c.modelId())))
                    .isInstanceOf(InsufficientFundsException.class);
            // Without holds, the same rows are available at once.
            assertThat(balance(c.creatorId()).held()).isEqualTo(usd("0"));
            assertThat(balance(c.creatorId()).available()).isEqualTo(usd("2"));

            // The first use's day (March 10) and two full days after it (11, 12) pass: available on the 13th.
            clock.set(Instant.parse("2026-03-12T23:59:59Z"));
            assertThat(held.analytics().balance(ADMIN, c.creatorId()).held()).isEqualTo(usd("2"));
            clock.set(Instant.parse("2026-03-13T00:00:00Z"));
            Balance later = held.analytics().balance(ADMIN, c.creatorId());
            assertThat(later.held()).isEqualTo(usd("1"));
            assertThat(later.available()).isEqualTo(usd("1"));
            assertThat(later.held().amount()).isEqualByComparingTo(heldFromRows(c.creatorId(), LocalDate.of(2026, 3, 11)));

            // Reversing the held use lowers what is held, not what is available.
            held.reversals().reverse(ADMIN, ReversalRequest.partial("h2-" + c.modelId(), new BigDecimal("0.4"),
                    "h-rev-" + c.modelId(), "refund"));
            Balance after = held.analytics().balance(ADMIN, c.creatorId());
            assertThat(after.held()).isEqualTo(usd("0.6"));
            assertThat(after.available()).isEqualTo(usd("1"));
            assertThat(after.held().amount()).isEqualByComparingTo(heldFromRows(c.creatorId(), LocalDate.of(2026, 3, 11)));
            // Reversing the available one lowers what is available.
            held.reversals().reverse(ADMIN, ReversalRequest.whole(first.eventId(), "h-rev2-" + c.modelId(), "refund"));
            assertThat(held.analytics().balance(ADMIN, c.creatorId()).available()).isEqualTo(usd("0"));
            assertThat(held.analytics().balance(ADMIN, c.creatorId()).held()).isEqualTo(usd("0.6"));
            clock.set(Instant.parse("2026-03-14T00:00:00Z"));
            assertThat(held.analytics().balance(ADMIN, c.creatorId()).held()).isEqualTo(usd("0"));
            assertThat(held.analytics().balance(ADMIN, c.creatorId()).available()).isEqualTo(usd("0.6"));
        }
        assertThatThrownBy(() -> db.builder().holdDays(-1)).isInstanceOf(dev.earnings.core.InvalidConfigurationException.class)
                .hasMessageContaining("holdDays");
        assertThatThrownBy(() -> db.builder().holdDays(366)).isInstanceOf(dev.earnings.core.InvalidConfigurationException.class);
    }

    /** Guards: a hold counts whole UTC days, to the microsecond at both ends of a day. */
    @Test
    void holds_endExactlyAtMidnightUtc_forAUseAtTheLastAndTheFirstMicrosecondOfADay() {
        try (Earnings held = db.builder().clock(clock).migrateOnStart(false).holdDays(1).build()) {
            Creator c = newCreator("1");
            clock.set(Instant.parse("2026-03-11T00:00:00Z"));
            // One use at the last microsecond of March 10, one at the first of March 11.
            held.logModelUsage(UsageRequest.builder("u1", c.modelId()).usageType("image_generation")
                    .occurredAt(Instant.parse("2026-03-10T23:59:59.999999Z")).build());
            held.logModelUsage(UsageRequest.builder("u2", c.modelId()).usageType("image_generation")
                    .occurredAt(Instant.parse("2026-03-11T00:00:00Z")).build());
            clock.set(Instant.parse("2026-03-11T23:59:59.999999Z"));
            assertThat(held.analytics().balance(ADMIN, c.creatorId()).held()).isEqualTo(usd("2"));
            clock.set(Instant.parse("2026-03-12T00:00:00Z"));
            assertThat(held.analytics().balance(ADMIN, c.creatorId()).held()).as("March 10's use is available").isEqualTo(usd("1"));
            clock.set(Instant.parse("2026-03-12T23:59:59.999999Z"));
            assertThat(held.analytics().balance(ADMIN, c.creatorId()).held()).isEqualTo(usd("1"));
            clock.set(Instant.parse("2026-03-13T00:00:00Z"));
            assertThat(held.analytics().balance(ADMIN, c.creatorId()).held()).isEqualTo(usd("0"));
            assertThat(held.analytics().balance(ADMIN, c.creatorId()).available()).isEqualTo(usd("2"));
            assertThat(held.verifyIntegrity().isClean()).isTrue();
        }
    }

    /** Guards: the minimum payout is compared with whole minor units, a sub-cent remainder never rounding up to it. */
    @Test
    void aBalanceASubCentBelowTheMinimum_isNotPaid() {
        try (Earnings minimum = db.builder().clock(clock).migrateOnStart(false).minimumPayoutMinor(500).build()) {
            Creator c = newCreator("4.999999999999");
            use(c, "sub-" + c.modelId());
            Balance b = minimum.analytics().balance(ADMIN, c.creatorId());
            assertThat(b.available()).isEqualTo(usd("4.999999999999"));
            assertThat(b.availableMinor()).isEqualTo(499);
            assertThatThrownBy(() -> minimum.payouts().create(ADMIN, PayoutRequest.of(c.creatorId(), 500, "sub-" + c.modelId())))
                    .isInstanceOf(InsufficientFundsException.class);
            assertThat(minimum.payouts().payoutAll(ADMIN, BulkPayoutRequest.of("sub-" + c.modelId().substring(0, 30))
                    .dryRun(true)).items()).filteredOn(i -> i.creatorId().equals(c.creatorId()))
                    .extracting(BulkPayoutResult.Item::outcome).containsExactly(BulkPayoutResult.Outcome.BELOW_THRESHOLD);
        }
    }

    /** What is held of a creator's earnings, computed from the usage rows: uses of {@code from} or later, less their reversals. */
    BigDecimal heldFromRows(String creatorId, LocalDate from) {
        return db.jdbi.withHandle(h -> h.createQuery("SELECT (SELECT COALESCE(SUM(earnings), 0) FROM "
                + db.table("model_usage_logs") + " WHERE creator_id = :c AND usage_day >= :d) - (SELECT COALESCE(SUM(r.amount), 0)"
                + " FROM " + db.table("earnings_reversals") + " r JOIN " + db.table("model_usage_logs")
                + " u ON u.event_id = r.event_id AND u.model_id = r.model_id WHERE r.creator_id = :c AND u.usage_day >= :d)").bind("c", creatorId)
                .bind("d", from).mapTo(BigDecimal.class).one());
    }

    @Test
    void theMinimumPayout_appliesToEveryPayout_andBulkPayoutsSkipCreatorsBelowIt() {
        try (Earnings minimum = db.builder().clock(clock).migrateOnStart(false).minimumPayoutMinor(500).build()) {
            Creator rich = newCreator("6");
            Creator poor = newCreator("4");
            use(rich, "m1-" + rich.modelId());
            use(poor, "m2-" + poor.modelId());

            InvalidInputException small = catchThrowableOfType(InvalidInputException.class,
                    () -> minimum.payouts().create(ADMIN, PayoutRequest.of(rich.creatorId(), 499, "small-" + rich.modelId())));
            assertThat(small.field()).isEqualTo("amountMinor");
            assertThat(small.getMessage()).contains("minimum payout of 500");
            assertThat(minimum.payouts().create(ADMIN, PayoutRequest.of(rich.creatorId(), 500, "ok-" + rich.modelId()))
                    .amountMinor()).isEqualTo(500);
            use(rich, "m3-" + rich.modelId());

            BulkPayoutResult bulk = minimum.payouts().payoutAll(ADMIN, BulkPayoutRequest.of("min-" + rich.modelId())
                    .dryRun(true));
            assertThat(bulk.thresholdMinor()).isEqualTo(500);
            assertThat(bulk.items()).filteredOn(i -> i.creatorId().equals(poor.creatorId()))
                    .extracting(BulkPayoutResult.Item::outcome).containsExactly(BulkPayoutResult.Outcome.BELOW_THRESHOLD);
            assertThat(bulk.items()).filteredOn(i -> i.creatorId().equals(rich.creatorId()))
                    .extracting(BulkPayoutResult.Item::outcome).containsExactly(BulkPayoutResult.Outcome.WOULD_CREATE);
            assertThat(minimum.payouts().payoutAll(ADMIN, BulkPayoutRequest.of("min2-" + rich.modelId()).threshold(800)
                    .dryRun(true)).thresholdMinor()).isEqualTo(800);
        }
        assertThatThrownBy(() -> db.builder().minimumPayoutMinor(0))
                .isInstanceOf(dev.earnings.core.InvalidConfigurationException.class).hasMessageContaining("minimumPayoutMinor");
    }

    // ------------------------------------------------------------------ access and bad input

    @Test
    void onlyAdminsReverse_creatorsSeeOnlyTheirOwnUsesReversals_andBadRequestsAreRefusedByField() {
        Creator c = newCreator("1");
        Creator other = newCreator("1");
        RecordedUse u = use(c, "a-" + c.modelId());
        use(other, "a-" + other.modelId());
        ReversalRequest request = ReversalRequest.whole(u.eventId(), "acc-" + c.modelId(), "fraud");
        assertThatThrownBy(() -> earnings.reversals().reverse(Caller.creator(c.creatorId()), request))
                .isInstanceOf(AccessDeniedException.class);
        assertThatThrownBy(() -> earnings.reversals().reverse(null, request)).isInstanceOf(AccessDeniedException.class);
        earnings.reversals().reverse(ADMIN, request);

        assertThat(earnings.reversals().ofUse(Caller.creator(c.creatorId()), u.eventId())).hasSize(1);
        assertThat(earnings.reversals().ofUse(Caller.creator(other.creatorId()), u.eventId())).isEmpty();
        assertThatThrownBy(() -> earnings.reversals().ofUse(Caller.creator("nobody-" + c.modelId()), u.eventId()))
                .isInstanceOf(AccessDeniedException.class);

        assertThat(catchThrowableOfType(InvalidInputException.class, () -> earnings.reversals().reverse(ADMIN,
                ReversalRequest.whole("no-such-use-" + c.modelId(), "x-" + c.modelId(), "why"))).field()).isEqualTo("eventId");
        assertThat(catchThrowableOfType(InvalidInputException.class, () -> earnings.reversals().reverse(ADMIN, null)).field())
                .isEqualTo("request");
        for (String bad : List.of("0", "-1", "0.0000000000001", "100000000000000000000000000")) {
            assertThat(catchThrowableOfType(InvalidInputException.class, () -> ReversalRequest.partial(u.eventId(),
                    new BigDecimal(bad), "x", "why")).field()).as(bad).isEqualTo("amount");
        }
        assertThat(catchThrowableOfType(InvalidInputException.class, () -> ReversalRequest.whole(u.eventId(), "x", " "))
                .field()).isEqualTo("reason");
        // Text a database would refuse or change is refused by field, on both databases alike.
        for (String bad : List.of("bad\u0000reason", "x\uD800y", "x\uDC00", "\u001B[31m")) {
            assertThat(catchThrowableOfType(InvalidInputException.class, () -> ReversalRequest.whole(u.eventId(), "x", bad))
                    .field()).as(bad).isEqualTo("reason");
        }
        // An amount whose plain form is a billion digits long gets a short message.
        InvalidInputException tiny = catchThrowableOfType(InvalidInputException.class, () -> ReversalRequest.partial(u.eventId(),
                new BigDecimal("1E-999999999"), "x", "why"));
        assertThat(tiny.field()).isEqualTo("amount");
        assertThat(tiny.getMessage()).hasSizeLessThan(300).contains("1E-999999999");
        assertThat(catchThrowableOfType(InvalidInputException.class, () -> ReversalRequest.partial(u.eventId(),
                new BigDecimal("1E+999999999"), "x", "why")).getMessage()).hasSizeLessThan(300);
        assertThat(catchThrowableOfType(InvalidInputException.class, () -> ReversalRequest.whole(u.eventId(), "x",
                "r".repeat(PayoutRequest.MAX_TEXT + 1))).field()).isEqualTo("reason");
        assertThat(catchThrowableOfType(InvalidInputException.class, () -> ReversalRequest.whole(u.eventId(), "a\u2028b",
                "why")).field()).isEqualTo("correctionId");
        assertThat(catchThrowableOfType(InvalidInputException.class, () -> ReversalRequest.whole(null, "x", "why")).field())
                .isEqualTo("eventId");
        assertThat(catchThrowableOfType(InvalidInputException.class, () -> new ReversalRequest(u.eventId(), null, "x", "why"))
                .field()).isEqualTo("amount");
    }

    /**
     * Guards: a reason and a payout note of 2,000 code points outside the Basic Multilingual Plane
     * (4,000 UTF-16 units, which H2 counts) are stored and shown as given; tabs and line breaks too.
     */
    @Test
    void reasonsAndNotesOfTwoThousandCodePoints_areStoredAsGiven() {
        Creator c = newCreator("50");
        RecordedUse u = use(c, "t-" + c.modelId());
        String reason = "\uD83D\uDE00".repeat(PayoutRequest.MAX_TEXT);
        earnings.reversals().reverse(ADMIN, ReversalRequest.partial(u.eventId(), new BigDecimal("1"), "t-" + c.modelId(),
                reason));
        assertThat(earnings.reversals().ofUse(ADMIN, u.eventId())).singleElement()
                .satisfies(r -> assertThat(r.reason()).isEqualTo(reason));
        String note = "line one\n\tline two " + "\uD83D\uDCB8".repeat(PayoutRequest.MAX_TEXT - 20);
        Payout payout = earnings.payouts().create(ADMIN, PayoutRequest.of(c.creatorId(), 100, "t-" + c.modelId()).note(note));
        assertThat(earnings.payouts().find(ADMIN, payout.id()).orElseThrow().note()).contains(note);
        earnings.payouts().fail(ADMIN, payout.id(), reason);
        assertThat(earnings.payouts().history(ADMIN, payout.id())).last()
                .satisfies(e -> assertThat(e.reason()).contains(reason));
        assertThat(earnings.admin().auditLog(ADMIN, AuditQuery.all().target("use", u.eventId())).items()).singleElement()
                .satisfies(e -> assertThat(e.reason()).contains(reason));
    }

    @Test
    void reverseAll_answersEachRequestOnItsOwn_inOrder() {
        Creator c = newCreator("1");
        RecordedUse u = use(c, "b-" + c.modelId());
        List<ReversalRequest> requests = Arrays.asList(
                ReversalRequest.partial(u.eventId(), new BigDecimal("0.6"), "b1-" + c.modelId(), "first"),
                null,
                ReversalRequest.partial(u.eventId(), new BigDecimal("0.6"), "b2-" + c.modelId(), "too much now"),
                ReversalRequest.whole(u.eventId(), "b3-" + c.modelId(), "the rest"),
                ReversalRequest.partial(u.eventId(), new BigDecimal("0.6"), "b1-" + c.modelId(), "first again"));

        List<ReversalResult> results = earnings.reversals().reverseAll(ADMIN, requests);

        assertThat(results).extracting(ReversalResult::index).containsExactly(0, 1, 2, 3, 4);
        assertThat(results.get(0).reversal().orElseThrow().amount()).isEqualTo(usd("0.6"));
        assertThat(results.get(1).error().orElseThrow()).isInstanceOf(InvalidInputException.class);
        assertThat(results.get(1).correctionId()).isEmpty();
        assertThat(results.get(2).error().orElseThrow()).isInstanceOf(ReversalExceedsRemainderException.class);
        assertThat(results.get(2).correctionId()).contains("b2-" + c.modelId());
        assertThat(results.get(3).reversal().orElseThrow().amount()).isEqualTo(usd("0.4"));
        assertThat(results.get(4).reversal().orElseThrow().replayed()).isTrue();
        assertThat(results).filteredOn(ReversalResult::succeeded).hasSize(3);
        assertThatThrownBy(() -> earnings.reversals().reverseAll(ADMIN, Collections.nCopies(10_001, requests.get(0))))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("up to 10000");
    }

    // ------------------------------------------------------------------ races

    /** {@code n} copies of a call, for {@link PayoutSuite#atOnce}. */
    static List<Callable<Object>> times(int n, Callable<Object> call) {
        return Collections.nCopies(n, call);
    }

    @Test
    void sixteenThreadsReversingOneUse_neverReverseMoreThanItEarned() throws Exception {
        Creator c = newCreator("1");
        RecordedUse u = use(c, "r-" + c.modelId());
        AtomicLong n = new AtomicLong();
        InFlight race = new InFlight();
        List<Object> outcomes = PayoutSuite.atOnce(race, "reverse", times(16, () -> earnings.reversals().reverse(ADMIN,
                ReversalRequest.partial(u.eventId(), new BigDecimal("0.15"), "r" + n.incrementAndGet() + "-" + c.modelId(),
                        "race"))));
        assertThat(race.maxInFlight()).as("reversals in flight at once").isGreaterThan(1);

        assertThat(outcomes).filteredOn(o -> o instanceof Reversal).hasSize(6);
        assertThat(outcomes).filteredOn(o -> !(o instanceof Reversal))
                .allSatisfy(o -> assertThat(o).isInstanceOf(ReversalExceedsRemainderException.class));
        BigDecimal reversed = db.jdbi.withHandle(h -> h.createQuery("SELECT SUM(amount) FROM " + db.table("earnings_reversals")
                + " WHERE event_id = :e").bind("e", u.eventId()).mapTo(BigDecimal.class).one());
        assertThat(reversed).isEqualByComparingTo("0.90");
        assertThat(earnings.reversals().ofUse(ADMIN, u.eventId())).extracting(r -> r.remaining().amount())
                .containsExactly(new BigDecimal("0.850000000000"), new BigDecimal("0.700000000000"),
                        new BigDecimal("0.550000000000"), new BigDecimal("0.400000000000"), new BigDecimal("0.250000000000"),
                        new BigDecimal("0.100000000000"));
        assertThat(earnings.verifyIntegrity().isClean()).isTrue();
    }

    @Test
    void oneCorrectionIdFromSixteenThreads_isAppliedOnce() throws Exception {
        Creator c = newCreator("1");
        RecordedUse u = use(c, "o-" + c.modelId());
        ReversalRequest request = ReversalRequest.partial(u.eventId(), new BigDecimal("0.3"), "once-" + c.modelId(), "race");
        InFlight race = new InFlight();
        List<Object> outcomes = PayoutSuite.atOnce(race, "reverse", times(16, () -> earnings.reversals().reverse(ADMIN, request)));
        assertThat(race.maxInFlight()).as("reversals in flight at once").isGreaterThan(1);

        assertThat(outcomes).allSatisfy(o -> assertThat(o).isInstanceOf(Reversal.class));
        assertThat(outcomes).filteredOn(o -> !((Reversal) o).replayed()).hasSize(1);
        assertThat(outcomes).allSatisfy(o -> assertThat(((Reversal) o).remaining()).isEqualTo(usd("0.7")));
        assertThat(earnings.reversals().ofUse(ADMIN, u.eventId())).hasSize(1);
        assertThat(balance(c.creatorId()).earned()).isEqualTo(usd("0.7"));
        assertThat(earnings.verifyIntegrity().isClean()).isTrue();
    }

    /**
     * One correction id sent for uses of two creators at once: applied to one use only, the other
     * requests conflicts. On Citus the reversals are spread by model, and the id is kept once over
     * all of them by a table of correction ids of its own.
     */
    @Test
    void oneCorrectionIdForUsesOfTwoCreators_fromSixteenThreads_isAppliedToOneUseOnly() throws Exception {
        Creator a = newCreator("1");
        Creator b = newCreator("1");
        RecordedUse ua = use(a, "shared-" + a.modelId());
        RecordedUse ub = use(b, "shared-" + b.modelId());
        String correction = "shared-" + a.modelId() + "-" + b.modelId();
        List<Callable<Object>> calls = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            String eventId = i % 2 == 0 ? ua.eventId() : ub.eventId();
            calls.add(() -> earnings.reversals().reverse(ADMIN, ReversalRequest.partial(eventId, new BigDecimal("0.3"),
                    correction, "race")));
        }
        InFlight race = new InFlight();
        List<Object> outcomes = PayoutSuite.atOnce(race, "reverse", calls);
        assertThat(race.maxInFlight()).as("reversals in flight at once").isGreaterThan(1);

        List<Reversal> applied = outcomes.stream().filter(Reversal.class::isInstance).map(Reversal.class::cast).toList();
        assertThat(applied).filteredOn(r -> !r.replayed()).hasSize(1);
        String winner = applied.get(0).eventId();
        assertThat(applied).allSatisfy(r -> assertThat(r.eventId()).isEqualTo(winner));
        assertThat(applied).hasSize(8);
        assertThat(outcomes).filteredOn(o -> !(o instanceof Reversal)).hasSize(8).allSatisfy(o -> {
            assertThat(o).isInstanceOf(ReversalConflictException.class);
            assertThat(((ReversalConflictException) o).field()).isEqualTo("eventId");
        });
        assertThat(earnings.reversals().ofUse(ADMIN, ua.eventId()).size() + earnings.reversals().ofUse(ADMIN, ub.eventId())
                .size()).isEqualTo(1);
        Creator loser = winner.equals(ua.eventId()) ? b : a;
        Creator reversed = loser == a ? b : a;
        assertThat(balance(reversed.creatorId()).earned()).isEqualTo(usd("0.7"));
        assertThat(balance(loser.creatorId()).earned()).isEqualTo(usd("1"));
        assertThat(earnings.verifyIntegrity().isClean()).isTrue();
    }

    /** A clock every reading of which is one microsecond after the one before, across threads. */
    static final class TickingClock extends Clock {
        private final AtomicLong micros;

        TickingClock(Instant start) {
            micros = new AtomicLong(start.getEpochSecond() * 1_000_000 + start.getNano() / 1_000);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Instant instant() {
            long m = micros.incrementAndGet();
            return Instant.ofEpochSecond(m / 1_000_000, (m % 1_000_000) * 1_000);
        }
    }

    /**
     * Guards: reversals racing payouts of one creator never let a payout take more than was
     * available when it committed. Both take the creator's lock and read the clock under it, so
     * on a clock that ticks on every reading their times order them as their locks did; replaying
     * them in that order, every payout must fit the balance left by everything before it.
     */
    @Test
    void reversalsRacingPayouts_neverLetAPayoutExceedWhatWasAvailableAtItsCommit() throws Exception {
        try (Earnings ticking = db.builder().clock(new TickingClock(NOW)).migrateOnStart(false).build()) {
            String creator = "creator-" + UUID.randomUUID();
            String model = newModel(creator, ModelPricing.of("1", "0"));
            int uses = 40;
            for (int i = 0; i < uses; i++) {
                ticking.logModelUsage(UsageRequest.builder("user-" + i, model).usageType("image_generation")
                        .eventId("pr" + i + "-" + model).build());
            }
            BigDecimal earned = netFromRows(creator);
            AtomicLong next = new AtomicLong();
            InFlight ops = new InFlight();
            List<Object> outcomes = PayoutSuite.atOnce(new InFlight(), "worker", times(16, () -> {
                long i = next.getAndIncrement();
                List<Object> done = new ArrayList<>();
                for (int k = 0; k < 5; k++) {
                    long op = i * 5 + k;
                    try {
                        done.add(i % 2 == 0
                                ? ops.call("reverse", () -> ticking.reversals().reverse(ADMIN, ReversalRequest.whole(
                                        "pr" + (op % uses) + "-" + model, "pr-rev-" + op + "-" + model, "race")))
                                : ops.call("pay", () -> ticking.payouts().create(ADMIN, PayoutRequest.of(creator, 300,
                                        "pr-pay-" + op))));
                    } catch (ReversalExceedsRemainderException | InsufficientFundsException refused) {
                        done.add(refused);
                    }
                }
                return done;
            }));
            assertThat(ops.crossings()).as("reversals and payouts in flight at the same time").isPositive();

            List<Object[]> timeline = new ArrayList<>();
            for (Object o : outcomes) {
                for (Object d : (List<?>) o) {
                    if (d instanceof Reversal r) {
                        timeline.add(new Object[] {r.reversedAt(), r.amount().amount().negate()});
                    } else if (d instanceof Payout p) {
                        timeline.add(new Object[] {p.createdAt(), p.amount().amount()});
                    }
                }
            }
            timeline.sort((a, b) -> ((Instant) a[0]).compareTo((Instant) b[0]));
            assertThat(timeline.stream().map(e -> e[0]).distinct().count()).isEqualTo(timeline.size());
            assertThat(timeline).anySatisfy(e -> assertThat((BigDecimal) e[1]).isPositive())
                    .anySatisfy(e -> assertThat((BigDecimal) e[1]).isNegative());
            BigDecimal available = earned;
            for (Object[] e : timeline) {
                BigDecimal change = (BigDecimal) e[1];
                if (change.signum() > 0) {
                    assertThat(change).as("payout at %s", e[0]).isLessThanOrEqualTo(available);
                    available = available.subtract(change);
                } else {
                    available = available.add(change);
                }
            }
            assertThat(ticking.analytics().balance(ADMIN, creator).available().amount()).isEqualByComparingTo(available);
            assertThat(ticking.verifyIntegrity().isClean()).isTrue();
        }
    }

    // ------------------------------------------------------------------ integrity

    @Test
    void verifyIntegrity_findsAReversalThatDisagreesWithTheTotals() {
        Creator c = newCreator("1");
        RecordedUse u = use(c, "i-" + c.modelId());
        earnings.reversals().reverse(ADMIN, ReversalRequest.partial(u.eventId(), new BigDecimal("0.5"), "i-" + c.modelId(),
                "half"));
        assertThat(earnings.verifyIntegrity().isClean()).isTrue();
        String table = db.table("earnings_reversals");
        db.jdbi.useHandle(h -> h.createUpdate("UPDATE " + table + " SET amount = 2 WHERE correction_id = :c")
                .bind("c", "i-" + c.modelId()).execute());
        try {
            IntegrityReport report = earnings.verifyIntegrity();
            assertThat(report.drifts()).extracting(IntegrityReport.Drift::figure)
                    .contains("lifetime_earnings", "reversed_earnings", "reversed", "reversed_beyond_use", "balance_earned");
            assertThat(report.drifts()).allSatisfy(d -> assertThat(d.modelId())
                    .isEqualTo(d.figure().startsWith("balance_") ? c.creatorId() : c.modelId()));
        } finally {
            db.jdbi.useHandle(h -> h.createUpdate("UPDATE " + table + " SET amount = 0.5 WHERE correction_id = :c")
                    .bind("c", "i-" + c.modelId()).execute());
        }
        assertThat(earnings.verifyIntegrity().isClean()).isTrue();
    }

    @Test
    void verifyIntegrity_recomputesBalancesAndHoldsFromTheRows() {
        try (Earnings held = db.builder().clock(clock).migrateOnStart(false).holdDays(3).build()) {
            Creator c = newCreator("1");
            RecordedUse u = use(c, "ih-" + c.modelId());
            held.reversals().reverse(ADMIN, ReversalRequest.partial(u.eventId(), new BigDecimal("0.25"), "ih-" + c.modelId(),
                    "refund"));
            assertThat(held.verifyIntegrity().isClean()).isTrue();
            LocalDate day = LocalDate.ofInstant(NOW, ZoneOffset.UTC);
            String rollups = db.table("model_analytics");
            db.jdbi.useHandle(h -> h.createUpdate("UPDATE " + rollups + " SET earnings = earnings + 1 WHERE model_id = :m"
                    + " AND usage_day = :d").bind("m", c.modelId()).bind("d", day).execute());
            try {
                IntegrityReport report = held.verifyIntegrity();
                // The rollup is wrong, and so is what the balance holds back from the creator.
                assertThat(report.drifts()).extracting(IntegrityReport.Drift::figure).contains("earnings", "balance_held",
                        "balance_available");
                assertThat(report.drifts()).filteredOn(d -> d.figure().startsWith("balance_"))
                        .allSatisfy(d -> assertThat(d.modelId()).isEqualTo(c.creatorId()));
                assertThat(report.drifts()).filteredOn(d -> d.figure().equals("balance_held")).singleElement()
                        .satisfies(d -> {
                            assertThat(d.recomputed()).isEqualByComparingTo("0.75");
                            assertThat(d.stored()).hasValueSatisfying(v -> assertThat(v).isEqualByComparingTo("1.75"));
                        });
                assertThat(report.drifts()).extracting(IntegrityReport.Drift::figure).doesNotContain("balance_earned");
            } finally {
                db.jdbi.useHandle(h -> h.createUpdate("UPDATE " + rollups + " SET earnings = earnings - 1 WHERE model_id = :m"
                        + " AND usage_day = :d").bind("m", c.modelId()).bind("d", day).execute());
            }
            assertThat(held.verifyIntegrity().isClean()).isTrue();
        }
    }

    Map<String, Object> usageRow(String eventId) {
        return db.jdbi.withHandle(h -> h.createQuery("SELECT * FROM " + db.table("model_usage_logs") + " WHERE event_id = :e")
                .bind("e", eventId).mapToMap().one());
    }
}
