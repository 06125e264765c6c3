package dev.earnings.kafka;

import dev.earnings.jdbc.Earnings;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;

/**
 * A host process that only consumes: records the uses of a topic into a PostgreSQL schema until
 * it is killed. Arguments: bootstrap servers, topic, group, JDBC URL, user, password, schema.
 */
public final class ConsumerJvm {
    private ConsumerJvm() {
    }

    /**
     * Runs the consumer until the process is killed.
     *
     * @param args bootstrap, topic, group, url, user, password, schema
     * @throws InterruptedException never, in practice
     */
    public static void main(String[] args) throws InterruptedException {
        Earnings earnings = Earnings.builder().jdbcUrl(args[3], args[4], args[5]).schema(args[6])
                .requireRowLevelSecurity(false).migrateOnStart(false).build();
        KafkaUsageConsumer consumer = KafkaUsageConsumer.builder(earnings, Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                args[0], ConsumerConfig.GROUP_ID_CONFIG, args[2], ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 6000,
                ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 1000), args[1]).maxBatch(100)
                .retryBackoff(Duration.ofMillis(200)).build();
        consumer.start();
        System.out.println("consuming");
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
