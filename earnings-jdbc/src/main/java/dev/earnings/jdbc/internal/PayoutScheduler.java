package dev.earnings.jdbc.internal;

import com.github.kagkarlsson.scheduler.Scheduler;
import com.github.kagkarlsson.scheduler.SchedulerName;
import com.github.kagkarlsson.scheduler.jdbc.DefaultJdbcCustomization;
import com.github.kagkarlsson.scheduler.jdbc.PostgreSqlJdbcCustomization;
import com.github.kagkarlsson.scheduler.task.helper.RecurringTask;
import com.github.kagkarlsson.scheduler.task.helper.Tasks;
import com.github.kagkarlsson.scheduler.task.schedule.Schedule;
import com.github.kagkarlsson.scheduler.task.schedule.Schedules;
import dev.earnings.jdbc.AuditAction;
import dev.earnings.jdbc.BulkPayoutRequest;
import dev.earnings.jdbc.BulkPayoutResult;
import dev.earnings.jdbc.PayoutSchedule;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the deployment's payout schedules, and the daily insights check when it is on, with db-scheduler, which keeps their state in the
 * library's database ({@code earnings_scheduled_tasks}): every instance of the application runs
 * the scheduler, and a due period is claimed by one of them with an optimistic update, so each
 * period runs once. An instance that dies mid-run stops its heartbeat; another instance then runs
 * the same period again, and the batch reference {@code name:dueTime} lets that run create only
 * the payouts the first did not.
 *
 * <p>A run that fails (a creator's payout failed, or the database) is run again for the same
 * period, up to {@value #ATTEMPTS} times, each after the next poll; then the schedule moves to its
 * next period, whose run pays whatever is available by then.
 */
public final class PayoutScheduler implements AutoCloseable {
    /** Runs of one period before the schedule moves on. */
    static final int ATTEMPTS = 5;
    private static final Logger LOG = LoggerFactory.getLogger(PayoutScheduler.class);
    private static final String TASK_PREFIX = "earnings-payouts:";
    /** The daily insights task: the previous UTC days' alerts, then the goals. */
    static final String INSIGHTS_TASK = "earnings-insights";
    /** When the daily insights task runs: 00:15 UTC, once the day's last writes are in. */
    static final String INSIGHTS_CRON = "0 15 0 * * *";

    private final Scheduler scheduler;
    private final Ledger ledger;
    private final AuditLog audit;
    private final Transactor tx;

    /**
     * Builds the scheduler; nothing runs before {@link #start()}.
     *
     * @param dataSource the runtime pool, on which db-scheduler opens connections of its own
     * @param schema the schema of the library's tables, or empty
     * @param dialect the database
     * @param schedules the payout schedules
     * @param ledger the payouts
     * @param audit the audit log, where each period's run is recorded once
     * @param tx the transaction runner
     * @param clock the clock that says when a period is due
     * @param polling how often an instance looks for due periods
     * @param heartbeat how often an instance running a period says it is alive; it is taken for
     *     dead after four missed beats
     * @param insights the daily insights check, run once a day across all instances, or
     *     {@code null} for none
     */
    public PayoutScheduler(DataSource dataSource, Optional<String> schema, Dialect dialect, List<PayoutSchedule> schedules,
            Ledger ledger, AuditLog audit, Transactor tx, Clock clock, Duration polling, Duration heartbeat,
            @Nullable InsightChecks insights) {
        this.ledger = ledger;
        this.audit = audit;
        this.tx = tx;
        List<RecurringTask<Void>> tasks = new ArrayList<>();
        for (PayoutSchedule s : schedules) {
            Schedule when = Schedules.cron(s.cron(), ZoneOffset.UTC);
            tasks.add(Tasks.recurring(TASK_PREFIX + s.name(), when)
                    // Run the same period again at once, a few times, before moving on.
                    .onFailure((complete, ops) -> ops.reschedule(complete,
                            complete.getExecution().consecutiveFailures + 1 < ATTEMPTS
                                    ? complete.getExecution().executionTime : when.getNextExecutionTime(complete)))
                    // db-scheduler's default revives a dead run at "now", which would be another period.
                    .onDeadExecution((complete, ops) -> ops.reschedule(complete, complete.getExecution().executionTime))
                    .execute((instance, context) -> run(s, context.getExecution().executionTime)));
        }
        if (insights != null) {
            // A missed run is made up by the next: it checks every day after the last one checked. A
            // failed run is tried again after the next poll, then at doubling intervals up to an hour,
            // rather than on the next day (db-scheduler's default for recurring tasks), so a passing
            // database error does not leave a day's alerts a day late.
            Schedule daily = Schedules.cron(INSIGHTS_CRON, ZoneOffset.UTC);
            tasks.add(Tasks.recurring(INSIGHTS_TASK, daily)
                    .onFailure((complete, ops) -> {
                        Instant next = daily.getNextExecutionTime(complete);
                        Instant retry = complete.getTimeDone().plus(retryDelay(polling, complete.getExecution().consecutiveFailures));
                        Instant at = retry.isBefore(next) ? retry : next;
                        LOG.warn("insights: the daily check failed; it runs again at {}", at, complete.getCause().orElse(null));
                        ops.reschedule(complete, at);
                    })
                    .onDeadExecution((complete, ops) -> ops.reschedule(complete, complete.getExecution().executionTime))
                    .execute((instance, context) -> insights.daily()));
        }
        this.scheduler = Scheduler.create(dataSource).startTasks(tasks)
                .tableName(schema.map(x -> '"' + x + "\".").orElse("") + "earnings_scheduled_tasks")
                .jdbcCustomization(dialect.isPostgres() ? new PostgreSqlJdbcCustomization(false, false)
                        : new DefaultJdbcCustomization(false))
                .schedulerName(new SchedulerName.Fixed(instanceName())).threads(1).pollingInterval(polling)
                .heartbeatInterval(heartbeat).missedHeartbeatsLimit(4).shutdownMaxWait(Duration.ofSeconds(10))
                .clock(clock::instant).build();
    }

    /**
     * How long after its last failure a failed insights check runs again: the polling interval,
     * doubled for each earlier consecutive failure, at most an hour.
     */
    static Duration retryDelay(Duration polling, int earlierFailures) {
        Duration cap = Duration.ofHours(1);
        Duration delay = polling;
        for (int i = 0; i < earlierFailures && delay.compareTo(cap) < 0; i++) {
            delay = delay.multipliedBy(2);
        }
        return delay.compareTo(cap) < 0 ? delay : cap;
    }

    /** Starts polling for due periods. */
    public void start() {
        scheduler.start();
    }

    /**
     * Pays out one period of a schedule: every creator at or above the minimum payout, once.
     * Records the run in the audit log once it has paid everyone it could; throws when a
     * creator's payout failed, so the period is run again.
     */
    void run(PayoutSchedule schedule, Instant due) {
        String batch = schedule.name() + ":" + due.truncatedTo(ChronoUnit.SECONDS);
        String actor = "schedule:" + schedule.name();
        BulkPayoutResult result = ledger.payoutAll(Scope.SERVICE, actor, BulkPayoutRequest.of(batch));
        long failed = result.items().stream().filter(i -> i.outcome() == BulkPayoutResult.Outcome.FAILED).count();
        if (failed > 0) {
            throw new IllegalStateException("payout schedule '" + schedule.name() + "', period " + due + ": " + failed
                    + " creators' payouts failed; the period runs again");
        }
        long created = result.items().stream().filter(i -> i.outcome() == BulkPayoutResult.Outcome.CREATED).count();
        long paid = result.items().stream().filter(i -> i.payout().isPresent())
                .mapToLong(i -> i.payout().get().amountMinor()).sum();
        tx.inTransaction("recording the run of payout schedule '" + schedule.name() + "'", Scope.SERVICE, (h, attempt) -> {
            if (!audit.recorded(h, AuditAction.SCHEDULE_RUN, "schedule", batch)) {
                audit.record(h, actor, AuditAction.SCHEDULE_RUN, "schedule", batch, null, null, null, AuditLog.values(
                        "period", due.toString(), "payouts", result.items().stream().filter(i -> i.payout().isPresent()).count(),
                        "amountMinor", paid, "thresholdMinor", result.thresholdMinor()));
            }
            return null;
        });
        LOG.info("payout schedule '{}', period {}: {} payouts created by this run", schedule.name(), due, created);
    }

    /** Stops polling and waits a little for a running period, which another instance otherwise finishes. */
    @Override
    public void close() {
        scheduler.stop();
    }

    /** This instance's name in the scheduler's table: its process and host, at most 50 characters. */
    private static String instanceName() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            host = "unknown-host";
        }
        String name = ProcessHandle.current().pid() + "@" + host;
        return name.length() > 50 ? name.substring(0, 50) : name;
    }
}
