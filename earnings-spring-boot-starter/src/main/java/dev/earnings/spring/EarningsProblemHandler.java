package dev.earnings.spring;

import dev.earnings.jdbc.http.HttpProblem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

/**
 * The refusals of the starter's controllers as RFC 9457 problem details
 * ({@code application/problem+json}), each with the {@code field} at fault and the library's
 * message, with the statuses {@link HttpProblem} gives the library's exceptions (the example host
 * app's). Only those controllers': the application's own keep their error handling. A body that
 * is not {@code application/json} in UTF-8 is refused by the endpoints, 415 naming
 * {@code Content-Type}; a request no controller method takes (a wrong method) is refused by Spring
 * MVC itself, before any controller, with its own 405.
 */
@RestControllerAdvice(assignableTypes = {EarningsController.class, EarningsAdminController.class,
    EarningsInsightsController.class})
final class EarningsProblemHandler {
    private static final Logger LOG = LoggerFactory.getLogger(EarningsProblemHandler.class);

    @ExceptionHandler
    ResponseEntity<ProblemDetail> refused(EarningsHttpException e) {
        ResponseEntity<ProblemDetail> answer = problem(e.status().value(), e.field(), e.getMessage());
        return e.retryAfter().map(wait -> retryAfter(answer, Math.max(1, (wait.toMillis() + 999) / 1000))).orElse(answer);
    }

    @ExceptionHandler
    ResponseEntity<ProblemDetail> library(RuntimeException e) {
        HttpProblem p = HttpProblem.of(e).orElse(null);
        if (p == null) {
            // The server's own fault: logged here, and nothing of it told to the client.
            LOG.error("an earnings endpoint failed", e);
            return problem(500, "server", "the server failed; see its log");
        }
        ResponseEntity<ProblemDetail> answer = problem(p.status(), p.field(), p.message());
        return p.retryAfterSeconds().isPresent() ? retryAfter(answer, p.retryAfterSeconds().getAsLong()) : answer;
    }

    private static ResponseEntity<ProblemDetail> retryAfter(ResponseEntity<ProblemDetail> answer, long seconds) {
        return ResponseEntity.status(answer.getStatusCode()).headers(answer.getHeaders())
                .header(HttpHeaders.RETRY_AFTER, Long.toString(seconds)).body(answer.getBody());
    }

    private static ResponseEntity<ProblemDetail> problem(int status, String field, String message) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.valueOf(status), message);
        problem.setProperty("field", field);
        return ResponseEntity.status(status).contentType(MediaType.APPLICATION_PROBLEM_JSON).body(problem);
    }
}
