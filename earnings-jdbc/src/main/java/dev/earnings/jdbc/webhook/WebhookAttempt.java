package dev.earnings.jdbc.webhook;

import dev.earnings.jdbc.EventType;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * One attempt of a {@link WebhookSender} to deliver an event, as its
 * {@linkplain WebhookSender.Builder#onAttempt listener} sees it, so that a host can show an
 * endpoint's deliveries (what was sent, when, how it was answered, how long it took) without
 * parsing logs.
 *
 * @param eventId the event's id
 * @param type the event's type
 * @param attemptedAt when the attempt started, on the sender's clock; its Unix seconds are the
 *     request's timestamp
 * @param duration how long the attempt took, measured on the monotonic clock
 * @param status the receiver's HTTP status, empty when no answer came
 * @param failure why the attempt failed, in words without the secret or the endpoint's path
 *     ({@code answered HTTP 500}, {@code timed out after 10 s}); empty when it succeeded
 */
public record WebhookAttempt(String eventId, EventType type, Instant attemptedAt, Duration duration, OptionalInt status,
        Optional<String> failure) {
    /**
     * Checks the parts.
     *
     * @param eventId the event's id
     * @param type the event's type
     * @param attemptedAt when the attempt started
     * @param duration how long it took
     * @param status the HTTP status, if any
     * @param failure why it failed, if it did
     * @throws NullPointerException if a part is missing
     */
    public WebhookAttempt {
        Objects.requireNonNull(eventId, "eventId");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(attemptedAt, "attemptedAt");
        Objects.requireNonNull(duration, "duration");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(failure, "failure");
    }

    /**
     * Whether the receiver took the event: it answered 2xx.
     *
     * @return {@code true} when the attempt succeeded
     */
    public boolean succeeded() {
        return failure.isEmpty();
    }
}
