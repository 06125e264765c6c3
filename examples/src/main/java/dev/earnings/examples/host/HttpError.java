package dev.earnings.examples.host;

import java.time.Duration;
import java.util.Optional;

/** An error answered to the client: status, the field at fault, a message and, for 429, when to retry. */
final class HttpError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    final int status;
    final String field;
    /** Whole seconds for {@code Retry-After}, or 0 for none. */
    private final long retryAfterSeconds;

    HttpError(int status, String field, String message) {
        this(status, field, message, 0);
    }

    private HttpError(int status, String field, String message, long retryAfterSeconds) {
        super(message);
        this.status = status;
        this.field = field;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    /**
     * A 429 whose {@code Retry-After} is the wait rounded up to whole seconds, at least one, so a
     * client that waits exactly that long is let through.
     */
    static HttpError tooManyRequests(String field, String message, Duration wait) {
        long seconds = Math.max(1, wait.toSeconds() + (wait.toNanosPart() > 0 ? 1 : 0));
        return new HttpError(429, field, message + "; retry after " + seconds + " s", seconds);
    }

    Optional<Long> retryAfterSeconds() {
        return retryAfterSeconds > 0 ? Optional.of(retryAfterSeconds) : Optional.empty();
    }
}
