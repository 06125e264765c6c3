package dev.earnings.jdbc.internal;

import dev.earnings.jdbc.PayoutStatus;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The library's figures as Micrometer meters; loaded only when the host gives a registry. The
 * names and tags are the README's table ("Metrics and tracing"): tags hold bounded values only,
 * never an id of a user, a use or a creator.
 */
final class MicrometerMetrics implements Metrics {
    private final MeterRegistry registry;
    private final Counter recorded;
    private final Counter replayed;
    private final Counter conflicting;
    private final Timer record;
    private final Timer batch;
    private final DistributionSummary batchSize;
    private final Counter retries;
    private final Counter storageFailures;
    private final DistributionSummary asyncGroup;
    private final Timer dashboard;
    private final Map<PayoutStatus, Counter> payouts = new EnumMap<>(PayoutStatus.class);
    private final List<Meter> gauges = new CopyOnWriteArrayList<>();

    MicrometerMetrics(Object registry) {
        this.registry = (MeterRegistry) registry;
        this.recorded = counter("earnings.uses.recorded", "uses written by the call");
        this.replayed = counter("earnings.uses.replayed", "uses whose eventId was recorded before with the same payload");
        this.conflicting = counter("earnings.uses.conflicting", "uses whose eventId was recorded before with another payload");
        this.record = Timer.builder("earnings.record").description("synchronous calls recording one use")
                .register(this.registry);
        this.batch = Timer.builder("earnings.batch").description("batch calls").register(this.registry);
        this.batchSize = DistributionSummary.builder("earnings.batch.size").baseUnit("uses")
                .description("uses per batch call").register(this.registry);
        this.retries = counter("earnings.retries", "units of work run again after a transient failure");
        this.storageFailures = counter("earnings.storage.failures", "units of work that failed for good");
        this.asyncGroup = DistributionSummary.builder("earnings.async.group.size").baseUnit("uses")
                .description("uses an asynchronous recorder wrote in one transaction").register(this.registry);
        this.dashboard = Timer.builder("earnings.dashboard").description("dashboards and reports of the analytics")
                .register(this.registry);
        for (PayoutStatus status : PayoutStatus.values()) {
            payouts.put(status, Counter.builder("earnings.payouts.transitions").tag("to", status.name().toLowerCase(Locale.ROOT))
                    .description("payouts that reached a status").register(this.registry));
        }
    }

    private Counter counter(String name, String description) {
        Counter.Builder builder = Counter.builder(name).description(description);
        return (name.startsWith("earnings.uses.") ? builder.baseUnit("uses") : builder).register(registry);
    }

    @Override
    public void recorded() {
        recorded.increment();
    }

    @Override
    public void replayed() {
        replayed.increment();
    }

    @Override
    public void conflicting() {
        conflicting.increment();
    }

    @Override
    public void rejected(String reason) {
        // Looked up per rejection: the reasons are a small set of exception types.
        Counter.builder("earnings.uses.rejected").tag("reason", reason).baseUnit("uses")
                .description("uses refused; nothing of them was written").register(registry).increment();
    }

    @Override
    public void recordLatency(long nanos) {
        record.record(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void batch(int size, long nanos) {
        batch.record(nanos, TimeUnit.NANOSECONDS);
        batchSize.record(size);
    }

    @Override
    public void retry() {
        retries.increment();
    }

    @Override
    public void storageFailure() {
        storageFailures.increment();
    }

    @Override
    public void asyncGroup(int size) {
        asyncGroup.record(size);
    }

    @Override
    public void asyncQueueDepth(LongSupplier depth) {
        gauge(Gauge.builder("earnings.async.queue.depth", depth::getAsLong).baseUnit("uses").strongReference(true)
                .description("uses waiting in the asynchronous recorders' queues"));
    }

    @Override
    public void payout(PayoutStatus to) {
        payouts.get(to).increment();
    }

    @Override
    public void dashboard(long nanos) {
        dashboard.record(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void consumerLag(String consumer, LongSupplier pending) {
        gauge(Gauge.builder("earnings.events.pending", pending::getAsLong).tag("consumer", consumer).baseUnit("events")
                .strongReference(true).description("events a consumer has yet to handle"));
    }

    /**
     * Registers a gauge, and keeps it to remove on close only when this instance created it: a
     * registry shared by two instances keeps the first one's gauge, which the second must not remove.
     */
    private void gauge(Gauge.Builder<?> builder) {
        int before = registry.getMeters().size();
        Gauge gauge = builder.register(registry);
        if (registry.getMeters().size() > before) {
            gauges.add(gauge);
        }
    }

    @Override
    public void close() {
        gauges.forEach(registry::remove);
        gauges.clear();
    }
}
