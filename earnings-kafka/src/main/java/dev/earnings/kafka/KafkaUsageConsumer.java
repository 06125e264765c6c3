package dev.earnings.kafka;

import dev.earnings.core.EarningsException;
import dev.earnings.core.InvalidInputException;
import dev.earnings.jdbc.BatchResult;
import dev.earnings.jdbc.Earnings;
import dev.earnings.jdbc.StorageException;
import dev.earnings.jdbc.UsageRequest;
import dev.earnings.kafka.internal.UsageCodec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records the uses of a Kafka topic, as {@link KafkaUsagePublisher} writes them, in batches
 * through {@link Earnings#logModelUsageBatch}.
 *
 * <p>Each poll's records are one batch: one database transaction, then the dead letters sent and
 * acknowledged, then the offsets committed. Nothing is committed before the database has
 * committed, so a consumer killed at any point leaves its records to be read again, by itself or
 * by another member of the group; the uses already recorded come back as replays of their
 * eventIds and are not counted twice. If the database fails (after the library's own retries),
 * the consumer reads the same records again after a back-off, doubling up to 30 seconds, and
 * commits nothing meanwhile: uses wait in Kafka, not in memory. If the broker does not take the
 * offset commit in time, the same records are read again after the same back-off, as replays.
 *
 * <p>A record that is not a use (not JSON, a field missing or malformed) or that the library
 * refuses (an unknown model, tokens over the limit, an eventId reused with another payload, an
 * occurredAt outside the window, a rate limit) goes to the dead-letter topic, with the reason in
 * the headers {@code earnings.error.field}, {@code earnings.error.type} and
 * {@code earnings.error.message} and its origin in {@code earnings.source}
 * ({@code topic/partition/offset}); it does not stop the records after it. A record dead-lettered
 * just before a crash may be dead-lettered again by the next reader.
 *
 * <p>Runs one thread of its own from {@link #start()} to {@link #close()}.
 */
public final class KafkaUsageConsumer implements AutoCloseable {
    /** The most a back-off grows to while the database is down. */
    static final Duration MAX_BACKOFF = Duration.ofSeconds(30);
    private static final Logger LOG = LoggerFactory.getLogger(KafkaUsageConsumer.class);

    private final Earnings earnings;
    private final KafkaConsumer<String, String> consumer;
    private final KafkaProducer<String, String> deadLetters;
    private final String topic;
    private final String deadLetterTopic;
    private final Duration pollTimeout;
    private final Duration retryBackoff;
    private final Thread thread;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final AtomicLong lag = new AtomicLong();
    private final AtomicLong recorded = new AtomicLong();
    private final AtomicLong replayed = new AtomicLong();
    private final AtomicLong deadLettered = new AtomicLong();
    private final AtomicLong batches = new AtomicLong();
    private volatile boolean running = true;

    private KafkaUsageConsumer(Builder b) {
        this.earnings = b.earnings;
        this.topic = b.topic;
        this.deadLetterTopic = b.deadLetterTopic == null ? b.topic + ".dead-letter" : b.deadLetterTopic;
        this.pollTimeout = b.pollTimeout;
        this.retryBackoff = b.retryBackoff;
        Map<String, Object> config = new HashMap<>(b.consumerConfig);
        if (config.get(ConsumerConfig.GROUP_ID_CONFIG) == null) {
            throw new InvalidInputException("consumerConfig", "consumerConfig has no group.id; the consumers of one topic"
                    + " share a group, so that each use is read by one of them");
        }
        Object autoCommit = config.get(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG);
        if (autoCommit != null && Boolean.parseBoolean(String.valueOf(autoCommit))) {
            throw new InvalidInputException("consumerConfig", "consumerConfig turns enable.auto.commit on; the consumer"
                    + " commits offsets itself, after the database has committed");
        }
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        // A new group starts at the oldest use: starting at the newest would skip the backlog.
        config.putIfAbsent(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, b.maxBatch);
        this.consumer = new KafkaConsumer<>(config, new StringDeserializer(), new StringDeserializer());
        Map<String, Object> producerConfig = new HashMap<>(b.deadLetterConfig);
        producerConfig.putIfAbsent(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, config.get(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG));
        producerConfig.put(ProducerConfig.ACKS_CONFIG, "all");
        producerConfig.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        this.deadLetters = new KafkaProducer<>(producerConfig, new StringSerializer(), new StringSerializer());
        this.thread = new Thread(this::run, "earnings-kafka-consumer-" + topic);
        this.thread.setDaemon(true);
        if (b.meterRegistry != null) {
            dev.earnings.kafka.internal.ConsumerMeters.register(b.meterRegistry, topic,
                    String.valueOf(config.get(ConsumerConfig.GROUP_ID_CONFIG)), lag, recorded, deadLettered);
        }
    }

    /**
     * Starts a consumer of {@code topic}.
     *
     * @param earnings the library the uses are recorded in
     * @param consumerConfig Kafka consumer settings, at least {@code bootstrap.servers} and
     *     {@code group.id}; auto-commit must stay off and the deserializers are the consumer's
     * @param topic the topic of uses
     * @return a builder
     */
    public static Builder builder(Earnings earnings, Map<String, Object> consumerConfig, String topic) {
        return new Builder(earnings, consumerConfig, topic);
    }

    /** Starts reading; returns at once. */
    public void start() {
        thread.start();
    }

    /**
     * The records of the assigned partitions not yet read, as of the last poll (Kafka's own
     * figure from its fetches); 0 before the first.
     *
     * @return the lag in records
     */
    public long lag() {
        return lag.get();
    }

    /**
     * Uses this consumer recorded for the first time.
     *
     * @return the count
     */
    public long recorded() {
        return recorded.get();
    }

    /**
     * Uses this consumer found already recorded (read again after a crash or a rebalance, or
     * published twice).
     *
     * @return the count
     */
    public long replayed() {
        return replayed.get();
    }

    /**
     * Records this consumer sent to the dead-letter topic.
     *
     * @return the count
     */
    public long deadLettered() {
        return deadLettered.get();
    }

    /**
     * Batches this consumer committed.
     *
     * @return the count
     */
    public long batches() {
        return batches.get();
    }

    /** Stops after the batch in hand (its offsets committed if its uses were), and closes the clients. */
    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        if (thread.isAlive()) {
            try {
                if (!stopped.await(60, TimeUnit.SECONDS)) {
                    LOG.warn("the consumer of '{}' did not stop within 60 s", topic);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        } else {
            consumer.close();
            deadLetters.close();
        }
    }

    private void run() {
        Duration backoff = retryBackoff;
        try {
            consumer.subscribe(List.of(topic));
            while (running) {
                ConsumerRecords<String, String> records = consumer.poll(pollTimeout);
                measureLag();
                if (records.isEmpty()) {
                    continue;
                }
                try {
                    handle(records);
                    backoff = retryBackoff;
                } catch (StorageException | DeadLetterFailure e) {
                    LOG.warn("uses of '{}' not recorded ({}); the same records are read again in {} ms", topic,
                            e.getMessage(), backoff.toMillis());
                    backoff = readAgainAfter(records, backoff);
                } catch (CommitFailedException | RebalanceInProgressException e) {
                    // The uses are recorded; the partitions' new owner reads them again as replays.
                    LOG.info("offsets of '{}' not committed: the group rebalanced; the records come again as replays", topic);
                } catch (RetriableException e) {
                    // The broker did not answer the offset commit in time (it is down or moving):
                    // the uses are recorded, so the records are read again as replays once it is back.
                    LOG.warn("offsets of '{}' not committed ({}); the same records are read again in {} ms", topic,
                            e.getMessage(), backoff.toMillis());
                    backoff = readAgainAfter(records, backoff);
                }
            }
        } catch (WakeupException e) {
            if (running) {
                throw e;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.error("the consumer of '{}' stopped", topic, e);
        } finally {
            try {
                consumer.close();
            } finally {
                deadLetters.close();
                stopped.countDown();
            }
        }
    }

    private void handle(ConsumerRecords<String, String> records) {
        List<ConsumerRecord<String, String>> uses = new ArrayList<>();
        List<UsageRequest> requests = new ArrayList<>();
        List<Future<RecordMetadata>> sent = new ArrayList<>();
        for (ConsumerRecord<String, String> r : records) {
            if (r.value() == null) {
                sent.add(deadLetter(r, "value", "EmptyRecord", "the record has no value"));
                continue;
            }
            try {
                requests.add(UsageCodec.decode(r.value()));
                uses.add(r);
            } catch (InvalidInputException e) {
                sent.add(deadLetter(r, e.field(), e.getClass().getSimpleName(), e.getMessage()));
            }
        }
        if (!requests.isEmpty()) {
            BatchResult result = earnings.logModelUsageBatch(requests);
            for (BatchResult.Item item : result.items()) {
                if (item.error().isPresent()) {
                    EarningsException e = item.error().get();
                    String field = e instanceof InvalidInputException ? ((InvalidInputException) e).field() : "use";
                    sent.add(deadLetter(uses.get(item.index()), field, e.getClass().getSimpleName(), e.getMessage()));
                } else if (item.use().get().replayed()) {
                    replayed.incrementAndGet();
                } else {
                    recorded.incrementAndGet();
                }
            }
        }
        if (!sent.isEmpty()) {
            deadLetters.flush();
            for (Future<RecordMetadata> f : sent) {
                try {
                    f.get();
                } catch (ExecutionException e) {
                    throw new DeadLetterFailure(e.getCause());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new DeadLetterFailure(e);
                }
            }
            deadLettered.addAndGet(sent.size());
        }
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (TopicPartition tp : records.partitions()) {
            List<ConsumerRecord<String, String>> of = records.records(tp);
            offsets.put(tp, new OffsetAndMetadata(of.get(of.size() - 1).offset() + 1));
        }
        consumer.commitSync(offsets);
        batches.incrementAndGet();
    }

    private Future<RecordMetadata> deadLetter(ConsumerRecord<String, String> r, String field, String type, String message) {
        ProducerRecord<String, String> letter = new ProducerRecord<>(deadLetterTopic, r.key(), r.value());
        letter.headers().add("earnings.error.field", field.getBytes(StandardCharsets.UTF_8));
        letter.headers().add("earnings.error.type", type.getBytes(StandardCharsets.UTF_8));
        letter.headers().add("earnings.error.message", String.valueOf(message).getBytes(StandardCharsets.UTF_8));
        letter.headers().add("earnings.source", (r.topic() + "/" + r.partition() + "/" + r.offset())
                .getBytes(StandardCharsets.UTF_8));
        return deadLetters.send(letter);
    }

    /** Seeks back to the poll's first records, waits {@code backoff}, and returns the next, doubled up to {@link #MAX_BACKOFF}. */
    private Duration readAgainAfter(ConsumerRecords<String, String> records, Duration backoff) throws InterruptedException {
        rewind(records);
        Thread.sleep(backoff.toMillis());
        Duration doubled = backoff.multipliedBy(2);
        return doubled.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : doubled;
    }

    private void rewind(ConsumerRecords<String, String> records) {
        for (TopicPartition tp : records.partitions()) {
            if (consumer.assignment().contains(tp)) {
                consumer.seek(tp, records.records(tp).get(0).offset());
            }
        }
    }

    private void measureLag() {
        long sum = 0;
        for (TopicPartition tp : consumer.assignment()) {
            OptionalLong l = consumer.currentLag(tp);
            sum += l.orElse(0);
        }
        lag.set(sum);
    }

    /** The dead-letter topic did not take a record: the batch is read again. */
    private static final class DeadLetterFailure extends KafkaException {
        private static final long serialVersionUID = 1L;

        DeadLetterFailure(Throwable cause) {
            super("the dead-letter topic did not take a record: " + cause.getMessage(), cause);
        }
    }

    /** Settings of a {@link KafkaUsageConsumer}; not thread-safe. */
    public static final class Builder {
        private final Earnings earnings;
        private final Map<String, Object> consumerConfig;
        private final String topic;
        private @Nullable String deadLetterTopic;
        private Map<String, Object> deadLetterConfig = Map.of();
        private int maxBatch = 500;
        private Duration pollTimeout = Duration.ofMillis(500);
        private Duration retryBackoff = Duration.ofMillis(500);
        private io.micrometer.core.instrument.@Nullable MeterRegistry meterRegistry;

        private Builder(Earnings earnings, Map<String, Object> consumerConfig, String topic) {
            if (earnings == null) {
                throw new InvalidInputException("earnings", "earnings is missing");
            }
            if (consumerConfig == null) {
                throw new InvalidInputException("consumerConfig", "consumerConfig is missing");
            }
            KafkaUsagePublisher.requireTopic(topic);
            for (String key : new String[] {ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ConsumerConfig.MAX_POLL_RECORDS_CONFIG}) {
                if (consumerConfig.containsKey(key)) {
                    throw new InvalidInputException("consumerConfig", "consumerConfig sets " + key
                            + "; the consumer sets it (the batch size with maxBatch)");
                }
            }
            this.earnings = earnings;
            this.consumerConfig = Map.copyOf(consumerConfig);
            this.topic = topic;
        }

        /**
         * The topic of records that are not uses or that the library refused.
         *
         * @param topic the topic; the topic of uses with {@code .dead-letter} appended unless given
         * @return this builder
         */
        public Builder deadLetterTopic(String topic) {
            KafkaUsagePublisher.requireTopic(topic);
            this.deadLetterTopic = topic;
            return this;
        }

        /**
         * Producer settings for the dead-letter topic beyond the consumer's bootstrap servers (its
         * security settings, say).
         *
         * @param config Kafka producer settings
         * @return this builder
         */
        public Builder deadLetterConfig(Map<String, Object> config) {
            this.deadLetterConfig = Map.copyOf(config);
            return this;
        }

        /**
         * The most records a poll returns, and so the most uses a transaction writes.
         *
         * @param uses 1 to 10,000; 500 unless set
         * @return this builder
         */
        public Builder maxBatch(int uses) {
            if (uses < 1 || uses > 10_000) {
                throw new InvalidInputException("maxBatch", "maxBatch is " + uses + "; allowed: 1 to 10000");
            }
            this.maxBatch = uses;
            return this;
        }

        /**
         * The first back-off after the database failed; it doubles up to 30 seconds.
         *
         * @param backoff at least a millisecond; 500 ms unless set
         * @return this builder
         */
        public Builder retryBackoff(Duration backoff) {
            if (backoff == null || backoff.toMillis() < 1 || backoff.compareTo(MAX_BACKOFF) > 0) {
                throw new InvalidInputException("retryBackoff", "retryBackoff is " + backoff + "; allowed: 1 ms to 30 s");
            }
            this.retryBackoff = backoff;
            return this;
        }

        /**
         * Publishes the lag ({@code earnings.kafka.consumer.lag}) and the counts of recorded and
         * dead-lettered uses ({@code earnings.kafka.consumer.uses}, tag {@code outcome}) as meters.
         *
         * @param registry the host's registry
         * @return this builder
         */
        public Builder meterRegistry(io.micrometer.core.instrument.MeterRegistry registry) {
            if (registry == null) {
                throw new InvalidInputException("meterRegistry", "meterRegistry is missing");
            }
            this.meterRegistry = registry;
            return this;
        }

        /**
         * Creates the consumer; it reads nothing before {@link KafkaUsageConsumer#start()}.
         *
         * @return the consumer
         * @throws InvalidInputException if the settings have no group.id or turn auto-commit on
         */
        public KafkaUsageConsumer build() {
            return new KafkaUsageConsumer(this);
        }
    }
}
