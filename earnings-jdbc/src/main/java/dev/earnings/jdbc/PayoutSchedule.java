package dev.earnings.jdbc;

import com.github.kagkarlsson.scheduler.task.schedule.Schedules;
import dev.earnings.core.InvalidConfigurationException;
import java.time.ZoneOffset;
import java.util.regex.Pattern;

/**
 * A named schedule of bulk payouts: at each time the schedule names, every creator whose
 * available balance is at least the minimum payout gets one pending payout of it, exactly once
 * per period across all application instances. The period is the run's due time, and the batch
 * reference {@code name:dueTime} (as in {@code monthly:2026-04-01T00:00:00Z}) makes a run that is
 * repeated, after an instance died half-way or after a failure, pay nobody twice.
 *
 * <pre>{@code
 * Earnings.builder().payoutSchedule(PayoutSchedule.monthly("monthly"))   // day 1, 00:00 UTC
 * }</pre>
 *
 * @param name 1 to 32 lower-case letters, digits, {@code -} or {@code _}; unique per deployment
 * @param cron when it runs, in UTC: six fields (second, minute, hour, day of month, month, day
 *     of week), as in {@code 0 0 0 1 * *}
 */
public record PayoutSchedule(String name, String cron) {
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_-]{0,31}");

    /**
     * Checks the name and the expression.
     *
     * @param name the schedule's name
     * @param cron the cron expression, in UTC
     */
    public PayoutSchedule {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new InvalidConfigurationException("payoutSchedule", "payoutSchedule name is " + (name == null ? "missing"
                    : "'" + name + "'") + "; allowed: 1 to 32 lower-case letters, digits, - or _, starting with a letter"
                    + " or digit");
        }
        if (cron == null) {
            throw new InvalidConfigurationException("payoutSchedule", "payoutSchedule '" + name + "' has no cron expression;"
                    + " allowed: six fields, as in 0 0 0 1 * *");
        }
        try {
            Schedules.cron(cron, ZoneOffset.UTC);
        } catch (RuntimeException e) {
            throw new InvalidConfigurationException("payoutSchedule", "payoutSchedule '" + name + "' has the cron"
                    + " expression '" + cron + "', which is not valid; allowed: six fields (second, minute, hour, day of"
                    + " month, month, day of week), as in 0 0 0 1 * *");
        }
    }

    /**
     * On the first day of every month at 00:00 UTC.
     *
     * @param name the schedule's name
     * @return the schedule
     */
    public static PayoutSchedule monthly(String name) {
        return new PayoutSchedule(name, "0 0 0 1 * *");
    }

    /**
     * Every Monday at 00:00 UTC.
     *
     * @param name the schedule's name
     * @return the schedule
     */
    public static PayoutSchedule weekly(String name) {
        return new PayoutSchedule(name, "0 0 0 * * MON");
    }

    /**
     * At a time a cron expression names, in UTC.
     *
     * @param name the schedule's name
     * @param cron six fields: second, minute, hour, day of month, month, day of week
     * @return the schedule
     */
    public static PayoutSchedule cron(String name, String cron) {
        return new PayoutSchedule(name, cron);
    }
}
