package dev.earnings.jdbc.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.earnings.core.Money;
import dev.earnings.jdbc.Alert;
import dev.earnings.jdbc.AuditEntry;
import dev.earnings.jdbc.Balance;
import dev.earnings.jdbc.BulkPayoutResult;
import dev.earnings.jdbc.CreatorDashboard;
import dev.earnings.jdbc.CreatorOverview;
import dev.earnings.jdbc.Forecast;
import dev.earnings.jdbc.Goal;
import dev.earnings.jdbc.MarketInsights;
import dev.earnings.jdbc.ModelComparison;
import dev.earnings.jdbc.Page;
import dev.earnings.jdbc.Payout;
import dev.earnings.jdbc.PlatformTotals;
import dev.earnings.jdbc.RecordedUse;
import dev.earnings.jdbc.Recommendation;
import dev.earnings.jdbc.Reversal;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The JSON form of the library's results, as maps of strings, numbers, booleans, nulls, lists and
 * maps in a fixed key order, ready for any JSON writer. Amounts are decimal strings with the
 * library's full precision ({@code "0.004500000000"}), never JSON numbers: most clients parse a
 * number into a double, and a creator's income must not pass through one. Payout amounts, which
 * are whole minor units, come as {@code amountMinor} too.
 *
 * <p>One place for the wire format, so that every HTTP API in front of the library (the example
 * host app, the Spring Boot starter's controllers) answers the same fields with the same meaning.
 */
public final class JsonView {
    /** Reads the JSON the library stored (audit values); fractions stay exact decimals. */
    private static final ObjectReader STORED = JsonMapper.builder().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .build().readerFor(Object.class);

    private JsonView() {
    }

    /**
     * A recorded use: its event id, whether it was a replay, its ordinal, the earnings and how they
     * were rated (base, tier and type multipliers, the reason when it earned nothing, the
     * explanation).
     *
     * @param u the use
     * @return its JSON form
     */
    public static Map<String, Object> use(RecordedUse u) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("eventId", u.eventId());
        out.put("replayed", u.replayed());
        out.put("modelId", u.modelId());
        out.put("useOrdinal", u.useOrdinal().isPresent() ? u.useOrdinal().getAsLong() : null);
        out.put("earnings", money(u.result().earnings()));
        out.put("currency", u.result().earnings().currency().getCurrencyCode());
        out.put("base", money(u.result().base()));
        out.put("tier", u.result().tier().index());
        out.put("tierMultiplier", u.result().tier().multiplier().toPlainString());
        out.put("usageType", u.result().usageType().name());
        out.put("typeMultiplier", u.result().usageType().multiplier().toPlainString());
        out.put("reason", u.result().reason().map(Enum::name).orElse(null));
        out.put("explanation", u.result().explain());
        out.put("occurredAt", u.occurredAt().toString());
        return out;
    }

    /**
     * A creator's dashboard. {@code totalEarnings} is net of the reversals made in the period, with
     * {@code totalReversed} (what they took back) and {@code grossEarnings} (what the uses earned
     * before them) beside it, so a creator sees why the figure is lower than their uses'. Recent
     * activity shows each use's earnings as rated and what has been reversed of them since.
     *
     * @param d the dashboard
     * @return its JSON form
     */
    public static Map<String, Object> dashboard(CreatorDashboard d) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("creatorId", d.creatorId());
        out.put("from", d.range().from().toString());
        out.put("to", d.range().to().toString());
        out.put("zone", zone(d.range().zone()));
        out.put("modelId", d.modelId().orElse(null));
        out.put("grossEarnings", money(d.periodEarnings().plus(d.periodReversed())));
        out.put("totalReversed", money(d.periodReversed()));
        out.put("totalEarnings", money(d.periodEarnings()));
        out.put("lifetimeEarnings", money(d.lifetimeEarnings()));
        out.put("lifetimeReversed", money(d.lifetimeReversed()));
        out.put("totalUsage", d.uses());
        out.put("earningUses", d.earningUses());
        out.put("uniqueUsers", d.uniqueUsers());
        out.put("activeModels", d.activeModels());
        out.put("averagePerModel", money(d.averageEarningsPerActiveModel()));
        Map<String, Object> change = new LinkedHashMap<>();
        change.put("previousEarnings", money(d.change().previousEarnings()));
        change.put("earningsChange", money(d.change().earningsChange()));
        // Empty when there is nothing to compare with: no earnings in the previous period.
        change.put("earningsChangeRatio", d.change().earningsChangeRatio().map(BigDecimal::toPlainString).orElse(""));
        out.put("change", change);
        out.put("models", list(d.topModels(), m -> {
            Map<String, Object> model = new LinkedHashMap<>();
            model.put("modelId", m.modelId());
            model.put("uses", m.uses());
            model.put("earnings", money(m.earnings()));
            model.put("tier", m.currentTier());
            model.put("multiplier", m.currentMultiplier().toPlainString());
            // -1 at the last tier, which has no next.
            model.put("usesToNextTier", m.usesToNextTier().isPresent() ? m.usesToNextTier().getAsLong() : -1);
            return model;
        }));
        out.put("trend", list(d.trend(), p -> {
            Map<String, Object> point = new LinkedHashMap<>();
            point.put("day", p.start().toString());
            point.put("earnings", money(p.earnings()));
            point.put("uses", p.uses());
            return point;
        }));
        out.put("recentActivity", list(d.recentActivity(), a -> {
            Map<String, Object> use = new LinkedHashMap<>();
            use.put("at", a.occurredAt().toString());
            use.put("modelId", a.modelId());
            use.put("usageType", a.usageType());
            use.put("tokens", a.tokensConsumed());
            use.put("earnings", money(a.earnings()));
            use.put("reversed", money(a.reversed()));
            use.put("isReversed", a.isReversed());
            use.put("user", a.userPseudonym());
            return use;
        }));
        out.put("balance", balance(d.balance()));
        out.put("transactions", list(d.recentTransactions(), JsonView::payout));
        return out;
    }

    /**
     * A balance: {@code available} is earned less held, pending and paid out, and negative while
     * the creator owes the platform after a reversal of paid-out earnings; {@code owed} is that
     * debt as a positive amount, so no client has to work it out from a sign.
     *
     * @param b the balance
     * @return its JSON form
     */
    public static Map<String, Object> balance(Balance b) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("earned", money(b.earned()));
        out.put("held", money(b.held()));
        out.put("pending", money(b.pending()));
        out.put("paidOut", money(b.paidOut()));
        out.put("available", money(b.available()));
        out.put("availableMinor", b.availableMinor());
        out.put("owed", money(b.owed()));
        return out;
    }

    /**
     * A payout; {@code amount} is {@code amountMinor} in major units with the currency's two
     * places.
     *
     * @param p the payout
     * @return its JSON form
     */
    public static Map<String, Object> payout(Payout p) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", p.id());
        out.put("creatorId", p.creatorId());
        out.put("reference", p.reference());
        out.put("amountMinor", p.amountMinor());
        out.put("amount", p.amount().amount().setScale(2, RoundingMode.UNNECESSARY).toPlainString());
        out.put("status", p.status().name());
        out.put("createdAt", p.createdAt().toString());
        out.put("updatedBy", p.updatedBy());
        out.put("statusReason", p.statusReason().orElse(null));
        return out;
    }

    /**
     * A bulk payout run: each creator's outcome, with the payout made or found, or why it failed.
     *
     * @param result the run
     * @return its JSON form
     */
    public static Map<String, Object> bulkPayout(BulkPayoutResult result) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("batchReference", result.batchReference());
        out.put("thresholdMinor", result.thresholdMinor());
        out.put("dryRun", result.dryRun());
        out.put("items", list(result.items(), item -> {
            Map<String, Object> line = new LinkedHashMap<>();
            line.put("creatorId", item.creatorId());
            line.put("availableMinor", item.availableMinor());
            line.put("outcome", item.outcome().name());
            line.put("payout", item.payout().map(JsonView::payout).orElse(null));
            line.put("error", item.error().orElse(null));
            return line;
        }));
        return out;
    }

    /**
     * A reversal: what it took back, what remains of the use, who made it and why; {@code replayed}
     * when an earlier call made it under the same correction id, which reverses nothing twice.
     *
     * @param r the reversal
     * @return its JSON form
     */
    public static Map<String, Object> reversal(Reversal r) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("correctionId", r.correctionId());
        out.put("eventId", r.eventId());
        out.put("modelId", r.modelId());
        out.put("creatorId", r.creatorId());
        out.put("amount", money(r.amount()));
        out.put("remaining", money(r.remaining()));
        out.put("actor", r.actor());
        out.put("reason", r.reason());
        out.put("reversedAt", r.reversedAt().toString());
        out.put("replayed", r.replayed());
        return out;
    }

    /**
     * The platform's totals over a period.
     *
     * @param t the totals
     * @return their JSON form
     */
    public static Map<String, Object> platformTotals(PlatformTotals t) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("from", t.range().from().toString());
        out.put("to", t.range().to().toString());
        out.put("earnings", money(t.earnings()));
        out.put("reversed", money(t.reversed()));
        out.put("uses", t.uses());
        out.put("earningUses", t.earningUses());
        out.put("creatorsWithUsage", t.creatorsWithUsage());
        out.put("modelsWithUsage", t.modelsWithUsage());
        out.put("newModels", t.newModels());
        return out;
    }

    /**
     * A page of the creators' overview.
     *
     * @param page the page
     * @return its JSON form: {@code items}, {@code page}, {@code size}, {@code totalItems},
     *     {@code totalPages}
     */
    public static Map<String, Object> creatorsOverview(Page<CreatorOverview> page) {
        return page(page, c -> {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("creatorId", c.creatorId());
            out.put("lifetimeEarnings", money(c.lifetimeEarnings()));
            out.put("periodEarnings", money(c.periodEarnings()));
            out.put("periodReversed", money(c.periodReversed()));
            out.put("periodUses", c.periodUses());
            out.put("models", c.models());
            out.put("balance", balance(c.balance()));
            return out;
        });
    }

    /**
     * A page of the audit log. An entry's {@code before} and {@code after} values, which the
     * library stores as JSON, are JSON objects in the answer, not strings a client must parse again.
     *
     * @param page the page
     * @return its JSON form: {@code items}, {@code page}, {@code size}, {@code totalItems},
     *     {@code totalPages}
     */
    public static Map<String, Object> auditLog(Page<AuditEntry> page) {
        return page(page, e -> {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("id", e.id());
            entry.put("occurredAt", e.occurredAt().toString());
            entry.put("actor", e.actor());
            entry.put("action", e.action().name());
            entry.put("targetType", e.targetType());
            entry.put("targetId", e.targetId());
            entry.put("creatorId", e.creatorId().orElse(null));
            entry.put("reason", e.reason().orElse(null));
            entry.put("before", e.before().map(JsonView::stored).orElse(null));
            entry.put("after", e.after().map(JsonView::stored).orElse(null));
            return entry;
        });
    }

    /**
     * JSON the library wrote (an audit entry's values, an event's payload) as maps and lists, its
     * fractions as {@link BigDecimal}s.
     *
     * @param json the JSON text
     * @return the value it holds
     * @throws IllegalStateException if the text is not JSON, which the library never stores
     */
    public static Object stored(String json) {
        try {
            return STORED.readValue(json);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("JSON the library stored could not be read", e);
        }
    }

    /**
     * A forecast: the days from tomorrow with their estimates and intervals, the totals, the tier
     * outlooks. Estimates are decimal strings (whole uses; earnings to the currency's minor unit);
     * an unbounded upper bound is {@code null}.
     *
     * @param f the forecast
     * @return its JSON form
     */
    public static Map<String, Object> forecast(Forecast f) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("creatorId", f.creatorId());
        out.put("modelId", f.modelId().orElse(null));
        out.put("zone", zone(f.zone()));
        out.put("historyFrom", f.historyFrom().toString());
        out.put("historyTo", f.historyTo().toString());
        out.put("confidence", f.confidence().toPlainString());
        out.put("method", f.method());
        out.put("currency", f.currency().getCurrencyCode());
        out.put("uses", estimate(f.uses()));
        out.put("earnings", estimate(f.earnings()));
        out.put("days", list(f.days(), d -> {
            Map<String, Object> day = new LinkedHashMap<>();
            day.put("day", d.day().toString());
            day.put("uses", estimate(d.uses()));
            day.put("earnings", estimate(d.earnings()));
            return day;
        }));
        out.put("tiers", list(f.tiers(), t -> {
            Map<String, Object> tier = new LinkedHashMap<>();
            tier.put("modelId", t.modelId());
            tier.put("currentTier", t.currentTier());
            tier.put("countedUses", t.countedUses());
            tier.put("nextTier", t.nextTier().isPresent() ? t.nextTier().getAsInt() : null);
            tier.put("usesToNextTier", t.usesToNextTier().isPresent() ? t.usesToNextTier().getAsLong() : null);
            tier.put("countedUsesLast28Days", t.countedUsesLast28Days());
            tier.put("usesPerDay", t.usesPerDay().toPlainString());
            tier.put("expectedDay", t.expectedDay().map(Object::toString).orElse(null));
            return tier;
        }));
        return out;
    }

    private static Map<String, Object> estimate(Forecast.Estimate e) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("expected", e.expected().toPlainString());
        out.put("low", e.low().toPlainString());
        out.put("high", e.high().map(BigDecimal::toPlainString).orElse(null));
        return out;
    }

    /**
     * A comparison of models: each model's figures, share, daily trend and standings.
     *
     * @param c the comparison
     * @return its JSON form
     */
    public static Map<String, Object> comparison(ModelComparison c) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("from", c.range().from().toString());
        out.put("to", c.range().to().toString());
        out.put("zone", zone(c.range().zone()));
        out.put("models", list(c.models(), m -> {
            Map<String, Object> model = new LinkedHashMap<>();
            model.put("modelId", m.modelId());
            model.put("uses", m.uses());
            model.put("earningUses", m.earningUses());
            model.put("earnings", money(m.earnings()));
            model.put("reversed", money(m.reversed()));
            model.put("earningsPerUse", m.earningsPerUse().map(BigDecimal::toPlainString).orElse(null));
            model.put("shareOfEarnings", m.shareOfEarnings().map(BigDecimal::toPlainString).orElse(null));
            model.put("trend", list(m.trend(), p -> {
                Map<String, Object> point = new LinkedHashMap<>();
                point.put("day", p.start().toString());
                point.put("earnings", money(p.earnings()));
                point.put("uses", p.uses());
                return point;
            }));
            model.put("standings", list(m.standings(), st -> {
                Map<String, Object> standing = new LinkedHashMap<>();
                standing.put("usageType", st.usageType());
                standing.put("rank", st.rank());
                standing.put("models", st.models());
                standing.put("percentile", st.percentile().toPlainString());
                return standing;
            }));
            return model;
        }));
        return out;
    }

    /**
     * Market insights: buckets by usage type, hour and weekday, growth and concentration; a
     * figure withheld from a creator (fewer than k creators) is {@code null}.
     *
     * @param m the insights
     * @return its JSON form
     */
    public static Map<String, Object> market(MarketInsights m) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("from", m.range().from().toString());
        out.put("to", m.range().to().toString());
        out.put("zone", zone(m.range().zone()));
        out.put("minimumCreators", m.minimumCreators());
        out.put("anonymized", m.anonymized());
        out.put("byUsageType", list(m.byUsageType(), JsonView::bucket));
        out.put("byHour", list(m.byHour(), JsonView::bucket));
        out.put("byWeekday", list(m.byWeekday(), JsonView::bucket));
        Map<String, Object> growth = new LinkedHashMap<>();
        growth.put("current", m.growth().current().map(JsonView::figures).orElse(null));
        growth.put("previous", m.growth().previous().map(JsonView::figures).orElse(null));
        growth.put("usesChangeRatio", m.growth().usesChangeRatio().map(BigDecimal::toPlainString).orElse(null));
        growth.put("earningsChangeRatio", m.growth().earningsChangeRatio().map(BigDecimal::toPlainString).orElse(null));
        out.put("growth", growth);
        Map<String, Object> concentration = new LinkedHashMap<>();
        concentration.put("models", m.concentration().models());
        concentration.put("topOnePercentShare", m.concentration().topOnePercentShare().map(BigDecimal::toPlainString)
                .orElse(null));
        concentration.put("topTenPercentShare", m.concentration().topTenPercentShare().map(BigDecimal::toPlainString)
                .orElse(null));
        out.put("concentration", concentration);
        return out;
    }

    private static Map<String, Object> bucket(MarketInsights.Bucket b) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("key", b.key());
        out.put("figures", b.figures().map(JsonView::figures).orElse(null));
        return out;
    }

    private static Map<String, Object> figures(MarketInsights.Figures f) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("uses", f.uses());
        out.put("earnings", money(f.earnings()));
        out.put("models", f.models());
        out.put("creators", f.creators());
        return out;
    }

    /**
     * A monthly goal with its progress.
     *
     * @param g the goal
     * @return its JSON form
     */
    public static Map<String, Object> goal(Goal g) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("creatorId", g.creatorId());
        out.put("month", g.month().toString());
        out.put("zone", zone(g.zone()));
        out.put("target", money(g.target()));
        out.put("earned", money(g.earned()));
        out.put("remaining", money(g.remaining()));
        out.put("fraction", g.fraction().toPlainString());
        out.put("reached", g.reached());
        out.put("reachedAt", g.reachedAt().map(Object::toString).orElse(null));
        out.put("projectedReachDay", g.projectedReachDay().map(Object::toString).orElse(null));
        out.put("setAt", g.setAt().toString());
        out.put("setBy", g.setBy());
        return out;
    }

    /**
     * An alert on a model's unusual day, with the figures of its rule.
     *
     * @param a the alert
     * @return its JSON form
     */
    public static Map<String, Object> alert(Alert a) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("modelId", a.modelId());
        out.put("creatorId", a.creatorId());
        out.put("day", a.day().toString());
        out.put("metric", a.metric().wireName());
        out.put("direction", a.direction().wireName());
        out.put("value", a.value().toPlainString());
        out.put("median", a.median().toPlainString());
        out.put("mad", a.mad().toPlainString());
        out.put("threshold", a.threshold().toPlainString());
        out.put("explanation", a.explanation());
        out.put("raisedAt", a.raisedAt().toString());
        return out;
    }

    /**
     * A recommendation: its kind, model, reason and figures.
     *
     * @param r the recommendation
     * @return its JSON form
     */
    public static Map<String, Object> recommendation(Recommendation r) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("kind", r.kind().name());
        out.put("modelId", r.modelId().orElse(null));
        out.put("reason", r.reason());
        out.put("figures", new LinkedHashMap<>(r.figures()));
        return out;
    }

    private static <T> Map<String, Object> page(Page<T> page, Function<T, Map<String, Object>> item) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("items", list(page.items(), item));
        out.put("page", page.page());
        out.put("size", page.pageSize());
        out.put("totalItems", page.totalItems());
        out.put("totalPages", page.totalPages());
        return out;
    }

    private static <T> List<Map<String, Object>> list(List<T> values, Function<T, Map<String, Object>> item) {
        List<Map<String, Object>> out = new ArrayList<>(values.size());
        for (T value : values) {
            out.add(item.apply(value));
        }
        return out;
    }

    /** A zone by its id, UTC as {@code "UTC"} (its normalized id, {@code "Z"}, says less to a reader). */
    private static String zone(java.time.ZoneId zone) {
        return zone.normalized().equals(java.time.ZoneOffset.UTC) ? "UTC" : zone.getId();
    }

    /** Money goes out as a decimal string with all its places: JSON numbers become doubles in most clients. */
    private static String money(Money money) {
        return money.amount().toPlainString();
    }
}
