package dev.earnings.kafka;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.earnings.jdbc.Earnings;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.time.Duration;
import java.util.Map;
import javax.sql.DataSource;
import org.apache.kafka.clients.consumer.ConsumerConfig;

/**
 * A host process that only consumes: records the uses of a topic into a PostgreSQL schema until
 * it is killed. Arguments: bootstrap servers, topic, group, JDBC URL, user, password, schema,
 * client id, and the milliseconds its connections pause after each commit (0 for none). Each
 * commit prints {@code committed <thread>} first, so a test can kill the process between a
 * batch's database commit and its offset commit.
 */
public final class ConsumerJvm {
    private ConsumerJvm() {
    }

    /**
     * Runs the consumer until the process is killed.
     *
     * @param args bootstrap, topic, group, url, user, password, schema, client id, pause
     * @throws InterruptedException never, in practice
     */
    public static void main(String[] args) throws InterruptedException {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(args[3]);
        config.setUsername(args[4]);
        config.setPassword(args[5]);
        config.setMaximumPoolSize(4);
        DataSource pool = new HikariDataSource(config);
        long pause = Long.parseLong(args[8]);
        Earnings earnings = Earnings.builder().dataSource(pause > 0 ? pausing(pool, pause) : pool).schema(args[6])
                .requireRowLevelSecurity(false).migrateOnStart(false).build();
        KafkaUsageConsumer consumer = KafkaUsageConsumer.builder(earnings, Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                args[0], ConsumerConfig.GROUP_ID_CONFIG, args[2], ConsumerConfig.CLIENT_ID_CONFIG, args[7],
                ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 6000, ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 1000), args[1])
                .maxBatch(100).retryBackoff(Duration.ofMillis(200)).build();
        consumer.start();
        System.out.println("consuming");
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }

    /** The pool, whose connections print "committed" and the thread after each commit, then pause. */
    private static DataSource pausing(DataSource pool, long millis) {
        return (DataSource) Proxy.newProxyInstance(DataSource.class.getClassLoader(), new Class<?>[] {DataSource.class},
                forwarding((p, method, args) -> {
                    Object result = method.invoke(pool, args);
                    if (result instanceof Connection) {
                        Connection c = (Connection) result;
                        return Proxy.newProxyInstance(Connection.class.getClassLoader(), new Class<?>[] {Connection.class},
                                forwarding((self, m, a) -> {
                                    Object r = m.invoke(c, a);
                                    if (m.getName().equals("commit")) {
                                        System.out.println("committed " + Thread.currentThread().getName());
                                        System.out.flush();
                                        Thread.sleep(millis);
                                    }
                                    return r;
                                }));
                    }
                    return result;
                }));
    }

    private static InvocationHandler forwarding(InvocationHandler handler) {
        return (proxy, method, args) -> {
            try {
                return handler.invoke(proxy, method, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        };
    }
}
