package dev.earnings.jdbc.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.earnings.core.InvalidInputException;
import dev.earnings.core.Money;
import dev.earnings.jdbc.AccessDeniedException;
import dev.earnings.jdbc.IdempotencyConflictException;
import dev.earnings.jdbc.IllegalPayoutTransitionException;
import dev.earnings.jdbc.InsufficientFundsException;
import dev.earnings.jdbc.PayoutStatus;
import dev.earnings.jdbc.RateLimitedException;
import dev.earnings.jdbc.RateLimits;
import dev.earnings.jdbc.RejectedUseException;
import dev.earnings.jdbc.ReversalConflictException;
import dev.earnings.jdbc.ReversalExceedsRemainderException;
import dev.earnings.jdbc.StorageException;
import dev.earnings.jdbc.UnknownModelException;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Each of the library's refusals answered with its status and field; anything else left to the server. */
class HttpProblemTest {
    static Stream<Arguments> refusals() {
        Money one = Money.of("USD", "1");
        Money half = Money.of("USD", "0.5");
        return Stream.of(
                Arguments.of(new InvalidInputException("tokensConsumed", "tokensConsumed must not be negative"), 400, "tokensConsumed"),
                Arguments.of(new BodyTooLargeException(10), 413, "body"),
                Arguments.of(new AccessDeniedException("creator a may not read creator b"), 403, "caller"),
                Arguments.of(new UnknownModelException("m-1"), 404, "modelId"),
                Arguments.of(new IdempotencyConflictException("e-1", "modelId", ""), 409, "modelId"),
                Arguments.of(new InsufficientFundsException("c-1", 500, 100), 409, "amountMinor"),
                Arguments.of(new IllegalPayoutTransitionException(7, PayoutStatus.COMPLETED, PayoutStatus.FAILED), 409, "status"),
                Arguments.of(new ReversalExceedsRemainderException("e-1", one, half), 409, "amount"),
                Arguments.of(new ReversalConflictException("r-1", "eventId", ""), 409, "eventId"),
                Arguments.of(new RejectedUseException("the recorder is closed"), 503, "server"));
    }

    @ParameterizedTest
    @MethodSource("refusals")
    void aRefusal_isItsStatus_namingTheField_withTheLibrarysMessage(RuntimeException e, int status, String field) {
        HttpProblem problem = HttpProblem.of(e).orElseThrow();
        assertThat(problem.status()).isEqualTo(status);
        assertThat(problem.field()).isEqualTo(field);
        assertThat(problem.message()).isEqualTo(e.getMessage());
        assertThat(problem.retryAfterSeconds()).isEmpty();
    }

    @Test
    void aRateLimit_is429_withTheWaitInWholeSecondsRoundedUp() {
        List<RateLimits.Rate> rates = List.of(new RateLimits.Rate(1, Duration.ofHours(1)));
        for (long millis : new long[] {1, 999, 1000, 1001, 59_500}) {
            RateLimitedException e = new RateLimitedException(RateLimits.Per.USER, "m-1", "e-1", rates, Duration.ofMillis(millis));
            HttpProblem problem = HttpProblem.of(e).orElseThrow();
            assertThat(problem.status()).isEqualTo(429);
            assertThat(problem.field()).isEqualTo("rate");
            assertThat(problem.retryAfterSeconds()).isEqualTo(OptionalLong.of(Math.max(1, (millis + 999) / 1000)));
        }
    }

    @Test
    void aStorageFailure_is503_namingTheEventIdToRetryWith() {
        StorageException e = new StorageException("connection lost", new SQLException("gone"), true).withEventId("e-42");
        HttpProblem problem = HttpProblem.of(e).orElseThrow();
        assertThat(problem.status()).isEqualTo(503);
        assertThat(problem.message()).isEqualTo("the earnings store is unavailable; retry with eventId e-42");
        assertThat(HttpProblem.of(new StorageException("down", new SQLException("gone"), true)).orElseThrow().message())
                .endsWith("retry with eventId (none)");
    }

    @Test
    void anythingElse_isTheServersOwnFault() {
        assertThat(HttpProblem.of(new IllegalStateException("a bug"))).isEmpty();
        assertThat(HttpProblem.of(new NullPointerException())).isEmpty();
    }

    @Test
    void onlyErrorStatusesMakeAProblem() {
        assertThatThrownBy(() -> new HttpProblem(200, "x", "ok", OptionalLong.empty())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new HttpProblem(600, "x", "no", OptionalLong.empty())).isInstanceOf(IllegalArgumentException.class);
    }
}
