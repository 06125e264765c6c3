package dev.earnings.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.earnings.core.ModelPricing;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The audit log, run against each database by a subclass: every public call that changes
 * something writes exactly one entry per change, in the change's transaction, with its actor;
 * calls that change nothing or fail write none; admins page through the entries by actor,
 * action, target and time; on PostgreSQL the database refuses to change or remove an entry.
 */
abstract class AuditSuite extends DatabaseSuite {
    static final Instant NOW = Instant.parse("2026-03-10T12:00:00Z");
    static final Caller ADMIN = Caller.admin("auditor-admin");

    @Override
    Instant start() {
        return NOW;
    }

    @BeforeEach
    void resetClock() {
        clock.set(NOW);
    }

    long entries() {
        return db.count("earnings_audit_log");
    }

    /** The newest entry, as an admin pages to it. */
    AuditEntry newest() {
        return earnings.admin().auditLog(ADMIN, AuditQuery.all().page(0, 1)).items().get(0);
    }

    /** Runs a change and asserts it wrote exactly {@code n} entries; returns what it returned. */
    <T> T writes(int n, Supplier<T> change) {
        long before = entries();
        T result = change.get();
        assertThat(entries() - before).as("audit entries written").isEqualTo(n);
        return result;
    }

    void writesNothing(Runnable change) {
        long before = entries();
        try {
            change.run();
        } catch (RuntimeException expected) {
            // A refused or failed change: it must have written no entry either.
        }
        assertThat(entries()).as("audit entries after a call that changed nothing").isEqualTo(before);
    }

    @Test
    void everyPublicChange_writesOneEntry_withItsActorActionTargetAndValues() {
        String creator = "creator-" + UUID.randomUUID();
        String model = "model-" + UUID.randomUUID();
        Caller self = Caller.creator(creator);

        writes(1, () -> earnings.models().register(ADMIN, model, creator, ModelPricing.of("1", "0")));
        AuditEntry registered = newest();
        assertThat(registered.action()).isEqualTo(AuditAction.MODEL_REGISTERED);
        assertThat(registered.actor()).isEqualTo("auditor-admin");
        assertThat(registered.targetType()).isEqualTo("model");
        assertThat(registered.targetId()).isEqualTo(model);
        assertThat(registered.creatorId()).contains(creator);
        assertThat(registered.before()).isEmpty();
        assertThat(registered.after()).contains("{\"creatorId\":\"" + creator + "\",\"pricingVersion\":1,\"earningsPerUse\":\"1\","
                + "\"earningsPerToken\":\"0\",\"monetized\":true}");
        assertThat(registered.occurredAt()).isEqualTo(NOW);

        writes(1, () -> earnings.models().changePricing(self, model, ModelPricing.of("2", "0")));
        AuditEntry repriced = newest();
        assertThat(repriced.action()).isEqualTo(AuditAction.PRICING_CHANGED);
        assertThat(repriced.actor()).isEqualTo(creator);
        assertThat(repriced.before().orElseThrow()).contains("\"pricingVersion\":1", "\"earningsPerUse\":\"1\"");
        assertThat(repriced.after().orElseThrow()).contains("\"pricingVersion\":2", "\"earningsPerUse\":\"2\"");

        writes(1, () -> earnings.models().setMonetized(model, false));
        assertThat(newest().action()).isEqualTo(AuditAction.MONETIZATION_SWITCHED);
        assertThat(newest().actor()).isEqualTo("service");
        assertThat(newest().after().orElseThrow()).contains("\"monetized\":false");
        writes(1, () -> earnings.models().setMonetized(ADMIN, model, true));

        String other = "model-" + UUID.randomUUID();
        writes(1, () -> earnings.models().register(other, creator, ModelPricing.of("1", "0")));
        assertThat(newest().actor()).isEqualTo("service");
        writes(1, () -> earnings.models().changePricing(other, ModelPricing.of("3", "0")));
        assertThat(newest().actor()).isEqualTo("service");

        // Uses are their own record: recording writes no entry.
        for (int i = 0; i < 10; i++) {
            String eventId = "audit-" + i + "-" + model;
            String user = "user-secret-" + i;
            writes(0, () -> earnings.logModelUsage(UsageRequest.builder(user, model).usageType("image_generation")
                    .metadata(Map.of("prompt", "a private prompt")).eventId(eventId).build()));
        }

        Payout p1 = writes(1, () -> earnings.payouts().create(ADMIN, PayoutRequest.of(creator, 100, "a-" + model).note("march")));
        assertThat(newest().action()).isEqualTo(AuditAction.PAYOUT_CREATED);
        assertThat(newest().targetId()).isEqualTo(Long.toString(p1.id()));
        assertThat(newest().reason()).contains("march");
        writes(1, () -> earnings.payouts().complete(ADMIN, p1.id(), "wire 1"));
        assertThat(newest().action()).isEqualTo(AuditAction.PAYOUT_COMPLETED);
        assertThat(newest().before().orElseThrow()).contains("\"status\":\"PENDING\"");
        assertThat(newest().after().orElseThrow()).contains("\"status\":\"COMPLETED\"");
        Payout p2 = writes(1, () -> earnings.payouts().create(ADMIN, PayoutRequest.of(creator, 100, "b-" + model)));
        writes(1, () -> earnings.payouts().fail(ADMIN, p2.id(), "bank refused"));
        assertThat(newest().action()).isEqualTo(AuditAction.PAYOUT_FAILED);
        Payout p3 = writes(1, () -> earnings.payouts().create(ADMIN, PayoutRequest.of(creator, 100, "c-" + model)));
        writes(1, () -> earnings.payouts().cancel(ADMIN, p3.id(), null));
        assertThat(newest().action()).isEqualTo(AuditAction.PAYOUT_CANCELLED);
        Payout p4 = writes(1, () -> earnings.payouts().create(ADMIN, PayoutRequest.of(creator, 100, "d-" + model)));
        Payout p5 = writes(1, () -> earnings.payouts().create(ADMIN, PayoutRequest.of(creator, 100, "e-" + model)));
        writes(1, () -> earnings.payouts().completeAll(ADMIN, List.of(p4.id()), null));
        writes(1, () -> earnings.payouts().failAll(ADMIN, List.of(p5.id()), "closed account"));
        assertThat(newest().action()).isEqualTo(AuditAction.PAYOUT_FAILED);

        writes(1, () -> earnings.reversals().reverse(ADMIN, ReversalRequest.partial("audit-0-" + model, new BigDecimal("0.5"),
                "audit-r1-" + model, "refund")));
        AuditEntry reversed = newest();
        assertThat(reversed.action()).isEqualTo(AuditAction.USE_REVERSED);
        assertThat(reversed.targetType()).isEqualTo("use");
        assertThat(reversed.targetId()).isEqualTo("audit-0-" + model);
        assertThat(reversed.reason()).contains("refund");
        assertThat(reversed.before().orElseThrow()).contains("\"remaining\":\"2.000000000000\"");
        assertThat(reversed.after().orElseThrow()).contains("\"reversed\":\"0.5\"", "\"remaining\":\"1.500000000000\"",
                "\"correctionId\":\"audit-r1-" + model + "\"");
        writes(2, () -> earnings.reversals().reverseAll(ADMIN, List.of(
                ReversalRequest.whole("audit-1-" + model, "audit-r2-" + model, "fraud"),
                ReversalRequest.whole("audit-2-" + model, "audit-r3-" + model, "fraud"))));

        // A bulk payout writes one entry per payout it creates; this creator is the only one paid
        // in a batch of their own threshold, so the count is exact.
        long before = entries();
        BulkPayoutResult paid = earnings.payouts().payoutAll(ADMIN, BulkPayoutRequest.of("audit-" + model.substring(0, 20)));
        long created = paid.items().stream().filter(i -> i.outcome() == BulkPayoutResult.Outcome.CREATED).count();
        assertThat(created).isPositive();
        assertThat(entries() - before).isEqualTo(created);

        // No entry holds a user id or metadata.
        long leaks = db.jdbi.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM " + db.table("earnings_audit_log")
                + " WHERE actor LIKE '%user-secret%' OR target_id LIKE '%user-secret%' OR before_values LIKE '%user-secret%'"
                + " OR after_values LIKE '%user-secret%' OR after_values LIKE '%private prompt%' OR reason LIKE '%user-secret%'")
                .mapTo(Long.class).one());
        assertThat(leaks).isZero();
    }

    @Test
    void callsThatChangeNothingOrFail_writeNoEntry() {
        String creator = "creator-" + UUID.randomUUID();
        String model = newModel(creator, ModelPricing.of("1", "0"));
        earnings.logModelUsage(UsageRequest.builder("user-1", model).usageType("image_generation").eventId("n-" + model).build());
        Payout payout = earnings.payouts().create(ADMIN, PayoutRequest.of(creator, 50, "n-" + model));
        earnings.reversals().reverse(ADMIN, ReversalRequest.partial("n-" + model, new BigDecimal("0.1"), "n-" + model, "r"));

        writesNothing(() -> earnings.models().register(model, creator, ModelPricing.of("5", "0")));
        writesNothing(() -> earnings.models().changePricing(model, ModelPricing.of("1", "0")));
        writesNothing(() -> earnings.models().setMonetized(model, true));
        writesNothing(() -> earnings.payouts().create(ADMIN, PayoutRequest.of(creator, 50, "n-" + model)));
        writesNothing(() -> earnings.reversals().reverse(ADMIN, ReversalRequest.partial("n-" + model, new BigDecimal("0.1"),
                "n-" + model, "r")));
        // Refused: the entry would have been in the refused change's transaction.
        writesNothing(() -> earnings.payouts().create(ADMIN, PayoutRequest.of(creator, 1_000, "big-" + model)));
        writesNothing(() -> earnings.reversals().reverse(ADMIN, ReversalRequest.partial("n-" + model, new BigDecimal("5"),
                "n2-" + model, "too much")));
        writesNothing(() -> assertThatThrownBy(() -> earnings.models().register(ADMIN, model, "someone-else",
                ModelPricing.of("1", "0"))).isInstanceOf(ModelConflictException.class));
        writes(1, () -> earnings.payouts().cancel(ADMIN, payout.id(), null));
        writesNothing(() -> assertThatThrownBy(() -> earnings.payouts().cancel(ADMIN, payout.id(), null))
                .isInstanceOf(IllegalPayoutTransitionException.class));
    }

    @Test
    void registryCallers_mustBeAdminsOrTheCreatorItself() {
        String creator = "creator-" + UUID.randomUUID();
        String model = newModel(creator, ModelPricing.of("1", "0"));
        Caller stranger = Caller.creator("stranger-" + UUID.randomUUID());
        writesNothing(() -> assertThatThrownBy(() -> earnings.models().register(stranger, "m-" + model, creator,
                ModelPricing.of("1", "0"))).isInstanceOf(AccessDeniedException.class));
        writesNothing(() -> assertThatThrownBy(() -> earnings.models().changePricing(stranger, model, ModelPricing.of("9", "0")))
                .isInstanceOf(AccessDeniedException.class));
        writesNothing(() -> assertThatThrownBy(() -> earnings.models().setMonetized(stranger, "no-such-" + model, false))
                .isInstanceOf(AccessDeniedException.class));
        writesNothing(() -> assertThatThrownBy(() -> earnings.models().setMonetized((Caller) null, model, false))
                .isInstanceOf(AccessDeniedException.class));
        assertThat(earnings.models().find(model).orElseThrow().pricing().earningsPerUse()).isEqualByComparingTo("1");
        assertThatThrownBy(() -> earnings.admin().auditLog(Caller.creator(creator), AuditQuery.all()))
                .isInstanceOf(AccessDeniedException.class);
    }

    @Test
    void admins_pageThroughTheLog_byActorActionTargetAndTime_newestFirst() {
        String creator = "creator-" + UUID.randomUUID();
        String model = newModel(creator, ModelPricing.of("1", "0"));
        for (int i = 0; i < 5; i++) {
            earnings.logModelUsage(UsageRequest.builder("u", model).usageType("image_generation").eventId(i + "-" + model).build());
        }
        Caller anna = Caller.admin("anna-" + model);
        Caller ben = Caller.admin("ben-" + model);
        Instant start = NOW.plusSeconds(60);
        clock.set(start);
        for (int i = 0; i < 5; i++) {
            clock.advance(Duration.ofMinutes(1));
            earnings.reversals().reverse(i % 2 == 0 ? anna : ben, ReversalRequest.partial(i + "-" + model,
                    new BigDecimal("0.5"), "p" + i + "-" + model, "r" + i));
        }
        Page<AuditEntry> annas = earnings.admin().auditLog(ADMIN, AuditQuery.all().actor(anna.id()).page(0, 2));
        assertThat(annas.totalItems()).isEqualTo(3);
        assertThat(annas.items()).extracting(AuditEntry::targetId).containsExactly("4-" + model, "2-" + model);
        assertThat(earnings.admin().auditLog(ADMIN, AuditQuery.all().actor(anna.id()).page(1, 2)).items())
                .extracting(AuditEntry::targetId).containsExactly("0-" + model);
        assertThat(earnings.admin().auditLog(ADMIN, AuditQuery.all().target("use", "3-" + model)).items())
                .extracting(AuditEntry::actor).containsExactly(ben.id());
        assertThat(earnings.admin().auditLog(ADMIN, AuditQuery.all().action(AuditAction.USE_REVERSED)
                .between(start.plus(Duration.ofMinutes(2)), start.plus(Duration.ofMinutes(4)))).items())
                .extracting(AuditEntry::targetId).containsExactly("2-" + model, "1-" + model);
        assertThat(earnings.admin().auditLog(ADMIN, AuditQuery.all().target("model", model)).items())
                .extracting(AuditEntry::action).containsExactly(AuditAction.MODEL_REGISTERED);
        assertThatThrownBy(() -> AuditQuery.all().between(start, start)).isInstanceOf(dev.earnings.core.InvalidInputException.class);
        assertThatThrownBy(() -> AuditQuery.all().page(0, AuditQuery.MAX_PAGE_SIZE + 1))
                .isInstanceOf(dev.earnings.core.InvalidInputException.class);
        assertThatThrownBy(() -> earnings.admin().auditLog(ADMIN, null)).isInstanceOf(dev.earnings.core.InvalidInputException.class);
    }

    @Test
    void theFirstStart_recordsTheSettingsItStored_neverTheKey() {
        List<AuditEntry> settings = earnings.admin().auditLog(ADMIN, AuditQuery.all().action(AuditAction.SETTINGS_CHANGED))
                .items();
        assertThat(settings).extracting(AuditEntry::targetId).containsExactlyInAnyOrder("currency", "pseudonym_key");
        assertThat(settings).allSatisfy(e -> assertThat(e.actor()).isEqualTo("service"));
        assertThat(settings).filteredOn(e -> e.targetId().equals("currency")).singleElement()
                .satisfies(e -> assertThat(e.after()).contains("{\"value\":\"USD\"}"));
        String key = db.jdbi.withHandle(h -> h.createQuery("SELECT setting_value FROM " + db.table("earnings_settings")
                + " WHERE setting_name = 'pseudonym_key'").mapTo(String.class).one());
        assertThat(settings).allSatisfy(e -> assertThat(e.after().orElseThrow()).doesNotContain(key));
    }
}
