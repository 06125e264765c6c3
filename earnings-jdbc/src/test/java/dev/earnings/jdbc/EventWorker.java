package dev.earnings.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;

/**
 * A separate application instance for the multi-process events test: runs an instance of a named
 * consumer on a shared PostgreSQL database until it is killed or its standard input closes.
 *
 * <p>Its handler keeps a log the test reads, on a connection of its own that commits at once: each
 * event of the test's creators is marked in flight (a second instance marking the same event at
 * the same time is written down as an overlap), logged as handled with this process's id, and
 * unmarked; each takes a few milliseconds, so a batch is long enough to be killed half-way.
 *
 * <p>Arguments: jdbcUrl user password schema consumer creatorPrefix logUser logPassword millisPerEvent.
 */
public final class EventWorker {
    private EventWorker() {
    }

    public static void main(String[] args) throws Exception {
        String schema = args[3];
        String prefix = args[5];
        long slow = Long.parseLong(args[8]);
        long pid = ProcessHandle.current().pid();
        try (HikariDataSource pool = pool(args[0], args[1], args[2], 6); HikariDataSource logPool = pool(args[0], args[6],
                args[7], 2)) {
            EventHandler handler = event -> {
                if (!event.creatorId().startsWith(prefix)) {
                    return;
                }
                try (Connection log = logPool.getConnection()) {
                    boolean marked = true;
                    try (PreparedStatement mark = log.prepareStatement("INSERT INTO " + schema
                            + ".test_in_flight (event_id, pid) VALUES (?, ?)")) {
                        mark.setString(1, event.id());
                        mark.setLong(2, pid);
                        mark.executeUpdate();
                    } catch (SQLException e) {
                        marked = false;
                        try (PreparedStatement overlap = log.prepareStatement("INSERT INTO " + schema
                                + ".test_overlaps (event_id, pid, holder) SELECT ?, ?, pid FROM " + schema
                                + ".test_in_flight WHERE event_id = ?")) {
                            overlap.setString(1, event.id());
                            overlap.setLong(2, pid);
                            overlap.setString(3, event.id());
                            overlap.executeUpdate();
                        }
                    }
                    try (PreparedStatement handled = log.prepareStatement("INSERT INTO " + schema
                            + ".test_handled (event_id, creator_id, position, pid) VALUES (?, ?, ?, ?)")) {
                        handled.setString(1, event.id());
                        handled.setString(2, event.creatorId());
                        handled.setLong(3, event.position());
                        handled.setLong(4, pid);
                        handled.executeUpdate();
                    }
                    Thread.sleep(slow);
                    if (marked) {
                        try (PreparedStatement unmark = log.prepareStatement("DELETE FROM " + schema
                                + ".test_in_flight WHERE event_id = ? AND pid = ?")) {
                            unmark.setString(1, event.id());
                            unmark.setLong(2, pid);
                            unmark.executeUpdate();
                        }
                    }
                }
            };
            try (Earnings earnings = Earnings.builder().dataSource(pool).schema(schema).migrateOnStart(false).build();
                    EventConsumer consumer = earnings.events().consumer(args[4], handler).batchSize(100)
                            .pollInterval(Duration.ofMillis(20)).start()) {
                System.out.println("STARTED " + pid + " " + consumer.isRunning());
                System.out.flush();
                // Runs until the test closes standard input (or kills the process).
                while (System.in.read() >= 0) {
                    Thread.onSpinWait();
                }
            }
        }
        System.out.println("STOPPED");
    }

    private static HikariDataSource pool(String url, String user, String password, int size) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setUsername(user);
        config.setPassword(password);
        config.setMaximumPoolSize(size);
        return new HikariDataSource(config);
    }
}
