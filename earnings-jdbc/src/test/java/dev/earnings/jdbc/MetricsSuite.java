package dev.earnings.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.earnings.core.ModelPricing;
import dev.earnings.core.UnknownUsageTypeException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Micrometer metrics, run against each database by a subclass: after known traffic every meter
 * holds the exact figure, and tags hold bounded values only. Each test builds an instance of its own
 * with a fresh registry, so the figures are that test's alone.
 */
abstract class MetricsSuite extends DatabaseSuite {
    static final Instant NOW = Instant.parse("2026-05-04T10:00:00Z");
    static final Caller ADMIN = Caller.admin("admin-1");

    SimpleMeterRegistry registry;
    FaultyDataSource faulty;
    Earnings metered;

    @Override
    Instant start() {
        return NOW;
    }

    @BeforeEach
    void meteredInstance() {
        registry = new SimpleMeterRegistry();
        faulty = new FaultyDataSource(db.dataSource);
        metered = db.builder(faulty.dataSource()).clock(clock).migrateOnStart(false).meterRegistry(registry).build();
    }

    @AfterEach
    void closeMetered() {
        metered.close();
    }

    double count(String name, String... tags) {
        Counter counter = registry.find(name).tags(tags).counter();
        return counter == null ? 0 : counter.count();
    }

    String model() {
        String modelId = "model-" + UUID.randomUUID();
        metered.models().register(modelId, "creator-" + UUID.randomUUID(), ModelPricing.of("0.5", "0.001"));
        return modelId;
    }

    static UsageRequest use(String user, String model, String eventId) {
        return UsageRequest.builder(user, model).tokensConsumed(100).usageType("chat").eventId(eventId).build();
    }

    @Test
    void singleCalls_countRecordedReplayedRejectedByReasonAndConflicting_andTimeEveryCall() {
        String model = model();
        String prefix = UUID.randomUUID().toString();
        for (int i = 0; i < 5; i++) {
            metered.logModelUsage(use("user-" + i, model, prefix + "-" + i));
        }
        assertThat(metered.logModelUsage(use("user-0", model, prefix + "-0")).replayed()).isTrue();
        assertThat(metered.logModelUsage(use("user-1", model, prefix + "-1")).replayed()).isTrue();
        assertThatThrownBy(() -> metered.logModelUsage(UsageRequest.builder("user-9", model).usageType("no-such-type")
                .build())).isInstanceOf(UnknownUsageTypeException.class);
        assertThatThrownBy(() -> metered.logModelUsage(UsageRequest.builder("user-9", model).usageType("no-such-type")
                .build())).isInstanceOf(UnknownUsageTypeException.class);
        assertThatThrownBy(() -> metered.logModelUsage(use("user-9", "model-never-registered", prefix + "-x")))
                .isInstanceOf(UnknownModelException.class);
        // The same eventId with another user: a conflict, neither a replay nor a rejection.
        assertThatThrownBy(() -> metered.logModelUsage(use("user-other", model, prefix + "-2")))
                .isInstanceOf(IdempotencyConflictException.class);

        assertThat(count("earnings.uses.recorded")).isEqualTo(5);
        assertThat(count("earnings.uses.replayed")).isEqualTo(2);
        assertThat(count("earnings.uses.rejected", "reason", "unknown_usage_type")).isEqualTo(2);
        assertThat(count("earnings.uses.rejected", "reason", "unknown_model")).isEqualTo(1);
        assertThat(registry.find("earnings.uses.rejected").counters()).hasSize(2);
        assertThat(count("earnings.uses.conflicting")).isEqualTo(1);
        Timer record = registry.get("earnings.record").timer();
        assertThat(record.count()).isEqualTo(11);
        assertThat(record.totalTime(TimeUnit.NANOSECONDS)).isPositive();
        assertThat(registry.get("earnings.batch").timer().count()).isZero();
        assertThat(count("earnings.retries")).isZero();
        assertThat(count("earnings.storage.failures")).isZero();
        // No tag of any meter holds an id.
        registry.getMeters().forEach(meter -> meter.getId().getTags().forEach(tag ->
                assertThat(tag.getValue()).doesNotContain(model).doesNotContain(prefix).doesNotContain("user-")));
    }

    @Test
    void aBatchOfTen_isOneBatchOfSizeTen_whoseUsesAreCountedOneByOne() {
        String model = model();
        String prefix = UUID.randomUUID().toString();
        List<UsageRequest> uses = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            uses.add(use("user-" + i, model, prefix + "-" + i));
        }
        uses.add(UsageRequest.builder("user-8", model).usageType("no-such-type").build());
        // A repeat within the batch is a replay of the first.
        uses.add(use("user-0", model, prefix + "-0"));

        BatchResult result = metered.logModelUsageBatch(uses);

        assertThat(result.recorded()).isEqualTo(8);
        assertThat(count("earnings.uses.recorded")).isEqualTo(8);
        assertThat(count("earnings.uses.replayed")).isEqualTo(1);
        assertThat(count("earnings.uses.rejected", "reason", "unknown_usage_type")).isEqualTo(1);
        Timer batch = registry.get("earnings.batch").timer();
        assertThat(batch.count()).isEqualTo(1);
        DistributionSummary size = registry.get("earnings.batch.size").summary();
        assertThat(size.count()).isEqualTo(1);
        assertThat(size.totalAmount()).isEqualTo(10);
        assertThat(registry.get("earnings.record").timer().count()).isZero();
    }

    @Test
    void retriesAndStorageFailures_areCountedWhereTheyHappen() {
        String model = model();
        AtomicInteger toFail = new AtomicInteger(1);
        faulty.connectionFault = () -> {
            if (toFail.getAndDecrement() > 0) {
                throw FaultyDataSource.poolTimeout();
            }
        };
        metered.logModelUsage(use("user-1", model, UUID.randomUUID().toString()));
        assertThat(count("earnings.retries")).isEqualTo(1);
        assertThat(count("earnings.storage.failures")).isZero();
        assertThat(metered.retries()).isEqualTo(1);

        // Every connection fails: the retries run out and the call fails for good, once.
        try (Earnings brief = db.builder(faulty.dataSource()).clock(clock).migrateOnStart(false).maxAttempts(3)
                .meterRegistry(registry).build()) {
            faulty.connectionFault = () -> {
                throw FaultyDataSource.poolTimeout();
            };
            double before = count("earnings.retries");
            assertThatThrownBy(() -> brief.logModelUsage(use("user-2", model, UUID.randomUUID().toString())))
                    .isInstanceOf(StorageException.class);
            assertThat(count("earnings.retries") - before).isEqualTo(2);
            assertThat(count("earnings.storage.failures")).isEqualTo(1);
            assertThat(count("earnings.uses.recorded")).isEqualTo(1);
        } finally {
            faulty.reset();
        }
    }

    @Test
    void payouts_countEachStatusReachedOnce() {
        String creator = "payee-" + UUID.randomUUID();
        String model = "model-" + UUID.randomUUID();
        metered.models().register(model, creator, ModelPricing.of("1", "0"));
        for (int i = 0; i < 20; i++) {
            metered.logModelUsage("user-" + i, model, 0, "image_generation", null);
        }
        Payout first = metered.payouts().create(ADMIN, PayoutRequest.of(creator, 500, "p-1"));
        // The same reference again returns the payout created before: nothing new is counted.
        metered.payouts().create(ADMIN, PayoutRequest.of(creator, 500, "p-1"));
        Payout second = metered.payouts().create(ADMIN, PayoutRequest.of(creator, 300, "p-2"));
        metered.payouts().complete(ADMIN, first.id(), "wire 1");
        metered.payouts().fail(ADMIN, second.id(), "bank refused");
        assertThatThrownBy(() -> metered.payouts().complete(ADMIN, first.id(), null))
                .isInstanceOf(IllegalPayoutTransitionException.class);

        assertThat(count("earnings.payouts.transitions", "to", "pending")).isEqualTo(2);
        assertThat(count("earnings.payouts.transitions", "to", "completed")).isEqualTo(1);
        assertThat(count("earnings.payouts.transitions", "to", "failed")).isEqualTo(1);
        assertThat(count("earnings.payouts.transitions", "to", "cancelled")).isZero();
    }

    @Test
    void dashboardsAndReports_areTimed() {
        String creator = "creator-" + UUID.randomUUID();
        String model = "model-" + UUID.randomUUID();
        metered.models().register(model, creator, ModelPricing.of("1", "0"));
        metered.logModelUsage("user-1", model, 0, "image_generation", null);
        CreatorDashboard dashboard = metered.analytics().creatorDashboard(ADMIN, creator,
                DashboardQuery.of(ReportPeriod.lastDays(30)));
        assertThat(dashboard).isNotNull();
        metered.analytics().modelReport(ADMIN, model, ReportPeriod.lastDays(30), Granularity.DAY);
        assertThat(registry.get("earnings.dashboard").timer().count()).isEqualTo(2);
    }

    @Test
    void anAsyncRecorder_reportsItsGroupSizesAndAnEmptyQueueOnceWritten() throws Exception {
        String model = model();
        List<CompletableFuture<RecordedUse>> futures = new ArrayList<>();
        try (AsyncRecorder recorder = metered.asyncRecorder(AsyncRecorder.Options.builder().writers(1).maxBatch(5)
                .flushInterval(Duration.ofSeconds(10)).build())) {
            for (int i = 0; i < 10; i++) {
                futures.add(recorder.submit(use("user-" + i, model, UUID.randomUUID().toString())));
            }
            for (CompletableFuture<RecordedUse> future : futures) {
                future.get(30, TimeUnit.SECONDS);
            }
            assertThat(registry.get("earnings.async.queue.depth").gauge().value()).isZero();
        }
        DistributionSummary groups = registry.get("earnings.async.group.size").summary();
        assertThat(groups.count()).isEqualTo(2);
        assertThat(groups.totalAmount()).isEqualTo(10);
        assertThat(groups.max()).isEqualTo(5);
        assertThat(count("earnings.uses.recorded")).isEqualTo(10);
        assertThat(registry.get("earnings.record").timer().count()).isZero();
    }

    @Test
    void aConsumersLag_countsItsPendingEvents_andFallsToZeroOnceHandled() {
        String name = "lag-" + UUID.randomUUID().toString().substring(0, 8);
        List<String> handled = new ArrayList<>();
        try (Earnings publishing = db.builder(faulty.dataSource()).clock(clock).migrateOnStart(false).useRecordedEvents(true)
                .meterRegistry(registry).build()) {
            EventConsumer consumer = publishing.events().consumer(name, event -> handled.add(event.type().name())).build();
            consumer.pollOnce();
            handled.clear();
            Gauge lag = registry.get("earnings.events.pending").tag("consumer", name).gauge();
            assertThat(lag.value()).isZero();

            String model = "model-" + UUID.randomUUID();
            publishing.models().register(model, "creator-" + UUID.randomUUID(), ModelPricing.of("0.5", "0.001"));
            for (int i = 0; i < 3; i++) {
                publishing.logModelUsage(use("user-" + i, model, UUID.randomUUID().toString()));
            }
            assertThat(lag.value()).isEqualTo(3);
            consumer.pollOnce();
            assertThat(handled).hasSize(3);
            assertThat(lag.value()).isZero();
        }
        // Closed, the instance takes its gauges away; the registry's other instance keeps its own.
        assertThat(registry.find("earnings.events.pending").tag("consumer", name).gauge()).isNull();
        assertThat(registry.find("earnings.async.queue.depth").gauge()).isNotNull();
        metered.close();
        assertThat(registry.find("earnings.async.queue.depth").gauge()).isNull();
        assertThat(registry.get("earnings.uses.recorded").counter().count()).isEqualTo(3);
    }
}
