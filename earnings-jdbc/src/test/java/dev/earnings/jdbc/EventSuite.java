package dev.earnings.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.earnings.core.InvalidConfigurationException;
import dev.earnings.core.ModelPricing;
import java.math.BigDecimal;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The events outbox and its consumers, run against each database by a subclass: one event per
 * change in the change's transaction and none for a change rolled back or a repeat; consumers in
 * several instances handing every event over at least once, never twice at the same time, in
 * order per creator; a killed instance's batch handed again; retries with back-off, dead letters
 * and replays; where a consumer starts; pruning. What the consumers see is compared with the
 * outbox's rows as the test reads them itself.
 */
abstract class EventSuite extends DatabaseSuite {
    static final Instant NOW = Instant.parse("2026-04-10T12:00:00Z");
    static final Caller ADMIN = Caller.admin("admin-events");
    static final JsonMapper JSON = JsonMapper.builder().build();

    @Override
    Instant start() {
        return NOW;
    }

    @BeforeEach
    void resetClock() {
        clock.set(NOW);
    }

    /** The outbox's rows of a creator, in position order (those without one last, by id), as the test reads them. */
    List<Map<String, Object>> eventRows(String creatorId) {
        return db.jdbi.withHandle(h -> h.createQuery("SELECT event_id, event_type, creator_id, lane, occurred_at, position,"
                + " payload FROM " + db.table("earnings_events") + " WHERE creator_id = :c ORDER BY position IS NULL,"
                + " position, id").bind("c", creatorId).mapToMap().list());
    }

    List<String> typesOf(String creatorId) {
        return eventRows(creatorId).stream().map(r -> (String) r.get("event_type")).collect(Collectors.toList());
    }

    static JsonNode payload(Map<String, Object> row) {
        try {
            return JSON.readTree((String) row.get("payload"));
        } catch (java.io.IOException e) {
            throw new AssertionError("payload is not JSON: " + row.get("payload"), e);
        }
    }

    List<UsageRequest> uses(String modelId, String prefix, int count) {
        List<UsageRequest> requests = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            requests.add(UsageRequest.builder("user-" + (i % 7), modelId).usageType("image_generation")
                    .eventId(prefix + "-" + i).build());
        }
        return requests;
    }

    /** A creator of their own with a model earning 1 a use, and one use of it: a balance to pay out. */
    String creatorWithAUse() {
        String creator = "creator-" + UUID.randomUUID();
        String model = newModel(creator, ModelPricing.of("1", "0"));
        earnings.logModelUsage(UsageRequest.builder("user-1", model).usageType("chat").build());
        return creator;
    }

    /** A consumer name of its own for one test. */
    static String consumerName(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    // ------------------------------------------------------------------ the outbox

    @Test
    void everyChange_writesOneEventOfItsType_withItsFigures_andRepeatsWriteNone() {
        String creator = "creator-" + UUID.randomUUID();
        String model = newModel(creator, ModelPricing.of("1", "0"));
        // Tier 2 starts after 100 prior uses, tier 3 after 1,000: uses 101 and 1,001 reach them.
        BatchResult first = earnings.logModelUsageBatch(uses(model, "t-" + model, 150));
        assertThat(first.rejected()).isZero();
        BatchResult second = earnings.logModelUsageBatch(uses(model, "u-" + model, 900));
        assertThat(second.rejected()).isZero();
        // Repeats of recorded uses are replays: no event.
        earnings.logModelUsageBatch(uses(model, "t-" + model, 150));

        RecordedUse reversed = first.items().get(3).use().orElseThrow();
        Reversal reversal = earnings.reversals().reverse(ADMIN, ReversalRequest.partial(reversed.eventId(),
                new BigDecimal("0.25"), "refund-" + model, "customer refund"));
        earnings.reversals().reverse(ADMIN, ReversalRequest.partial(reversed.eventId(), new BigDecimal("0.25"),
                "refund-" + model, "customer refund"));
        Payout completed = earnings.payouts().create(ADMIN, PayoutRequest.of(creator, 500, "p1"));
        earnings.payouts().create(ADMIN, PayoutRequest.of(creator, 500, "p1"));
        earnings.payouts().complete(ADMIN, completed.id(), "wired");
        Payout failed = earnings.payouts().create(ADMIN, PayoutRequest.of(creator, 300, "p2"));
        earnings.payouts().fail(ADMIN, failed.id(), "bank refused");
        Payout cancelled = earnings.payouts().create(ADMIN, PayoutRequest.of(creator, 200, "p3"));
        earnings.payouts().cancel(ADMIN, cancelled.id(), null);
        assertThatThrownBy(() -> earnings.payouts().complete(ADMIN, cancelled.id(), "again"))
                .isInstanceOf(IllegalPayoutTransitionException.class);

        assertThat(typesOf(creator)).containsExactly("tier.reached", "tier.reached", "use.reversed", "payout.created",
                "payout.completed", "payout.created", "payout.failed", "payout.created", "payout.cancelled");
        List<Map<String, Object>> rows = eventRows(creator);
        assertThat(rows).allSatisfy(r -> {
            assertThat((String) r.get("event_id")).matches("evt_[0-9a-f]{32}");
            assertThat(((Number) r.get("lane")).intValue()).isBetween(0, 15);
        });
        assertThat(rows).extracting(r -> r.get("event_id")).doesNotHaveDuplicates();
        assertThat(rows).extracting(r -> ((Number) r.get("lane")).intValue()).containsOnly(
                ((Number) rows.get(0).get("lane")).intValue());

        JsonNode tier2 = payload(rows.get(0));
        RecordedUse use101 = first.items().get(100).use().orElseThrow();
        assertThat(tier2.get("modelId").asText()).isEqualTo(model);
        assertThat(tier2.get("tierIndex").asInt()).isEqualTo(2);
        assertThat(tier2.get("fromPriorUses").asLong()).isEqualTo(100);
        assertThat(tier2.get("multiplier").asText()).isEqualTo(use101.result().tier().multiplier().toPlainString());
        assertThat(tier2.get("ordinal").asLong()).isEqualTo(101);
        assertThat(tier2.get("eventId").asText()).isEqualTo(use101.eventId());
        JsonNode tier3 = payload(rows.get(1));
        assertThat(tier3.get("tierIndex").asInt()).isEqualTo(3);
        assertThat(tier3.get("ordinal").asLong()).isEqualTo(1001);
        assertThat(tier3.get("eventId").asText()).isEqualTo(second.items().get(850).use().orElseThrow().eventId());

        JsonNode rev = payload(rows.get(2));
        assertThat(rev.get("correctionId").asText()).isEqualTo("refund-" + model);
        assertThat(rev.get("eventId").asText()).isEqualTo(reversed.eventId());
        assertThat(rev.get("amount").isTextual()).isTrue();
        assertThat(new BigDecimal(rev.get("amount").asText())).isEqualByComparingTo("-0.25");
        assertThat(new BigDecimal(rev.get("remaining").asText())).isEqualByComparingTo(reversal.remaining().amount());
        assertThat(rev.get("currency").asText()).isEqualTo("USD");
        assertThat(rev.get("reason").asText()).isEqualTo("customer refund");
        assertThat(rev.get("actor").asText()).isEqualTo("admin-events");

        JsonNode created = payload(rows.get(3));
        assertThat(created.get("payoutId").asLong()).isEqualTo(completed.id());
        assertThat(created.get("amount").asText()).isEqualTo(completed.amount().amount().toPlainString());
        assertThat(created.get("status").asText()).isEqualTo("PENDING");
        assertThat(created.get("reference").asText()).isEqualTo("p1");
        JsonNode done = payload(rows.get(4));
        assertThat(done.get("status").asText()).isEqualTo("COMPLETED");
        assertThat(done.get("reason").asText()).isEqualTo("wired");
        assertThat(payload(rows.get(6)).get("reason").asText()).isEqualTo("bank refused");
        assertThat(payload(rows.get(8)).has("reason")).isFalse();
        // No event names a user, and recorded uses are not events unless the host turns them on.
        assertThat(rows).allSatisfy(r -> assertThat((String) r.get("payload")).doesNotContain("user-"));
    }

    @Test
    void useRecordedEvents_whenTurnedOn_oneEventPerUseWritten_noneForReplaysOrRejections() {
        String creator = "creator-" + UUID.randomUUID();
        String model = newModel(creator, ModelPricing.of("0.5", "0.001"));
        try (Earnings publishing = db.builder().clock(clock).migrateOnStart(false).useRecordedEvents(true).build()) {
            RecordedUse one = publishing.logModelUsage(UsageRequest.builder("user-1", model).tokensConsumed(1200)
                    .usageType("chat").eventId("one-" + model).build());
            BatchResult batch = publishing.logModelUsageBatch(List.of(
                    UsageRequest.builder("user-2", model).usageType("image_generation").eventId("two-" + model).build(),
                    UsageRequest.builder("user-1", model).tokensConsumed(1200).usageType("chat").eventId("one-" + model).build(),
                    UsageRequest.builder("user-3", model).usageType("no-such-type").eventId("bad-" + model).build(),
                    UsageRequest.builder(creator, model).usageType("image_generation").eventId("self-" + model).build()));
            assertThat(batch.rejected()).isEqualTo(1);
            List<Map<String, Object>> rows = eventRows(creator);
            assertThat(rows).extracting(r -> r.get("event_type")).containsOnly("use.recorded");
            List<String> eventIds = rows.stream().map(r -> payload(r).get("eventId").asText()).collect(Collectors.toList());
            assertThat(eventIds).containsExactly("one-" + model, "two-" + model, "self-" + model);
            JsonNode first = payload(rows.get(0));
            assertThat(first.get("modelId").asText()).isEqualTo(model);
            assertThat(first.get("usageType").asText()).isEqualTo("chat");
            assertThat(first.get("tokens").asLong()).isEqualTo(1200);
            assertThat(first.get("ordinal").asLong()).isEqualTo(1);
            assertThat(first.get("tierIndex").asInt()).isEqualTo(1);
            assertThat(first.get("earnings").asText()).isEqualTo(one.result().earnings().amount().toPlainString());
            assertThat(Instant.parse(first.get("occurredAt").asText())).isEqualTo(one.occurredAt());
            // A self-use counts for nothing and has no ordinal.
            JsonNode self = payload(rows.get(2));
            assertThat(self.has("ordinal")).isFalse();
            assertThat(new BigDecimal(self.get("earnings").asText())).isZero();
        }
        // The library's own instance writes no use events.
        earnings.logModelUsage(UsageRequest.builder("user-4", model).usageType("chat").eventId("four-" + model).build());
        assertThat(eventRows(creator)).hasSize(3);
    }

    @Test
    void aChangeWhoseEventCannotBeWritten_isRolledBackWhole_andAChangeRolledBackLeavesNoEvent() throws Exception {
        String creator = "creator-" + UUID.randomUUID();
        String model = newModel(creator, ModelPricing.of("10", "0"));
        RecordedUse use = earnings.logModelUsage(UsageRequest.builder("user-1", model).usageType("chat")
                .eventId("rb-" + model).build());
        FaultyDataSource faulty = new FaultyDataSource(db.dataSource);
        try (Earnings broken = db.builder(faulty.dataSource()).clock(clock).migrateOnStart(false).useRecordedEvents(true)
                .build()) {
            Map<String, Long> before = rowCounts();
            faulty.statementFault = (connection, sql) -> {
                if (FaultyDataSource.writes(sql, "INSERT", "earnings_events")) {
                    throw new SQLException("the outbox refuses (simulated)", "XX000");
                }
            };
            assertThatThrownBy(() -> broken.reversals().reverse(ADMIN, ReversalRequest.whole(use.eventId(), "c-" + model,
                    "refund"))).isInstanceOf(StorageException.class);
            assertThatThrownBy(() -> broken.payouts().create(ADMIN, PayoutRequest.of(creator, 100, "r1")))
                    .isInstanceOf(StorageException.class);
            assertThatThrownBy(() -> broken.logModelUsage(UsageRequest.builder("user-2", model).usageType("chat")
                    .eventId("rb2-" + model).build())).isInstanceOf(StorageException.class);
            assertThat(rowCounts()).isEqualTo(before);

            // A change that fails after its event was written takes the event with it.
            faulty.statementFault = (connection, sql) -> {
                if (FaultyDataSource.writes(sql, "INSERT", "earnings_audit_log")) {
                    throw new SQLException("the audit log refuses (simulated)", "XX000");
                }
            };
            Payout pending = earnings.payouts().create(ADMIN, PayoutRequest.of(creator, 100, "r2"));
            List<String> typesBefore = typesOf(creator);
            assertThatThrownBy(() -> broken.payouts().complete(ADMIN, pending.id(), null)).isInstanceOf(StorageException.class);
            assertThat(typesOf(creator)).isEqualTo(typesBefore);
        }
        // Refused changes write nothing either.
        Map<String, Long> before = rowCounts();
        assertThatThrownBy(() -> earnings.payouts().create(ADMIN, PayoutRequest.of(creator, 1_000_000, "too-much")))
                .isInstanceOf(InsufficientFundsException.class);
        assertThatThrownBy(() -> earnings.reversals().reverse(ADMIN, ReversalRequest.partial(use.eventId(),
                new BigDecimal("11"), "c2-" + model, "more than earned"))).isInstanceOf(ReversalExceedsRemainderException.class);
        assertThat(rowCounts()).isEqualTo(before);
        assertThat(typesOf(creator)).containsExactly("payout.created");
    }

    @Test
    void aLostCommitRetried_writesItsEventsOnce() {
        String creator = "creator-" + UUID.randomUUID();
        String model = newModel(creator, ModelPricing.of("10", "0"));
        FaultyDataSource faulty = new FaultyDataSource(db.dataSource);
        try (Earnings lossy = db.builder(faulty.dataSource()).clock(clock).migrateOnStart(false).useRecordedEvents(true)
                .build()) {
            faulty.commitFault = new FaultyDataSource.LoseFirst(FaultyDataSource.wrote("INSERT", "model_usage_logs"));
            RecordedUse use = lossy.logModelUsage(UsageRequest.builder("user-1", model).usageType("chat")
                    .eventId("lost-" + model).build());
            assertThat(use.replayed()).isFalse();
            faulty.commitFault = new FaultyDataSource.LoseFirst(FaultyDataSource.wrote("INSERT", "earnings_reversals"));
            lossy.reversals().reverse(ADMIN, ReversalRequest.whole(use.eventId(), "lost-c-" + model, "refund"));
            faulty.commitFault = new FaultyDataSource.LoseFirst(FaultyDataSource.wrote("INSERT", "earnings_transactions"));
            earnings.logModelUsage(UsageRequest.builder("user-2", model).usageType("chat").eventId("l2-" + model).build());
            Payout payout = lossy.payouts().create(ADMIN, PayoutRequest.of(creator, 500, "lost-p"));
            faulty.commitFault = new FaultyDataSource.LoseFirst(FaultyDataSource.wrote("UPDATE", "earnings_transactions"));
            lossy.payouts().complete(ADMIN, payout.id(), null);
            assertThat(faulty.lostCommits.get()).isEqualTo(4);
        }
        assertThat(typesOf(creator)).containsExactly("use.recorded", "use.reversed", "payout.created", "payout.completed");
    }

    // ------------------------------------------------------------------ consumers

    /** What a consumer's instances did, as the handlers saw it. */
    static final class Seen {
        final Map<String, AtomicInteger> times = new ConcurrentHashMap<>();
        final Map<String, List<Long>> positionsByCreator = new ConcurrentHashMap<>();
        final Set<String> inFlight = ConcurrentHashMap.newKeySet();
        final List<String> overlaps = new CopyOnWriteArrayList<>();
        final Map<String, Set<String>> byInstance = new ConcurrentHashMap<>();

        EventHandler handler(String instance, Set<String> creators) {
            return event -> {
                if (!creators.contains(event.creatorId())) {
                    return;
                }
                if (!inFlight.add(event.id())) {
                    overlaps.add(event.id());
                }
                try {
                    times.computeIfAbsent(event.id(), k -> new AtomicInteger()).incrementAndGet();
                    positionsByCreator.computeIfAbsent(event.creatorId(), k -> Collections.synchronizedList(new ArrayList<>()))
                            .add(event.position());
                    byInstance.computeIfAbsent(instance, k -> ConcurrentHashMap.newKeySet()).add(event.id());
                    Thread.yield();
                } finally {
                    inFlight.remove(event.id());
                }
            };
        }
    }

    /** Records {@code perCreator} uses of each creator's model, in batches, with use events on. */
    void writeUseEvents(Earnings publishing, List<String> models, int perCreator, int batch) {
        for (int from = 0; from < perCreator; from += batch) {
            List<UsageRequest> requests = new ArrayList<>();
            for (String model : models) {
                for (int i = from; i < Math.min(perCreator, from + batch); i++) {
                    requests.add(UsageRequest.builder("user-" + i % 5, model).usageType("image_generation")
                            .eventId(model + "-" + i).build());
                }
            }
            assertThat(publishing.logModelUsageBatch(requests).rejected()).isZero();
        }
    }

    List<String> newCreators(int count, Map<String, String> modelOf) {
        List<String> creators = new ArrayList<>();
        for (int c = 0; c < count; c++) {
            String creator = "creator-" + c + "-" + UUID.randomUUID();
            modelOf.put(creator, newModel(creator, ModelPricing.of("0.01", "0")));
            creators.add(creator);
        }
        return creators;
    }

    /** The creators' event ids in position order, as the test reads the outbox. */
    Map<String, List<Long>> positionsFromRows(List<String> creators) {
        Map<String, List<Long>> positions = new LinkedHashMap<>();
        for (String creator : creators) {
            positions.put(creator, eventRows(creator).stream().map(r -> ((Number) r.get("position")).longValue())
                    .collect(Collectors.toList()));
        }
        return positions;
    }

    @Test
    void threeInstances_over10000Events_handEachOverOnce_neverTwoAtOnce_inOrderPerCreator() throws Exception {
        Map<String, String> modelOf = new LinkedHashMap<>();
        List<String> creators = newCreators(40, modelOf);
        Set<String> ours = Set.copyOf(creators);
        String name = consumerName("three");
        Seen seen = new Seen();
        List<EventConsumer> instances = new ArrayList<>();
        try (Earnings publishing = db.builder().clock(clock).migrateOnStart(false).useRecordedEvents(true).build()) {
            for (int i = 0; i < 3; i++) {
                instances.add(earnings.events().consumer(name, seen.handler("instance-" + i, ours)).batchSize(50)
                        .pollInterval(Duration.ofMillis(5)).start());
            }
            // Written while the instances consume: 40 creators x 250 uses.
            writeUseEvents(publishing, new ArrayList<>(modelOf.values()), 250, 25);
            // 10,000 uses and 40 tiers reached (each creator's use 101).
            Await.until("every event handed over", 120, () -> seen.times.size() == 10_040);
        } finally {
            instances.forEach(EventConsumer::close);
        }
        assertThat(seen.overlaps).isEmpty();
        assertThat(seen.times.values()).allSatisfy(n -> assertThat(n.get()).isEqualTo(1));
        Map<String, List<Long>> expected = positionsFromRows(creators);
        assertThat(expected.values().stream().mapToInt(List::size).sum()).isEqualTo(10_040);
        for (String creator : creators) {
            assertThat(seen.positionsByCreator.get(creator)).as("creator %s", creator).isEqualTo(expected.get(creator));
        }
        assertThat(earnings.events().status(name).orElseThrow().pending()).isZero();
        earnings.events().removeConsumer(name);
    }

    /** Thrown by a handler to stop its instance the way a crash would. */
    static final class Crash extends Error {
        private static final long serialVersionUID = 1L;

        Crash() {
            super("simulated crash");
        }
    }

    @Test
    void anInstanceThatDiesMidBatch_hasItsBatchHandedAgainByAnother() throws Exception {
        Map<String, String> modelOf = new LinkedHashMap<>();
        List<String> creators = newCreators(16, modelOf);
        Set<String> ours = Set.copyOf(creators);
        String name = consumerName("crash");
        Seen seen = new Seen();
        List<String> handledBeforeCrash = new CopyOnWriteArrayList<>();
        EventHandler survivor1 = seen.handler("survivor-1", ours);
        EventHandler survivor2 = seen.handler("survivor-2", ours);
        EventHandler recording = seen.handler("victim", ours);
        AtomicInteger victimCount = new AtomicInteger();
        EventHandler victim = event -> {
            recording.handle(event);
            if (ours.contains(event.creatorId())) {
                handledBeforeCrash.add(event.id());
                if (victimCount.incrementAndGet() == 5) {
                    throw new Crash();
                }
            }
        };
        try (Earnings publishing = db.builder().clock(clock).migrateOnStart(false).useRecordedEvents(true).build()) {
            // Registered before the events are written, so its first batch is all this test's.
            EventConsumer first = earnings.events().consumer(name, victim).startFrom(EventConsumer.Start.NOW).batchSize(20)
                    .build();
            writeUseEvents(publishing, new ArrayList<>(modelOf.values()), 100, 100);
            assertThatThrownBy(first::pollOnce).isInstanceOf(Crash.class);
            assertThat(handledBeforeCrash).hasSize(5);
            List<EventConsumer> survivors = List.of(
                    earnings.events().consumer(name, survivor1).batchSize(20).pollInterval(Duration.ofMillis(5)).start(),
                    earnings.events().consumer(name, survivor2).batchSize(20).pollInterval(Duration.ofMillis(5)).start());
            try {
                // 1,600 uses (each creator's 100th is still in the first tier).
            Await.until("every event handed over", 60, () -> seen.times.size() == 1_600
                        && earnings.events().status(name).orElseThrow().pending() == 0);
            } finally {
                survivors.forEach(EventConsumer::close);
                first.close();
            }
        }
        assertThat(seen.overlaps).isEmpty();
        // The five handled in the crashed batch were handed again; every other event once.
        for (String id : handledBeforeCrash) {
            assertThat(seen.times.get(id).get()).as("event %s", id).isEqualTo(2);
        }
        assertThat(seen.times.entrySet().stream().filter(e -> !handledBeforeCrash.contains(e.getKey())))
                .allSatisfy(e -> assertThat(e.getValue().get()).isEqualTo(1));
        // Order per creator: the first delivery of each event in position order, the repeats of the
        // crashed batch starting again from its first event.
        Map<String, List<Long>> expected = positionsFromRows(creators);
        for (String creator : creators) {
            List<Long> got = new ArrayList<>(seen.positionsByCreator.get(creator));
            assertThat(got.stream().distinct().collect(Collectors.toList())).as("creator %s", creator)
                    .isEqualTo(expected.get(creator));
        }
        earnings.events().removeConsumer(name);
    }

    @Test
    void aFailingEvent_isRetriedWithBackoff_whileItsCreatorsLaterEventsWait_thenDeadLettered_andReplayed() {
        String creator = "creator-" + UUID.randomUUID();
        String model = newModel(creator, ModelPricing.of("1", "0"));
        String name = consumerName("failing");
        Map<String, Integer> handled = new HashMap<>();
        boolean[] broken = {true};
        List<String> order = new ArrayList<>();
        String[] poison = new String[1];
        EventHandler handler = event -> {
            if (!event.creatorId().equals(creator)) {
                return;
            }
            if (broken[0] && event.id().equals(poison[0])) {
                throw new IllegalStateException("receiver answered 500 for " + event.type().wireName());
            }
            handled.merge(event.id(), 1, Integer::sum);
            order.add(event.id());
        };
        EventConsumer consumer = earnings.events().consumer(name, handler)
                .retries(3, Duration.ofMinutes(1), Duration.ofMinutes(90)).build();
        earnings.logModelUsage(UsageRequest.builder("user-1", model).usageType("chat").eventId("f-" + model).build());
        Payout a = earnings.payouts().create(ADMIN, PayoutRequest.of(creator, 1, "a"));
        Payout b = earnings.payouts().create(ADMIN, PayoutRequest.of(creator, 50, "b"));
        earnings.payouts().complete(ADMIN, b.id(), null);
        List<Map<String, Object>> rows = eventRows(creator);
        assertThat(rows).hasSize(3);
        poison[0] = (String) rows.get(1).get("event_id");

        consumer.pollOnce();
        assertThat(order).containsExactly((String) rows.get(0).get("event_id"));
        EventConsumerStatus status = earnings.events().status(name).orElseThrow();
        assertThat(status.retryingLanes()).isEqualTo(1);
        assertThat(status.lastError()).hasValueSatisfying(e -> assertThat(e).contains("IllegalStateException",
                "receiver answered 500 for payout.created"));
        // Backing off: nothing of the lane moves before a minute has passed, the later event included.
        clock.advance(Duration.ofSeconds(59));
        consumer.pollOnce();
        assertThat(order).hasSize(1);
        clock.advance(Duration.ofSeconds(1));
        consumer.pollOnce();
        assertThat(order).hasSize(1);
        // The second wait is twice the first.
        clock.advance(Duration.ofSeconds(119));
        consumer.pollOnce();
        assertThat(order).hasSize(1);
        clock.advance(Duration.ofSeconds(1));
        consumer.pollOnce();
        // The third attempt was the last: the event is a dead letter, and the lane goes on.
        assertThat(order).containsExactly((String) rows.get(0).get("event_id"), (String) rows.get(2).get("event_id"));
        List<DeadLetter> dead = earnings.events().deadLetters(name);
        assertThat(dead).hasSize(1);
        assertThat(dead.get(0).event().id()).isEqualTo(poison[0]);
        assertThat(dead.get(0).event().type()).isEqualTo(EventType.PAYOUT_CREATED);
        assertThat(dead.get(0).attempts()).isEqualTo(3);
        assertThat(dead.get(0).error()).contains("receiver answered 500");
        assertThat(dead.get(0).failedAt()).isEqualTo(clock.instant());
        assertThat(earnings.events().status(name).orElseThrow().deadLetters()).isEqualTo(1);
        assertThat(earnings.events().status(name).orElseThrow().retryingLanes()).isZero();

        // A replay that fails again keeps the letter and counts the attempt; one that succeeds removes it.
        assertThat(consumer.replayDeadLetters()).isZero();
        assertThat(earnings.events().deadLetters(name).get(0).attempts()).isEqualTo(4);
        broken[0] = false;
        assertThat(consumer.replay("evt_" + "0".repeat(32))).isFalse();
        assertThat(consumer.replay(poison[0])).isTrue();
        assertThat(earnings.events().deadLetters(name)).isEmpty();
        assertThat(handled.get(poison[0])).isEqualTo(1);
        assertThat(a.id()).isPositive();
        earnings.events().removeConsumer(name);
    }

    @Test
    void aNewConsumer_startsAfterTheEventsSoFar_orAtTheBeginning_andAStoredCursorOutlivesItsInstances() {
        String creator = creatorWithAUse();
        earnings.payouts().create(ADMIN, PayoutRequest.of(creator, 10, "before"));
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        List<String> fromNow = new ArrayList<>();
        List<String> fromStart = new ArrayList<>();
        EventConsumer now = earnings.events().consumer("now-" + suffix, e -> {
            if (e.creatorId().equals(creator)) {
                fromNow.add(e.type().wireName());
            }
        }).build();
        EventConsumer start = earnings.events().consumer("start-" + suffix, e -> {
            if (e.creatorId().equals(creator)) {
                fromStart.add(e.type().wireName());
            }
        }).startFrom(EventConsumer.Start.BEGINNING).build();
        earnings.payouts().create(ADMIN, PayoutRequest.of(creator, 10, "after"));
        now.pollOnce();
        start.pollOnce();
        assertThat(fromNow).containsExactly("payout.created");
        assertThat(fromStart).containsExactly("payout.created", "payout.created");
        now.close();
        // Its cursor is stored: a later instance, whatever it asks, goes on from there.
        earnings.payouts().create(ADMIN, PayoutRequest.of(creator, 10, "later"));
        List<String> again = new ArrayList<>();
        EventConsumer next = earnings.events().consumer("now-" + suffix, e -> {
            if (e.creatorId().equals(creator)) {
                again.add(e.type().wireName() + ":" + payloadOf(e).get("reference").asText());
            }
        }).startFrom(EventConsumer.Start.BEGINNING).build();
        next.pollOnce();
        assertThat(again).containsExactly("payout.created:later");
        assertThat(earnings.events().removeConsumer("now-" + suffix)).isTrue();
        assertThat(earnings.events().removeConsumer("now-" + suffix)).isFalse();
        assertThat(earnings.events().status("now-" + suffix)).isEmpty();
        earnings.events().removeConsumer("start-" + suffix);
    }

    static JsonNode payloadOf(EarningsEvent event) {
        try {
            return JSON.readTree(event.payload());
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void pruning_deletesOnlyEventsOlderThanTheRetention_thatEveryConsumerHandled_andNoDeadLetter() {
        // Consumers other tests left behind hold their cursors: this test starts without them.
        db.jdbi.useHandle(h -> h.createQuery("SELECT DISTINCT consumer FROM " + db.table("earnings_event_consumers"))
                .mapTo(String.class).list().forEach(c -> earnings.events().removeConsumer(c)));
        String creator = creatorWithAUse();
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        String[] poison = new String[1];
        EventConsumer fast = earnings.events().consumer("fast-" + suffix, e -> {
            if (e.id().equals(poison[0])) {
                throw new IllegalStateException("never handled");
            }
        }).startFrom(EventConsumer.Start.NOW).retries(1, Duration.ZERO, Duration.ZERO).build();
        EventConsumer slow = earnings.events().consumer("slow-" + suffix, e -> { }).startFrom(EventConsumer.Start.NOW).build();
        Payout old1 = earnings.payouts().create(ADMIN, PayoutRequest.of(creator, 10, "old-1"));
        earnings.payouts().create(ADMIN, PayoutRequest.of(creator, 10, "old-2"));
        poison[0] = (String) eventRows(creator).get(1).get("event_id");
        fast.pollOnce();
        assertThat(earnings.events().deadLetters("fast-" + suffix)).extracting(d -> d.event().id()).containsExactly(poison[0]);
        clock.advance(Duration.ofDays(7).plusSeconds(1));
        earnings.payouts().complete(ADMIN, old1.id(), null);
        fast.pollOnce();
        // The slow consumer has handled none of them: nothing goes.
        earnings.events().prune();
        assertThat(eventRows(creator)).hasSize(3);
        slow.pollOnce();
        int pruned = earnings.events().prune();
        // Both passed all three; the two older than seven days go, but the dead letter stays.
        assertThat(pruned).isGreaterThanOrEqualTo(1);
        assertThat(eventRows(creator)).extracting(r -> r.get("event_id")).containsExactly(poison[0],
                eventRows(creator).get(1).get("event_id"));
        assertThat(eventRows(creator)).extracting(r -> r.get("event_type")).containsExactly("payout.created",
                "payout.completed");
        earnings.events().removeConsumer("fast-" + suffix);
        earnings.events().prune();
        assertThat(eventRows(creator)).extracting(r -> r.get("event_type")).containsExactly("payout.completed");
        earnings.events().removeConsumer("slow-" + suffix);
        // With no consumer at all, events older than the retention go too.
        earnings.payouts().create(ADMIN, PayoutRequest.of(creator, 10, "unread"));
        assertThat(eventRows(creator)).hasSize(2);
        clock.advance(Duration.ofDays(7).plusSeconds(1));
        earnings.events().prune();
        assertThat(eventRows(creator)).isEmpty();
    }

    @Test
    void consumerSettings_areChecked() {
        EventHandler nothing = e -> { };
        assertThatThrownBy(() -> earnings.events().consumer("", nothing)).isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("consumer name");
        assertThatThrownBy(() -> earnings.events().consumer("a b", nothing)).isInstanceOf(InvalidConfigurationException.class);
        assertThatThrownBy(() -> earnings.events().consumer("x".repeat(129), nothing))
                .isInstanceOf(InvalidConfigurationException.class);
        assertThatThrownBy(() -> earnings.events().consumer("ok", null)).isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("handler");
        EventConsumer.Builder b = earnings.events().consumer("ok", nothing);
        assertThatThrownBy(() -> b.batchSize(0)).isInstanceOf(InvalidConfigurationException.class);
        assertThatThrownBy(() -> b.batchSize(10_001)).isInstanceOf(InvalidConfigurationException.class);
        assertThatThrownBy(() -> b.pollInterval(Duration.ZERO)).isInstanceOf(InvalidConfigurationException.class);
        assertThatThrownBy(() -> b.retries(0, Duration.ZERO, Duration.ZERO)).isInstanceOf(InvalidConfigurationException.class);
        assertThatThrownBy(() -> b.retries(3, Duration.ofSeconds(2), Duration.ofSeconds(1)))
                .isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("maxBackoff");
        assertThatThrownBy(() -> b.retries(3, Duration.ofSeconds(-1), Duration.ofSeconds(1)))
                .isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("firstBackoff");
        assertThatThrownBy(() -> b.startFrom(null)).isInstanceOf(InvalidConfigurationException.class);
        assertThatThrownBy(() -> Earnings.builder().eventRetention(Duration.ofSeconds(59)))
                .isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("eventRetention");
    }

    @Test
    void aHandlersFailureWithUnstorableText_isStoredCleaned_andDoesNotStallTheLane() {
        String creator = "creator-" + UUID.randomUUID();
        String model = newModel(creator, ModelPricing.of("1", "0"));
        String name = consumerName("dirty");
        List<String> handled = new ArrayList<>();
        String nasty = "nul\u0000 bell\u0007 lone\ud800 pair\ud83d\ude00 " + "x".repeat(10_000);
        EventConsumer consumer = earnings.events().consumer(name, e -> {
            if (!e.creatorId().equals(creator)) {
                return;
            }
            if (payloadOf(e).get("reference").asText().equals("dirty")) {
                throw new IllegalStateException(nasty);
            }
            handled.add(payloadOf(e).get("reference").asText());
        }).retries(1, Duration.ZERO, Duration.ZERO).build();
        earnings.logModelUsage(UsageRequest.builder("user-1", model).usageType("chat").build());
        earnings.payouts().create(ADMIN, PayoutRequest.of(creator, 1, "dirty"));
        earnings.payouts().create(ADMIN, PayoutRequest.of(creator, 1, "clean"));
        consumer.pollOnce();
        assertThat(handled).containsExactly("clean");
        DeadLetter dead = earnings.events().deadLetters(name).get(0);
        assertThat(dead.error()).startsWith("java.lang.IllegalStateException: nul\uFFFD bell\uFFFD lone\uFFFD pair\ud83d\ude00 x");
        assertThat(dead.error().codePointCount(0, dead.error().length())).isEqualTo(2_000);
        earnings.events().removeConsumer(name);
    }

    @Test
    void closingAnInstanceWhoseHandlerHangs_interruptsIt_andTheEventIsHandedOverLater() throws Exception {
        String creator = creatorWithAUse();
        String name = consumerName("hang");
        java.util.concurrent.CountDownLatch entered = new java.util.concurrent.CountDownLatch(1);
        List<String> interrupted = new CopyOnWriteArrayList<>();
        EventConsumer hanging = earnings.events().consumer(name, e -> {
            if (!e.creatorId().equals(creator)) {
                return;
            }
            entered.countDown();
            try {
                Thread.sleep(60_000);
            } catch (InterruptedException ie) {
                interrupted.add(e.id());
                throw ie;
            }
        }).pollInterval(Duration.ofMillis(5)).closeTimeout(Duration.ofMillis(200)).start();
        earnings.payouts().create(ADMIN, PayoutRequest.of(creator, 1, "hang"));
        assertThat(entered.await(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        long started = System.nanoTime();
        hanging.close();
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(10));
        assertThat(hanging.isRunning()).isFalse();
        assertThat(interrupted).hasSize(1);
        // Not handled, not a failure: the next instance gets it.
        assertThat(earnings.events().status(name).orElseThrow().retryingLanes()).isZero();
        List<String> later = new ArrayList<>();
        earnings.events().consumer(name, e -> later.add(e.id())).build().pollOnce();
        assertThat(later).contains(interrupted.get(0));
        assertThat(earnings.events().deadLetters(name)).isEmpty();
        earnings.events().removeConsumer(name);
    }

    @Test
    void callsNamingAConsumer_refuseWhatIsNotAName() {
        for (String bad : new String[] {null, "", "a b", "x".repeat(129), "semi;colon"}) {
            assertThatThrownBy(() -> earnings.events().status(bad)).isInstanceOf(dev.earnings.core.InvalidInputException.class)
                    .hasMessageContaining("consumer is");
            assertThatThrownBy(() -> earnings.events().deadLetters(bad))
                    .isInstanceOf(dev.earnings.core.InvalidInputException.class);
            assertThatThrownBy(() -> earnings.events().removeConsumer(bad))
                    .isInstanceOf(dev.earnings.core.InvalidInputException.class);
        }
        assertThatThrownBy(() -> earnings.events().status("y".repeat(100_000)))
                .hasMessage("consumer is not a consumer's name (100000 characters); allowed: 1 to 128 of A-Z a-z 0-9 . _ : -");
        assertThat(earnings.events().status("never-ran")).isEmpty();
        assertThat(earnings.events().deadLetters("never-ran")).isEmpty();
    }


    @Test
    void aWebhookConsumer_retriesAReceiversErrors_withBackoff_andDeliversEveryEventSignedOnce() throws Exception {
        String creator = "creator-" + UUID.randomUUID();
        String model = newModel(creator, ModelPricing.of("1", "0"));
        byte[] secret = "0123456789abcdef0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        dev.earnings.jdbc.webhook.WebhookVerifier verifier = dev.earnings.jdbc.webhook.WebhookVerifier.of(secret)
                .clock(clock);
        AtomicInteger errorsLeft = new AtomicInteger(2);
        List<EarningsEvent> received = new CopyOnWriteArrayList<>();
        List<String> idsPerRequest = new CopyOnWriteArrayList<>();
        com.sun.net.httpserver.HttpServer server = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/hooks", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            int status;
            try {
                EarningsEvent event = verifier.verifyEvent(exchange.getRequestHeaders().getFirst("Earnings-Timestamp"),
                        exchange.getRequestHeaders().getFirst("Earnings-Signature"), body);
                idsPerRequest.add(exchange.getRequestHeaders().getFirst("Earnings-Event-Id"));
                if (errorsLeft.getAndDecrement() > 0) {
                    status = 500;
                } else {
                    received.add(event);
                    status = 204;
                }
            } catch (dev.earnings.jdbc.webhook.WebhookSignatureException e) {
                status = 401;
            }
            exchange.sendResponseHeaders(status, -1);
            exchange.close();
        });
        server.start();
        String name = consumerName("hooks");
        try {
            dev.earnings.jdbc.webhook.WebhookSender sender = dev.earnings.jdbc.webhook.WebhookSender.builder(
                    java.net.URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/hooks"), secret)
                    .clock(clock).build();
            EventConsumer consumer = earnings.events().consumer(name, e -> {
                if (e.creatorId().equals(creator)) {
                    sender.handle(e);
                }
            }).retries(5, Duration.ofSeconds(10), Duration.ofMinutes(1)).build();
            RecordedUse use = earnings.logModelUsage(UsageRequest.builder("user-1", model).usageType("chat").build());
            earnings.reversals().reverse(ADMIN, ReversalRequest.partial(use.eventId(), new BigDecimal("0.1"), "wh-" + model,
                    "refund"));
            Payout payout = earnings.payouts().create(ADMIN, PayoutRequest.of(creator, 10, "wh"));
            earnings.payouts().complete(ADMIN, payout.id(), null);

            consumer.pollOnce();
            assertThat(received).isEmpty();
            clock.advance(Duration.ofSeconds(10));
            consumer.pollOnce();
            assertThat(received).isEmpty();
            // The second wait is twice the first; then the receiver has recovered.
            clock.advance(Duration.ofSeconds(19));
            consumer.pollOnce();
            assertThat(received).isEmpty();
            clock.advance(Duration.ofSeconds(1));
            consumer.pollOnce();
            List<Map<String, Object>> rows = eventRows(creator);
            assertThat(received).extracting(EarningsEvent::id).containsExactlyElementsOf(rows.stream()
                    .map(r -> (String) r.get("event_id")).collect(Collectors.toList()));
            assertThat(received).extracting(e -> e.type().wireName()).containsExactly("use.reversed", "payout.created",
                    "payout.completed");
            assertThat(received.get(0).payload()).isEqualTo(rows.get(0).get("payload"));
            // The first event was tried three times under one id.
            assertThat(idsPerRequest.subList(0, 3)).containsOnly(received.get(0).id());
            assertThat(idsPerRequest).hasSize(5);
            assertThat(earnings.events().deadLetters(name)).isEmpty();
        } finally {
            server.stop(0);
            earnings.events().removeConsumer(name);
        }
    }


    @Test
    void aConsumerStartedFromNow_afterMoreThanOneSequencingStepOfEvents_getsNoneOfThem() {
        Map<String, String> modelOf = new LinkedHashMap<>();
        List<String> creators = newCreators(3, modelOf);
        Set<String> ours = Set.copyOf(creators);
        try (Earnings publishing = db.builder().clock(clock).migrateOnStart(false).useRecordedEvents(true).build()) {
            // 10,506 events without a position (uses and tiers reached; no consumer polls meanwhile): more
            // than one step of 10,000.
            writeUseEvents(publishing, new ArrayList<>(modelOf.values()), 3_500, 500);
        }
        String name = consumerName("late");
        List<String> seen = new ArrayList<>();
        EventConsumer late = earnings.events().consumer(name, e -> {
            if (ours.contains(e.creatorId())) {
                seen.add(e.id());
            }
        }).build();
        while (late.pollOnce() > 0) {
            continue;
        }
        assertThat(seen).isEmpty();
        assertThat(positionsFromRows(creators).values()).allSatisfy(p -> assertThat(p).hasSize(3_500 + 2)
                .doesNotContainNull());
        earnings.events().removeConsumer(name);
    }

    @Test
    void removingAConsumer_whileAnInstanceDeadLetters_leavesNoDeadLetterBehind() throws Exception {
        String creator = creatorWithAUse();
        String name = consumerName("doomed");
        java.util.concurrent.CountDownLatch entered = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        EventConsumer doomed = earnings.events().consumer(name, e -> {
            if (e.creatorId().equals(creator)) {
                entered.countDown();
                release.await(30, java.util.concurrent.TimeUnit.SECONDS);
                throw new IllegalStateException("gives up");
            }
        }).retries(1, Duration.ZERO, Duration.ZERO).build();
        earnings.payouts().create(ADMIN, PayoutRequest.of(creator, 1, "doomed"));
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
        try {
            java.util.concurrent.Future<Integer> polling = pool.submit(doomed::pollOnce);
            assertThat(entered.await(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            java.util.concurrent.Future<Boolean> removing = pool.submit(() -> earnings.events().removeConsumer(name));
            Thread.sleep(300);
            release.countDown();
            assertThat(polling.get(30, java.util.concurrent.TimeUnit.SECONDS)).isPositive();
            assertThat(removing.get(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        } finally {
            pool.shutdownNow();
        }
        assertThat(earnings.events().status(name)).isEmpty();
        assertThat(earnings.events().deadLetters(name)).isEmpty();
        long left = db.jdbi.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM " + db.table("earnings_event_dead_letters")
                + " WHERE consumer = :c").bind("c", name).mapTo(Long.class).one());
        assertThat(left).isZero();
    }

    @Test
    void closeWithATimeoutOfZero_interruptsAtOnce() throws Exception {
        String creator = creatorWithAUse();
        String name = consumerName("zero");
        java.util.concurrent.CountDownLatch entered = new java.util.concurrent.CountDownLatch(1);
        EventConsumer consumer = earnings.events().consumer(name, e -> {
            if (e.creatorId().equals(creator)) {
                entered.countDown();
                Thread.sleep(20_000);
            }
        }).pollInterval(Duration.ofMillis(5)).closeTimeout(Duration.ZERO).start();
        earnings.payouts().create(ADMIN, PayoutRequest.of(creator, 1, "zero"));
        assertThat(entered.await(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        long started = System.nanoTime();
        consumer.close();
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
        Await.until("the interrupted instance stopped", 10, () -> !consumer.isRunning());
        earnings.events().removeConsumer(name);
    }

    @Test
    void aReplayWhoseCommitIsLost_reportsTheEventHandled() {
        String creator = creatorWithAUse();
        String name = consumerName("lostreplay");
        boolean[] failing = {true};
        List<String> handled = new ArrayList<>();
        FaultyDataSource faulty = new FaultyDataSource(db.dataSource);
        try (Earnings lossy = db.builder(faulty.dataSource()).clock(clock).migrateOnStart(false).build()) {
            EventConsumer consumer = lossy.events().consumer(name, e -> {
                if (!e.creatorId().equals(creator)) {
                    return;
                }
                if (failing[0]) {
                    throw new IllegalStateException("down");
                }
                handled.add(e.id());
            }).retries(1, Duration.ZERO, Duration.ZERO).build();
            earnings.payouts().create(ADMIN, PayoutRequest.of(creator, 1, "lost"));
            consumer.pollOnce();
            String dead = earnings.events().deadLetters(name).get(0).event().id();
            failing[0] = false;
            faulty.commitFault = new FaultyDataSource.LoseFirst(statements -> statements.stream().anyMatch(sql ->
                    sql.toUpperCase(java.util.Locale.ROOT).contains("DELETE FROM") && sql.contains("earnings_event_dead_letters")));
            assertThat(consumer.replay(dead)).isTrue();
            assertThat(faulty.lostCommits.get()).isEqualTo(1);
            assertThat(handled).containsExactly(dead);
            assertThat(earnings.events().deadLetters(name)).isEmpty();
        }
        earnings.events().removeConsumer(name);
    }

}
