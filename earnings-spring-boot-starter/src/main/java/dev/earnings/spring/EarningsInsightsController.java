package dev.earnings.spring;

import dev.earnings.core.InvalidInputException;
import dev.earnings.jdbc.AccessDeniedException;
import dev.earnings.jdbc.Caller;
import dev.earnings.jdbc.Earnings;
import dev.earnings.jdbc.Forecast;
import dev.earnings.jdbc.Insights;
import dev.earnings.jdbc.http.JsonRequest;
import dev.earnings.jdbc.http.JsonView;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * The starter's endpoints for what the figures suggest ({@link Insights}): forecasts, model
 * comparisons, the platform's market patterns, monthly goals, alerts on unusual days and
 * recommendations, and the admins' check of a day for alerts. As with the dashboard, a creator
 * reads and sets their own, and an admin names the creator with {@code creatorId}; who may do
 * what is the library's rule. Only with {@code earnings.web.enabled=true}; answers are
 * {@link JsonView}'s, refusals problem details ({@link EarningsProblemHandler}).
 */
@RestController
final class EarningsInsightsController {
    /** The fields of a goal; anything else is refused. */
    static final Set<String> GOAL_FIELDS = Set.of("month", "zone", "target", "creatorId");
    /** The fields of a check. */
    static final Set<String> CHECK_FIELDS = Set.of("day");
    /** The forecasts served: a week, a month, a quarter. */
    static final Set<Integer> FORECAST_DAYS = Set.of(7, 30, 90);
    /** The library's names of a comparison's arguments, as the request names them. */
    private static final Map<String, String> COMPARE_NAMES = Map.of("modelIds", "models");

    private final Earnings earnings;
    private final EarningsRequests requests;

    EarningsInsightsController(Earnings earnings, EarningsRequests requests) {
        this.earnings = earnings;
        this.requests = requests;
    }

    /**
     * A forecast of the next {@code days} days (7, 30 or 90; 30 unless given) of {@code zone}
     * (UTC unless given): of one model with {@code modelId}, else of all the creator's models.
     */
    @GetMapping(path = "/api/insights/forecast", produces = MediaType.APPLICATION_JSON_VALUE)
    Map<String, Object> forecast(HttpServletRequest request,
            @RequestParam(name = "creatorId", required = false) @Nullable String creatorId,
            @RequestParam(name = "days", required = false) @Nullable String days,
            @RequestParam(name = "zone", required = false) @Nullable String zone,
            @RequestParam(name = "modelId", required = false) @Nullable String modelId) {
        Caller caller = requests.caller(request);
        int horizon = EarningsRequests.integer(days, "days", 30);
        if (!FORECAST_DAYS.contains(horizon)) {
            throw new InvalidInputException("days", "days is " + horizon + "; allowed: 7, 30 or 90");
        }
        ZoneId in = EarningsRequests.zone(zone, "zone");
        Optional<String> model = EarningsRequests.present(modelId);
        if (model.isEmpty()) {
            return JsonView.forecast(earnings.insights().forecastCreator(caller, creatorOf(caller, creatorId), horizon, in));
        }
        Optional<String> named = EarningsRequests.present(creatorId);
        if (named.isPresent() && !(caller instanceof Caller.Admin) && !named.get().equals(caller.id())) {
            // A creator reads their own forecasts only, whichever model they name.
            throw new AccessDeniedException("creator '" + caller.id() + "' may not read the forecasts of another creator");
        }
        Forecast forecast = earnings.insights().forecastModel(caller, model.get(), horizon, in);
        if (named.isPresent() && !forecast.creatorId().equals(named.get())) {
            throw new InvalidInputException("modelId", "model '" + model.get() + "' is not a model of creator '" + named.get()
                    + "'; allowed: one of theirs, or no creatorId");
        }
        return JsonView.forecast(forecast);
    }

    /**
     * Two to ten of a creator's models side by side over the last {@code period} days (30 unless
     * given) of {@code zone}, named by {@code models}, comma-separated, in the order to show them.
     */
    @GetMapping(path = "/api/insights/compare", produces = MediaType.APPLICATION_JSON_VALUE)
    Map<String, Object> compare(HttpServletRequest request,
            @RequestParam(name = "creatorId", required = false) @Nullable String creatorId,
            @RequestParam(name = "models", required = false) @Nullable String models,
            @RequestParam(name = "period", required = false) @Nullable String period,
            @RequestParam(name = "zone", required = false) @Nullable String zone) {
        Caller caller = requests.caller(request);
        List<String> modelIds = EarningsRequests.commaSeparated(models, "models");
        var days = EarningsRequests.period(period, zone);
        String creator = creatorOf(caller, creatorId);
        return JsonView.comparison(EarningsRequests.asSent(COMPARE_NAMES,
                () -> earnings.insights().compareModels(caller, creator, modelIds, days)));
    }

    /**
     * The platform's uses and earnings by usage type, hour and weekday over the last
     * {@code period} days of {@code zone}; a creator sees figures over at least
     * {@code earnings.insights.minimum-creators} creators only.
     */
    @GetMapping(path = "/api/insights/market", produces = MediaType.APPLICATION_JSON_VALUE)
    Map<String, Object> market(HttpServletRequest request, @RequestParam(name = "period", required = false) @Nullable String period,
            @RequestParam(name = "zone", required = false) @Nullable String zone) {
        Caller caller = requests.caller(request);
        var days = EarningsRequests.period(period, zone);
        return JsonView.market(earnings.insights().market(caller, days));
    }

    /** The creator's goals, latest month first, as {@code {"goals": [...]}}. */
    @GetMapping(path = "/api/insights/goals", produces = MediaType.APPLICATION_JSON_VALUE)
    Map<String, Object> goals(HttpServletRequest request,
            @RequestParam(name = "creatorId", required = false) @Nullable String creatorId) {
        Caller caller = requests.caller(request);
        return named("goals", earnings.insights().goals(caller, creatorOf(caller, creatorId)), JsonView::goal);
    }

    /**
     * Sets the creator's earnings target for a month, or replaces it while it is not reached:
     * {@code month} ({@code 2026-12}) and {@code target} (a decimal string) are required,
     * {@code zone} (the calendar of the month; UTC unless given) and, for an admin,
     * {@code creatorId} optional. The answer is the goal with its progress.
     */
    @PostMapping(path = "/api/insights/goals", produces = MediaType.APPLICATION_JSON_VALUE)
    Map<String, Object> setGoal(HttpServletRequest request) throws IOException {
        Caller caller = requests.caller(request);
        JsonRequest body = requests.body(request).onlyFields("a goal", GOAL_FIELDS);
        YearMonth month = month(body.optionalText("month").orElse(null));
        Optional<String> zoneId = body.optionalText("zone");
        if (zoneId.isPresent() && zoneId.get().isEmpty()) {
            throw new InvalidInputException("zone", "zone is empty; allowed: an IANA time zone id such as Europe/Paris, or no"
                    + " zone for UTC");
        }
        ZoneId zone = EarningsRequests.zone(zoneId.orElse(null), "zone");
        BigDecimal target = body.decimal("target").orElse(null);
        String creator = creatorOf(caller, body.optionalText("creatorId").orElse(null));
        return JsonView.goal(earnings.insights().setGoal(caller, creator, month, zone, target));
    }

    /** Deletes the creator's goal of the month ({@code 2026-12}): {@code {"deleted": true}} if there was one. */
    @DeleteMapping(path = "/api/insights/goals/{month}", produces = MediaType.APPLICATION_JSON_VALUE)
    Map<String, Object> deleteGoal(HttpServletRequest request, @PathVariable("month") String month,
            @RequestParam(name = "creatorId", required = false) @Nullable String creatorId) {
        Caller caller = requests.caller(request);
        YearMonth which = month(month);
        boolean deleted = earnings.insights().deleteGoal(caller, creatorOf(caller, creatorId), which);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("deleted", deleted);
        return out;
    }

    /**
     * The creator's alerts on the days of the last {@code period} days, newest day first, as
     * {@code {"alerts": [...]}}.
     */
    @GetMapping(path = "/api/insights/alerts", produces = MediaType.APPLICATION_JSON_VALUE)
    Map<String, Object> alerts(HttpServletRequest request,
            @RequestParam(name = "creatorId", required = false) @Nullable String creatorId,
            @RequestParam(name = "period", required = false) @Nullable String period,
            @RequestParam(name = "zone", required = false) @Nullable String zone) {
        Caller caller = requests.caller(request);
        var days = EarningsRequests.period(period, zone);
        return named("alerts", earnings.insights().alerts(caller, creatorOf(caller, creatorId), days), JsonView::alert);
    }

    /** What the creator could do now, as {@code {"recommendations": [...]}}. */
    @GetMapping(path = "/api/insights/recommendations", produces = MediaType.APPLICATION_JSON_VALUE)
    Map<String, Object> recommendations(HttpServletRequest request,
            @RequestParam(name = "creatorId", required = false) @Nullable String creatorId) {
        Caller caller = requests.caller(request);
        return named("recommendations", earnings.insights().recommendations(caller, creatorOf(caller, creatorId)),
                JsonView::recommendation);
    }

    /**
     * Checks a completed UTC {@code day} ({@code 2026-03-09}) for alerts now, and the goals not
     * yet reached (admins): the alerts this check raised, as {@code {"alerts": [...]}}.
     */
    @PostMapping(path = "/api/admin/insights/check", produces = MediaType.APPLICATION_JSON_VALUE)
    Map<String, Object> check(HttpServletRequest request) throws IOException {
        Caller caller = requests.caller(request);
        JsonRequest body = requests.body(request).onlyFields("a check", CHECK_FIELDS);
        LocalDate day = body.optionalText("day").map(EarningsInsightsController::day).orElse(null);
        return named("alerts", earnings.insights().checkAlerts(caller, day), JsonView::alert);
    }

    /** The creator a request is about: the signed-in one unless {@code creatorId} names another. */
    private static String creatorOf(Caller caller, @Nullable String creatorId) {
        return EarningsRequests.present(creatorId).orElse(caller.id());
    }

    private static <T> Map<String, Object> named(String name, List<T> values, Function<T, Map<String, Object>> view) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put(name, values.stream().map(view).toList());
        return out;
    }

    /** A month as {@code 2026-12}; the library checks that it is missing or too far off. */
    private static @Nullable YearMonth month(@Nullable String value) {
        if (value == null) {
            return null;
        }
        try {
            return YearMonth.parse(value);
        } catch (DateTimeParseException e) {
            throw new InvalidInputException("month", "month must be a month as in 2026-12 (year, dash, two-digit month)");
        }
    }

    private static LocalDate day(String value) {
        try {
            return LocalDate.parse(value);
        } catch (DateTimeParseException e) {
            throw new InvalidInputException("day", "day must be a UTC day as in 2026-03-09");
        }
    }
}
