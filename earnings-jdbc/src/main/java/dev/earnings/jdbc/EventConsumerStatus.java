package dev.earnings.jdbc;

import java.util.Optional;

/**
 * How far behind a consumer is, for a health page or an alert.
 *
 * @param consumer the consumer's name
 * @param pending events not yet handled (those still without a position included)
 * @param retryingLanes lanes waiting to retry an event that failed
 * @param deadLetters events given up on, waiting for a replay
 * @param lastError the last failure of a lane that is retrying, when one is
 */
public record EventConsumerStatus(String consumer, long pending, int retryingLanes, long deadLetters,
        Optional<String> lastError) {
}
