package dev.earnings.kafka.internal;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.atomic.AtomicLong;

/** The consumer's meters; loaded only when the host gives a registry, so Micrometer stays optional. */
public final class ConsumerMeters {
    private ConsumerMeters() {
    }

    /**
     * Registers the lag gauge and the use counters.
     *
     * @param registry the host's registry
     * @param topic the topic of uses
     * @param group the consumer group
     * @param lag the lag as of the last poll
     * @param recorded uses recorded
     * @param deadLettered records sent to the dead-letter topic
     */
    public static void register(Object registry, String topic, String group, AtomicLong lag, AtomicLong recorded,
            AtomicLong deadLettered) {
        MeterRegistry r = (MeterRegistry) registry;
        Gauge.builder("earnings.kafka.consumer.lag", lag, AtomicLong::get).tag("topic", topic).tag("group", group)
                .description("records of the assigned partitions not yet read, as of the last poll").register(r);
        FunctionCounter.builder("earnings.kafka.consumer.uses", recorded, AtomicLong::get).tag("topic", topic)
                .tag("group", group).tag("outcome", "recorded").register(r);
        FunctionCounter.builder("earnings.kafka.consumer.uses", deadLettered, AtomicLong::get).tag("topic", topic)
                .tag("group", group).tag("outcome", "dead_lettered").register(r);
    }
}
