package dev.earnings.spring;

import dev.earnings.core.InvalidInputException;
import dev.earnings.jdbc.Balance;
import dev.earnings.jdbc.Caller;
import dev.earnings.jdbc.CreatorDashboard;
import dev.earnings.jdbc.DashboardQuery;
import dev.earnings.jdbc.Earnings;
import dev.earnings.jdbc.Payout;
import dev.earnings.jdbc.RecordedUse;
import dev.earnings.jdbc.ReportPeriod;
import dev.earnings.jdbc.UsageRequest;
import jakarta.servlet.http.HttpServletRequest;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * The starter's HTTP endpoints, those of the example host app: {@code POST /api/track-model-usage}
 * (the host's backend records a use) and {@code GET /api/creator-analytics} (a creator's
 * dashboard). Only with {@code earnings.web.enabled=true}; refusals are problem details
 * ({@link EarningsProblemHandler}).
 */
@RestController
final class EarningsController {
    /** The fields of a use; anything else is refused, so a misspelt field is not silently lost. */
    static final Set<String> TRACK_FIELDS = Set.of("userId", "modelId", "usageType", "tokensConsumed", "metadata", "eventId");

    private final Earnings earnings;
    private final EarningsCallerResolver callers;

    EarningsController(Earnings earnings, EarningsCallerResolver callers) {
        this.earnings = earnings;
        this.callers = callers;
    }

    /**
     * Records a use for the host's backend. The body is a JSON object of {@code userId},
     * {@code modelId}, {@code usageType} and {@code tokensConsumed} (required), {@code metadata}
     * (an object) and {@code eventId} (the idempotency key; a replay of the same use answers the
     * recorded one with {@code "replayed": true}).
     */
    @PostMapping(path = "/api/track-model-usage", consumes = MediaType.APPLICATION_JSON_VALUE,
            produces = MediaType.APPLICATION_JSON_VALUE)
    Map<String, Object> track(HttpServletRequest request, @RequestBody Map<String, Object> body) {
        signedIn(request);
        if (!callers.mayTrack(request)) {
            throw new EarningsHttpException(HttpStatus.FORBIDDEN, "authorization",
                    "uses are recorded by the host's backend with its service credential, not with a person's sign-in");
        }
        for (String name : body.keySet()) {
            if (!TRACK_FIELDS.contains(name)) {
                throw new InvalidInputException(name, name + " is not a field of a use; allowed: " + TRACK_FIELDS.stream().sorted().toList());
            }
        }
        UsageRequest.Builder use = UsageRequest.builder(text(body, "userId", true), text(body, "modelId", true))
                .tokensConsumed(wholeNumber(body, "tokensConsumed"))
                .usageType(text(body, "usageType", true));
        Object metadata = body.get("metadata");
        if (metadata != null) {
            if (!(metadata instanceof Map<?, ?> map)) {
                throw new InvalidInputException("metadata", "metadata must be a JSON object");
            }
            Map<String, Object> values = new LinkedHashMap<>();
            map.forEach((k, v) -> values.put(String.valueOf(k), v));
            use.metadata(values);
        }
        String eventId = text(body, "eventId", false);
        if (eventId != null) {
            use.eventId(eventId);
        }
        return use(earnings.logModelUsage(use.build()));
    }

    /**
     * A creator's dashboard over the last {@code period} days (30 unless given): the signed-in
     * creator's own unless {@code creatorId} names another, which only an admin may read.
     */
    @GetMapping(path = "/api/creator-analytics", produces = MediaType.APPLICATION_JSON_VALUE)
    Map<String, Object> creatorAnalytics(HttpServletRequest request, @RequestParam(name = "creatorId", required = false) @Nullable String creatorId,
            @RequestParam(name = "period", required = false) @Nullable String period, @RequestParam(name = "modelId", required = false) @Nullable String modelId) {
        Caller caller = signedIn(request);
        DashboardQuery query = DashboardQuery.of(period(period)).limits(10, 10, 10);
        if (modelId != null && !modelId.isEmpty()) {
            query = query.forModel(modelId);
        }
        String creator = creatorId == null || creatorId.isEmpty() ? caller.id() : creatorId;
        return dashboard(earnings.analytics().creatorDashboard(caller, creator, query));
    }

    private Caller signedIn(HttpServletRequest request) {
        if (!callers.isAuthenticated(request)) {
            throw new EarningsHttpException(HttpStatus.UNAUTHORIZED, "authorization", "sign in first");
        }
        return callers.caller(request).orElseThrow(
                () -> new EarningsHttpException(HttpStatus.UNAUTHORIZED, "authorization", "sign in first"));
    }

    private static ReportPeriod period(@Nullable String value) {
        try {
            return ReportPeriod.lastDays(value == null ? 30 : Integer.parseInt(value));
        } catch (NumberFormatException e) {
            throw new InvalidInputException("period", "period must be a whole number of days");
        }
    }

    private static @Nullable String text(Map<String, Object> body, String field, boolean required) {
        Object value = body.get(field);
        if (value == null) {
            if (required) {
                throw new InvalidInputException(field, field + " is required");
            }
            return null;
        }
        if (!(value instanceof String s)) {
            throw new InvalidInputException(field, field + " must be a string");
        }
        return s;
    }

    private static long wholeNumber(Map<String, Object> body, String field) {
        Object value = body.get(field);
        if (value == null) {
            throw new InvalidInputException(field, field + " is required");
        }
        if (value instanceof Integer || value instanceof Long) {
            return ((Number) value).longValue();
        }
        throw new InvalidInputException(field, field + " must be a whole number");
    }

    private static Map<String, Object> use(RecordedUse u) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("eventId", u.eventId());
        out.put("replayed", u.replayed());
        out.put("modelId", u.modelId());
        out.put("useOrdinal", u.useOrdinal().isPresent() ? u.useOrdinal().getAsLong() : null);
        out.put("earnings", money(u.result().earnings().amount()));
        out.put("currency", u.result().earnings().currency().getCurrencyCode());
        out.put("base", money(u.result().base().amount()));
        out.put("tier", u.result().tier().index());
        out.put("tierMultiplier", u.result().tier().multiplier().toPlainString());
        out.put("usageType", u.result().usageType().name());
        out.put("typeMultiplier", u.result().usageType().multiplier().toPlainString());
        out.put("reason", u.result().reason().map(Enum::name).orElse(null));
        out.put("explanation", u.result().explain());
        out.put("occurredAt", u.occurredAt().toString());
        return out;
    }

    private static Map<String, Object> dashboard(CreatorDashboard d) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("creatorId", d.creatorId());
        out.put("from", d.range().from().toString());
        out.put("to", d.range().to().toString());
        out.put("modelId", d.modelId().orElse(null));
        // Net of the period's reversals, with what they took back beside it.
        out.put("grossEarnings", money(d.periodEarnings().plus(d.periodReversed()).amount()));
        out.put("totalReversed", money(d.periodReversed().amount()));
        out.put("totalEarnings", money(d.periodEarnings().amount()));
        out.put("lifetimeEarnings", money(d.lifetimeEarnings().amount()));
        out.put("lifetimeReversed", money(d.lifetimeReversed().amount()));
        out.put("totalUsage", d.uses());
        out.put("earningUses", d.earningUses());
        out.put("uniqueUsers", d.uniqueUsers());
        out.put("activeModels", d.activeModels());
        out.put("averagePerModel", money(d.averageEarningsPerActiveModel().amount()));
        out.put("change", Map.of("previousEarnings", money(d.change().previousEarnings().amount()),
                "earningsChange", money(d.change().earningsChange().amount()),
                "earningsChangeRatio", d.change().earningsChangeRatio().map(BigDecimal::toPlainString).orElse("")));
        List<Map<String, Object>> models = new ArrayList<>();
        for (CreatorDashboard.ModelPerformance m : d.topModels()) {
            models.add(Map.of("modelId", m.modelId(), "uses", m.uses(), "earnings", money(m.earnings().amount()),
                    "tier", m.currentTier(), "multiplier", m.currentMultiplier().toPlainString(),
                    "usesToNextTier", m.usesToNextTier().isPresent() ? m.usesToNextTier().getAsLong() : -1));
        }
        out.put("models", models);
        List<Map<String, Object>> trend = new ArrayList<>();
        for (CreatorDashboard.TrendPoint p : d.trend()) {
            trend.add(Map.of("day", p.start().toString(), "earnings", money(p.earnings().amount()), "uses", p.uses()));
        }
        out.put("trend", trend);
        List<Map<String, Object>> activity = new ArrayList<>();
        for (CreatorDashboard.Activity a : d.recentActivity()) {
            activity.add(Map.of("at", a.occurredAt().toString(), "modelId", a.modelId(), "usageType", a.usageType(),
                    "tokens", a.tokensConsumed(), "earnings", money(a.earnings().amount()),
                    "reversed", money(a.reversed().amount()), "isReversed", a.isReversed(), "user", a.userPseudonym()));
        }
        out.put("recentActivity", activity);
        out.put("balance", balance(d.balance()));
        List<Object> transactions = new ArrayList<>();
        d.recentTransactions().forEach(p -> transactions.add(payout(p)));
        out.put("transactions", transactions);
        return out;
    }

    private static Map<String, Object> balance(Balance b) {
        return Map.of("earned", money(b.earned().amount()), "held", money(b.held().amount()),
                "pending", money(b.pending().amount()), "paidOut", money(b.paidOut().amount()),
                "available", money(b.available().amount()), "availableMinor", b.availableMinor(),
                "owed", money(b.owed().amount()));
    }

    private static Map<String, Object> payout(Payout p) {
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

    private static String money(BigDecimal amount) {
        return amount.toPlainString();
    }
}
