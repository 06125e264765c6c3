package dev.earnings.spring;

import java.time.Duration;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;

/** A refusal of the HTTP endpoints' own (not the library's): a status, the field at fault and why. */
final class EarningsHttpException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final HttpStatus status;
    private final String field;
    private final @Nullable Duration retryAfter;

    EarningsHttpException(HttpStatus status, String field, String message) {
        this(status, field, message, null);
    }

    EarningsHttpException(HttpStatus status, String field, String message, @Nullable Duration retryAfter) {
        super(message);
        this.status = status;
        this.field = field;
        this.retryAfter = retryAfter;
    }

    HttpStatus status() {
        return status;
    }

    String field() {
        return field;
    }

    /** For a 429, how long until a retry can pass. */
    Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }
}
