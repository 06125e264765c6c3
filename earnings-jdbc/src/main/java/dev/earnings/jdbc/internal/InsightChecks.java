package dev.earnings.jdbc.internal;

import dev.earnings.jdbc.Alert;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The insights' evaluation: a completed UTC day's alerts, then the goals not yet reached. The
 * admin call checks the day it is given; the daily task ({@link #daily()}) checks the days after
 * the last one checked, up to yesterday, at most {@value #CATCH_UP_DAYS} of them.
 */
public final class InsightChecks {
    /** The most days the daily task catches up on, after a time without checks. */
    public static final int CATCH_UP_DAYS = 7;
    private static final Logger LOG = LoggerFactory.getLogger(InsightChecks.class);

    private final Transactor tx;
    private final Alerts alerts;
    private final Goals goals;
    private final Clock clock;

    /**
     * Creates the evaluation.
     *
     * @param tx the transaction runner
     * @param alerts the alerts
     * @param goals the goals
     * @param clock the clock that says which day is today
     */
    public InsightChecks(Transactor tx, Alerts alerts, Goals goals, Clock clock) {
        this.tx = tx;
        this.alerts = alerts;
        this.goals = goals;
        this.clock = clock;
    }

    /**
     * Checks one day's alerts, in one transaction, then the goals, in another.
     *
     * @param scope an admin's or the service's
     * @param day a completed UTC day
     * @return the alerts this check raised
     */
    public List<Alert> check(Scope scope, LocalDate day) {
        List<Alert> raised = alertsOf(scope, day);
        checkGoals(scope);
        return raised;
    }

    /**
     * Checks every goal not yet reached.
     *
     * @param scope an admin's or the service's
     * @return how many goals the check marked reached
     */
    public int checkGoals(Scope scope) {
        return tx.inTransaction("checking the goals", scope, (h, attempt) -> goals.checkAll(h));
    }

    private List<Alert> alertsOf(Scope scope, LocalDate day) {
        return tx.inTransaction("checking day " + day + " for alerts", scope, (h, attempt) -> alerts.check(h, day));
    }

    /**
     * The daily run, as the service: the days after the last checked one up to yesterday (only
     * yesterday before the first check; at most {@value #CATCH_UP_DAYS} days), then the goals.
     */
    public void daily() {
        LocalDate yesterday = LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC).minusDays(1);
        LocalDate first = tx.inTransaction("reading the last day checked for alerts", Scope.SERVICE,
                (h, attempt) -> alerts.lastChecked(h)).map(d -> d.plusDays(1)).orElse(yesterday);
        if (first.isBefore(yesterday.minusDays(CATCH_UP_DAYS - 1L))) {
            first = yesterday.minusDays(CATCH_UP_DAYS - 1L);
        }
        List<Alert> raised = new ArrayList<>();
        for (LocalDate day = first; !day.isAfter(yesterday); day = day.plusDays(1)) {
            raised.addAll(alertsOf(Scope.SERVICE, day));
        }
        int reached = checkGoals(Scope.SERVICE);
        LOG.info("insights: checked the days from {} to {}: {} alerts raised, {} goals reached", first, yesterday,
                raised.size(), reached);
    }
}
