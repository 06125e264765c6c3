package dev.earnings.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.earnings.core.ModelPricing;
import dev.earnings.jdbc.Earnings;
import dev.earnings.jdbc.IntegrityReport;
import dev.earnings.jdbc.UsageRequest;
import java.nio.charset.StandardCharsets;
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
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Three consumer processes of one group on PostgreSQL, one killed with SIGKILL between a batch's
 * database commit and its offset commit (checked: its partitions hold recorded uses beyond the
 * group's committed offsets): its partitions move to the others (a rebalance), which read those
 * records again as replays; then the broker is killed and restarted.
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
                .distributeOnCitus(KafkaUsageFlowTest.CITUS).build()) {
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
            String group = "jvms-" + run;
            Path victimLog = logs.resolve("consumer-0.log");
            try (Admin admin = broker.admin()) {
                // The first process pauses 3 s after each database commit, before its offsets are
                // committed: the window a crash must neither lose nor double uses in. It starts
                // alone, so that it holds partitions with uses still to record when the others join.
                processes.add(consumerJvm(0, topic, group, schema, 3000, logs));
                KafkaBroker.await("a batch of the first process", 180, () -> batchCommits(victimLog) >= 1);
                processes.add(consumerJvm(1, topic, group, schema, 0, logs));
                processes.add(consumerJvm(2, topic, group, schema, 0, logs));
                KafkaBroker.await("three members in the group, stable", 180, () -> members(admin, group).size() == 3);
                Set<TopicPartition> victims = members(admin, group).get("consumer-0");
                assertThat(victims).as("the partitions of the first process").isNotEmpty();
                // The second commit from now is of a batch polled with this assignment.
                long commits = batchCommits(victimLog);
                KafkaBroker.await("two more batches of the first process", 180, () -> batchCommits(victimLog) >= commits + 2);
                processes.get(0).destroyForcibly();
                processes.get(0).waitFor(30, TimeUnit.SECONDS);
                // Killed after its batch's database commit and before its offset commit: uses of its
                // partitions are recorded beyond the offsets the group has committed.
                Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                        .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
                Map<Integer, Long> recordedByPartition = rowsByPartition(schema, 6);
                long beyond = 0;
                for (TopicPartition tp : victims) {
                    OffsetAndMetadata o = committed.get(tp);
                    beyond += recordedByPartition.getOrDefault(tp.partition(), 0L) - (o == null ? 0 : o.offset());
                }
                assertThat(beyond).as("uses recorded but not committed when the process was killed").isPositive();
                long atKill = rows(schema);
                // Then the broker crashes too, and comes back while the others take over.
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

    private static Process consumerJvm(int n, String topic, String group, String schema, int pauseMillis, Path logs)
            throws java.io.IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ProcessBuilder(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"), ConsumerJvm.class.getName(),
                broker.bootstrap(), topic, group, KafkaUsageFlowTest.PG_URL, KafkaUsageFlowTest.PG_USER,
                KafkaUsageFlowTest.PG_PASSWORD, schema, "consumer-" + n, String.valueOf(pauseMillis))
                .redirectErrorStream(true).redirectOutput(logs.resolve("consumer-" + n + ".log").toFile()).start();
    }

    /** The group's members by client id, with their partitions; empty unless the group is stable. */
    private static Map<String, Set<TopicPartition>> members(Admin admin, String group) {
        try {
            ConsumerGroupDescription d = admin.describeConsumerGroups(List.of(group)).describedGroups().get(group)
                    .get(30, TimeUnit.SECONDS);
            Map<String, Set<TopicPartition>> members = new HashMap<>();
            if (d.groupState() == GroupState.STABLE) {
                for (MemberDescription m : d.members()) {
                    members.put(m.clientId(), m.assignment().topicPartitions());
                }
            }
            return members;
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof org.apache.kafka.common.errors.GroupIdNotFoundException) {
                return Map.of();
            }
            throw new IllegalStateException(e);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** The database commits the consumer thread of a process has made (its batches). */
    private static long batchCommits(Path log) {
        try {
            return Files.readAllLines(log).stream().filter(l -> l.startsWith("committed earnings-kafka-consumer")).count();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Uses recorded per partition, each model's partition as Kafka's producer picks it for the model's key. */
    private static Map<Integer, Long> rowsByPartition(String schema, int partitions) throws java.sql.SQLException {
        Map<Integer, Long> counts = new HashMap<>();
        try (Connection c = DriverManager.getConnection(KafkaUsageFlowTest.PG_URL, KafkaUsageFlowTest.PG_USER,
                KafkaUsageFlowTest.PG_PASSWORD); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT model_id, COUNT(*) FROM " + schema + ".model_usage_logs GROUP BY model_id")) {
            while (rs.next()) {
                int partition = Utils.toPositive(Utils.murmur2(rs.getString(1).getBytes(StandardCharsets.UTF_8))) % partitions;
                counts.merge(partition, rs.getLong(2), Long::sum);
            }
        }
        return counts;
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
