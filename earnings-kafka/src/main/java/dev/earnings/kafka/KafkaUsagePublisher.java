package dev.earnings.kafka;

import dev.earnings.core.InvalidInputException;
import dev.earnings.jdbc.UsageRequest;
import dev.earnings.kafka.internal.UsageCodec;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Publishes uses to a Kafka topic, to be recorded by a {@link KafkaUsageConsumer}.
 *
 * <p>Each use leaves with its eventId and occurredAt fixed here, before the first send: an
 * eventId the host did not give is assigned (a random UUID), and a missing occurredAt is the
 * publisher's clock now. So a use retried by Kafka, published twice by the host with the same
 * request, or recorded an hour later because the database was down, is still one use of the
 * moment it happened. The record's key is the model, so a model's uses go to one partition and
 * are recorded in the order they were published (the library numbers each model's uses).
 *
 * <p>The producer is idempotent and waits for all in-sync replicas ({@code acks=all}); a
 * configuration that says otherwise is refused. Thread-safe, like Kafka's producer.
 */
public final class KafkaUsagePublisher implements AutoCloseable {
    private final Producer<String, String> producer;
    private final String topic;
    private final Clock clock;

    private KafkaUsagePublisher(Producer<String, String> producer, String topic, Clock clock) {
        this.producer = producer;
        this.topic = topic;
        this.clock = clock;
    }

    /**
     * Creates a publisher with a producer of its own, which {@link #close()} closes.
     *
     * @param producerConfig Kafka producer settings, at least {@code bootstrap.servers}; the
     *     serializers are the publisher's, {@code acks} must be {@code all} (the default) and
     *     idempotence must stay on
     * @param topic the topic of uses
     * @return the publisher
     * @throws InvalidInputException if the settings weaken delivery or set other serializers
     */
    public static KafkaUsagePublisher create(Map<String, Object> producerConfig, String topic) {
        return create(producerConfig, topic, Clock.systemUTC());
    }

    /**
     * Creates a publisher whose missing occurredAt comes from {@code clock}.
     *
     * @param producerConfig Kafka producer settings, as {@link #create(Map, String)} takes them
     * @param topic the topic of uses
     * @param clock the clock of uses published without occurredAt
     * @return the publisher
     */
    public static KafkaUsagePublisher create(Map<String, Object> producerConfig, String topic, Clock clock) {
        requireTopic(topic);
        Map<String, Object> config = new HashMap<>(producerConfig);
        requireSetting(config, ProducerConfig.ACKS_CONFIG, "all", "-1");
        requireSetting(config, ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        for (String key : new String[] {ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG}) {
            if (config.containsKey(key)) {
                throw new InvalidInputException("producerConfig", "producerConfig sets " + key
                        + "; the publisher writes JSON text with its own serializers");
            }
        }
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        return new KafkaUsagePublisher(new KafkaProducer<>(config, new StringSerializer(), new StringSerializer()), topic,
                clock);
    }

    /**
     * Publishes one use.
     *
     * @param request the use; its eventId and occurredAt are fixed now if it has none
     * @return completes with where the use was written, once the broker has it; fails with
     *     Kafka's exception if it could not be written after the producer's retries
     */
    public CompletableFuture<PublishedUse> publish(UsageRequest request) {
        if (request == null) {
            throw new InvalidInputException("request", "request is missing");
        }
        String eventId = request.eventId().orElseGet(() -> UUID.randomUUID().toString());
        Instant occurredAt = request.occurredAt().orElseGet(() -> clock.instant().truncatedTo(ChronoUnit.MICROS));
        UsageRequest fixed = new UsageRequest(request.userId(), request.modelId(), request.tokensConsumed(),
                request.usageType(), request.metadataJson(), Optional.of(eventId), Optional.of(occurredAt));
        CompletableFuture<PublishedUse> done = new CompletableFuture<>();
        producer.send(new ProducerRecord<>(topic, fixed.modelId(), UsageCodec.encode(fixed)), (metadata, error) -> {
            if (error != null) {
                done.completeExceptionally(error);
            } else {
                done.complete(new PublishedUse(eventId, occurredAt, metadata.partition(), metadata.offset()));
            }
        });
        return done;
    }

    /** Sends what is buffered and waits for it. */
    public void flush() {
        producer.flush();
    }

    /** Sends what is buffered, then closes the producer. */
    @Override
    public void close() {
        producer.close();
    }

    static void requireTopic(String topic) {
        if (topic == null || topic.isBlank()) {
            throw new InvalidInputException("topic", "topic is " + (topic == null ? "missing" : "blank"));
        }
    }

    private static void requireSetting(Map<String, Object> config, String key, String... allowed) {
        Object value = config.get(key);
        if (value == null) {
            return;
        }
        for (String a : allowed) {
            if (a.equalsIgnoreCase(String.valueOf(value))) {
                return;
            }
        }
        throw new InvalidInputException("producerConfig", "producerConfig sets " + key + " to " + value + "; allowed: "
                + String.join(" or ", allowed) + ", so that no published use is lost or written twice by the producer");
    }

    /**
     * Where a published use was written.
     *
     * @param eventId the use's eventId, as given or assigned
     * @param occurredAt when the use happened, as given or fixed at publishing
     * @param partition the topic's partition
     * @param offset the record's offset in it
     */
    public record PublishedUse(String eventId, Instant occurredAt, int partition, long offset) {
    }
}
