package dev.earnings.jdbc;

import dev.earnings.core.InvalidInputException;
import dev.earnings.core.internal.Checks;
import dev.earnings.jdbc.internal.Access;
import dev.earnings.jdbc.internal.Alerts;
import dev.earnings.jdbc.internal.Goals;
import dev.earnings.jdbc.internal.InsightChecks;
import dev.earnings.jdbc.internal.InsightReports;
import dev.earnings.jdbc.internal.Recommendations;
import dev.earnings.jdbc.internal.Scope;
import dev.earnings.jdbc.internal.Transactor;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;

/**
 * What the figures suggest: forecasts, comparisons of a creator's models, the platform's market
 * patterns, alerts on unusual days, monthly goals and recommendations.
 *
 * <p>Obtained from {@link Earnings#insights()}. Every call takes the {@link Caller}: a creator
 * reads and sets only their own, an admin anyone's; {@link #checkAlerts} is for admins. Every call
 * runs in the library's transactions in its caller's scope, so on PostgreSQL row-level security
 * filters it too.
 *
 * <p><b>The alert rule.</b> For a model registered at least 28 days before a completed UTC day D,
 * and for each metric (the day's uses, and its earnings net of the reversals booked on it, from
 * the daily rollups, a day without a rollup counting as zero), the baseline is the 28 days before
 * D. With {@code m} its median (of 28 values, the mean of the middle two) and {@code MAD} the
 * median of {@code |v - m|}, floored at {@code max(unit, |m| / 20)} (the unit is one use; for
 * earnings, one use's worth: the baseline's net earnings per use, at least one minor unit of the
 * deployment's currency) so that a flat series does not alert on noise, D alerts
 * when {@code |x - m| > 3 x MAD}, {@link Alert.Direction#ABOVE above} or
 * {@link Alert.Direction#BELOW below}. All of it is exact decimal arithmetic. An alert is raised
 * once per model, day and metric, with its {@link EventType#ALERT_RAISED} event, whoever checks
 * the day and however often, from however many instances at once.
 *
 * <p>Days are checked by {@link #checkAlerts}, and, with
 * {@link Earnings.Builder#insightChecks(boolean)}, each day shortly after it ends (00:15 UTC).
 * Either way the check then looks at the goals not yet reached.
 */
public final class Insights {
    private final Transactor tx;
    private final Access access;
    private final Alerts alerts;
    private final Goals goals;
    private final Recommendations recommendations;
    private final InsightChecks checks;
    private final InsightReports reports;
    private final Clock clock;

    Insights(Transactor tx, Access access, Alerts alerts, Goals goals, Recommendations recommendations, InsightChecks checks,
            InsightReports reports, Clock clock) {
        this.reports = reports;
        this.tx = tx;
        this.access = access;
        this.alerts = alerts;
        this.goals = goals;
        this.recommendations = recommendations;
        this.checks = checks;
        this.clock = clock;
    }

    /**
     * Checks a completed UTC day for alerts now, and then every goal not yet reached. For an
     * admin who wants a day checked without waiting for the daily task, or again after late uses
     * of that day were recorded; alerts raised before are not raised again.
     *
     * @param caller an admin
     * @param day a UTC day before today, at most {@value ReportPeriod#MAX_DAYS} days ago
     * @return the alerts this call raised, by model and metric; empty when all were raised before
     * @throws AccessDeniedException if the caller is not an admin
     * @throws InvalidInputException if the day is missing, today or later, or too long ago
     * @throws StorageException if the database fails
     */
    public List<Alert> checkAlerts(Caller caller, LocalDate day) {
        Access.requireAdmin(caller);
        LocalDate today = LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
        if (day == null || !day.isBefore(today) || day.isBefore(today.minusDays(ReportPeriod.MAX_DAYS))) {
            throw new InvalidInputException("day", "day is " + (day == null ? "missing" : day) + "; allowed: a completed UTC"
                    + " day, from " + today.minusDays(ReportPeriod.MAX_DAYS) + " to " + today.minusDays(1));
        }
        return checks.check(Scope.of(caller), day);
    }

    /**
     * A creator's alerts, so that a dashboard can show what was unusual: those of the days in
     * the period, newest day first, then by model and metric.
     *
     * @param caller the creator themself, or an admin
     * @param creatorId whose alerts
     * @param period the days
     * @return the alerts
     * @throws AccessDeniedException if the caller is missing, unknown, or another creator
     * @throws InvalidInputException if an argument is not allowed
     * @throws StorageException if the database fails
     */
    public List<Alert> alerts(Caller caller, String creatorId, ReportPeriod period) {
        Checks.requireId("creatorId", creatorId);
        if (period == null) {
            throw new InvalidInputException("period", "period is missing; allowed: a value, not null");
        }
        ReportPeriod.DateRange range = period.resolve(LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC));
        return tx.inSnapshot("reading the alerts of creator '" + creatorId + "'", Scope.of(caller), (h, attempt) -> {
            access.requireCreatorData(h, caller, creatorId);
            return alerts.of(h, creatorId, range.from(), range.to());
        });
    }

    /**
     * Sets a creator's earnings target for a month, or replaces it while it is not reached, so
     * that the creator can follow their progress; the goal is checked at once, and marked reached
     * (with its {@link EventType#GOAL_REACHED} event) if the month already earned the target.
     *
     * @param caller the creator themself, or an admin for them
     * @param creatorId whose goal
     * @param month the month, at most 120 months from the current one either way
     * @param zone the zone whose calendar the month is in, such as {@code ZoneOffset.UTC}
     * @param target the earnings aimed at, in the deployment's currency: above 0, at most 12
     *     decimal places
     * @return the goal with its progress
     * @throws AccessDeniedException if the caller is missing, unknown, or another creator
     * @throws InvalidInputException if an argument is not allowed, or the month's goal is reached
     * @throws StorageException if the database fails
     */
    public Goal setGoal(Caller caller, String creatorId, YearMonth month, ZoneId zone, BigDecimal target) {
        Checks.requireId("creatorId", creatorId);
        goals.requireMonth(month);
        Goals.requireZone(zone);
        BigDecimal exact = Goals.requireTarget(target);
        tx.inTransaction("setting the goal of creator '" + creatorId + "' for " + month, Scope.of(caller), (h, attempt) -> {
            access.requireCreatorData(h, caller, creatorId);
            goals.set(h, caller.id(), creatorId, month, zone, exact);
            return null;
        });
        // The check is the library's own evaluation, as the daily one is: it may write the event.
        return tx.inTransaction("checking the goal of creator '" + creatorId + "' for " + month, Scope.SERVICE,
                (h, attempt) -> {
                    Optional<Goals.Stored> stored = goals.find(h, creatorId, month);
                    if (stored.isEmpty()) {
                        throw new InvalidInputException("month", "the goal of " + month + " was deleted while it was set;"
                                + " allowed: set it again");
                    }
                    goals.reachIfDue(h, stored.get());
                    return goals.progress(h, goals.find(h, creatorId, month).orElseThrow());
                });
    }

    /**
     * A creator's goal of a month with its progress: what was earned so far in the month, what
     * remains, and when it was reached.
     *
     * @param caller the creator themself, or an admin
     * @param creatorId whose goal
     * @param month the month
     * @return the goal, or empty when none is set
     * @throws AccessDeniedException if the caller is missing, unknown, or another creator
     * @throws InvalidInputException if an argument is not allowed
     * @throws StorageException if the database fails
     */
    public Optional<Goal> goal(Caller caller, String creatorId, YearMonth month) {
        Checks.requireId("creatorId", creatorId);
        goals.requireMonth(month);
        return tx.inSnapshot("reading the goal of creator '" + creatorId + "' for " + month, Scope.of(caller),
                (h, attempt) -> {
                    access.requireCreatorData(h, caller, creatorId);
                    return goals.find(h, creatorId, month).map(g -> goals.progress(h, g));
                });
    }

    /**
     * A creator's goals with their progress, latest month first.
     *
     * @param caller the creator themself, or an admin
     * @param creatorId whose goals
     * @return the goals
     * @throws AccessDeniedException if the caller is missing, unknown, or another creator
     * @throws InvalidInputException if an argument is not allowed
     * @throws StorageException if the database fails
     */
    public List<Goal> goals(Caller caller, String creatorId) {
        Checks.requireId("creatorId", creatorId);
        return tx.inSnapshot("reading the goals of creator '" + creatorId + "'", Scope.of(caller), (h, attempt) -> {
            access.requireCreatorData(h, caller, creatorId);
            return goals.of(h, creatorId).stream().map(g -> goals.progress(h, g)).toList();
        });
    }

    /**
     * Deletes a creator's goal of a month, reached or not, for a creator who no longer wants it.
     *
     * @param caller the creator themself, or an admin
     * @param creatorId whose goal
     * @param month the month
     * @return whether there was a goal to delete
     * @throws AccessDeniedException if the caller is missing, unknown, or another creator
     * @throws InvalidInputException if an argument is not allowed
     * @throws StorageException if the database fails
     */
    public boolean deleteGoal(Caller caller, String creatorId, YearMonth month) {
        Checks.requireId("creatorId", creatorId);
        goals.requireMonth(month);
        return tx.inTransaction("deleting the goal of creator '" + creatorId + "' for " + month, Scope.of(caller),
                (h, attempt) -> {
                    access.requireCreatorData(h, caller, creatorId);
                    return goals.delete(h, creatorId, month);
                });
    }

    /**
     * What a creator could do now, each with a reason and its figures, so that a dashboard can
     * point them to it. The rules:
     * <ul>
     *   <li>{@link Recommendation.Kind#NEXT_TIER_CLOSE}: a model whose counted uses are within a
     *       tenth of its next tier's threshold ({@code usesToGo x 10 <= threshold}), or whose pace,
     *       its counted uses of the last 28 UTC days (today included), reaches the threshold
     *       within 14 days: {@code daysToGo = ceil(usesToGo x 28 / pace)}, exact, and
     *       {@code expectedDay} today plus that. Figures: {@code countedUses}, {@code nextTier},
     *       {@code threshold}, {@code usesToGo}, {@code countedUsesLast28Days}, and with a pace
     *       {@code daysToGo} and {@code expectedDay}.
     *   <li>{@link Recommendation.Kind#MONETIZATION_OFF}: a model with monetization off that had
     *       uses in the last 30 UTC days (today included). Figure: {@code usesLast30Days}.
     *   <li>{@link Recommendation.Kind#USAGE_TYPE_EARNS_MOST}: of the usage types with at least 20
     *       of the creator's uses in the last 30 UTC days (today included), the one that earned most
     *       per use (net of the reversals booked then), when that is at least 1.5 times the next
     *       best's. Figures: {@code usageType}, {@code uses}, {@code earningsPerUse},
     *       {@code comparedWith}, {@code comparedUses}, {@code comparedEarningsPerUse},
     *       {@code ratio} (two places).
     * </ul>
     * Sorted by kind, then model id.
     *
     * @param caller the creator themself, or an admin
     * @param creatorId whose recommendations
     * @return the recommendations, empty when there are none
     * @throws AccessDeniedException if the caller is missing, unknown, or another creator
     * @throws InvalidInputException if an argument is not allowed
     * @throws StorageException if the database fails
     */
    public List<Recommendation> recommendations(Caller caller, String creatorId) {
        Checks.requireId("creatorId", creatorId);
        return tx.inSnapshot("reading the recommendations of creator '" + creatorId + "'", Scope.of(caller),
                (h, attempt) -> {
                    access.requireCreatorData(h, caller, creatorId);
                    return recommendations.of(h, creatorId);
                });
    }

    /**
     * A forecast of one model's uses and earnings for the next days, with intervals, and when it
     * reaches its next usage tier at its current pace. For a creator planning ahead: the days are
     * whole days of the zone, from tomorrow; the history is the model's last 56 whole days (fewer
     * for a newer model, which gets a simpler fit).
     *
     * @param caller the model's creator, or an admin
     * @param modelId the model
     * @param days how many days to forecast, 1 to {@value Forecast#MAX_DAYS} (7, 30 and 90 are the usual)
     * @param zone whose days, such as the creator's own zone
     * @return the forecast
     * @throws AccessDeniedException if a creator asks for a model that is not theirs (or does not exist)
     * @throws UnknownModelException if an admin asks for a model that does not exist
     * @throws InvalidInputException if an argument is not allowed
     * @throws StorageException if the database fails
     */
    public Forecast forecastModel(Caller caller, String modelId, int days, ZoneId zone) {
        Checks.requireId("modelId", modelId);
        return reports.forecast(caller, Optional.empty(), Optional.of(modelId), days, zone);
    }

    /**
     * A forecast of all of a creator's models together, with each model's tier outlook.
     *
     * @param caller the creator themself, or an admin
     * @param creatorId whose models
     * @param days how many days to forecast, 1 to {@value Forecast#MAX_DAYS}
     * @param zone whose days
     * @return the forecast
     * @throws AccessDeniedException if the caller is missing, unknown, or another creator
     * @throws InvalidInputException if an argument is not allowed
     * @throws StorageException if the database fails
     */
    public Forecast forecastCreator(Caller caller, String creatorId, int days, ZoneId zone) {
        Checks.requireId("creatorId", creatorId);
        return reports.forecast(caller, Optional.of(creatorId), Optional.empty(), days, zone);
    }

    /**
     * Two or more of a creator's models side by side over a period, each with its standing among
     * the platform's models of each usage type it was used with. A creator sees positions and
     * percentiles only, and only among at least {@link Earnings.Builder#insightsMinimumCreators k}
     * creators.
     *
     * @param caller the creator themself, or an admin
     * @param creatorId whose models
     * @param modelIds 2 to 10 distinct models of the creator, in the order to show them
     * @param period the days, in their zone
     * @return the comparison
     * @throws AccessDeniedException if the caller may not read the creator's data, or a creator names
     *     a model that is not theirs
     * @throws UnknownModelException if an admin names a model that does not exist
     * @throws InvalidInputException if an argument is not allowed
     * @throws StorageException if the database fails
     */
    public ModelComparison compareModels(Caller caller, String creatorId, List<String> modelIds, ReportPeriod period) {
        return reports.compare(caller, creatorId, modelIds, period);
    }

    /**
     * The platform's uses and earnings by usage type, local hour of day and day of week, their
     * growth and how concentrated they are. An admin sees every figure; a creator sees aggregates
     * over at least {@link Earnings.Builder#insightsMinimumCreators k} creators only (see
     * {@link MarketInsights}).
     *
     * @param caller an admin, or a known creator
     * @param period the days, in their zone
     * @return the insights
     * @throws AccessDeniedException if the caller is missing or unknown
     * @throws InvalidInputException if an argument is not allowed
     * @throws StorageException if the database fails
     */
    public MarketInsights market(Caller caller, ReportPeriod period) {
        return reports.market(caller, period);
    }
}
