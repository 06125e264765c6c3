package dev.earnings.jdbc;

import dev.earnings.core.EarningsException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * A use was over a {@linkplain RateLimits rate limit} and was not recorded; nothing was written.
 *
 * <p>It says which limit refused the use (the user's, or the model's, naming the model) and
 * {@link #retryAfter() when} a retry can pass it, so a host can answer its client with HTTP 429
 * and a {@code Retry-After}. The library never retries it itself: waiting is the caller's choice.
 * The message never holds the user id, which is personal data.
 */
public final class RateLimitedException extends EarningsException {
    private static final long serialVersionUID = 1L;

    private final RateLimits.Per limit;
    private final String modelId;
    private final String eventId;
    private final Duration retryAfter;

    /**
     * Creates the exception.
     *
     * @param limit which limit refused the use
     * @param modelId the use's model
     * @param eventId the use's eventId (the host's, or the one the library assigned)
     * @param rates the refusing limit's rates, for the message
     * @param retryAfter how long until the limit lets one use through
     */
    public RateLimitedException(RateLimits.Per limit, String modelId, String eventId, List<RateLimits.Rate> rates,
            Duration retryAfter) {
        super(message(limit, modelId, eventId, rates, retryAfter));
        this.limit = Objects.requireNonNull(limit, "limit");
        this.modelId = Objects.requireNonNull(modelId, "modelId");
        this.eventId = Objects.requireNonNull(eventId, "eventId");
        this.retryAfter = Objects.requireNonNull(retryAfter, "retryAfter");
    }

    private static String message(RateLimits.Per limit, String modelId, String eventId, List<RateLimits.Rate> rates,
            Duration retryAfter) {
        long millis = retryAfter.plusNanos(999_999).toMillis();
        return (limit == RateLimits.Per.USER ? "the user's rate limit" : "the rate limit of model '" + modelId + "'")
                + " (" + rates.stream().map(RateLimits.Rate::toString).reduce((a, b) -> a + " and " + b).orElse("")
                + ") is reached: the use" + (limit == RateLimits.Per.USER ? " of model '" + modelId + "'" : "")
                + " (eventId '" + eventId + "') was not recorded; retry after " + millis + " ms";
    }

    /**
     * Which limit refused the use.
     *
     * @return {@link RateLimits.Per#USER} or {@link RateLimits.Per#MODEL}
     */
    public RateLimits.Per limit() {
        return limit;
    }

    /**
     * The model of the refused use; under {@link RateLimits.Per#MODEL} it is the limited model.
     *
     * @return the model id
     */
    public String modelId() {
        return modelId;
    }

    /**
     * The eventId of the refused use: a retry with it records the use once.
     *
     * @return the eventId
     */
    public String eventId() {
        return eventId;
    }

    /**
     * How long until the refusing limit lets one use through again. Other callers may take that
     * use first, and a limit that was not the one to refuse may refuse next.
     *
     * @return a positive duration
     */
    public Duration retryAfter() {
        return retryAfter;
    }
}
