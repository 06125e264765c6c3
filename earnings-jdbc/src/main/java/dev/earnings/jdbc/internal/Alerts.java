package dev.earnings.jdbc.internal;

import dev.earnings.core.Money;
import dev.earnings.core.internal.Checks;
import dev.earnings.jdbc.Alert;
import dev.earnings.jdbc.EventType;
import java.math.BigDecimal;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Currency;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.jdbi.v3.core.Handle;

/**
 * Owner of {@code earnings_alerts}: checks a completed UTC day of every model against the
 * {@link AlertRule}, and raises each alert once.
 *
 * <p>A day's check reads the daily rollups of the day and the 28 before it, for the models
 * registered at least 28 days before the day. Each alert is a row keyed by (model, day, metric),
 * written with its {@link EventType#ALERT_RAISED} event in one transaction: a check that finds
 * the row skips the alert, and two checks of one day at once (two instances) collide on the key,
 * so the later one's transaction is run again (a unique violation is transient) and finds the
 * earlier one's rows. Every check of a day is noted in {@code earnings_insight_runs}.
 */
public final class Alerts {
    private static final String COLUMNS = "SELECT model_id, creator_id, alert_day, metric, direction, observed, median, mad,"
            + " threshold, explanation, raised_at FROM <t>earnings_alerts";

    private final Clock clock;
    private final Currency currency;
    private final Outbox outbox;
    private final BigDecimal minorUnit;

    /**
     * Creates the owner of alerts.
     *
     * @param clock the clock for the alerts' times
     * @param currency the deployment's currency, whose minor unit floors the earnings' MAD
     * @param outbox where each alert is reported
     */
    public Alerts(Clock clock, Currency currency, Outbox outbox) {
        this.clock = clock;
        this.currency = currency;
        this.outbox = outbox;
        this.minorUnit = BigDecimal.ONE.movePointLeft(Math.max(0, currency.getDefaultFractionDigits()));
    }

    /**
     * Checks one completed UTC day, in the caller's transaction: raises the alerts not raised
     * before, and notes the check.
     *
     * @param h the transaction, as an admin or the service
     * @param day the day
     * @return the alerts raised by this check, by model and metric
     */
    public List<Alert> check(Handle h, LocalDate day) {
        LocalDate from = day.minusDays(AlertRule.BASELINE_DAYS);
        // Registered on the baseline's first day or before: its 28 days are all the model's.
        Instant registeredBefore = from.plusDays(1).atStartOfDay(java.time.ZoneOffset.UTC).toInstant();
        Map<String, String> creators = new TreeMap<>();
        h.createQuery("SELECT model_id, creator_id FROM <t>earnings_models WHERE registered_at < :before")
                .bind("before", registeredBefore)
                .map((rs, ctx) -> creators.put(rs.getString("model_id"), rs.getString("creator_id"))).list();
        if (creators.isEmpty()) {
            noteRun(h, day, 0);
            return List.of();
        }
        Map<String, Map<LocalDate, BigDecimal[]>> figures = new HashMap<>();
        h.createQuery("SELECT a.model_id, a.usage_day, a.uses, a.earnings - a.reversed AS net FROM <t>model_analytics a"
                + " JOIN <t>earnings_models m ON m.model_id = a.model_id"
                + " WHERE m.registered_at < :before AND a.usage_day >= :from AND a.usage_day <= :day")
                .bind("before", registeredBefore).bind("from", from).bind("day", day)
                .map((rs, ctx) -> figures.computeIfAbsent(rs.getString("model_id"), m -> new HashMap<>())
                        .put(rs.getObject("usage_day", LocalDate.class),
                                new BigDecimal[] {BigDecimal.valueOf(rs.getLong("uses")), rs.getBigDecimal("net")}))
                .list();
        Set<String> raised = new HashSet<>(h.createQuery("SELECT model_id, metric FROM <t>earnings_alerts WHERE alert_day = :day")
                .bind("day", day).map((rs, ctx) -> rs.getString("model_id") + "\n" + rs.getString("metric")).list());
        Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
        List<Alert> alerts = new ArrayList<>();
        // Models in id order, metrics in theirs: two checks of one day insert in the same order.
        for (Map.Entry<String, String> model : creators.entrySet()) {
            Map<LocalDate, BigDecimal[]> days = figures.getOrDefault(model.getKey(), Map.of());
            for (Alert.Metric metric : Alert.Metric.values()) {
                if (raised.contains(model.getKey() + "\n" + metric.wireName())) {
                    continue;
                }
                int index = metric.ordinal();
                List<BigDecimal> baseline = new ArrayList<>(AlertRule.BASELINE_DAYS);
                for (LocalDate d = from; d.isBefore(day); d = d.plusDays(1)) {
                    BigDecimal[] f = days.get(d);
                    baseline.add(f == null ? BigDecimal.ZERO : f[index]);
                }
                BigDecimal[] today = days.get(day);
                BigDecimal value = today == null ? BigDecimal.ZERO : today[index];
                Optional<AlertRule.Finding> finding = AlertRule.evaluate(baseline, value,
                        metric == Alert.Metric.USES ? BigDecimal.ONE : earningsUnit(days, from, day));
                if (finding.isPresent()) {
                    alerts.add(raise(h, model.getKey(), model.getValue(), day, metric, finding.get(), now));
                }
            }
        }
        noteRun(h, day, alerts.size());
        return alerts;
    }

    /**
     * The smallest change of a day's earnings that means something: one of the model's uses, as it
     * earned on average over the baseline (net, to 12 places, half even), and never below one
     * minor unit of the currency. A model whose uses earn more than a cent would otherwise alert
     * on a day one use off a flat median, which its uses' alert rightly ignores.
     */
    private BigDecimal earningsUnit(Map<LocalDate, BigDecimal[]> days, LocalDate from, LocalDate day) {
        BigDecimal uses = BigDecimal.ZERO;
        BigDecimal net = BigDecimal.ZERO;
        for (LocalDate d = from; d.isBefore(day); d = d.plusDays(1)) {
            BigDecimal[] f = days.get(d);
            if (f != null) {
                uses = uses.add(f[0]);
                net = net.add(f[1]);
            }
        }
        return uses.signum() == 0 ? minorUnit
                : minorUnit.max(net.divide(uses, dev.earnings.core.Money.SCALE, java.math.RoundingMode.HALF_EVEN));
    }

    private Alert raise(Handle h, String modelId, String creatorId, LocalDate day, Alert.Metric metric,
            AlertRule.Finding f, Instant now) {
        Alert alert = new Alert(modelId, creatorId, day, metric, f.above() ? Alert.Direction.ABOVE : Alert.Direction.BELOW,
                shown(metric, f.value()), shown(metric, f.median()), shown(metric, f.mad()), shown(metric, f.threshold()),
                explanation(modelId, day, metric, f), now);
        h.createUpdate("INSERT INTO <t>earnings_alerts (model_id, alert_day, metric, creator_id, direction, observed, median,"
                + " mad, threshold, explanation, raised_at) VALUES (:model, :day, :metric, :creator, :direction, :value,"
                + " :median, :mad, :threshold, :explanation, :now)")
                .bind("model", modelId).bind("day", day).bind("metric", metric.wireName()).bind("creator", creatorId)
                .bind("direction", alert.direction().wireName()).bind("value", alert.value()).bind("median", alert.median())
                .bind("mad", alert.mad()).bind("threshold", alert.threshold()).bind("explanation", alert.explanation())
                .bind("now", now).execute();
        Map<String, Object> payload = AuditLog.values("modelId", modelId, "day", day.toString(), "metric", metric.wireName(),
                "direction", alert.direction().wireName(), "value", alert.value(), "median", alert.median(), "mad",
                alert.mad(), "threshold", alert.threshold(), "explanation", alert.explanation());
        if (metric == Alert.Metric.EARNINGS) {
            payload.put("currency", currency.getCurrencyCode());
        }
        outbox.append(h, EventType.ALERT_RAISED, creatorId, payload);
        return alert;
    }

    /** Notes a check of the day: the first, or one more. */
    private void noteRun(Handle h, LocalDate day, int raised) {
        Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
        int updated = h.createUpdate("UPDATE <t>earnings_insight_runs SET checked_at = :now, alerts = alerts + :raised"
                + " WHERE check_day = :day").bind("now", now).bind("raised", raised).bind("day", day).execute();
        if (updated == 0) {
            // A concurrent first check of the day collides on the key; this transaction then runs again.
            h.createUpdate("INSERT INTO <t>earnings_insight_runs (check_day, checked_at, alerts) VALUES (:day, :now, :raised)")
                    .bind("day", day).bind("now", now).bind("raised", raised).execute();
        }
    }

    /**
     * The last UTC day checked, by either way of checking.
     *
     * @param h the transaction
     * @return the latest checked day, or empty before the first check
     */
    public Optional<LocalDate> lastChecked(Handle h) {
        return h.createQuery("SELECT MAX(check_day) FROM <t>earnings_insight_runs").mapTo(LocalDate.class).findOne();
    }

    /**
     * A creator's alerts of days in a range, newest day first, then by model and metric.
     *
     * @param h the transaction, in the caller's scope
     * @param creatorId whose alerts
     * @param from the first day
     * @param to the day after the last
     * @return the alerts
     */
    public List<Alert> of(Handle h, String creatorId, LocalDate from, LocalDate to) {
        return h.createQuery(COLUMNS + " WHERE creator_id = :creator AND alert_day >= :from AND alert_day < :to"
                + " ORDER BY alert_day DESC, model_id, metric DESC")
                .bind("creator", creatorId).bind("from", from).bind("to", to).map((rs, ctx) -> row(rs)).list();
    }

    private Alert row(ResultSet rs) throws SQLException {
        Alert.Metric metric = Alert.Metric.valueOf(rs.getString("metric").toUpperCase(java.util.Locale.ROOT));
        return new Alert(rs.getString("model_id"), rs.getString("creator_id"), rs.getObject("alert_day", LocalDate.class),
                metric, Alert.Direction.valueOf(rs.getString("direction").toUpperCase(java.util.Locale.ROOT)),
                shown(metric, rs.getBigDecimal("observed")), shown(metric, rs.getBigDecimal("median")),
                shown(metric, rs.getBigDecimal("mad")), shown(metric, rs.getBigDecimal("threshold")),
                rs.getString("explanation"), rs.getObject("raised_at", java.time.OffsetDateTime.class).toInstant());
    }

    /**
     * A figure as alerts show it, exact: an amount with 12 places (more only when a median or a
     * MAD needs them), a count of uses in its canonical form ({@code 12.5}).
     */
    private static BigDecimal shown(Alert.Metric metric, BigDecimal figure) {
        return metric == Alert.Metric.EARNINGS ? figure.setScale(Math.max(Money.SCALE, Checks.significantScale(figure)))
                : Checks.canonical(figure);
    }

    /** One sentence with the figures. */
    private String explanation(String modelId, LocalDate day, Alert.Metric metric, AlertRule.Finding f) {
        String what = metric == Alert.Metric.USES ? "had " + plain(f.value()) + " uses"
                : "earned " + plain(f.value()) + " " + currency.getCurrencyCode() + " net of reversals";
        String unit = metric == Alert.Metric.USES ? "" : " " + currency.getCurrencyCode();
        return "Model '" + modelId + "' " + what + " on " + day + ", " + plain(f.distance()) + unit + " "
                + (f.above() ? "above" : "below") + " the median of " + plain(f.median()) + unit + " of the "
                + AlertRule.BASELINE_DAYS + " days before, more than the threshold of " + plain(f.threshold()) + unit
                + " (3 x the median absolute deviation " + plain(f.mad()) + unit + ").";
    }

    private static String plain(BigDecimal value) {
        return Checks.canonical(value).toPlainString();
    }
}
