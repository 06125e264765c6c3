package dev.earnings.spring;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.earnings.core.InvalidInputException;
import dev.earnings.jdbc.Caller;
import dev.earnings.jdbc.ReportPeriod;
import dev.earnings.jdbc.http.JsonRequest;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;

/**
 * What every endpoint of the starter does first: who calls (401 without a principal), the caller's
 * request allowance ({@code earnings.web.requests-per-caller}, 429 with {@code Retry-After}), and
 * its body: JSON in UTF-8 only (415 otherwise), read strictly and never past
 * {@code earnings.web.max-body-bytes}; and the query parameters every endpoint reads the same way.
 */
final class EarningsRequests {
    /** Each caller's bucket is forgotten an hour after its last request: by then it has refilled. */
    private static final Duration FORGET_AFTER = Duration.ofHours(1);
    private static final long MAX_CALLERS = 100_000;

    private final EarningsCallerResolver callers;
    private final int maxBodyBytes;
    private final EarningsProperties.@Nullable Rate perCaller;
    private final Cache<String, Bucket> buckets = Caffeine.newBuilder().maximumSize(MAX_CALLERS)
            .expireAfterAccess(FORGET_AFTER).build();

    EarningsRequests(EarningsCallerResolver callers, EarningsProperties.Web web) {
        this.callers = callers;
        this.maxBodyBytes = web.getMaxBodyBytes();
        if (maxBodyBytes < 1) {
            throw new IllegalArgumentException("earnings.web.max-body-bytes must be at least 1, not " + maxBodyBytes);
        }
        EarningsProperties.Rate rate = web.getRequestsPerCaller();
        if (rate != null) {
            if (rate.getUses() < 1 || rate.getPer() == null || rate.getPer().isNegative() || rate.getPer().isZero()) {
                throw new IllegalArgumentException("earnings.web.requests-per-caller needs uses of at least 1 and a"
                        + " positive per, as in uses=100 and per=1s; leave it unset for no limit");
            }
        }
        this.perCaller = rate;
    }

    /**
     * The signed-in principal's request, with one request taken from its allowance.
     *
     * @throws EarningsHttpException 401 without a principal, 429 over the allowance
     */
    HttpServletRequest signedIn(HttpServletRequest request) {
        if (!callers.isAuthenticated(request)) {
            throw new EarningsHttpException(HttpStatus.UNAUTHORIZED, "authorization", "sign in first");
        }
        if (perCaller != null) {
            String name = request.getUserPrincipal() == null ? "" : request.getUserPrincipal().getName();
            EarningsProperties.Rate rate = perCaller;
            Bucket bucket = buckets.get(name, k -> Bucket.builder().addLimit(limit -> limit.capacity(rate.getUses())
                    .refillGreedy(rate.getUses(), Objects.requireNonNull(rate.getPer()))).build());
            ConsumptionProbe probe = bucket.tryConsumeAndReturnRemaining(1);
            if (!probe.isConsumed()) {
                throw new EarningsHttpException(HttpStatus.TOO_MANY_REQUESTS, "rate",
                        "too many requests from this caller; retry later", Duration.ofNanos(probe.getNanosToWaitForRefill()));
            }
        }
        return request;
    }

    /**
     * The caller the library sees.
     *
     * @throws EarningsHttpException 401 without one
     */
    Caller caller(HttpServletRequest request) {
        return callers.caller(signedIn(request)).orElseThrow(
                () -> new EarningsHttpException(HttpStatus.UNAUTHORIZED, "authorization", "sign in first"));
    }

    /**
     * An admin's caller; anyone else is refused before anything of the request is read, for calls
     * the library does not guard by caller itself (reversals, whose body would otherwise tell a
     * creator about another's uses by how it fails).
     *
     * @throws EarningsHttpException 403 for anyone but an admin
     */
    Caller admin(HttpServletRequest request, String refusal) {
        Caller caller = caller(request);
        if (!(caller instanceof Caller.Admin)) {
            throw new EarningsHttpException(HttpStatus.FORBIDDEN, "authorization", refusal);
        }
        return caller;
    }

    /** Whether the signed-in request may record uses. */
    boolean mayTrack(HttpServletRequest request) {
        return callers.mayTrack(request);
    }

    /**
     * The body, read strictly, never past the limit.
     *
     * @throws EarningsHttpException 415 naming {@code Content-Type}, before anything is read, unless
     *     the request has one {@code Content-Type}, {@code application/json} with no charset or UTF-8
     */
    JsonRequest body(HttpServletRequest request) throws IOException {
        requireJsonInUtf8(Collections.list(request.getHeaders(HttpHeaders.CONTENT_TYPE)));
        return JsonRequest.read(request.getInputStream(), maxBodyBytes);
    }

    /**
     * Refuses a body that is not declared JSON in UTF-8, as the headers were sent (whatever a filter
     * has made of the request's character encoding since). JSON is UTF-8, and the body is read as
     * UTF-8 whatever it declares: the bytes of another charset would be refused as no UTF-8, or read
     * as other text than was sent (ISO-8859-1's "\u00c3\u00a9" is UTF-8's "\u00e9", another user id).
     */
    static void requireJsonInUtf8(List<String> contentTypes) {
        if (contentTypes.size() != 1 || !isJsonInUtf8(contentTypes.get(0))) {
            throw new EarningsHttpException(HttpStatus.UNSUPPORTED_MEDIA_TYPE, "Content-Type",
                    "send the body as one Content-Type: application/json, in UTF-8 (no charset, or charset=UTF-8)");
        }
    }

    private static boolean isJsonInUtf8(String contentType) {
        try {
            MediaType type = MediaType.parseMediaType(contentType);
            return type.equalsTypeAndSubtype(MediaType.APPLICATION_JSON)
                    && (type.getCharset() == null || type.getCharset().equals(StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            // No media type, or a charset this runtime does not know: not JSON in UTF-8 either way.
            return false;
        }
    }

    static ReportPeriod period(@Nullable String value) {
        try {
            return ReportPeriod.lastDays(value == null || value.isEmpty() ? 30 : Integer.parseInt(value));
        } catch (NumberFormatException e) {
            throw new InvalidInputException("period", "period must be a whole number of days, as 7, 30, 90 or 365");
        }
    }

    /** The last {@code period} days (30 unless given) of {@code zone} (UTC unless given), both as request parameters. */
    static ReportPeriod period(@Nullable String period, @Nullable String zone) {
        return period(period).in(zone(zone, "zone"));
    }

    static int integer(@Nullable String value, String name, int fallback) {
        if (value == null || value.isEmpty()) {
            return fallback;
        }
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new InvalidInputException(name, name + " must be a whole number");
        }
    }

    /** A query parameter that is present and not empty: an empty one is what a form's empty field sends. */
    static Optional<String> present(@Nullable String value) {
        return value == null || value.isEmpty() ? Optional.empty() : Optional.of(value);
    }

    static Optional<Instant> instant(@Nullable String value, String name) {
        try {
            return present(value).map(Instant::parse);
        } catch (DateTimeParseException e) {
            throw new InvalidInputException(name, name + " must be an instant in UTC, as in 2026-03-01T00:00:00Z");
        }
    }

    /**
     * A {@code zone} parameter: an IANA time zone id such as {@code Europe/Paris} (or a fixed
     * offset such as {@code +05:30}), UTC when absent or empty.
     *
     * @throws InvalidInputException naming {@code name} for an id no zone has
     */
    static ZoneId zone(@Nullable String value, String name) {
        if (value == null || value.isEmpty()) {
            return ZoneOffset.UTC;
        }
        try {
            return ZoneId.of(value);
        } catch (DateTimeException e) {
            throw new InvalidInputException(name, name + " '" + (value.length() > 64 ? value.substring(0, 64) + "..." : value)
                    + "' is no time zone; allowed: an IANA time zone id such as Europe/Paris or America/New_York");
        }
    }

    /**
     * A comma-separated parameter ({@code models=a,b}): its entries in order, none when absent or
     * empty.
     *
     * @throws InvalidInputException naming {@code name} for an empty entry ({@code a,,b}, a trailing comma)
     */
    static List<String> commaSeparated(@Nullable String value, String name) {
        List<String> entries = new ArrayList<>();
        if (value == null || value.isEmpty()) {
            return entries;
        }
        for (String entry : value.split(",", -1)) {
            if (entry.isEmpty()) {
                throw new InvalidInputException(name, name + " has an empty entry; allowed: names separated by single"
                        + " commas, as in a,b");
            }
            entries.add(entry);
        }
        return entries;
    }

    /**
     * Calls the library, naming a refused argument as the request names it: the library's
     * {@code modelIds} is the parameter {@code models}, for instance.
     *
     * @param names the library's field names to the request's
     */
    static <T> T asSent(Map<String, String> names, Supplier<T> call) {
        try {
            return call.get();
        } catch (InvalidInputException e) {
            String sent = names.get(e.field());
            if (sent == null) {
                throw e;
            }
            InvalidInputException renamed = new InvalidInputException(sent, e.getMessage());
            renamed.initCause(e);
            throw renamed;
        }
    }
}
