package dev.earnings.jdbc.http;

import dev.earnings.core.InvalidInputException;
import dev.earnings.jdbc.AccessDeniedException;
import dev.earnings.jdbc.IdempotencyConflictException;
import dev.earnings.jdbc.IllegalPayoutTransitionException;
import dev.earnings.jdbc.InsufficientFundsException;
import dev.earnings.jdbc.RateLimitedException;
import dev.earnings.jdbc.RejectedUseException;
import dev.earnings.jdbc.ReversalConflictException;
import dev.earnings.jdbc.ReversalExceedsRemainderException;
import dev.earnings.jdbc.StorageException;
import dev.earnings.jdbc.UnknownModelException;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A refusal of the library as an HTTP API answers it: the status, the request's field at fault
 * and the message, and for a rate limit the seconds to wait.
 *
 * <ul>
 *   <li>400: bad input ({@link InvalidInputException}, the field it names); 413 for a body over its
 *       limit ({@link BodyTooLargeException});
 *   <li>403: the caller may not ({@link AccessDeniedException}, field {@code caller});
 *   <li>404: the model is not registered ({@link UnknownModelException});
 *   <li>409: a conflict with what is stored: an eventId or correction id reused for another
 *       request, a payout larger than the available balance (field {@code amountMinor}), a payout
 *       transition its status does not allow ({@code status}), a reversal larger than what remains
 *       ({@code amount});
 *   <li>429: a rate limit ({@code rate}), with the whole seconds to wait, rounded up so a client
 *       that waits as told is not refused again for being early;
 *   <li>503: the store is unavailable ({@code server}); a use may or may not have been committed,
 *       so the message names the eventId to retry with, which records it exactly once either way.
 *       The asynchronous recorder's refusal when it is closed or its queue is full is a 503 too.
 * </ul>
 *
 * @param status the HTTP status
 * @param field the field at fault, or what failed ({@code caller}, {@code rate}, {@code server})
 * @param message what is wrong and, where it helps, what to do
 * @param retryAfterSeconds for a 429, the seconds after which a retry can pass
 */
public record HttpProblem(int status, String field, String message, OptionalLong retryAfterSeconds) {
    /**
     * Checks the values.
     *
     * @param status the HTTP status
     * @param field the field at fault
     * @param message the message
     * @param retryAfterSeconds for a 429, the seconds to wait
     * @throws IllegalArgumentException if the status is not an HTTP error status
     */
    public HttpProblem {
        if (status < 400 || status > 599) {
            throw new IllegalArgumentException("status must be an HTTP error status (400-599), not " + status);
        }
    }

    /**
     * The answer to one of the library's exceptions; empty for anything else, which is the
     * server's own fault (an HTTP 500, logged, whose message should not reach the client).
     *
     * @param e what the library threw
     * @return the answer, if the exception is one of the library's refusals
     */
    public static Optional<HttpProblem> of(RuntimeException e) {
        if (e instanceof AccessDeniedException) {
            return problem(403, "caller", e);
        }
        if (e instanceof UnknownModelException u) {
            return problem(404, u.field(), e);
        }
        if (e instanceof IdempotencyConflictException c) {
            return problem(409, c.field(), e);
        }
        if (e instanceof InsufficientFundsException) {
            return problem(409, "amountMinor", e);
        }
        if (e instanceof IllegalPayoutTransitionException) {
            return problem(409, "status", e);
        }
        if (e instanceof ReversalExceedsRemainderException) {
            return problem(409, "amount", e);
        }
        if (e instanceof ReversalConflictException c) {
            return problem(409, c.field(), e);
        }
        if (e instanceof BodyTooLargeException) {
            return problem(413, "body", e);
        }
        if (e instanceof InvalidInputException i) {
            return problem(400, i.field(), e);
        }
        if (e instanceof RateLimitedException r) {
            Duration wait = r.retryAfter();
            long seconds = Math.max(1, (wait.toMillis() + 999) / 1000);
            return Optional.of(new HttpProblem(429, "rate", e.getMessage(), OptionalLong.of(seconds)));
        }
        if (e instanceof StorageException s) {
            return Optional.of(new HttpProblem(503, "server", "the earnings store is unavailable; retry with eventId "
                    + s.eventId().orElse("(none)"), OptionalLong.empty()));
        }
        if (e instanceof RejectedUseException) {
            return problem(503, "server", e);
        }
        return Optional.empty();
    }

    private static Optional<HttpProblem> problem(int status, String field, RuntimeException e) {
        String message = e.getMessage();
        return Optional.of(new HttpProblem(status, field, message == null ? e.getClass().getSimpleName() : message, OptionalLong.empty()));
    }
}
