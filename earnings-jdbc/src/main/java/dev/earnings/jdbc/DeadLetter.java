package dev.earnings.jdbc;

import java.time.Instant;

/**
 * An event a consumer gave up on after its attempts. The event is kept (never pruned) until it is
 * {@linkplain EventConsumer#replayDeadLetters() replayed} successfully or its consumer removed.
 *
 * @param consumer the consumer's name
 * @param event the event
 * @param attempts how many times the handler failed on it, replays included
 * @param failedAt when it failed last
 * @param error the last failure: the exception's type and message, cut to 2,000 characters
 */
public record DeadLetter(String consumer, EarningsEvent event, int attempts, Instant failedAt, String error) {
}
