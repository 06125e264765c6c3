package dev.earnings.jdbc;

import dev.earnings.core.Money;
import java.time.Instant;

/**
 * A reversal as made: part or all of a use's earnings taken back.
 *
 * <p>The use itself is unchanged (its ordinal, tier and rating are final); the reversal lowers
 * the model's and the creator's lifetime earnings at once, and the earnings of the UTC day it was
 * made.
 *
 * @param correctionId the host's correction id
 * @param eventId the reversed use
 * @param modelId the use's model
 * @param creatorId the model's creator
 * @param amount what was taken back, exact and greater than zero
 * @param remaining what remains of the use's earnings after this reversal
 * @param actor who reversed it
 * @param reason why
 * @param reversedAt when
 * @param replayed {@code true} when a different, earlier call made this reversal and this one
 *     found it by its correction id
 */
public record Reversal(String correctionId, String eventId, String modelId, String creatorId, Money amount,
        Money remaining, String actor, String reason, Instant reversedAt, boolean replayed) {
}
