package dev.earnings.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.time.Duration;

/**
 * A separate application instance for the multi-process schedule test: runs a payout schedule on
 * a shared PostgreSQL database until it is killed or its standard input closes. Each payout it
 * inserts is slowed down, so that a period's run takes long enough to be killed half-way.
 *
 * <p>Arguments: jdbcUrl user password schema scheduleName cron pollingMillis heartbeatMillis
 * millisPerPayout minimumPayoutMinor clockFile. The instance's clock is the system clock moved by
 * the milliseconds written in {@code clockFile}, which the test changes to move every process's
 * time at once: a month passes when the test says so.
 */
public final class ScheduleWorker {
    private ScheduleWorker() {
    }

    public static void main(String[] args) throws Exception {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(args[0]);
        config.setUsername(args[1]);
        config.setPassword(args[2]);
        config.setMaximumPoolSize(4);
        long slow = Long.parseLong(args[8]);
        try (HikariDataSource pool = new HikariDataSource(config)) {
            FaultyDataSource faulty = new FaultyDataSource(pool);
            faulty.statementFault = (connection, sql) -> {
                if (FaultyDataSource.writes(sql, "INSERT", "earnings_transactions")) {
                    try {
                        Thread.sleep(slow);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            };
            java.nio.file.Path clockFile = java.nio.file.Path.of(args[10]);
            try (Earnings earnings = Earnings.builder().dataSource(faulty.dataSource()).schema(args[3]).migrateOnStart(false)
                    .clock(new FileClock(clockFile))
                    .minimumPayoutMinor(Long.parseLong(args[9])).payoutSchedule(PayoutSchedule.cron(args[4], args[5]))
                    .payoutSchedulerIntervals(Duration.ofMillis(Long.parseLong(args[6])), Duration.ofMillis(Long.parseLong(args[7])))
                    .build()) {
                System.out.println("STARTED " + ProcessHandle.current().pid() + " " + earnings.models().find("none").isPresent());
                System.out.flush();
                // Runs until the test closes standard input (or kills the process).
                while (System.in.read() >= 0) {
                    Thread.onSpinWait();
                }
            }
        }
        System.out.println("STOPPED");
    }

    /** The system clock, moved by the offset in milliseconds that a file holds. */
    static final class FileClock extends java.time.Clock {
        private final java.nio.file.Path file;

        FileClock(java.nio.file.Path file) {
            this.file = file;
        }

        @Override
        public java.time.ZoneId getZone() {
            return java.time.ZoneOffset.UTC;
        }

        @Override
        public java.time.Clock withZone(java.time.ZoneId zone) {
            throw new UnsupportedOperationException("the clock is in UTC");
        }

        @Override
        public java.time.Instant instant() {
            try {
                return java.time.Instant.now().plusMillis(Long.parseLong(java.nio.file.Files.readString(file).strip()));
            } catch (java.io.IOException | NumberFormatException e) {
                throw new IllegalStateException("the clock file " + file + " cannot be read", e);
            }
        }

        /** Moves every process's clock so that it reads {@code now} at this moment. */
        static void set(java.nio.file.Path file, java.time.Instant now) throws java.io.IOException {
            java.nio.file.Path next = file.resolveSibling(file.getFileName() + ".next");
            java.nio.file.Files.writeString(next, Long.toString(now.toEpochMilli() - System.currentTimeMillis()));
            java.nio.file.Files.move(next, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        }
    }
}
