package dev.earnings.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.earnings.core.ModelPricing;
import dev.earnings.jdbc.Earnings;
import dev.earnings.jdbc.IntegrityReport;
import dev.earnings.jdbc.UsageRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Three consumer processes of one group on PostgreSQL, one killed with SIGKILL while it records:
 * its partitions move to the others (a rebalance), which read its uncommitted records again; then
 * the broker is killed and restarted.
 * Afterwards every use is recorded exactly once, each model's in the order published, and
 * {@code verifyIntegrity()} is clean.
 */
class MultiProcessConsumerTest {
    static final int USES = 4000;
    static final int MODELS = 30;
    static KafkaBroker broker;

    @BeforeAll
    static void startBroker() throws Exception {
        broker = KafkaBroker.shared();
    }

    @Test
    void aConsumerKilledMidBatch_losesNoUse_andDoublesNone() throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        String topic = "uses-jvms-" + run;
        String schema = "earnings_kafka_jvms_" + run;
        broker.createTopics(6, topic, topic + ".dead-letter");
        String url = KafkaUsageFlowTest.PG_URL;
        String user = KafkaUsageFlowTest.PG_USER;
        String password = KafkaUsageFlowTest.PG_PASSWORD;
        try (Earnings earnings = Earnings.builder().jdbcUrl(url, user, password).schema(schema).requireRowLevelSecurity(false)
                .build()) {
            for (int m = 0; m < MODELS; m++) {
                earnings.models().register("model-" + m, "creator-" + (m % 5), ModelPricing.of("0.05", "0.0001"));
            }
            try (KafkaUsagePublisher publisher = KafkaUsagePublisher.create(
                    Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap()), topic)) {
                List<CompletableFuture<KafkaUsagePublisher.PublishedUse>> sent = new ArrayList<>();
                for (int i = 0; i < USES; i++) {
                    sent.add(publisher.publish(UsageRequest.builder("user-" + (i % 101), "model-" + (i % MODELS))
                            .tokensConsumed(i % 700).usageType("chat").eventId(run + "-" + i).build()));
                }
                CompletableFuture.allOf(sent.toArray(new CompletableFuture<?>[0])).get(120, TimeUnit.SECONDS);
            }
            List<Process> processes = new ArrayList<>();
            Path logs = Files.createTempDirectory("earnings-kafka-jvms-");
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            try {
                for (int p = 0; p < 3; p++) {
                    processes.add(new ProcessBuilder(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                            ConsumerJvm.class.getName(), broker.bootstrap(), topic, "jvms-" + run, url, user, password, schema)
                            .redirectErrorStream(true).redirectOutput(logs.resolve("consumer-" + p + ".log").toFile()).start());
                }
                KafkaBroker.await("a third of the uses recorded", 180, () -> rows(schema) >= USES / 3);
                processes.get(0).destroyForcibly();
                processes.get(0).waitFor(30, TimeUnit.SECONDS);
                long atKill = rows(schema);
                // Then the broker crashes too, and comes back while the survivors take over.
                broker.kill();
                Thread.sleep(1000);
                broker.startProcess();
                KafkaBroker.await("every use recorded", 180, () -> rows(schema) >= USES);
                Thread.sleep(2000);
                assertThat(rows(schema)).isEqualTo(USES);
                assertThat(atKill).as("the kill came while uses were being recorded").isLessThan(USES);
            } finally {
                for (Process p : processes) {
                    p.destroyForcibly();
                }
            }
            IntegrityReport report = earnings.verifyIntegrity();
            assertThat(report.isClean()).as("%s", report.drifts()).isTrue();
            assertThat(report.usesChecked()).isEqualTo(USES);
            Map<String, List<Integer>> order = new HashMap<>();
            try (Connection c = DriverManager.getConnection(url, user, password); Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SELECT model_id, event_id, use_ordinal FROM " + schema
                            + ".model_usage_logs ORDER BY model_id, use_ordinal")) {
                while (rs.next()) {
                    List<Integer> model = order.computeIfAbsent(rs.getString(1), k -> new ArrayList<>());
                    model.add(Integer.parseInt(rs.getString(2).substring(run.length() + 1)));
                    assertThat(rs.getLong(3)).isEqualTo(model.size());
                }
            }
            assertThat(order).hasSize(MODELS);
            assertThat(order.values().stream().mapToInt(List::size).sum()).isEqualTo(USES);
            for (List<Integer> indexes : order.values()) {
                assertThat(indexes).isSorted().doesNotHaveDuplicates();
            }
        }
    }

    private static long rows(String schema) {
        try (Connection c = DriverManager.getConnection(KafkaUsageFlowTest.PG_URL, KafkaUsageFlowTest.PG_USER,
                KafkaUsageFlowTest.PG_PASSWORD); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM " + schema + ".model_usage_logs")) {
            rs.next();
            return rs.getLong(1);
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
