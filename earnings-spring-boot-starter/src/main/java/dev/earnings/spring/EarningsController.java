package dev.earnings.spring;

import dev.earnings.core.InvalidInputException;
import dev.earnings.jdbc.Caller;
import dev.earnings.jdbc.DashboardQuery;
import dev.earnings.jdbc.Earnings;
import dev.earnings.jdbc.ReportFilter;
import dev.earnings.jdbc.UsageRequest;
import dev.earnings.jdbc.http.JsonRequest;
import dev.earnings.jdbc.http.JsonView;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.time.ZoneId;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * The starter's endpoints for the host's backend and for creators: {@code POST
 * /api/track-model-usage} (the backend records a use) and {@code GET /api/creator-analytics} (a
 * creator's dashboard). Only with {@code earnings.web.enabled=true}; answers are
 * {@link JsonView}'s, refusals problem details ({@link EarningsProblemHandler}).
 */
@RestController
final class EarningsController {
    /** The fields of a use; anything else is refused, so a misspelt field is not silently lost. */
    static final Set<String> TRACK_FIELDS = Set.of("userId", "modelId", "usageType", "tokensConsumed", "metadata", "eventId");

    /** The library's names of a filter's sets, as the request names them. */
    private static final Map<String, String> FILTER_NAMES = Map.of("modelIds", "models", "usageTypes", "usageType");

    private final Earnings earnings;
    private final EarningsRequests requests;

    EarningsController(Earnings earnings, EarningsRequests requests) {
        this.earnings = earnings;
        this.requests = requests;
    }

    /**
     * Records a use for the host's backend. The body is a JSON object of {@code userId},
     * {@code modelId}, {@code usageType} and {@code tokensConsumed} (required), {@code metadata}
     * (an object, handed to the library as the JSON text sent) and {@code eventId} (the
     * idempotency key; a replay of the same use answers the recorded one with
     * {@code "replayed": true}).
     */
    @PostMapping(path = "/api/track-model-usage", produces = MediaType.APPLICATION_JSON_VALUE)
    Map<String, Object> track(HttpServletRequest request) throws IOException {
        requests.signedIn(request);
        if (!requests.mayTrack(request)) {
            throw new EarningsHttpException(HttpStatus.FORBIDDEN, "authorization",
                    "uses are recorded by the host's backend with its service credential, not with a person's sign-in");
        }
        JsonRequest body = requests.body(request).onlyFields("a use", TRACK_FIELDS);
        UsageRequest.Builder use = UsageRequest.builder(body.text("userId"), body.text("modelId"))
                .tokensConsumed(body.wholeNumber("tokensConsumed"))
                .usageType(body.text("usageType"));
        if (body.has("metadata") && !body.isObject("metadata") && body.raw("metadata").isPresent()) {
            throw new InvalidInputException("metadata", "metadata must be a JSON object");
        }
        // The text as sent, for the library's own strict parser and its messages.
        body.raw("metadata").ifPresent(use::metadataJson);
        body.optionalText("eventId").ifPresent(use::eventId);
        return JsonView.use(earnings.logModelUsage(use.build()));
    }

    /**
     * A creator's dashboard over the last {@code period} days (30 unless given) of {@code zone}
     * (an IANA time zone id; UTC unless given), for one model when {@code modelId} names it: the
     * signed-in creator's own unless {@code creatorId} names another, which only an admin may
     * read. {@code usageType} and {@code models}, comma-separated, count only the uses of those
     * usage types and of those models.
     */
    @GetMapping(path = "/api/creator-analytics", produces = MediaType.APPLICATION_JSON_VALUE)
    Map<String, Object> creatorAnalytics(HttpServletRequest request,
            @RequestParam(name = "creatorId", required = false) @Nullable String creatorId,
            @RequestParam(name = "period", required = false) @Nullable String period,
            @RequestParam(name = "modelId", required = false) @Nullable String modelId,
            @RequestParam(name = "zone", required = false) @Nullable String zone,
            @RequestParam(name = "usageType", required = false) @Nullable String usageType,
            @RequestParam(name = "models", required = false) @Nullable String models) {
        Caller caller = requests.caller(request);
        ZoneId in = EarningsRequests.zone(zone, "zone");
        List<String> types = EarningsRequests.commaSeparated(usageType, "usageType");
        List<String> modelIds = EarningsRequests.commaSeparated(models, "models");
        DashboardQuery base = DashboardQuery.of(EarningsRequests.period(period)).in(in).limits(10, 10, 10);
        if (modelId != null && !modelId.isEmpty()) {
            base = base.forModel(modelId);
        }
        DashboardQuery query = base;
        String creator = creatorId == null || creatorId.isEmpty() ? caller.id() : creatorId;
        return JsonView.dashboard(EarningsRequests.asSent(FILTER_NAMES, () -> earnings.analytics().creatorDashboard(caller,
                creator, query.filter(new ReportFilter(new HashSet<>(modelIds), new HashSet<>(types))))));
    }
}
