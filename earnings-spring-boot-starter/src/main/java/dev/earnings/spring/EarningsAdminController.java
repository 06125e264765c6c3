package dev.earnings.spring;

import dev.earnings.core.InvalidInputException;
import dev.earnings.jdbc.AuditAction;
import dev.earnings.jdbc.AuditQuery;
import dev.earnings.jdbc.BulkPayoutRequest;
import dev.earnings.jdbc.Caller;
import dev.earnings.jdbc.CreatorOverview;
import dev.earnings.jdbc.CreatorsOverviewQuery;
import dev.earnings.jdbc.Earnings;
import dev.earnings.jdbc.Payout;
import dev.earnings.jdbc.PayoutRequest;
import dev.earnings.jdbc.Reversal;
import dev.earnings.jdbc.ReversalRequest;
import dev.earnings.jdbc.http.JsonRequest;
import dev.earnings.jdbc.http.JsonView;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * The starter's endpoints for admins: platform totals, the creators' overview, payouts (one,
 * bulk, and their transitions), reversals and the audit log, those of the example host app. Who
 * may do what is the library's rule ({@link Caller}): a creator asking is refused 403 by the
 * library; reversals are refused before their body is read. Only with
 * {@code earnings.web.enabled=true}.
 */
@RestController
final class EarningsAdminController {
    static final Set<String> PAYOUT_FIELDS = Set.of("creatorId", "amountMinor", "reference", "note");
    static final Set<String> BULK_FIELDS = Set.of("batchReference", "thresholdMinor", "dryRun");
    static final Set<String> TRANSITION_FIELDS = Set.of("reason");
    static final Set<String> REVERSAL_FIELDS = Set.of("eventId", "amount", "correctionId", "reason");
    /** Audit entries a page when the request names no size. */
    private static final int AUDIT_PAGE_SIZE = 50;

    private final Earnings earnings;
    private final EarningsRequests requests;

    EarningsAdminController(Earnings earnings, EarningsRequests requests) {
        this.earnings = earnings;
        this.requests = requests;
    }

    /** The platform's totals over the last {@code period} days (30 unless given). */
    @GetMapping(path = "/api/admin/totals", produces = MediaType.APPLICATION_JSON_VALUE)
    Map<String, Object> totals(HttpServletRequest request, @RequestParam(name = "period", required = false) @Nullable String period) {
        Caller caller = requests.caller(request);
        return JsonView.platformTotals(earnings.admin().platformTotals(caller, EarningsRequests.period(period)));
    }

    /**
     * A page of the creators' overview: sorted by {@code sort} (a {@link CreatorOverview.Sort},
     * lifetime earnings unless given), descending unless {@code direction=asc}; {@code page} counts
     * from 0, {@code size} creators a page (50 unless given).
     */
    @GetMapping(path = "/api/admin/creators", produces = MediaType.APPLICATION_JSON_VALUE)
    Map<String, Object> creators(HttpServletRequest request, @RequestParam(name = "period", required = false) @Nullable String period,
            @RequestParam(name = "sort", required = false) @Nullable String sort,
            @RequestParam(name = "direction", required = false) @Nullable String direction,
            @RequestParam(name = "page", required = false) @Nullable String page,
            @RequestParam(name = "size", required = false) @Nullable String size) {
        Caller caller = requests.caller(request);
        CreatorOverview.Sort by;
        try {
            by = CreatorOverview.Sort.valueOf(EarningsRequests.present(sort).orElse("LIFETIME_EARNINGS").toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException("sort", "sort must be one of " + List.of(CreatorOverview.Sort.values()));
        }
        if (direction != null && !direction.isEmpty() && !direction.equals("asc") && !direction.equals("desc")) {
            throw new InvalidInputException("direction", "direction must be asc or desc");
        }
        CreatorsOverviewQuery query = CreatorsOverviewQuery.of(EarningsRequests.period(period)).sortedBy(by, !"asc".equals(direction))
                .page(EarningsRequests.integer(page, "page", 0), EarningsRequests.integer(size, "size", 50));
        return JsonView.creatorsOverview(earnings.admin().creatorsOverview(caller, query));
    }

    /**
     * Creates a payout: {@code creatorId}, {@code amountMinor} (whole minor units) and
     * {@code reference} (the idempotency key: the same reference answers the same payout) are
     * required, {@code note} is optional.
     */
    @PostMapping(path = "/api/admin/payouts", produces = MediaType.APPLICATION_JSON_VALUE)
    Map<String, Object> createPayout(HttpServletRequest request) throws IOException {
        Caller caller = requests.caller(request);
        JsonRequest body = requests.body(request).onlyFields("a payout", PAYOUT_FIELDS);
        return JsonView.payout(earnings.payouts().create(caller, PayoutRequest.of(body.text("creatorId"),
                body.wholeNumber("amountMinor"), body.text("reference")).note(body.optionalText("note").orElse(null))));
    }

    /**
     * Pays every creator whose available balance reaches {@code thresholdMinor}, under one
     * {@code batchReference} (re-running it pays nobody twice); {@code dryRun} (true unless
     * false) only reports what it would do.
     */
    @PostMapping(path = "/api/admin/payouts/bulk", produces = MediaType.APPLICATION_JSON_VALUE)
    Map<String, Object> bulkPayout(HttpServletRequest request) throws IOException {
        Caller caller = requests.caller(request);
        JsonRequest body = requests.body(request).onlyFields("a bulk payout", BULK_FIELDS);
        return JsonView.bulkPayout(earnings.payouts().payoutAll(caller, BulkPayoutRequest.of(body.text("batchReference"))
                .threshold(body.wholeNumber("thresholdMinor")).dryRun(body.bool("dryRun", true))));
    }

    /**
     * Moves a payout on: {@code complete}, {@code fail} or {@code cancel}, with an optional
     * {@code reason}; a transition its status does not allow is a 409.
     */
    @PostMapping(path = "/api/admin/payouts/{id}/{action}", produces = MediaType.APPLICATION_JSON_VALUE)
    Map<String, Object> transition(HttpServletRequest request, @PathVariable("id") String id, @PathVariable("action") String action)
            throws IOException {
        Caller caller = requests.caller(request);
        if (!action.equals("complete") && !action.equals("fail") && !action.equals("cancel")) {
            throw new EarningsHttpException(org.springframework.http.HttpStatus.NOT_FOUND, "path",
                    "no such payout action: " + action + "; allowed: complete, fail, cancel");
        }
        long payoutId;
        try {
            payoutId = Long.parseLong(id);
        } catch (NumberFormatException e) {
            throw new InvalidInputException("payoutId", "the payout id must be a number");
        }
        String reason = requests.body(request).onlyFields("a payout transition", TRANSITION_FIELDS).optionalText("reason").orElse(null);
        Payout p = switch (action) {
            case "complete" -> earnings.payouts().complete(caller, payoutId, reason);
            case "fail" -> earnings.payouts().fail(caller, payoutId, reason);
            default -> earnings.payouts().cancel(caller, payoutId, reason);
        };
        return JsonView.payout(p);
    }

    /**
     * Reverses part or all of a use, as for a refund or a chargeback: {@code eventId},
     * {@code correctionId} and {@code reason} are required; {@code amount}, a decimal string, is
     * what to take back, and all that remains of the use when it is absent. The answer is the
     * reversal and the creator's balance as it stands now. Anyone but an admin is refused before
     * the body is read.
     */
    @PostMapping(path = "/api/admin/reversals", produces = MediaType.APPLICATION_JSON_VALUE)
    Map<String, Object> reverse(HttpServletRequest request) throws IOException {
        Caller caller = requests.admin(request, "only admins reverse uses");
        JsonRequest body = requests.body(request).onlyFields("a reversal", REVERSAL_FIELDS);
        // No amount: all that remains of the use.
        ReversalRequest reversal = new ReversalRequest(body.text("eventId"), body.decimal("amount"), body.text("correctionId"),
                body.text("reason"));
        Reversal r = earnings.reversals().reverse(caller, reversal);
        Map<String, Object> out = JsonView.reversal(r);
        out.put("balance", JsonView.balance(earnings.analytics().balance(caller, r.creatorId())));
        return out;
    }

    /**
     * A page of the audit log, newest first, filtered by {@code actor}, {@code action},
     * {@code targetType}, {@code targetId}, {@code from} and {@code to} (instants in UTC,
     * {@code to} excluded); an empty parameter is no filter.
     */
    @GetMapping(path = "/api/admin/audit-log", produces = MediaType.APPLICATION_JSON_VALUE)
    Map<String, Object> auditLog(HttpServletRequest request, @RequestParam(name = "actor", required = false) @Nullable String actor,
            @RequestParam(name = "action", required = false) @Nullable String action,
            @RequestParam(name = "targetType", required = false) @Nullable String targetType,
            @RequestParam(name = "targetId", required = false) @Nullable String targetId,
            @RequestParam(name = "from", required = false) @Nullable String from,
            @RequestParam(name = "to", required = false) @Nullable String to,
            @RequestParam(name = "page", required = false) @Nullable String page,
            @RequestParam(name = "size", required = false) @Nullable String size) {
        Caller caller = requests.caller(request);
        Optional<AuditAction> auditAction;
        try {
            auditAction = EarningsRequests.present(action).map(a -> AuditAction.valueOf(a.toUpperCase(Locale.ROOT)));
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException("action", "action must be one of " + List.of(AuditAction.values()));
        }
        AuditQuery query = new AuditQuery(EarningsRequests.present(actor), auditAction, EarningsRequests.present(targetType),
                EarningsRequests.present(targetId), EarningsRequests.instant(from, "from"), EarningsRequests.instant(to, "to"),
                EarningsRequests.integer(page, "page", 0), EarningsRequests.integer(size, "size", AUDIT_PAGE_SIZE));
        return JsonView.auditLog(earnings.admin().auditLog(caller, query));
    }
}
