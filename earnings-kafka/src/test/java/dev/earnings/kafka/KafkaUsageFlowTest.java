package dev.earnings.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.earnings.core.InvalidInputException;
import dev.earnings.core.ModelPricing;
import dev.earnings.jdbc.Earnings;
import dev.earnings.jdbc.IntegrityReport;
import dev.earnings.jdbc.UsageRequest;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Uses through a real broker into H2 and PostgreSQL: published with duplicates and poison
 * records, read by three consumers of one group that join one after another (rebalances), with
 * the broker killed (SIGKILL) and restarted mid-stream. Afterwards every use is recorded exactly
 * once, each model's uses in the order published, the poison in the dead-letter topic with its
 * reason, and the lag at zero.
 */
class KafkaUsageFlowTest {
    static final String PG_URL = env("EARNINGS_TEST_POSTGRES_URL", "jdbc:postgresql://127.0.0.1:5432/postgres");
    /** Whether the PostgreSQL tables are distributed on Citus: {@code EARNINGS_TEST_CITUS=true}, the URL a coordinator's. */
    static final boolean CITUS = "true".equalsIgnoreCase(System.getenv("EARNINGS_TEST_CITUS"));
    static final String PG_USER = env("EARNINGS_TEST_POSTGRES_USER", "postgres");
    static final String PG_PASSWORD = env("EARNINGS_TEST_POSTGRES_PASSWORD", "");
    static final int MODELS = 12;
    static final int USES = 1500;
    static final int DUPLICATES = 150;
    static KafkaBroker broker;

    @BeforeAll
    static void startBroker() throws Exception {
        broker = KafkaBroker.shared();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"h2", "postgresql"})
    void everyUse_isRecordedOnce_inOrder_throughRebalancesAndABrokerRestart(String database) throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        String topic = "uses-" + database + "-" + run;
        broker.createTopics(3, topic, topic + ".dead-letter");
        String schema = "earnings_kafka_" + run;
        try (HikariDataSource pool = pool(database, schema);
                Earnings earnings = builder(database, pool, schema).build()) {
            for (int m = 0; m < MODELS; m++) {
                earnings.models().register("model-" + m, "creator-" + (m % 4), ModelPricing.of("0.10", "0.001"));
            }
            // Published: every use once, a tenth of them twice (as a host retrying would), and four
            // records that are no use the library takes.
            List<UsageRequest> published = new ArrayList<>();
            try (KafkaUsagePublisher publisher = KafkaUsagePublisher.create(
                    Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap()), topic)) {
                for (int i = 0; i < USES; i++) {
                    UsageRequest request = UsageRequest.builder("user-" + (i % 37), "model-" + (i % MODELS))
                            .tokensConsumed(i % 50).usageType(i % 3 == 0 ? "chat" : "image_generation")
                            .metadata(i % 5 == 0 ? Map.of("prompt_id", "p-" + i, "price", new BigDecimal("0.1000000000000000001"))
                                    : null)
                            .eventId(run + "-" + i).build();
                    KafkaUsagePublisher.PublishedUse p = publisher.publish(request).get(60, TimeUnit.SECONDS);
                    assertThat(p.eventId()).isEqualTo(run + "-" + i);
                    published.add(new UsageRequest(request.userId(), request.modelId(), request.tokensConsumed(),
                            request.usageType(), request.metadataJson(), request.eventId(), java.util.Optional.of(p.occurredAt())));
                    if (i % 10 == 7) {
                        publisher.publish(published.get(i)).get(60, TimeUnit.SECONDS);
                    }
                }
                publisher.publish(UsageRequest.builder("user-x", "no-such-model").usageType("chat").eventId(run + "-unknown")
                        .build()).get(60, TimeUnit.SECONDS);
                UsageRequest first = published.get(0);
                publisher.publish(new UsageRequest(first.userId(), first.modelId(), first.tokensConsumed() + 999,
                        first.usageType(), first.metadataJson(), first.eventId(), first.occurredAt())).get(60, TimeUnit.SECONDS);
                publisher.publish(UsageRequest.builder("user-x", "model-1").usageType("chat").tokensConsumed(-5)
                        .eventId(run + "-negative").build()).get(60, TimeUnit.SECONDS);
            }
            try (KafkaProducer<String, String> raw = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                    broker.bootstrap()), new StringSerializer(), new StringSerializer())) {
                raw.send(new ProducerRecord<>(topic, "model-2", "{not json")).get(60, TimeUnit.SECONDS);
            }

            Map<String, Object> config = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap(),
                    ConsumerConfig.GROUP_ID_CONFIG, "recorders-" + run);
            List<KafkaUsageConsumer> consumers = new ArrayList<>();
            SimpleMeterRegistry meters = new SimpleMeterRegistry();
            try {
                for (int c = 0; c < 3; c++) {
                    KafkaUsageConsumer.Builder b = KafkaUsageConsumer.builder(earnings, config, topic).maxBatch(50)
                            .retryBackoff(Duration.ofMillis(200));
                    KafkaUsageConsumer consumer = (c == 0 ? b.meterRegistry(meters) : b).build();
                    consumers.add(consumer);
                    consumer.start();
                    if (c == 0) {
                        KafkaBroker.await("a first batch", 120, () -> consumers.get(0).batches() > 0);
                        // A crash of the broker while uses are being recorded.
                        broker.kill();
                        Thread.sleep(1000);
                        broker.startProcess();
                    } else {
                        Thread.sleep(500);
                    }
                }
                KafkaBroker.await("every use recorded", 120, () -> consumers.stream().mapToLong(KafkaUsageConsumer::recorded).sum() >= USES
                        && consumers.stream().mapToLong(KafkaUsageConsumer::deadLettered).sum() >= 4);
                KafkaBroker.await("the lag at zero", 120, () -> consumers.stream().allMatch(x -> x.lag() == 0));
                Thread.sleep(1000);
                assertThat(consumers.stream().mapToLong(KafkaUsageConsumer::recorded).sum()).isEqualTo(USES);
                assertThat(consumers.stream().mapToLong(KafkaUsageConsumer::replayed).sum()).isGreaterThanOrEqualTo(DUPLICATES);
                // The first consumer's meters say what its counters say.
                assertThat(meters.get("earnings.kafka.consumer.uses").tag("outcome", "recorded").functionCounter().count())
                        .isEqualTo((double) consumers.get(0).recorded()).isPositive();
                assertThat(meters.get("earnings.kafka.consumer.uses").tag("outcome", "dead_lettered").functionCounter().count())
                        .isEqualTo((double) consumers.get(0).deadLettered());
                assertThat(meters.get("earnings.kafka.consumer.lag").tag("topic", topic).gauge().value()).isZero();
            } finally {
                consumers.forEach(KafkaUsageConsumer::close);
            }

            IntegrityReport report = earnings.verifyIntegrity();
            assertThat(report.isClean()).as("%s", report.drifts()).isTrue();
            assertThat(report.usesChecked()).isEqualTo(USES);
            // Each model's uses carry the ordinals 1..n in the order they were published, and each
            // the payload it was published with.
            String table = (database.equals("h2") ? "" : schema + ".") + "model_usage_logs";
            Map<String, List<Integer>> order = new HashMap<>();
            Set<String> seen = new HashSet<>();
            try (Connection c = pool.getConnection(); PreparedStatement s = c.prepareStatement("SELECT model_id, event_id,"
                    + " use_ordinal, tokens_consumed, occurred_at FROM " + table + " ORDER BY model_id, use_ordinal");
                    ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    String eventId = rs.getString(2);
                    assertThat(seen.add(eventId)).as("eventId %s once", eventId).isTrue();
                    int index = Integer.parseInt(eventId.substring(run.length() + 1));
                    List<Integer> model = order.computeIfAbsent(rs.getString(1), k -> new ArrayList<>());
                    model.add(index);
                    assertThat(rs.getLong(3)).isEqualTo(model.size());
                    assertThat(rs.getLong(4)).isEqualTo(published.get(index).tokensConsumed());
                    assertThat(rs.getObject(5, java.time.OffsetDateTime.class).toInstant())
                            .isEqualTo(published.get(index).occurredAt().get());
                }
            }
            assertThat(seen).hasSize(USES);
            for (List<Integer> indexes : order.values()) {
                assertThat(indexes).isSorted();
            }
            assertThat(deadLetters(topic + ".dead-letter", run)).containsOnlyKeys(
                    "no-such-model", "model-0", "model-1", "model-2")
                    .containsEntry("no-such-model", "UnknownModelException")
                    .containsEntry("model-0", "IdempotencyConflictException")
                    .containsEntry("model-1", "InvalidInputException tokensConsumed")
                    .containsEntry("model-2", "InvalidInputException value");
        }
    }

    @Test
    void settingsThatWouldLoseOrDoubleUses_areRefused() {
        assertThatThrownBy(() -> KafkaUsagePublisher.create(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap(),
                ProducerConfig.ACKS_CONFIG, "1"), "uses"))
                .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.field()).isEqualTo("producerConfig"));
        assertThatThrownBy(() -> KafkaUsagePublisher.create(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap(),
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "false"), "uses"))
                .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.field()).isEqualTo("producerConfig"));
        assertThatThrownBy(() -> KafkaUsagePublisher.create(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap()), " "))
                .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.field()).isEqualTo("topic"));
        try (Earnings earnings = Earnings.builder().jdbcUrl("jdbc:h2:mem:kafka-settings-" + UUID.randomUUID()).build()) {
            assertThatThrownBy(() -> KafkaUsageConsumer.builder(earnings, Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                    broker.bootstrap()), "uses").build())
                    .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.getMessage()).contains("group.id"));
            assertThatThrownBy(() -> KafkaUsageConsumer.builder(earnings, Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                    broker.bootstrap(), ConsumerConfig.GROUP_ID_CONFIG, "g", ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, true),
                    "uses").build())
                    .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.getMessage()).contains("auto.commit"));
            assertThatThrownBy(() -> KafkaUsageConsumer.builder(earnings, Map.of(ConsumerConfig.GROUP_ID_CONFIG, "g"), "uses")
                    .maxBatch(10_001))
                    .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.field()).isEqualTo("maxBatch"));
        }
    }

    /** The dead letters of this run: model (the record's key) to the error's type and field. */
    private static Map<String, String> deadLetters(String topic, String run) {
        Map<String, String> letters = new HashMap<>();
        try (KafkaConsumer<String, String> reader = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                broker.bootstrap(), ConsumerConfig.GROUP_ID_CONFIG, "dead-letter-reader-" + run,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"), new StringDeserializer(), new StringDeserializer())) {
            reader.subscribe(List.of(topic));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (letters.size() < 4 && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : reader.poll(Duration.ofMillis(500))) {
                    String type = new String(r.headers().lastHeader("earnings.error.type").value(), StandardCharsets.UTF_8);
                    String field = new String(r.headers().lastHeader("earnings.error.field").value(), StandardCharsets.UTF_8);
                    assertThat(new String(r.headers().lastHeader("earnings.source").value(), StandardCharsets.UTF_8))
                            .startsWith(topic.substring(0, topic.length() - ".dead-letter".length()) + "/");
                    assertThat(r.headers().lastHeader("earnings.error.message")).isNotNull();
                    letters.put(r.key(), type.equals("InvalidInputException") ? type + " " + field : type);
                }
            }
        }
        return letters;
    }

    private static HikariDataSource pool(String database, String schema) throws Exception {
        HikariConfig config = new HikariConfig();
        if (database.equals("h2")) {
            config.setJdbcUrl("jdbc:h2:mem:" + schema + ";DB_CLOSE_DELAY=-1;LOCK_TIMEOUT=10000");
        } else {
            try (Connection c = DriverManager.getConnection(PG_URL, PG_USER, PG_PASSWORD)) {
                assertThat(c.isValid(5)).as("PostgreSQL at %s", PG_URL).isTrue();
            }
            config.setJdbcUrl(PG_URL);
            config.setUsername(PG_USER);
            config.setPassword(PG_PASSWORD);
        }
        config.setMaximumPoolSize(8);
        return new HikariDataSource(config);
    }

    private static Earnings.Builder builder(String database, HikariDataSource pool, String schema) {
        Earnings.Builder builder = Earnings.builder().dataSource(pool);
        if (database.equals("postgresql")) {
            builder.schema(schema).requireRowLevelSecurity(false).distributeOnCitus(CITUS);
        }
        return builder;
    }

    private static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isEmpty() ? fallback : value;
    }
}
