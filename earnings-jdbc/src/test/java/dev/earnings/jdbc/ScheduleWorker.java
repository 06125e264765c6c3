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
 * millisPerPayout minimumPayoutMinor.
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
            try (Earnings earnings = Earnings.builder().dataSource(faulty.dataSource()).schema(args[3]).migrateOnStart(false)
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
}
