package dev.earnings.spring;

import dev.earnings.core.InvalidInputException;
import dev.earnings.jdbc.AccessDeniedException;
import dev.earnings.jdbc.IdempotencyConflictException;
import dev.earnings.jdbc.RateLimitedException;
import dev.earnings.jdbc.StorageException;
import dev.earnings.jdbc.UnknownModelException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.HttpMediaTypeNotSupportedException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

/**
 * The refusals of {@link EarningsController} as RFC 9457 problem details
 * ({@code application/problem+json}), each with the {@code field} at fault and the library's
 * message, with the example host app's statuses. Only that controller's: the application's own
 * controllers keep their error handling.
 */
@RestControllerAdvice(assignableTypes = EarningsController.class)
final class EarningsProblemHandler {
    @ExceptionHandler
    ResponseEntity<ProblemDetail> refused(EarningsHttpException e) {
        return problem(e.status(), e.field(), e.getMessage());
    }

    @ExceptionHandler
    ResponseEntity<ProblemDetail> unknownModel(UnknownModelException e) {
        return problem(HttpStatus.NOT_FOUND, e.field(), e.getMessage());
    }

    @ExceptionHandler
    ResponseEntity<ProblemDetail> invalid(InvalidInputException e) {
        return problem(HttpStatus.BAD_REQUEST, e.field(), e.getMessage());
    }

    @ExceptionHandler
    ResponseEntity<ProblemDetail> conflict(IdempotencyConflictException e) {
        return problem(HttpStatus.CONFLICT, e.field(), e.getMessage());
    }

    @ExceptionHandler
    ResponseEntity<ProblemDetail> denied(AccessDeniedException e) {
        return problem(HttpStatus.FORBIDDEN, "caller", e.getMessage());
    }

    @ExceptionHandler
    ResponseEntity<ProblemDetail> rateLimited(RateLimitedException e) {
        // Whole seconds, rounded up: a client that waits as told is not refused again for being early.
        long seconds = Math.max(1, (e.retryAfter().toMillis() + 999) / 1000);
        ResponseEntity<ProblemDetail> answer = problem(HttpStatus.TOO_MANY_REQUESTS, "rate", e.getMessage());
        return ResponseEntity.status(answer.getStatusCode()).headers(answer.getHeaders())
                .header(HttpHeaders.RETRY_AFTER, Long.toString(seconds)).body(answer.getBody());
    }

    @ExceptionHandler
    ResponseEntity<ProblemDetail> unavailable(StorageException e) {
        // The use may or may not have been committed: the client retries with the same eventId.
        return problem(HttpStatus.SERVICE_UNAVAILABLE, "server", "the earnings store is unavailable; retry with eventId "
                + e.eventId().orElse("(none)"));
    }

    @ExceptionHandler
    ResponseEntity<ProblemDetail> unreadable(HttpMessageNotReadableException e) {
        return problem(HttpStatus.BAD_REQUEST, "body", "the body is not a JSON object");
    }

    @ExceptionHandler
    ResponseEntity<ProblemDetail> mediaType(HttpMediaTypeNotSupportedException e) {
        return problem(HttpStatus.UNSUPPORTED_MEDIA_TYPE, "Content-Type", "send the body as Content-Type: application/json");
    }

    private static ResponseEntity<ProblemDetail> problem(HttpStatus status, String field, String message) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, message);
        problem.setProperty("field", field);
        return ResponseEntity.status(status).contentType(MediaType.APPLICATION_PROBLEM_JSON).body(problem);
    }
}
